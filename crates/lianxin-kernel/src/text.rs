//! Text from forms, sheets and JSON: cleaning, required and optional fields with their length,
//! integers, yes/no and coded values, and the labels of codes in both languages.

use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;

/// A coded field's list (its items are data: `crate::dict`), shared by validation, pages,
/// imports and exports.
pub use crate::dict::{CodeList, Codes};

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

/// A coded value (kind, ownership...) from its list, named by its code or either label; a
/// value the list does not offer (unknown, or switched off in 字典管理) is an error naming the
/// values it offers.
pub fn parse_code(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    codes: Codes,
    label_zh: &str,
    label_en: &str,
) -> Option<String> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    match codes.find(v) {
        Some(e) => Some(e.code),
        None => {
            let offered = codes.offered();
            let allowed_zh: Vec<&str> = offered.iter().map(|c| c.label_zh.as_str()).collect();
            let allowed_en: Vec<&str> = offered.iter().map(|c| c.code.as_str()).collect();
            // Labels such as 农、林、牧、渔业 hold the usual separator themselves.
            let sep = if allowed_zh.iter().any(|l| l.contains('、')) {
                "；"
            } else {
                "、"
            };
            errors.push(FieldError::new(
                field,
                "unknown",
                format!("{label_zh}“{v}”无效，可选：{}", allowed_zh.join(sep)),
                format!("{label_en} '{v}' is not one of: {}", allowed_en.join(", ")),
            ));
            None
        }
    }
}

/// The label of `code` in the caller's language (the code itself when the list has none).
pub fn code_label(codes: Codes, code: &str, lang: Lang) -> String {
    codes.label(code, lang)
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

/// The rows where any of `columns` contains `text` (a LIKE with `%`, `_` and `\` taken
/// literally): a list's search box over its name-like columns.
pub fn contains_any<C: sea_orm::ColumnTrait>(columns: &[C], text: &str) -> sea_orm::Condition {
    use sea_orm::sea_query::LikeExpr;
    let pat = like_pattern(text);
    columns.iter().fold(sea_orm::Condition::any(), |c, col| {
        c.add(col.like(LikeExpr::new(pat.clone()).escape('\\')))
    })
}

/// A page's query (or form) parameter: empty or absent is `None`, a value that does not parse
/// is a 422 naming the parameter, never silently dropped (a dropped filter widens a list or an
/// export to the whole scope).
pub fn query_value<T: std::str::FromStr>(field: &str, value: Option<&str>) -> AppResult<Option<T>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if date_out_of_range(v) => Err(AppError::invalid(date_range_error(field))),
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

/// The years a date may have anywhere in the system (input and arithmetic stay far from the
/// limits of the date types, and every time written out is plain RFC 3339).
pub const YEARS: std::ops::RangeInclusive<i64> = 1900..=2200;

/// Whether `v` is a date or a time (`YYYY-MM-DD…`, an optional sign and more year digits
/// included) whose year is outside `YEARS`. Anything that does not start like a date is not.
pub fn date_out_of_range(v: &str) -> bool {
    let b = v.as_bytes();
    let sign = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits = b[sign..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !(4..=9).contains(&digits) {
        return false;
    }
    let rest = &b[sign + digits..];
    let shaped = rest.len() >= 6
        && rest[0] == b'-'
        && rest[1].is_ascii_digit()
        && rest[2].is_ascii_digit()
        && rest[3] == b'-'
        && rest[4].is_ascii_digit()
        && rest[5].is_ascii_digit()
        && rest.get(6).is_none_or(|c| matches!(c, b'T' | b't' | b' '));
    if !shaped {
        return false;
    }
    let year: i64 = std::str::from_utf8(&b[sign..sign + digits])
        .ok()
        .and_then(|y| y.parse().ok())
        .unwrap_or(i64::MAX);
    let year = if b.first() == Some(&b'-') {
        -year
    } else {
        year
    };
    !YEARS.contains(&year)
}

/// The refusal of a date outside `YEARS`, naming the field.
pub fn date_range_error(field: &str) -> FieldError {
    FieldError::new(
        field,
        "range",
        format!(
            "{field} 的日期应在 {} 年到 {} 年之间",
            YEARS.start(),
            YEARS.end()
        ),
        format!(
            "{field} must be a date between the years {} and {}",
            YEARS.start(),
            YEARS.end()
        ),
    )
}

/// The first string in a JSON body that is a date outside `YEARS`, named by the key it is the
/// value of (or `body`); one pass over the bytes, no parsing of the document.
pub fn json_date_out_of_range(body: &[u8]) -> Option<String> {
    let mut i = 0;
    let mut last_key: Option<(usize, usize)> = None;
    while i < body.len() {
        if body[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut j = start;
        while j < body.len() && body[j] != b'"' {
            j += if body[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(body.len());
        let mut k = end + 1;
        while k < body.len() && body[k].is_ascii_whitespace() {
            k += 1;
        }
        if body.get(k) == Some(&b':') {
            last_key = Some((start, end));
        } else if std::str::from_utf8(&body[start..end]).is_ok_and(date_out_of_range) {
            let key = last_key
                .and_then(|(a, b)| std::str::from_utf8(&body[a..b]).ok())
                .filter(|k| k.chars().all(|c| c.is_alphanumeric() || c == '_'))
                .unwrap_or("body");
            return Some(key.to_owned());
        }
        i = end + 1;
    }
    None
}

#[cfg(test)]
mod date_tests {
    use super::*;

    #[test]
    fn dates_outside_the_years_are_found_and_others_are_not() {
        for v in [
            "-262143-01-01",
            "+10000-01-01T00:00:00Z",
            "9999-12-31",
            "1899-12-31",
            "0001-01-01T00:00:00+08:00",
            "2201-01-01 08:00",
        ] {
            assert!(date_out_of_range(v), "{v}");
        }
        for v in [
            "2026-12-05",
            "1900-01-01",
            "2200-12-31T23:59:59Z",
            "13800138000",
            "9999",
            "9999-12",
            "abc",
            "",
            "12345-67-89x",
        ] {
            assert!(!date_out_of_range(v), "{v}");
        }
    }

    #[test]
    fn a_json_body_names_the_key_of_a_far_date() {
        let body = br#"{"note": "ok \" 9999-01-01", "from": "9999-12-31T00:00:00Z", "n": 1}"#;
        assert_eq!(json_date_out_of_range(body).as_deref(), Some("from"));
        assert_eq!(
            json_date_out_of_range(br#"[{"at": "2026-01-01T00:00:00Z"}]"#),
            None
        );
        assert_eq!(
            json_date_out_of_range(br#"["0001-01-01"]"#).as_deref(),
            Some("body")
        );
    }
}
