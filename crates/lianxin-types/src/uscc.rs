//! Unified social credit code (统一社会信用代码), GB 32100-2015.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

use crate::ValidationError;
use crate::region::is_province_code;

/// The 31-character USCC alphabet (no I, O, S, V, Z); a character's index is
/// its numeric value in the final check-character computation.
const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights 3^i mod 31 for the 17 body characters.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 organisation-code weights for the 8 body characters.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Valid (registration authority, institution category) pairs — positions 1
/// and 2 — as assigned under GB 32100-2015.
const AUTHORITY_CATEGORIES: &[(u8, &[u8])] = &[
    (b'1', b"1239"),   // 机构编制: 机关, 事业单位, 中央编办直管群众团体, 其他
    (b'2', b"19"),     // 外交: 外国常驻新闻机构, 其他
    (b'3', b"123459"), // 司法行政: 律师执业机构, 公证处, 基层法律服务所, 司法鉴定机构, 仲裁委员会, 其他
    (b'4', b"19"),     // 文化: 外国在华文化中心, 其他
    (b'5', b"1239"),   // 民政: 社会团体, 民办非企业单位, 基金会, 其他
    (b'6', b"129"),    // 旅游: 外国/港澳台旅游部门常驻代表机构, 其他
    (b'7', b"129"),    // 宗教: 宗教活动场所, 宗教院校, 其他
    (b'8', b"19"),     // 工会: 基层工会, 其他
    (b'9', b"123"),    // 工商: 企业, 个体工商户, 农民专业合作社
    (b'A', b"19"),     // 中央军委改革和编制办公室: 军队事业单位, 其他
    (b'N', b"1239"),   // 农业: 组级, 村级, 乡镇级集体经济组织, 其他
    (b'Y', b"1"),      // 其他: 不再细分，统一为 1
];

/// Unified social credit code, GB 32100-2015: 18 characters from
/// `0123456789ABCDEFGHJKLMNPQRTUWXY`.
///
/// Layout: 1 registration authority, 2 institution category, 3-8 region code
/// (GB/T 2260), 9-17 organisation code (GB 11714: 8 body characters + its own
/// check character at position 17), 18 check character (GB 32100).
///
/// Serialises as the plain string. **Deserialisation accepts wrong check
/// characters** (it uses [`Uscc::parse_allow_bad_check`]) so that records an
/// administrator accepted still load; user input must go through
/// [`Uscc::parse`] / [`FromStr`] / [`TryFrom`], which are strict.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Uscc(String);

impl Uscc {
    /// Parse and fully validate a code. Trims and uppercases. Checks, in
    /// order: `Required`, `Length` (18), `Charset`, `Format` (authority /
    /// category pair), `Region` (positions 3-8: six digits with a real province
    /// prefix, or `100000` for central-level bodies), `CheckChar` for the
    /// embedded organisation code (position 17), `CheckChar` for position 18.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        Self::parse_inner(s, true)
    }

    /// Like [`Uscc::parse`] but skips both check-character tests (admin
    /// override). Every other check still applies.
    pub fn parse_allow_bad_check(s: &str) -> Result<Self, ValidationError> {
        Self::parse_inner(s, false)
    }

    fn parse_inner(s: &str, verify_check: bool) -> Result<Self, ValidationError> {
        let s = s.trim().to_ascii_uppercase();
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
        if !s.chars().all(|c| char_value(c).is_some()) {
            return Err(ValidationError::Charset);
        }
        // All 18 chars are ASCII from here on.
        let b = s.as_bytes();
        let category_ok = AUTHORITY_CATEGORIES
            .iter()
            .any(|(auth, cats)| *auth == b[0] && cats.contains(&b[1]));
        if !category_ok {
            return Err(ValidationError::Format);
        }
        if !is_valid_region(&s[2..8]) {
            return Err(ValidationError::Region);
        }
        if verify_check {
            let expected = Self::org_code_check_char(&s[8..16]).ok_or(ValidationError::Charset)?;
            let actual = char::from(b[16]);
            if expected != actual {
                return Err(ValidationError::CheckChar { expected, actual });
            }
            let expected = Self::check_char(&s[..17]).ok_or(ValidationError::Charset)?;
            let actual = char::from(b[17]);
            if expected != actual {
                return Err(ValidationError::CheckChar { expected, actual });
            }
        }
        Ok(Self(s))
    }

    /// The 18th (check) character for 17 characters from the USCC alphabet
    /// (uppercase), or `None` if the input is not exactly that.
    pub fn check_char(first17: &str) -> Option<char> {
        if first17.len() != 17 {
            return None;
        }
        let mut sum = 0u32;
        for (c, w) in first17.chars().zip(WEIGHTS) {
            sum += char_value(c)? * w;
        }
        let v = (31 - sum % 31) % 31;
        CHARSET.chars().nth(v as usize)
    }

    /// The GB 11714 check character (the 17th character of a USCC) for the
    /// 8-character organisation-code body (USCC positions 9-16). Body
    /// characters must be ASCII digits or uppercase letters (A = 10 … Z = 35);
    /// returns `None` otherwise or if the length is not 8.
    pub fn org_code_check_char(first8: &str) -> Option<char> {
        if first8.len() != 8 {
            return None;
        }
        let mut sum = 0u32;
        for (c, w) in first8.chars().zip(ORG_WEIGHTS) {
            let v = match c {
                '0'..='9' => u32::from(c) - u32::from('0'),
                'A'..='Z' => u32::from(c) - u32::from('A') + 10,
                _ => return None,
            };
            sum += v * w;
        }
        match 11 - sum % 11 {
            10 => Some('X'),
            11 => Some('0'),
            v => char::from_digit(v, 10),
        }
    }

    /// The code as stored: 18 uppercase characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Registration authority's region code (positions 3-8), e.g. `"410106"`.
    pub fn region(&self) -> &str {
        &self.0[2..8]
    }

    /// The embedded 9-character organisation code (positions 9-17).
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }
}

