//! Resident identity number (公民身份号码), GB 11643-1999.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize};

use crate::ValidationError;
use crate::region::is_province_code;

/// ISO 7064 MOD 11-2 weights (2^(17-i) mod 11) for the 17 body digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of `sum % 11`.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Resident identity number, GB 11643-1999: 17 digits + check character
/// (`0`-`9` or `X`), ISO 7064 MOD 11-2.
///
/// Always 18 ASCII characters with an uppercase `X`, a real province code and
/// a real birth date between 1900-01-01 and today (China Standard Time).
///
/// Serialises as the plain string. **Deserialisation accepts a wrong check
/// character** (it uses [`IdNumber::parse_allow_bad_check`]) so that records
/// an administrator accepted despite a bad check character still load;
/// user input must go through [`IdNumber::parse`] / [`FromStr`] / [`TryFrom`],
/// which are strict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct IdNumber(String);

impl IdNumber {
    /// Parse and fully validate an identity number.
    ///
    /// Trims surrounding whitespace and accepts a lowercase `x`. Checks, in
    /// order: empty → `Required`, not 18 characters → `Length`, non-digit
    /// (except a final `X`) → `Charset`, unknown province → `Region`,
    /// impossible or out-of-range birth date → `BirthDate`, wrong check
    /// character → `CheckChar`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::parse_on(s, today_cst(), true)
    }

    /// Like [`IdNumber::parse`] but skips the check-character test (admin
    /// override for legacy numbers). Every other check still applies.
    pub fn parse_allow_bad_check(s: &str) -> Result<Self, ValidationError> {
        Self::parse_on(s, today_cst(), false)
    }

    /// Validation with an explicit "today", so tests are deterministic.
    pub(crate) fn parse_on(
        s: &str,
        today: NaiveDate,
        verify_check: bool,
    ) -> Result<Self, ValidationError> {
        let s = s.trim().replace('x', "X");
        if s.is_empty() {
            return Err(ValidationError::Required);
        }
        let len = s.chars().count();
        if len != 18 {
            return Err(ValidationError::Length {
                expected: "18".to_owned(),
                actual: len,
            });
        }
        let bytes = s.as_bytes();
        // 18 chars and 18 bytes: from here on the string is ASCII.
        let charset_ok = bytes.len() == 18
            && bytes[..17].iter().all(u8::is_ascii_digit)
            && (bytes[17].is_ascii_digit() || bytes[17] == b'X');
        if !charset_ok {
            return Err(ValidationError::Charset);
        }
        if !is_province_code(&s[..2]) {
            return Err(ValidationError::Region);
        }
        match parse_birth(&s) {
            Some(d) if d >= min_birth() && d <= today => {}
            _ => return Err(ValidationError::BirthDate),
        }
        if verify_check {
            let expected = Self::check_char(&s[..17]).ok_or(ValidationError::Charset)?;
            let actual = char::from(bytes[17]);
            if expected != actual {
                return Err(ValidationError::CheckChar { expected, actual });
            }
        }
        Ok(Self(s))
    }

    /// The check character for a 17-digit body, or `None` if `first17` is not
    /// exactly 17 ASCII digits.
    pub fn check_char(first17: &str) -> Option<char> {
        let b = first17.as_bytes();
        if b.len() != 17 || !b.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let sum: u32 = b
            .iter()
            .zip(WEIGHTS)
            .map(|(d, w)| u32::from(d - b'0') * w)
            .sum();
        CHECK_CHARS.get((sum % 11) as usize).copied()
    }

    /// The number as stored: 18 characters, uppercase `X`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// First 3 + eleven `*` + last 4, e.g. `"410***********123X"`.
    pub fn masked(&self) -> String {
        let s = &self.0;
        format!("{}{}{}", &s[..3], "*".repeat(11), &s[14..])
    }

    /// Masks any stored identity number for display: a number that parses (even with a wrong
    /// check character, as an administrator may have kept it) as [`IdNumber::masked`];
    /// anything else keeps its first 3 and last 4 characters, or is all stars when shorter
    /// than 8. The one masking of identity numbers.
    pub fn mask(s: &str) -> String {
        match IdNumber::parse_allow_bad_check(s) {
            Ok(id) => id.masked(),
            Err(_) => {
                let chars: Vec<char> = s.chars().collect();
                if chars.len() > 7 {
                    let mut out: String = chars[..3].iter().collect();
                    out.push_str(&"*".repeat(chars.len() - 7));
                    out.extend(&chars[chars.len() - 4..]);
                    out
                } else {
                    "*".repeat(chars.len())
                }
            }
        }
    }

    /// The birth date embedded at positions 7-14.
    pub fn birth_date(&self) -> NaiveDate {
        // Every constructed `IdNumber` has passed the birth-date check, so the
        // fallback is unreachable; it only avoids a panic path.
        parse_birth(&self.0).unwrap_or_default()
    }

    /// `true` if the 17th digit (sequence code) is odd.
    pub fn is_male(&self) -> bool {
        self.0
            .as_bytes()
            .get(16)
            .is_some_and(|d| (d - b'0') % 2 == 1)
    }

    /// Age in completed years on `on` (0 if `on` is before the birth date).
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        on.years_since(self.birth_date()).unwrap_or(0)
    }
}

