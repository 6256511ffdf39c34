//! Language of a request: Chinese by default; English when the `lang` cookie says so or an API
//! client sends `Accept-Language: en`. The frame's UI strings live in `locales/kernel.yml`; each
//! area owns its own and contributes them through `crate::area::Area::strings`.

use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::borrow::Cow;

use crate::error::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn is_en(self) -> bool {
        self == Lang::En
    }

    /// Translate a UI key; an unknown key shows itself, so a missing string is visible, not blank.
    pub fn t<'a>(self, key: &'a str) -> Cow<'a, str> {
        crate::_rust_i18n_try_translate(self.code(), key)
            .or_else(|| {
                crate::area::installed()
                    .iter()
                    .find_map(|a| (a.strings)(self.code(), key))
            })
            .unwrap_or(Cow::Borrowed(key))
    }

    /// Pick one of two literal texts.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The cookie wins (a person's explicit choice); then, for API clients only,
    /// `Accept-Language`. Pages are Chinese unless the person switches: a browser set up in
    /// English does not change what a district's staff see.
    pub fn from_request(headers: &HeaderMap, path: &str) -> Lang {
        let api = path.starts_with("/api/") || path.starts_with("/open311/");
        Self::from_headers(headers, api)
    }

    fn from_headers(headers: &HeaderMap, use_accept_language: bool) -> Lang {
        if let Some(cookie) = headers.get(header::COOKIE).and_then(|v| v.to_str().ok()) {
            for part in cookie.split(';') {
                let part = part.trim();
                if let Some(v) = part.strip_prefix("lang=") {
                    return if v.starts_with("en") {
                        Lang::En
                    } else {
                        Lang::Zh
                    };
                }
            }
        }
        if !use_accept_language {
            return Lang::Zh;
        }
        match headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
        {
            Some(v) if v.trim_start().to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_request(&parts.headers, parts.uri.path()))
    }
}

/// Rewrites problem responses into the caller's language, and into an HTML page for browser
/// routes, so handlers can simply return `AppError`.
pub async fn localize_errors(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let lang = Lang::from_request(req.headers(), &path);
    let wants_html = !path.starts_with("/api/")
        && !path.starts_with("/open311/")
        && req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
    let is_htmx = req.headers().contains_key("hx-request");
    let resp = next.run(req).await;
    let problem = match resp.extensions().get::<Problem>().cloned() {
        Some(p) => p,
        // A rejection from the framework (405, 413, a malformed form...) becomes a problem too.
        None if (resp.status().is_client_error() || resp.status().is_server_error())
            && is_plain(&resp) =>
        {
            framework_problem(resp).await
        }
        None => return resp,
    };
    if wants_html && !is_htmx {
        if problem.status == 401 {
            return axum::response::Redirect::to(&format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
            ))
            .into_response();
        }
        return crate::web::error_page(lang, &problem);
    }
    problem.into_response(lang)
}

/// Framework refusals are plain text or empty; our own pages (HTML) and reports (JSON) are not.
fn is_plain(resp: &Response) -> bool {
    match resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        None => true,
        Some(ct) => ct.starts_with("text/plain"),
    }
}

/// Turns a plain-text error response of axum or tower into a problem document.
async fn framework_problem(resp: Response) -> Problem {
    let status = resp.status();
    let text = axum::body::to_bytes(resp.into_body(), 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let (slug, zh, en) = match status.as_u16() {
        405 => (
            "method-not-allowed",
            "不支持的请求方法",
            "Method not allowed",
        ),
        413 => ("payload-too-large", "上传内容过大", "Payload too large"),
        415 => (
            "unsupported-media-type",
            "不支持的内容类型",
            "Unsupported media type",
        ),
        404 => ("not-found", "记录不存在", "Not found"),
        s if s >= 500 => ("internal", "服务器内部错误", "Internal error"),
        _ => ("bad-request", "请求有误", "Bad request"),
    };
    Problem {
        r#type: format!("https://lianxin.example/problems/{slug}"),
        status: status.as_u16(),
        title_zh: zh.to_owned(),
        title_en: en.to_owned(),
        detail_zh: if text.is_empty() {
            zh.to_owned()
        } else {
            format!("{zh}：{text}")
        },
        detail_en: if text.is_empty() { en.to_owned() } else { text },
        errors: Vec::new(),
        retry_after: None,
        current: None,
    }
}
