//! Money as an integer number of fen (分, 1/100 yuan).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// An amount of money in integer fen (分): `Fen(99350)` is ¥993.50.
///
/// Never use floating point for money; parse user input with
/// [`Fen::from_yuan_str`]. Serialises as the integer number of fen.
/// `Display` gives `"¥9,935,000.00"` (negative: `"-¥12.30"`);
/// [`Fen::yuan_string`] gives the plain `"9935000.00"`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);

    /// Parse a yuan amount such as `"993.5"` (→ 99350), `"12"`, `"0.07"`,
    /// `"-3.20"` or `"9,935,000.00"` (commas only as correct thousands
    /// separators). Surrounding whitespace is trimmed.
    ///
    /// Empty → `Required`; more than 2 decimals, missing digits, stray signs,
    /// wrong comma grouping etc. → `Format`; beyond the `i64` fen range →
    /// `Range`.
    pub fn from_yuan_str(s: &str) -> Result<Self, ValidationError> {
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
        let int_digits = integer_digits(int_part).ok_or(ValidationError::Format)?;
        let frac: i128 = match frac_part {
            None => 0,
            Some(f) if (1..=2).contains(&f.len()) && f.bytes().all(|b| b.is_ascii_digit()) => {
                let v: i128 = f.parse().map_err(|_| ValidationError::Format)?;
                if f.len() == 1 { v * 10 } else { v }
            }
            Some(_) => return Err(ValidationError::Format),
        };
        let range_err = || ValidationError::Range {
            min: Fen(i64::MIN).yuan_string(),
            max: Fen(i64::MAX).yuan_string(),
        };
        // i128 comfortably holds 19 digits * 100; longer inputs are out of range.
        if int_digits.len() > 20 {
            return Err(range_err());
        }
        let int: i128 = int_digits.parse().map_err(|_| ValidationError::Format)?;
        let magnitude = int * 100 + frac;
        let value = if negative { -magnitude } else { magnitude };
        i64::try_from(value).map(Fen).map_err(|_| range_err())
    }

    /// Plain yuan with exactly two decimals, no grouping: `"993.50"`, `"-0.05"`.
    pub fn yuan_string(&self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

/// The digits of an integer part, validating optional thousands separators.
/// Returns `None` if empty, non-digit, or badly grouped.
fn integer_digits(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    let groups: Vec<&str> = s.split(',').collect();
    let all_digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    if groups.len() == 1 {
        return all_digits(s).then(|| s.to_owned());
    }
    let first_ok = groups[0].len() <= 3 && all_digits(groups[0]);
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3 && all_digits(g));
    (first_ok && rest_ok).then(|| groups.concat())
}

/// Inserts `,` every three digits from the right.
fn group_thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(
            f,
            "{sign}¥{}.{:02}",
            group_thousands(&(abs / 100).to_string()),
            abs % 100
        )
    }
}

impl FromStr for Fen {
    type Err = ValidationError;
    /// Same as [`Fen::from_yuan_str`] (input is in yuan, not fen).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_yuan_str(s)
    }
}

impl std::ops::Add for Fen {
    type Output = Fen;
    fn add(self, rhs: Fen) -> Fen {
        Fen(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Fen {
    type Output = Fen;
    fn sub(self, rhs: Fen) -> Fen {
        Fen(self.0 - rhs.0)
    }
}

impl std::iter::Sum for Fen {
    fn sum<I: Iterator<Item = Fen>>(iter: I) -> Fen {
        Fen(iter.map(|f| f.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_valid() {
        for (s, fen) in [
            ("993.5", 99350),
            ("993.50", 99350),
            ("993", 99300),
            ("0.07", 7),
            ("0.7", 70),
            ("0", 0),
            ("007.10", 710),
            (" 12.34 ", 1234),
            ("-3.2", -320),
            ("-0.01", -1),
            ("9,935,000.00", 993_500_000),
            ("1,000", 100_000),
            ("999", 99_900),
            ("92233720368547758.07", i64::MAX),
            ("-92233720368547758.08", i64::MIN),
        ] {
            assert_eq!(Fen::from_yuan_str(s), Ok(Fen(fen)), "{s}");
        }
        assert_eq!("993.5".parse::<Fen>(), Ok(Fen(99350)));
    }

    #[test]
    fn parse_invalid() {
        assert_eq!(Fen::from_yuan_str(""), Err(ValidationError::Required));
        assert_eq!(Fen::from_yuan_str("  "), Err(ValidationError::Required));
        for s in [
            "1.234", "-", "-.5", ".5", "5.", "1.2.3", "+5", "--5", "5-", "1e3", "abc", "¥5",
            "1 000", "1,00", "1000,000", ",100", "1,000,", "1,,000", "12,34.5", "0x10", "5.-1",
            "５", "NaN",
        ] {
            assert_eq!(Fen::from_yuan_str(s), Err(ValidationError::Format), "{s}");
        }
        for s in [
            "92233720368547758.08",
            "-92233720368547758.09",
            "99999999999999999999999999",
        ] {
            assert!(
                matches!(Fen::from_yuan_str(s), Err(ValidationError::Range { .. })),
                "{s}"
            );
        }
    }

    #[test]
    fn display() {
        assert_eq!(Fen(993_500_000).to_string(), "¥9,935,000.00");
        assert_eq!(Fen(99350).to_string(), "¥993.50");
        assert_eq!(Fen(100_000).to_string(), "¥1,000.00");
        assert_eq!(Fen(99_999).to_string(), "¥999.99");
        assert_eq!(Fen(5).to_string(), "¥0.05");
        assert_eq!(Fen(0).to_string(), "¥0.00");
        assert_eq!(Fen(-123_456_789).to_string(), "-¥1,234,567.89");
        assert_eq!(Fen(i64::MIN).to_string(), "-¥92,233,720,368,547,758.08");
        assert_eq!(Fen(99350).yuan_string(), "993.50");
        assert_eq!(Fen(-5).yuan_string(), "-0.05");
        assert_eq!(Fen(100).yuan_string(), "1.00");
        // Display output parses back (minus the currency sign).
        for v in [0, 1, 99, 100_000, 123_456_789, -123_456_789] {
            let shown = Fen(v).to_string().replace('¥', "");
            assert_eq!(Fen::from_yuan_str(&shown), Ok(Fen(v)), "{shown}");
        }
    }

    #[test]
    fn arithmetic() {
        assert_eq!(Fen(150) + Fen(50), Fen(200));
        assert_eq!(Fen(150) - Fen(200), Fen(-50));
        assert_eq!([Fen(1), Fen(2), Fen(3)].into_iter().sum::<Fen>(), Fen(6));
        assert!(Fen(1) > Fen::ZERO);
    }
}
