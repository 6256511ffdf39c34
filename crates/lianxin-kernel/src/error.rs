//! One error type for every request path, rendered as RFC 9457 problem+json (API) or an error
//! page (browser). Messages carry both Chinese and English; `i18n::localize_errors` picks one
//! per request, so handlers never think about the language.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// One invalid field: `field` is the input's name (JSON key, form field or import column key).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    #[serde(skip)]
    pub message_zh: String,
    #[serde(skip)]
    pub message_en: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message_zh: zh.into(),
            message_en: en.into(),
        }
    }

    pub fn required(field: &str, label_zh: &str, label_en: &str) -> Self {
        Self::new(
            field,
            "required",
            format!("{label_zh}不能为空"),
            format!("{label_en} is required"),
        )
    }

    /// From a domain validation error of `lianxin_types`.
    pub fn from_validation(
        field: &str,
        err: &lianxin_types::ValidationError,
        label_zh: &str,
        label_en: &str,
    ) -> Self {
        Self::new(
            field,
            err.code(),
            err.message_zh(label_zh),
            err.message_en(label_en),
        )
    }

    pub fn message(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Zh => &self.message_zh,
            crate::i18n::Lang::En => &self.message_en,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("forbidden")]
    Forbidden,
    /// Forbidden for a reason the caller should read (not on duty at this checkpoint...).
    #[error("forbidden: {en}")]
    ForbiddenBecause { zh: String, en: String },
    #[error("not found")]
    NotFound,
    #[error("conflict: {en}")]
    Conflict { zh: String, en: String },
    /// A conflict answered with the record as it now stands (a stale version, an action the
    /// current state does not allow), so the client can show it without another request.
    #[error("conflict: {en}")]
    ConflictWith {
        zh: String,
        en: String,
        current: Box<serde_json::Value>,
    },
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("bad request: {en}")]
    BadRequest { zh: String, en: String },
    #[error("too many attempts")]
    TooManyRequests { retry_after_secs: u64 },
    /// Too many requests of one kind, with words saying which (投递过于频繁…): 429 with
    /// `Retry-After`.
    #[error("too many requests: {en}")]
    TooManyRequestsBecause {
        retry_after_secs: u64,
        zh: String,
        en: String,
    },
    /// The record exists but is gone for good for this request (a closed or expired job): 410.
    #[error("gone: {en}")]
    Gone { zh: String, en: String },
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn conflict(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::Conflict {
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn bad_request(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::BadRequest {
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn forbidden_because(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self::ForbiddenBecause {
            zh: zh.into(),
            en: en.into(),
        }
    }
    pub fn invalid(field: FieldError) -> Self {
        Self::Validation(vec![field])
    }
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::ForbiddenBecause { .. } => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict { .. } | Self::ConflictWith { .. } => StatusCode::CONFLICT,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::TooManyRequests { .. } | Self::TooManyRequestsBecause { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::Gone { .. } => StatusCode::GONE,
            Self::Db(e) if is_unique_violation(e) || is_fk_violation(e) => StatusCode::CONFLICT,
            Self::Db(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document in both languages; `i18n` chooses.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (slug, title_zh, title_en, zh, en) = match self {
            Self::Unauthenticated => (
                "unauthenticated",
                "未登录",
                "Unauthenticated",
                "请先登录或提供有效的令牌".to_owned(),
                "log in or send a valid bearer token".to_owned(),
            ),
            Self::Forbidden => (
                "forbidden",
                "无权操作",
                "Forbidden",
                "当前角色无权执行此操作".to_owned(),
                "your roles do not allow this action".to_owned(),
            ),
            Self::ForbiddenBecause { zh, en } => {
                ("forbidden", "无权操作", "Forbidden", zh.clone(), en.clone())
            }
            Self::NotFound => (
                "not-found",
                "记录不存在",
                "Not found",
                "记录不存在或不在您的数据权限范围内".to_owned(),
                "the record does not exist or is outside your data scope".to_owned(),
            ),
            Self::Conflict { zh, en } | Self::ConflictWith { zh, en, .. } => {
                ("conflict", "状态冲突", "Conflict", zh.clone(), en.clone())
            }
            Self::Validation(errs) => (
                "validation",
                "输入有误",
                "Invalid input",
                errs.iter()
                    .map(|e| e.message_zh.as_str())
                    .collect::<Vec<_>>()
                    .join("；"),
                errs.iter()
                    .map(|e| e.message_en.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            Self::BadRequest { zh, en } => (
                "bad-request",
                "请求有误",
                "Bad request",
                zh.clone(),
                en.clone(),
            ),
            Self::TooManyRequests { retry_after_secs } => (
                "too-many-requests",
                "尝试次数过多",
                "Too many attempts",
                format!("失败次数过多，请 {} 秒后再试", retry_after_secs),
                format!("too many failed attempts, retry in {retry_after_secs} s"),
            ),
            Self::TooManyRequestsBecause { zh, en, .. } => (
                "too-many-requests",
                "请求过于频繁",
                "Too many requests",
                zh.clone(),
                en.clone(),
            ),
            Self::Gone { zh, en } => ("gone", "已失效", "Gone", zh.clone(), en.clone()),
            Self::Db(e) if is_fk_violation(e) => (
                "in-use",
                "记录仍被引用",
                "In use",
                "该记录仍被其他记录引用（如健康日报、通行、事项），不能删除或更改".to_owned(),
                "other records (health reports, passages, cases...) still refer to this record"
                    .to_owned(),
            ),
            Self::Db(e) if is_unique_violation(e) => (
                "duplicate",
                "记录重复",
                "Duplicate",
                "已存在相同编码或证件号的记录".to_owned(),
                "a record with the same code or number already exists".to_owned(),
            ),
            Self::Db(_) | Self::Internal(_) => (
                "internal",
                "服务器内部错误",
                "Internal error",
                "服务器内部错误，请稍后重试".to_owned(),
                "internal server error, please retry later".to_owned(),
            ),
        };
        Problem {
            r#type: format!("https://lianxin.example/problems/{slug}"),
            status: status.as_u16(),
            title_zh: title_zh.to_owned(),
            title_en: title_en.to_owned(),
            detail_zh: zh,
            detail_en: en,
            errors: match self {
                Self::Validation(errs) => errs.clone(),
                _ => Vec::new(),
            },
            retry_after: match self {
                Self::TooManyRequests { retry_after_secs }
                | Self::TooManyRequestsBecause {
                    retry_after_secs, ..
                } => Some(*retry_after_secs),
                _ => None,
            },
            current: match self {
                Self::ConflictWith { current, .. } => Some((**current).clone()),
                _ => None,
            },
        }
    }
}

pub fn is_fk_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_))
    )
    // SQLite reports a violation found at commit with an extended code SeaORM does not map.
    || e.to_string().contains("FOREIGN KEY constraint failed")
}

pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// A problem document before the language is chosen. Travels in the response extensions.
#[derive(Debug, Clone)]
pub struct Problem {
    pub r#type: String,
    pub status: u16,
    pub title_zh: String,
    pub title_en: String,
    pub detail_zh: String,
    pub detail_en: String,
    pub errors: Vec<FieldError>,
    pub retry_after: Option<u64>,
    /// The record as it now stands (409 on a case).
    pub current: Option<serde_json::Value>,
}

/// The wire form (RFC 9457), documented in OpenAPI.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemBody {
    pub r#type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemFieldBody>,
    /// On a 409 about a record: the record as it now stands.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemFieldBody {
    pub field: String,
    pub code: String,
    pub message: String,
}

impl Problem {
    pub fn body(&self, lang: crate::i18n::Lang) -> ProblemBody {
        let en = lang == crate::i18n::Lang::En;
        ProblemBody {
            r#type: self.r#type.clone(),
            title: if en { &self.title_en } else { &self.title_zh }.clone(),
            status: self.status,
            detail: if en { &self.detail_en } else { &self.detail_zh }.clone(),
            errors: self
                .errors
                .iter()
                .map(|e| ProblemFieldBody {
                    field: e.field.clone(),
                    code: e.code.clone(),
                    message: e.message(lang).to_owned(),
                })
                .collect(),
            current: self.current.clone(),
        }
    }

    pub fn into_response(self, lang: crate::i18n::Lang) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self.body(lang)).unwrap_or_default();
        let mut resp = (status, body).into_response();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp.extensions_mut().insert(self);
        resp
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if self.status().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        self.problem().into_response(crate::i18n::Lang::Zh)
    }
}

impl From<Vec<FieldError>> for AppError {
    fn from(v: Vec<FieldError>) -> Self {
        Self::Validation(v)
    }
}