/// 1900-01-01, the earliest accepted birth date.
fn min_birth() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// Today's date in China Standard Time (UTC+8, no daylight saving).
fn today_cst() -> NaiveDate {
    (chrono::Utc::now() + chrono::TimeDelta::hours(8)).date_naive()
}

/// Parses `YYYYMMDD` at byte positions 6..14 of an 18-char ASCII number.
fn parse_birth(s: &str) -> Option<NaiveDate> {
    let y: i32 = s.get(6..10)?.parse().ok()?;
    let m: u32 = s.get(10..12)?.parse().ok()?;
    let d: u32 = s.get(12..14)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for IdNumber {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl TryFrom<&str> for IdNumber {
    type Error = ValidationError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<IdNumber> for String {
    fn from(v: IdNumber) -> Self {
        v.0
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Self::parse_allow_bad_check(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Appends the correct check character to a 17-digit body.
    fn with_check(body: &str) -> String {
        format!("{body}{}", IdNumber::check_char(body).unwrap())
    }

    /// Appends a check character that is guaranteed to be wrong.
    fn with_wrong_check(body: &str) -> (String, char, char) {
        let good = IdNumber::check_char(body).unwrap();
        let bad = if good == '0' { '1' } else { '0' };
        (format!("{body}{bad}"), good, bad)
    }

    #[test]
    fn check_char_known_values() {
        // Widely published valid example from GB 11643-1999.
        assert_eq!(IdNumber::check_char("11010519491231002"), Some('X'));
        // Sum worked by hand: 4*7+1*9+0+1*5+0+6*4+1*2+9*1+9*6+0+0+3*9+0+7*5+1*8+2*4+3*2 = 215;
        // 215 % 11 = 6 -> '6'.
        assert_eq!(IdNumber::check_char("41010619900307123"), Some('6'));
        assert_eq!(IdNumber::check_char("4101061990030712"), None);
        assert_eq!(IdNumber::check_char("410106199003071234"), None);
        assert_eq!(IdNumber::check_char("4101061990030712A"), None);
        assert_eq!(IdNumber::check_char("４1010619900307123"), None);
    }

    #[test]
    fn valid_numbers() {
        let id = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert!(!id.is_male());
        assert_eq!(id.to_string(), "11010519491231002X");

        let s = with_check("41010619900307123");
        assert_eq!(s, "410106199003071236");
        let id = IdNumber::parse(&s).unwrap();
        assert_eq!(id.birth_date(), date(1990, 3, 7));
        assert!(id.is_male());
        assert_eq!(id.age_on(date(2020, 3, 6)), 29);
        assert_eq!(id.age_on(date(2020, 3, 7)), 30);
        assert_eq!(id.age_on(date(1980, 1, 1)), 0);

        // Surrounding whitespace trimmed; FromStr / TryFrom agree.
        let id2: IdNumber = format!("  {s}\t").parse().unwrap();
        assert_eq!(id2, id);
        assert_eq!(IdNumber::try_from(s.clone()).unwrap(), id);
        assert_eq!(String::from(id), s);
    }

    #[test]
    fn lowercase_x_accepted() {
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
    }

    #[test]
    fn wrong_check_char() {
        let (s, good, bad) = with_wrong_check("41010619900307123");
        let err = IdNumber::parse(&s).unwrap_err();
        assert_eq!(
            err,
            ValidationError::CheckChar {
                expected: good,
                actual: bad
            }
        );
        assert!(err.is_check_char());
        // Admin override keeps everything else.
        let id = IdNumber::parse_allow_bad_check(&s).unwrap();
        assert_eq!(id.as_str(), s);
        assert_eq!(
            IdNumber::parse("110105194912310021").unwrap_err(),
            ValidationError::CheckChar {
                expected: 'X',
                actual: '1'
            }
        );
    }

    #[test]
    fn required_and_length() {
        assert_eq!(IdNumber::parse("").unwrap_err(), ValidationError::Required);
        assert_eq!(
            IdNumber::parse("   ").unwrap_err(),
            ValidationError::Required
        );
        assert_eq!(
            IdNumber::parse("41010619900307123").unwrap_err(),
            ValidationError::Length {
                expected: "18".into(),
                actual: 17
            }
        );
        assert_eq!(
            IdNumber::parse("4101061990030712361").unwrap_err(),
            ValidationError::Length {
                expected: "18".into(),
                actual: 19
            }
        );
        // Old 15-digit numbers are not accepted.
        assert!(matches!(
            IdNumber::parse("410106900307123"),
            Err(ValidationError::Length { actual: 15, .. })
        ));
        // Length counts characters, not bytes.
        assert!(matches!(
            IdNumber::parse("身份证"),
            Err(ValidationError::Length { actual: 3, .. })
        ));
    }

    #[test]
    fn charset() {
        for s in [
            "41010619900307A236",
            "X10106199003071236",
            "41010619900307123Y",
            "4101061990030712 6",
            "４10106199003071236", // full-width digit, 18 chars
            "41010619900307123-",
        ] {
            assert_eq!(
                IdNumber::parse(s).unwrap_err(),
                ValidationError::Charset,
                "{s}"
            );
            assert_eq!(
                IdNumber::parse_allow_bad_check(s).unwrap_err(),
                ValidationError::Charset,
                "{s}"
            );
        }
    }

    #[test]
    fn region() {
        for body in [
            "99010619900307123",
            "00010619900307123",
            "10010619900307123",
            "47010619900307123",
        ] {
            let s = with_check(body);
            assert_eq!(
                IdNumber::parse(&s).unwrap_err(),
                ValidationError::Region,
                "{s}"
            );
            assert_eq!(
                IdNumber::parse_allow_bad_check(&s).unwrap_err(),
                ValidationError::Region
            );
        }
        for body in [
            "11010519491231002",
            "65010619900307123",
            "83000019900307123",
        ] {
            assert!(IdNumber::parse(&with_check(body)).is_ok(), "{body}");
        }
    }

    #[test]
    fn birth_dates() {
        let today = date(2024, 6, 15);
        let check = |birth: &str| {
            let s = with_check(&format!("410106{birth}123"));
            IdNumber::parse_on(&s, today, true)
        };
        for bad in [
            "19900230", // Feb 30
            "19000229", // 1900 was not a leap year
            "19901301", // month 13
            "19900000", // month 0
            "18991231", // before 1900
            "20240616", // tomorrow
            "20991231", // far future
        ] {
            assert_eq!(check(bad).unwrap_err(), ValidationError::BirthDate, "{bad}");
        }
        for good in ["19000101", "20000229", "20240615", "19491231"] {
            let id = check(good).unwrap();
            assert_eq!(id.birth_date().format("%Y%m%d").to_string(), good);
        }
        // The real clock: a far-future date is rejected, an old one accepted.
        assert_eq!(
            IdNumber::parse(&with_check("41010620991231123")).unwrap_err(),
            ValidationError::BirthDate
        );
        assert_eq!(
            IdNumber::parse(&with_check("41010618991231123")).unwrap_err(),
            ValidationError::BirthDate
        );
        // Bad date reported before a bad check char, even with override.
        let (s, _, _) = with_wrong_check("41010619900230123");
        assert_eq!(IdNumber::parse(&s).unwrap_err(), ValidationError::BirthDate);
        assert_eq!(
            IdNumber::parse_allow_bad_check(&s).unwrap_err(),
            ValidationError::BirthDate
        );
    }

    #[test]
    fn masking() {
        // Find a real-format number ending in 123X.
        let s = (0..100)
            .flat_map(|county| (1..=28).map(move |day| format!("4101{county:02}199003{day:02}123")))
            .map(|body| with_check(&body))
            .find(|s| s.ends_with('X'))
            .unwrap();
        let id = IdNumber::parse(&s).unwrap();
        assert_eq!(id.masked(), "410***********123X");
        assert_eq!(
            IdNumber::parse("11010519491231002X").unwrap().masked(),
            "110***********002X"
        );
    }

    #[test]
    fn gender() {
        for (seq, male) in [("120", false), ("121", true), ("128", false), ("129", true)] {
            let id = IdNumber::parse(&with_check(&format!("41010619900307{seq}"))).unwrap();
            assert_eq!(id.is_male(), male, "{seq}");
        }
    }

    #[test]
    fn serde_deserialize() {
        let de: StrDeserializer<'_, DeError> = "11010519491231002x".into_deserializer();
        let id = IdNumber::deserialize(de).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        // A bad check char is tolerated on load (admin-overridden records) ...
        let de: StrDeserializer<'_, DeError> = "110105194912310021".into_deserializer();
        assert!(IdNumber::deserialize(de).is_ok());
        // ... but nothing else is.
        let de: StrDeserializer<'_, DeError> = "990105194912310021".into_deserializer();
        let err = IdNumber::deserialize(de).unwrap_err();
        assert_eq!(err.to_string(), "unknown region code");
    }
}
