//! The single error type shared by every validated value in this crate.

/// Why an input string (or number) was rejected.
///
/// The `Display` implementation gives a short English message *without* the
/// field label; use [`ValidationError::message_en`] / [`ValidationError::message_zh`]
/// to build a user-facing message that names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The input was empty (after trimming).
    #[error("is required")]
    Required,
    /// The input has the wrong number of characters.
    #[error("wrong length (expected {expected} characters, got {actual})")]
    Length {
        /// Human-readable expected length, e.g. `"18"`.
        expected: String,
        /// Actual number of characters (Unicode scalar values, not bytes).
        actual: usize,
    },
    /// The input contains characters outside the allowed alphabet.
    #[error("contains invalid characters")]
    Charset,
    /// The administrative-division (region) code is not a real one.
    #[error("unknown region code")]
    Region,
    /// The embedded birth date is not a real date, or is out of range.
    #[error("invalid birth date")]
    BirthDate,
    /// The check character does not match the body.
    #[error("wrong check character (expected {expected}, got {actual})")]
    CheckChar {
        /// The check character computed from the body.
        expected: char,
        /// The check character actually present in the input.
        actual: char,
    },
    /// The input is structurally malformed.
    #[error("invalid format")]
    Format,
    /// The value lies outside the allowed range (bounds are inclusive and
    /// formatted for display, e.g. `"34.0"` / `"43.0"`).
    #[error("out of range (must be between {min} and {max})")]
    Range {
        /// Inclusive lower bound, formatted for display.
        min: String,
        /// Inclusive upper bound, formatted for display.
        max: String,
    },
}

impl ValidationError {
    /// Stable machine-readable code: `"required"`, `"length"`, `"charset"`,
    /// `"region"`, `"birth_date"`, `"check_char"`, `"format"` or `"range"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Length { .. } => "length",
            Self::Charset => "charset",
            Self::Region => "region",
            Self::BirthDate => "birth_date",
            Self::CheckChar { .. } => "check_char",
            Self::Format => "format",
            Self::Range { .. } => "range",
        }
    }

    /// Chinese message prefixed by the field label, e.g.
    /// `"统一社会信用代码校验位错误，应为 X，实为 Y"`.
    pub fn message_zh(&self, field_label_zh: &str) -> String {
        let l = field_label_zh;
        match self {
            Self::Required => format!("{l}不能为空"),
            Self::Length { expected, actual } => {
                format!("{l}长度应为 {expected} 位，实为 {actual} 位")
            }
            Self::Charset => format!("{l}含有非法字符"),
            Self::Region => format!("{l}地区代码无效"),
            Self::BirthDate => format!("{l}出生日期无效"),
            Self::CheckChar { expected, actual } => {
                format!("{l}校验位错误，应为 {expected}，实为 {actual}")
            }
            Self::Format => format!("{l}格式不正确"),
            Self::Range { min, max } => format!("{l}超出范围，应在 {min} 至 {max} 之间"),
        }
    }

    /// English message prefixed by the field label, e.g.
    /// `"unified social credit code: wrong check character (expected X, got Y)"`.
    /// An empty label yields the bare `Display` text.
    pub fn message_en(&self, field_label_en: &str) -> String {
        if field_label_en.is_empty() {
            self.to_string()
        } else {
            format!("{field_label_en}: {self}")
        }
    }

    /// `true` only for [`ValidationError::CheckChar`]: the only failure an
    /// administrator may override (legacy numbers with a wrong check character).
    pub fn is_check_char(&self) -> bool {
        matches!(self, Self::CheckChar { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<ValidationError> {
        vec![
            ValidationError::Required,
            ValidationError::Length {
                expected: "18".into(),
                actual: 17,
            },
            ValidationError::Charset,
            ValidationError::Region,
            ValidationError::BirthDate,
            ValidationError::CheckChar {
                expected: 'X',
                actual: 'Y',
            },
            ValidationError::Format,
            ValidationError::Range {
                min: "34.0".into(),
                max: "43.0".into(),
            },
        ]
    }

    #[test]
    fn codes_are_stable_and_distinct() {
        let codes: Vec<_> = all().iter().map(ValidationError::code).collect();
        assert_eq!(
            codes,
            [
                "required",
                "length",
                "charset",
                "region",
                "birth_date",
                "check_char",
                "format",
                "range"
            ]
        );
    }

    #[test]
    fn only_check_char_is_overridable() {
        let flags: Vec<_> = all().iter().map(ValidationError::is_check_char).collect();
        assert_eq!(
            flags,
            [false, false, false, false, false, true, false, false]
        );
    }

    #[test]
    fn messages() {
        let e = ValidationError::CheckChar {
            expected: 'X',
            actual: 'Y',
        };
        assert_eq!(
            e.message_zh("统一社会信用代码"),
            "统一社会信用代码校验位错误，应为 X，实为 Y"
        );
        assert_eq!(
            e.message_en("unified social credit code"),
            "unified social credit code: wrong check character (expected X, got Y)"
        );
        assert_eq!(e.to_string(), "wrong check character (expected X, got Y)");
        let e = ValidationError::Length {
            expected: "18".into(),
            actual: 17,
        };
        assert_eq!(
            e.message_zh("身份证号"),
            "身份证号长度应为 18 位，实为 17 位"
        );
        assert_eq!(
            e.message_en("identity number"),
            "identity number: wrong length (expected 18 characters, got 17)"
        );
        assert_eq!(ValidationError::Required.message_zh("电话"), "电话不能为空");
        assert_eq!(ValidationError::Required.message_en(""), "is required");
        let e = ValidationError::Range {
            min: "34.0".into(),
            max: "43.0".into(),
        };
        assert_eq!(e.message_zh("体温"), "体温超出范围，应在 34.0 至 43.0 之间");
        assert_eq!(
            e.message_en("temperature"),
            "temperature: out of range (must be between 34.0 and 43.0)"
        );
    }
}
