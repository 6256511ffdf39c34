//! HTTP extractors every area's handlers use: JSON bodies and query strings whose rejections
//! are 422 problems naming the field, numeric ids from the path, multipart uploads.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};

/// One uploaded file, as read from a multipart body.
#[derive(Debug, Clone)]
pub struct Upload {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// `Json<T>` for a body that is a JSON object, whose rejection is a 422 problem+json naming
/// the offending field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let json = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .is_some_and(|v| {
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        let parsed = if json {
            // Read once, look for far dates, then parse (the same rejections as `Json`).
            let bytes = match axum::body::Bytes::from_request(req, state).await {
                Ok(b) => b,
                Err(rej) => {
                    return Err(AppError::bad_request(
                        "请求体无法读取（过大或传输中断）",
                        rej.body_text(),
                    ));
                }
            };
            // Every body the API declares is an object; serde would also take a struct from a
            // JSON array (`[373, 28]`), which no client means.
            if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
                return Err(AppError::invalid(FieldError::new(
                    "body",
                    "json",
                    "请求体应为 JSON 对象（{…}）",
                    "the body must be a JSON object ({…})",
                )));
            }
            if let Some(field) = crate::text::json_date_out_of_range(&bytes) {
                return Err(AppError::invalid(crate::text::date_range_error(&field)));
            }
            match axum::Json::<T>::from_bytes(&bytes) {
                // JSON has one number type: `329.0` is the integer 329 (as JSON Schema reads
                // it), which serde refuses for an integer field. Read such numbers as integers
                // and try once more; a body that still fails answers the first refusal.
                Err(rej) if rej.body_text().contains("floating point") => {
                    match integral_floats_as_integers(&bytes)
                        .and_then(|v| serde_json::from_value::<T>(v).ok())
                    {
                        Some(v) => Ok(axum::Json(v)),
                        None => Err(rej),
                    }
                }
                other => other,
            }
        } else {
            axum::Json::<T>::from_request(req, state).await
        };
        match parsed {
            Ok(axum::Json(v)) => Ok(ApiJson(v)),
            Err(rej) => {
                let text = rej.body_text();
                let field = text
                    .split(": ")
                    .nth(1)
                    .and_then(|s| s.split(' ').next())
                    .filter(|s| {
                        !s.is_empty()
                            && s.chars().all(|c| c.is_alphanumeric() || "_[].".contains(c))
                    })
                    .unwrap_or("body")
                    .to_owned();
                Err(AppError::invalid(FieldError::new(
                    &field,
                    "json",
                    format!("请求体有误：{}", decoding_error_zh(&text)),
                    format!("the body is not valid JSON for this endpoint: {text}"),
                )))
            }
        }
    }
}