/// Numeric value of `c` in the USCC alphabet.
fn char_value(c: char) -> Option<u32> {
    CHARSET.find(c).and_then(|i| u32::try_from(i).ok())
}

/// Six ASCII digits, starting with a real province code; `100000` (the
/// national code) is used by central-level registration authorities.
fn is_valid_region(r: &str) -> bool {
    r.len() == 6
        && r.bytes().all(|b| b.is_ascii_digit())
        && (is_province_code(&r[..2]) || r == "100000")
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Uscc {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl TryFrom<&str> for Uscc {
    type Error = ValidationError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<Uscc> for String {
    fn from(v: Uscc) -> Self {
        v.0
    }
}

impl AsRef<str> for Uscc {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Uscc {
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

    /// Builds a fully valid code from the first 8 chars and the 8-char org body.
    fn build(prefix8: &str, org_body: &str) -> String {
        let org = Uscc::org_code_check_char(org_body).unwrap();
        let first17 = format!("{prefix8}{org_body}{org}");
        let last = Uscc::check_char(&first17).unwrap();
        format!("{first17}{last}")
    }

    /// Replaces the final char with the correct check for the first 17.
    fn refinal(first17: &str) -> String {
        format!("{first17}{}", Uscc::check_char(first17).unwrap())
    }

    #[test]
    fn well_known_example() {
        let u = Uscc::parse("91350100M000100Y43").unwrap();
        assert_eq!(u.as_str(), "91350100M000100Y43");
        assert_eq!(u.region(), "350100");
        assert_eq!(u.org_code(), "M000100Y4");
        assert_eq!(Uscc::org_code_check_char("M000100Y"), Some('4'));
        assert_eq!(Uscc::check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(u.to_string(), "91350100M000100Y43");
    }

    #[test]
    fn org_code_check_char_rules() {
        // Hand-computed: M=22, Y=34: 22*3 + 1*5 + 34*2 = 139; 139 % 11 = 7; 11-7 = 4.
        assert_eq!(Uscc::org_code_check_char("M000100Y"), Some('4'));
        // All zeros: sum 0 -> 11 -> '0'.
        assert_eq!(Uscc::org_code_check_char("00000000"), Some('0'));
        // 3*4 = 12; 12 % 11 = 1; 11-1 = 10 -> 'X'.
        assert_eq!(Uscc::org_code_check_char("00000030"), Some('X'));
        assert_eq!(Uscc::org_code_check_char("0000003"), None);
        assert_eq!(Uscc::org_code_check_char("0000003a"), None);
        assert_eq!(Uscc::org_code_check_char("0000003-"), None);
    }

    #[test]
    fn final_check_char_rules() {
        assert_eq!(Uscc::check_char("00000000000000000"), Some('0'));
        // value 1 at weight 1 -> sum 1 -> 30 -> 'Y' (last char of the alphabet).
        assert_eq!(Uscc::check_char("10000000000000000"), Some('Y'));
        assert_eq!(Uscc::check_char("1000000000000000"), None);
        assert_eq!(Uscc::check_char("I0000000000000000"), None);
        assert_eq!(Uscc::check_char("a0000000000000000"), None);
    }

    #[test]
    fn constructed_valid_code() {
        let s = build("91410106", "MA3X7K2L");
        let u = Uscc::parse(&s).unwrap();
        assert_eq!(u.region(), "410106");
        assert_eq!(u.as_str(), s);
        // Every legal authority/category pair is accepted.
        for (auth, cats) in AUTHORITY_CATEGORIES {
            for cat in *cats {
                let prefix = format!("{}{}410106", char::from(*auth), char::from(*cat));
                assert!(Uscc::parse(&build(&prefix, "MA3X7K2L")).is_ok(), "{prefix}");
            }
        }
        // Central-level region code.
        assert_eq!(
            Uscc::parse(&build("11100000", "00001234"))
                .unwrap()
                .region(),
            "100000"
        );
    }

    #[test]
    fn lowercase_and_whitespace_accepted() {
        let u = Uscc::parse("  91350100m000100y43 ").unwrap();
        assert_eq!(u.as_str(), "91350100M000100Y43");
        let u2: Uscc = "91350100m000100y43".parse().unwrap();
        assert_eq!(u, u2);
    }

    #[test]
    fn wrong_final_check() {
        let err = Uscc::parse("91350100M000100Y44").unwrap_err();
        assert_eq!(
            err,
            ValidationError::CheckChar {
                expected: '3',
                actual: '4'
            }
        );
        assert!(err.is_check_char());
        assert!(Uscc::parse_allow_bad_check("91350100M000100Y44").is_ok());
    }

    #[test]
    fn wrong_org_check() {
        // Org check should be 4; put 5 and fix the final check so only the
        // embedded org-code check fails.
        let s = refinal("91350100M000100Y5");
        let err = Uscc::parse(&s).unwrap_err();
        assert_eq!(
            err,
            ValidationError::CheckChar {
                expected: '4',
                actual: '5'
            }
        );
        assert!(err.is_check_char());
        assert!(Uscc::parse_allow_bad_check(&s).is_ok());
        // Org check that is a letter other than X.
        let s = refinal("91350100M000100YA");
        assert_eq!(
            Uscc::parse(&s).unwrap_err(),
            ValidationError::CheckChar {
                expected: '4',
                actual: 'A'
            }
        );
    }

    #[test]
    fn forbidden_letters() {
        for bad in ['I', 'O', 'S', 'V', 'Z'] {
            let s = format!("91350100M000100{bad}43");
            assert_eq!(
                Uscc::parse(&s).unwrap_err(),
                ValidationError::Charset,
                "{s}"
            );
            assert_eq!(
                Uscc::parse_allow_bad_check(&s).unwrap_err(),
                ValidationError::Charset
            );
            let lower = s.to_lowercase();
            assert_eq!(Uscc::parse(&lower).unwrap_err(), ValidationError::Charset);
        }
        assert_eq!(
            Uscc::parse("91350100M000100-43").unwrap_err(),
            ValidationError::Charset
        );
        assert_eq!(
            Uscc::parse("９1350100M000100Y43").unwrap_err(),
            ValidationError::Charset
        );
    }

    #[test]
    fn required_and_length() {
        assert_eq!(Uscc::parse(" ").unwrap_err(), ValidationError::Required);
        assert_eq!(
            Uscc::parse("91350100M000100Y4").unwrap_err(),
            ValidationError::Length {
                expected: "18".into(),
                actual: 17
            }
        );
        assert_eq!(
            Uscc::parse("91350100M000100Y433").unwrap_err(),
            ValidationError::Length {
                expected: "18".into(),
                actual: 19
            }
        );
    }

    #[test]
    fn bad_authority_category_pair() {
        for prefix in [
            "94", "95", "99", "Y2", "Y9", "B1", "01", "10", "A2", "M1", "N4",
        ] {
            let s = build(&format!("{prefix}410106"), "MA3X7K2L");
            assert_eq!(Uscc::parse(&s).unwrap_err(), ValidationError::Format, "{s}");
            assert_eq!(
                Uscc::parse_allow_bad_check(&s).unwrap_err(),
                ValidationError::Format
            );
        }
    }

    #[test]
    fn bad_region() {
        for region in ["990106", "000000", "4101A6", "470100", "100001"] {
            let s = build(&format!("91{region}"), "MA3X7K2L");
            assert_eq!(Uscc::parse(&s).unwrap_err(), ValidationError::Region, "{s}");
        }
    }

    #[test]
    fn serde_deserialize() {
        let de: StrDeserializer<'_, DeError> = "91350100m000100y43".into_deserializer();
        assert_eq!(
            Uscc::deserialize(de).unwrap().as_str(),
            "91350100M000100Y43"
        );
        let de: StrDeserializer<'_, DeError> = "91350100M000100Y44".into_deserializer();
        assert!(Uscc::deserialize(de).is_ok());
        let de: StrDeserializer<'_, DeError> = "94350100M000100Y43".into_deserializer();
        assert!(Uscc::deserialize(de).is_err());
    }
}
