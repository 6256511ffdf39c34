//! Language of a request: Chinese by default; English when the `lang` cookie says so or an API
//! client sends `Accept-Language: en`. UI strings live in `locales/app.yml`.

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
        rust_i18n::t!(key, locale = self.code())
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
    let Some(problem) = resp.extensions().get::<Problem>().cloned() else {
        return resp;
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
    if lang == Lang::Zh {
        return resp;
    }
    problem.into_response(lang)
}