/// What a decoder's refusal (serde's, serde_json's, a query string's, chrono's; always in
/// English) says, in Chinese, for the message a Chinese client reads; the English message keeps
/// the decoder's own words. Values and field names are quoted as given; a refusal this does
/// not know reads as a wrong format, never as English inside the Chinese.
pub fn decoding_error_zh(detail: &str) -> String {
    // axum's prefixes, and serde_json's position.
    let mut d = detail;
    for prefix in [
        "Failed to deserialize the JSON body into the target type: ",
        "Failed to parse the request body as JSON: ",
        "Failed to deserialize query string: ",
        "Failed to deserialize form: ",
    ] {
        d = d.strip_prefix(prefix).unwrap_or(d);
    }
    let d = match d.find(" at line ") {
        Some(i) => &d[..i],
        None => d,
    };
    // `path: error` when serde_path_to_error names the field.
    let (field, d) = match d.split_once(": ") {
        Some((f, rest))
            if !f.is_empty() && f.chars().all(|c| c.is_alphanumeric() || "_[].".contains(c)) =>
        {
            (Some(f), rest)
        }
        _ => (None, d),
    };
    let quoted = |s: &str| -> Option<String> {
        let start = s.find('`')? + 1;
        let end = start + s[start..].find('`')?;
        Some(s[start..end].to_owned())
    };
    let kind = |expected: &str| -> &'static str {
        let e = expected.trim();
        let sized = |p: char| {
            e.strip_prefix(p)
                .is_some_and(|bits| !bits.is_empty() && bits.chars().all(|c| c.is_ascii_digit()))
        };
        if sized('i') || sized('u') || e.contains("integer") {
            "整数"
        } else if e.starts_with('f') || e.contains("float") || e.contains("number") {
            "数字"
        } else if e.contains("RFC 3339") || e.contains("date and time") || e.contains("datetime") {
            "RFC 3339 日期时间（如 2026-12-05T08:00:00+08:00）"
        } else if e.contains("date") {
            "日期（如 2026-12-05）"
        } else if e.contains("bool") {
            "布尔值 true 或 false"
        } else if e.contains("sequence") || e.contains("array") || e.contains("tuple") {
            "数组"
        } else if e.contains("string") || e.contains("char") {
            "文本"
        } else if e.contains("struct") || e.contains("map") {
            "对象"
        } else {
            "规定的格式"
        }
    };
    let given = |found: &str| -> String {
        let f = found.trim();
        if let Some(v) = f.strip_prefix("string ") {
            format!("文本 {v}")
        } else if let Some(v) = f.strip_prefix("integer ") {
            format!("整数 {}", v.trim_matches('`'))
        } else if let Some(v) = f.strip_prefix("floating point ") {
            format!("小数 {}", v.trim_matches('`'))
        } else if let Some(v) = f.strip_prefix("boolean ") {
            format!("布尔值 {}", v.trim_matches('`'))
        } else if f == "null" || f == "unit value" {
            "空值 null".to_owned()
        } else if f.starts_with("sequence") {
            "数组".to_owned()
        } else if f.starts_with("map") {
            "对象".to_owned()
        } else {
            "其他类型".to_owned()
        }
    };
    let what = if let Some(rest) = d.strip_prefix("missing field ") {
        format!("缺少字段 {}", quoted(rest).unwrap_or_default())
    } else if let Some(rest) = d.strip_prefix("unknown field ") {
        format!("没有字段 {}", quoted(rest).unwrap_or_default())
    } else if let Some(rest) = d.strip_prefix("duplicate field ") {
        format!("字段 {} 出现了两次", quoted(rest).unwrap_or_default())
    } else if let Some(rest) = d.strip_prefix("unknown variant ") {
        let value = quoted(rest).unwrap_or_default();
        let options: Vec<&str> = rest
            .split_once("expected ")
            .map(|(_, o)| o.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        if options.is_empty() {
            format!("取值“{value}”不在可选值中")
        } else {
            format!("取值“{value}”不在可选值中（可选：{}）", options.join("、"))
        }
    } else if let Some(rest) = d.strip_prefix("invalid type: ") {
        match rest.split_once(", expected ") {
            Some((found, expected)) => {
                format!("类型不对：给的是{}，应为{}", given(found), kind(expected))
            }
            None => "类型不对".to_owned(),
        }
    } else if let Some(rest) = d.strip_prefix("invalid value: ") {
        match rest.split_once(", expected ") {
            Some((found, expected)) => {
                format!("取值不对：给的是{}，应为{}", given(found), kind(expected))
            }
            None => "取值不对".to_owned(),
        }
    } else if d.starts_with("invalid length") {
        "个数不对".to_owned()
    } else if d.contains("out of range") || d.contains("too large") || d.contains("too small") {
        "数值超出范围".to_owned()
    } else if d.contains("invalid digit") || d.contains("invalid float literal") {
        "应为数字".to_owned()
    } else if d.contains("empty string") {
        "不能为空".to_owned()
    } else if d.contains("`true` or `false`") {
        "应为 true 或 false".to_owned()
    } else if d.contains("input contains invalid characters")
        || d.contains("premature end of input")
        || d.contains("trailing input")
        || d.contains("input is not enough")
    {
        "日期时间格式不对（应为 RFC 3339，如 2026-12-05T08:00:00+08:00）".to_owned()
    } else if d.starts_with("EOF while parsing")
        || d.starts_with("expected ")
        || d.starts_with("trailing ")
        || d.starts_with("key must be")
        || d.contains("control character")
        || d.contains("escape")
    {
        "不是有效的 JSON".to_owned()
    } else {
        "格式不对".to_owned()
    };
    match field {
        Some(f) => format!("字段 {f}：{what}"),
        None => what,
    }
}

