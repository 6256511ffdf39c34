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
                Err(rej) => return Err(AppError::bad_request(rej.body_text(), rej.body_text())),
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
                    format!("请求体不是有效的 JSON 或字段类型不对：{text}"),
                    format!("the body is not valid JSON for this endpoint: {text}"),
                )))
            }
        }
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
                    format!("查询参数有误：{text}"),
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
