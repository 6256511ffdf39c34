//! Chinese telephone numbers (mobile and landline).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Chinese phone number: mobile `1[3-9]` + 9 digits (e.g. `13800138000`), or
/// landline `0` + area code, optional `-`, 7-8 digit subscriber number not
/// starting with 0 (e.g. `0371-68912345`, `01012345678`).
///
/// Area codes follow the national plan: `010` and `020`-`029` have three
/// digits including the leading 0, every other area code has four. Stored as
/// entered (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Parse a mobile or landline number. Trims whitespace. Empty →
    /// `Required`; characters other than digits and `-` → `Charset`; anything
    /// not matching the shapes above → `Format`.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(ValidationError::Required);
        }
        if !s.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(ValidationError::Charset);
        }
        if is_mobile(s) || landline_split(s).is_some() {
            Ok(Self(s.to_owned()))
        } else {
            Err(ValidationError::Format)
        }
    }

    /// The number as entered (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `true` for a mobile number, `false` for a landline.
    pub fn is_mobile(&self) -> bool {
        is_mobile(&self.0)
    }

    /// Masked for display: mobile `138****1234`; landline keeps the area code
    /// (and separator) and the last 4 digits, e.g. `0371-****2345`.
    pub fn masked(&self) -> String {
        let s = &self.0;
        if is_mobile(s) {
            return format!("{}****{}", &s[..3], &s[7..]);
        }
        match landline_split(s) {
            Some(sub_start) => {
                let sub_len = s.len() - sub_start;
                format!(
                    "{}{}{}",
                    &s[..sub_start],
                    "*".repeat(sub_len.saturating_sub(4)),
                    &s[s.len().saturating_sub(4)..]
                )
            }
            // Unreachable for a parsed value; mask everything rather than leak.
            None => "*".repeat(s.chars().count()),
        }
    }

    /// Masks any stored phone for display: a number that parses as [`Phone::masked`], anything
    /// else all stars. The one masking of phones (people's, enterprises' contacts').
    pub fn mask(s: &str) -> String {
        match Phone::parse(s) {
            Ok(p) => p.masked(),
            Err(_) => "*".repeat(s.chars().count()),
        }
    }
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11
        && b[0] == b'1'
        && (b'3'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit)
}

/// For a valid landline, the byte offset where the subscriber number starts
/// (after the area code and optional `-`); `None` if `s` is not a landline.
fn landline_split(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let area_len = match b {
        [b'0', b'1', b'0', ..] | [b'0', b'2', ..] => 3,
        [b'0', b'1', ..] => return None, // 010 is the only 01x area code
        [b'0', ..] => 4,
        _ => return None,
    };
    if !b.get(..area_len)?.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sub_start = if b.get(area_len) == Some(&b'-') {
        area_len + 1
    } else {
        area_len
    };
    let sub = b.get(sub_start..)?;
    let ok = (7..=8).contains(&sub.len())
        && sub.iter().all(u8::is_ascii_digit)
        && sub.first() != Some(&b'0');
    ok.then_some(sub_start)
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Phone {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Phone {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl TryFrom<&str> for Phone {
    type Error = ValidationError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<Phone> for String {
    fn from(v: Phone) -> Self {
        v.0
    }
}

impl AsRef<str> for Phone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_mobiles() {
        for s in ["13800138000", "19912345678", "15000000000", " 17712345678 "] {
            let p = Phone::parse(s).unwrap();
            assert!(p.is_mobile(), "{s}");
            assert_eq!(p.as_str(), s.trim());
        }
        assert_eq!(Phone::parse("13812341234").unwrap().masked(), "138****1234");
        assert_eq!(Phone::mask("13812341234"), "138****1234");
        assert_eq!(Phone::mask("12-34"), "*****");
    }

    #[test]
    fn valid_landlines() {
        for (s, masked) in [
            ("0371-68912345", "0371-****2345"),
            ("037168912345", "0371****2345"),
            ("0371-6891234", "0371-***1234"),
            ("010-12345678", "010-****5678"),
            ("01012345678", "010****5678"),
            ("021-52345678", "021-****5678"),
            ("0755-2345678", "0755-***5678"),
        ] {
            let p = Phone::parse(s).unwrap();
            assert!(!p.is_mobile(), "{s}");
            assert_eq!(p.masked(), masked, "{s}");
            assert_eq!(p.to_string(), s);
        }
    }

    #[test]
    fn invalid() {
        assert_eq!(Phone::parse("").unwrap_err(), ValidationError::Required);
        assert_eq!(Phone::parse("  ").unwrap_err(), ValidationError::Required);
        for s in [
            "138 0013 8000",
            "+8613800138000",
            "1380013800O",
            "０371-68912345",
            "(0371)68912345",
        ] {
            assert_eq!(
                Phone::parse(s).unwrap_err(),
                ValidationError::Charset,
                "{s}"
            );
        }
        for s in [
            "1380013800",   // 10 digits
            "138001380001", // 12 digits
            "12800138000",  // 12x is not a mobile prefix
            "11800138000",
            "23800138000",
            "0371-689123",    // subscriber too short
            "0371-689123456", // subscriber too long
            "0371-08912345",  // subscriber starts with 0
            "0371--68912345",
            "037-1689123",  // 03x area codes have 4 digits
            "011-12345678", // only 010 among 01x
            "0-12345678",
            "-",
            "0371-",
            "68912345", // no area code
            "138-0013-8000",
        ] {
            assert_eq!(Phone::parse(s).unwrap_err(), ValidationError::Format, "{s}");
        }
    }

    #[test]
    fn conversions() {
        let p: Phone = "13800138000".parse().unwrap();
        assert_eq!(Phone::try_from(String::from("13800138000")).unwrap(), p);
        assert_eq!(String::from(p), "13800138000");
        assert!(Phone::try_from("123").is_err());
    }
}
