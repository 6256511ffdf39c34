//! Body temperature in tenths of a degree Celsius.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Temperature in tenths of a degree Celsius: `DeciCelsius(373)` is 37.3 °C.
///
/// Serialises as the integer number of tenths. `Display` gives `"37.3 ℃"` (the sign Chinese
/// screens and forms use); `degrees` the bare `"37.3"` a form field or a sheet cell takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeciCelsius(pub i16);

impl DeciCelsius {
    /// Lowest plausible body temperature accepted at a checkpoint (34.0 °C).
    pub const BODY_MIN: DeciCelsius = DeciCelsius(340);
    /// Highest plausible body temperature accepted at a checkpoint (43.0 °C).
    pub const BODY_MAX: DeciCelsius = DeciCelsius(430);
    /// The customary fever threshold at Chinese checkpoints (37.3 °C).
    pub const FEVER_DEFAULT: DeciCelsius = DeciCelsius(373);

    /// A body temperature in tenths: 340..=430, else
    /// `Range { min: "34.0", max: "43.0" }`.
    pub fn new_body(v: i32) -> Result<Self, ValidationError> {
        let range = i32::from(Self::BODY_MIN.0)..=i32::from(Self::BODY_MAX.0);
        if range.contains(&v) {
            i16::try_from(v).map(Self).map_err(|_| body_range_error())
        } else {
            Err(body_range_error())
        }
    }

    /// Parse `"36.5"` or `"37"` (at most one decimal; trimmed), then apply the
    /// body range. Empty → `Required`; malformed or more decimals → `Format`;
    /// outside 34.0-43.0 → `Range`.
    pub fn from_celsius_str(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValidationError::Required);
        }
        let (negative, rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s),
        };
        let (int_part, frac_part) = match rest.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (rest, None),
        };
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(int_part) || frac_part.is_some_and(|f| f.len() != 1 || !digits(f)) {
            return Err(ValidationError::Format);
        }
        // Anything with more than 4 integer digits is far out of range anyway.
        if int_part.len() > 4 {
            return Err(body_range_error());
        }
        let int: i32 = int_part.parse().map_err(|_| ValidationError::Format)?;
        let frac: i32 = match frac_part {
            Some(f) => f.parse().map_err(|_| ValidationError::Format)?,
            None => 0,
        };
        let tenths = int * 10 + frac;
        Self::new_body(if negative { -tenths } else { tenths })
    }

    /// `true` if this temperature is at or above `threshold`.
    pub fn is_fever(&self, threshold: DeciCelsius) -> bool {
        *self >= threshold
    }

    /// Degrees Celsius as a float (for charts; never for comparisons).
    pub fn as_celsius_f64(&self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

fn body_range_error() -> ValidationError {
    ValidationError::Range {
        min: "34.0".to_owned(),
        max: "43.0".to_owned(),
    }
}

impl DeciCelsius {
    /// The degrees with one decimal and no unit: `"37.3"`.
    pub fn degrees(&self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{}", abs / 10, abs % 10)
    }
}

impl fmt::Display for DeciCelsius {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ℃", self.degrees())
    }
}

impl FromStr for DeciCelsius {
    type Err = ValidationError;
    /// Same as [`DeciCelsius::from_celsius_str`] (body range applies).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_celsius_str(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range() -> ValidationError {
        ValidationError::Range {
            min: "34.0".into(),
            max: "43.0".into(),
        }
    }

    #[test]
    fn new_body_range() {
        assert_eq!(DeciCelsius::new_body(340), Ok(DeciCelsius(340)));
        assert_eq!(DeciCelsius::new_body(430), Ok(DeciCelsius(430)));
        assert_eq!(DeciCelsius::new_body(365), Ok(DeciCelsius(365)));
        for v in [339, 431, 0, -1, 36, 3650, i32::MAX, i32::MIN] {
            assert_eq!(DeciCelsius::new_body(v), Err(range()), "{v}");
        }
    }

    #[test]
    fn parse() {
        for (s, v) in [
            ("36.5", 365),
            ("37", 370),
            (" 37.3 ", 373),
            ("34.0", 340),
            ("43", 430),
            ("036.6", 366),
        ] {
            assert_eq!(DeciCelsius::from_celsius_str(s), Ok(DeciCelsius(v)), "{s}");
        }
        assert_eq!("36.5".parse::<DeciCelsius>(), Ok(DeciCelsius(365)));
        assert_eq!(
            DeciCelsius::from_celsius_str(""),
            Err(ValidationError::Required)
        );
        for s in [
            "36.55", "36.", ".5", "36,5", "abc", "36.5°", "+36.5", "-", "3 6", "３６.5", "36.5.1",
        ] {
            assert_eq!(
                DeciCelsius::from_celsius_str(s),
                Err(ValidationError::Format),
                "{s}"
            );
        }
        for s in ["33.9", "43.1", "0", "-36.5", "365", "99999999999"] {
            assert_eq!(DeciCelsius::from_celsius_str(s), Err(range()), "{s}");
        }
    }

    #[test]
    fn fever_and_display() {
        let t = DeciCelsius::FEVER_DEFAULT;
        assert!(DeciCelsius(373).is_fever(t));
        assert!(DeciCelsius(380).is_fever(t));
        assert!(!DeciCelsius(372).is_fever(t));
        assert!(DeciCelsius(372).is_fever(DeciCelsius(372)));
        assert_eq!(DeciCelsius(373).to_string(), "37.3 ℃");
        assert_eq!(DeciCelsius(360).to_string(), "36.0 ℃");
        assert_eq!(DeciCelsius(5).to_string(), "0.5 ℃");
        assert_eq!(DeciCelsius(-5).to_string(), "-0.5 ℃");
        assert_eq!(DeciCelsius(-5).degrees(), "-0.5");
        assert_eq!(DeciCelsius(380).degrees(), "38.0");
        assert_eq!(DeciCelsius(i16::MIN).to_string(), "-3276.8 ℃");
        assert!((DeciCelsius(373).as_celsius_f64() - 37.3).abs() < 1e-9);
    }
}
