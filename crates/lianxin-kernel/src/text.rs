//! Text from forms, sheets and JSON: cleaning, required and optional fields with their length,
//! integers, yes/no and coded values, and the labels of codes in both languages.

use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;

/// (code, 中文, English) tables, shared by validation, pages and exports.
pub type Codes = &'static [(&'static str, &'static str, &'static str)];

/// The label of `code` in `codes` (the code itself when it is not in the table).
pub use self::code_label as label;

/// Trimmed, without control characters other than tab and line breaks (PostgreSQL refuses
/// NUL in text; none has a meaning in a name or a note), empty → None.
pub fn clean(s: Option<String>) -> Option<String> {
    s.map(|v| {
        v.chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
            .collect::<String>()
            .trim()
            .to_owned()
    })
    .filter(|v| !v.is_empty())
}

/// A required text field with a maximum length in characters.
pub fn required_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    max: usize,
    label_zh: &str,
    label_en: &str,
) -> String {
    match clean(value) {
        None => {
            errors.push(FieldError::required(field, label_zh, label_en));
            String::new()
        }
        Some(v) => {
            check_len(errors, field, &v, max, label_zh, label_en);
            v
        }
    }
}

pub fn optional_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    max: usize,
    label_zh: &str,
    label_en: &str,
) -> Option<String> {
    let v = clean(value)?;
    check_len(errors, field, &v, max, label_zh, label_en);
    Some(v)
}

fn check_len(errors: &mut Vec<FieldError>, field: &str, v: &str, max: usize, zh: &str, en: &str) {
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "length",
            format!("{zh}不能超过 {max} 个字"),
            format!("{en} must be at most {max} characters"),
        ));
    }
}

/// Parses an integer typed into a form or a spreadsheet cell.
pub fn parse_int(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    label_zh: &str,
    label_en: &str,
) -> Option<i64> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    // Spreadsheets hand numbers over as "12.0".
    let v = v.strip_suffix(".0").unwrap_or(v);
    match v.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "format",
                format!("{label_zh}必须是整数"),
                format!("{label_en} must be a whole number"),
            ));
            None
        }
    }
}

/// Parses a yes/no cell or checkbox: 是/否, true/false, 1/0, on.
pub fn parse_bool(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    label_zh: &str,
    label_en: &str,
) -> Option<bool> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    match v.to_ascii_lowercase().as_str() {
        "是" | "true" | "1" | "on" | "yes" | "y" => Some(true),
        "否" | "false" | "0" | "off" | "no" | "n" => Some(false),
        _ => {
            errors.push(FieldError::new(
                field,
                "format",
                format!("{label_zh}只能填“是”或“否”"),
                format!("{label_en} must be yes or no"),
            ));
            None
        }
    }
}

/// A coded value (kind, ownership...) from a fixed list of (code, zh, en).
pub fn parse_code(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    codes: &[(&'static str, &'static str, &'static str)],
    label_zh: &str,
    label_en: &str,
) -> Option<&'static str> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    match codes
        .iter()
        .find(|(code, zh, en)| *code == v || *zh == v || en.eq_ignore_ascii_case(v))
    {
        Some((code, _, _)) => Some(code),
        None => {
            let allowed_zh: Vec<&str> = codes.iter().map(|c| c.1).collect();
            let allowed_en: Vec<&str> = codes.iter().map(|c| c.0).collect();
            errors.push(FieldError::new(
                field,
                "unknown",
                format!("{label_zh}“{v}”无效，可选：{}", allowed_zh.join("、")),
                format!("{label_en} '{v}' is not one of: {}", allowed_en.join(", ")),
            ));
            None
        }
    }
}

pub fn code_label(
    codes: &[(&'static str, &'static str, &'static str)],
    code: &str,
    lang: Lang,
) -> String {
    codes
        .iter()
        .find(|c| c.0 == code)
        .map(|c| lang.pick(c.1, c.2).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// Escapes `%` and `_` for a LIKE pattern (with `ESCAPE '\'`).
pub fn like_pattern(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}

/// A page's query (or form) parameter: empty or absent is `None`, a value that does not parse
/// is a 422 naming the parameter, never silently dropped (a dropped filter widens a list or an
/// export to the whole scope).
pub fn query_value<T: std::str::FromStr>(field: &str, value: Option<&str>) -> AppResult<Option<T>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            AppError::invalid(FieldError::new(
                field,
                "format",
                format!("参数 {field} 的值“{v}”无法识别"),
                format!("the value '{v}' of {field} is not valid"),
            ))
        }),
    }
}