/// The body with each number that has no fraction (`329.0`, `1e3`) as an integer, when any
/// number changed; `None` when none did or the body is not JSON.
fn integral_floats_as_integers(bytes: &[u8]) -> Option<serde_json::Value> {
    fn walk(v: &mut serde_json::Value) -> bool {
        match v {
            serde_json::Value::Number(n) if !n.is_i64() && !n.is_u64() => {
                match n.as_f64() {
                    // Exactly representable integers only (below 2^53).
                    Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => {
                        *v = serde_json::Value::from(f as i64);
                        true
                    }
                    _ => false,
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().fold(false, |c, i| walk(i) | c),
            serde_json::Value::Object(map) => map.values_mut().fold(false, |c, i| walk(i) | c),
            _ => false,
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    walk(&mut v).then_some(v)
}

/// `Query<T>` whose rejection is a 422 problem+json.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let far = parts.uri.query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(_, v)| crate::text::date_out_of_range(v))
                .map(|(k, _)| k.into_owned())
        });
        if let Some(field) = far {
            return Err(AppError::invalid(crate::text::date_range_error(&field)));
        }
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(ApiQuery(v)),
            Err(rej) => {
                let text = rej.body_text();
                Err(AppError::invalid(FieldError::new(
                    "query",
                    "format",
                    format!("查询参数有误：{}", decoding_error_zh(&text)),
                    format!("invalid query parameters: {text}"),
                )))
            }
        }
    }
}

/// A numeric record id from the path. Anything else cannot name a record: 404, like a missing one.
pub struct IdPath(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<i64>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) => Ok(IdPath(id)),
            Err(_) => Err(AppError::NotFound),
        }
    }
}

/// The text fields and files of a `multipart/form-data` upload. A malformed body is a 422.
pub async fn read_upload(
    mut mp: axum::extract::Multipart,
) -> Result<(std::collections::HashMap<String, String>, Vec<Upload>), AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::invalid(FieldError::new(
            "file",
            "multipart",
            "上传内容无法读取，请重新选择文件后再提交".to_owned(),
            format!("the upload cannot be read: {e}"),
        ))
    };
    let mut fields = std::collections::HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_owned();
        match field.file_name().map(str::to_owned) {
            Some(filename) => {
                let content_type = field
                    .content_type()
                    .unwrap_or("application/octet-stream")
                    .to_owned();
                let bytes = field.bytes().await.map_err(bad)?.to_vec();
                if filename.is_empty() && bytes.is_empty() {
                    continue; // an empty file input
                }
                files.push(Upload {
                    filename,
                    content_type,
                    bytes,
                });
            }
            None => {
                let text = field.text().await.map_err(bad)?;
                fields.insert(name, text);
            }
        }
    }
    Ok((fields, files))
}

#[cfg(test)]
mod tests {
    use super::decoding_error_zh as zh;

    #[test]
    fn decoders_refusals_read_in_chinese() {
        let cases = [
            (
                "Failed to deserialize the JSON body into the target type: days: invalid type: string \"x\", expected i64 at line 1 column 10",
                "字段 days：类型不对：给的是文本 \"x\"，应为整数",
            ),
            (
                "Failed to deserialize the JSON body into the target type: missing field `title` at line 1 column 2",
                "缺少字段 title",
            ),
            (
                "Failed to deserialize query string: group_by: unknown variant `area`, expected one of `unit`, `subject`",
                "字段 group_by：取值“area”不在可选值中（可选：unit、subject）",
            ),
            (
                "Failed to deserialize query string: invalid digit found in string",
                "应为数字",
            ),
            (
                "Failed to parse the request body as JSON: EOF while parsing an object at line 1 column 9",
                "不是有效的 JSON",
            ),
            (
                "from: input contains invalid characters",
                "字段 from：日期时间格式不对（应为 RFC 3339，如 2026-12-05T08:00:00+08:00）",
            ),
            (
                "fever_only: provided string was not `true` or `false`",
                "字段 fever_only：应为 true 或 false",
            ),
            (
                "invalid type: integer `5`, expected a string",
                "类型不对：给的是整数 5，应为文本",
            ),
            ("something new", "格式不对"),
        ];
        for (detail, want) in cases {
            let got = zh(detail);
            assert_eq!(got, want, "{detail}");
            assert!(
                !got.contains("expected") && !got.contains("invalid"),
                "no English: {got}"
            );
        }
    }
}
