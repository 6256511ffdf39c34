//! The `Principal` extractor: a bearer token (API) or the session cookie (browser, with CSRF
//! check on every unsafe method). Handlers that take a `Principal` are authenticated.

use std::collections::HashSet;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts, Request};
use axum::http::{Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::Response;
use chrono::Utc;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::auth::{SESSION_COOKIE, SessionKind, token_id};
use super::roles::DataScope;
use super::scope::Scope;
use crate::entities::{role_permissions, role_units, roles, sessions, user_roles, users};
use crate::error::{AppError, AppResult};
use crate::state::Core;
use crate::web::guard::ClientMeta;

#[derive(Debug, Clone)]
pub struct RoleInfo {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub person_id: Option<i64>,
    pub roles: Vec<RoleInfo>,
    pub permissions: HashSet<String>,
    pub scope: Scope,
    pub kind: SessionKind,
    pub csrf_token: String,
    pub ip: Option<String>,
}

impl Principal {
    pub fn can(&self, permission: &str) -> bool {
        self.permissions.contains(super::roles::perm::ALL) || self.permissions.contains(permission)
    }

    /// 403 unless the caller holds `permission`.
    pub fn require(&self, permission: &str) -> AppResult<()> {
        if self.can(permission) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn role_names(&self, lang: crate::i18n::Lang) -> String {
        self.roles
            .iter()
            .map(|r| if lang.is_en() { &r.name_en } else { &r.name_zh }.as_str())
            .collect::<Vec<_>>()
            .join("、")
    }
}

/// The client's address: the TCP peer, or what a trusted proxy says it forwarded
/// (`web::guard`, the one place that decides whom to believe).
pub fn client_ip(parts: &Parts) -> Option<String> {
    match parts.extensions.get::<ClientMeta>() {
        Some(meta) => meta.ip.map(|ip| ip.to_string()),
        None => parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ci| ci.0.ip().to_canonical().to_string()),
    }
}

/// Whether the request reached the site over HTTPS (`serve --https`, or a trusted proxy's
/// `X-Forwarded-Proto`).
pub fn is_https(parts: &Parts) -> bool {
    parts
        .extensions
        .get::<ClientMeta>()
        .is_some_and(|meta| meta.https)
}

/// The client's address as an extractor, for handlers that record it (the login log).
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts)))
    }
}

pub fn session_token_from(parts: &Parts) -> Option<(String, SessionKind)> {
    if let Some(auth) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = auth.strip_prefix("Bearer ")?.trim();
        return Some((token.to_owned(), SessionKind::Api));
    }
    let cookies = parts.headers.get(header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| {
        c.trim()
            .strip_prefix(SESSION_COOKIE)
            .and_then(|v| v.strip_prefix('='))
            .map(|v| (v.to_owned(), SessionKind::Web))
    })
}

/// Builds the principal of a user (roles, permissions, scope).
pub async fn load_principal(
    db: &sea_orm::DatabaseConnection,
    user: users::Model,
    kind: SessionKind,
    csrf_token: String,
    ip: Option<String>,
) -> AppResult<Principal> {
    let role_ids: Vec<i64> = user_roles::Entity::find()
        .filter(user_roles::Column::UserId.eq(user.id))
        .all(db)
        .await?
        .into_iter()
        .map(|ur| ur.role_id)
        .collect();
    let role_rows = roles::Entity::find()
        .filter(roles::Column::Id.is_in(role_ids.clone()))
        .all(db)
        .await?;
    let permissions: HashSet<String> = role_permissions::Entity::find()
        .filter(role_permissions::Column::RoleId.is_in(role_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.permission)
        .collect();
    let mut scope = Scope::default();
    for role in &role_rows {
        match DataScope::parse(&role.data_scope) {
            Some(DataScope::All) => scope.all = true,
            Some(DataScope::Custom) => {
                let units = role_units::Entity::find()
                    .filter(role_units::Column::RoleId.eq(role.id))
                    .all(db)
                    .await?;
                scope.units.extend(units.into_iter().map(|u| u.unit_id));
            }
            Some(DataScope::Unit) => scope.units.extend(user.unit_id),
            Some(DataScope::UnitAndBelow) => scope.subtrees.extend(user.unit_id),
            Some(DataScope::SelfOnly) => {
                scope.person_id = user.person_id;
                scope.enterprise_id = user.enterprise_id;
            }
            None => {}
        }
    }
    if !role_rows.is_empty() {
        scope.user_id = Some(user.id);
        scope.acting_person_id = user.person_id;
    }
    scope.units.sort_unstable();
    scope.units.dedup();
    scope.subtrees.sort_unstable();
    scope.subtrees.dedup();
    Ok(Principal {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        unit_id: user.unit_id,
        enterprise_id: user.enterprise_id,
        person_id: user.person_id,
        roles: role_rows
            .into_iter()
            .map(|r| RoleInfo {
                code: r.code,
                name_zh: r.name_zh,
                name_en: r.name_en,
            })
            .collect(),
        permissions,
        scope,
        kind,
        csrf_token,
        ip,
    })
}

impl<S> FromRequestParts<S> for Principal
where
    S: Send + Sync,
    Core: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(p.clone());
        }
        let state = Core::from_ref(state);
        let (token, kind) = session_token_from(parts).ok_or(AppError::Unauthenticated)?;
        let session = sessions::Entity::find_by_id(token_id(&token))
            .one(&state.db)
            .await?
            .filter(|s| s.expires_at > Utc::now())
            .ok_or(AppError::Unauthenticated)?;
        let session_kind = if session.kind == "web" {
            SessionKind::Web
        } else {
            SessionKind::Api
        };
        // A browser session cookie is not a bearer token and vice versa.
        if session_kind != kind {
            return Err(AppError::Unauthenticated);
        }
        let user = users::Entity::find_by_id(session.user_id)
            .one(&state.db)
            .await?
            .filter(|u| u.active)
            .ok_or(AppError::Unauthenticated)?;
        if kind == SessionKind::Web && !is_safe(&parts.method) {
            let sent = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if sent.is_empty() || sent != session.csrf_token {
                return Err(AppError::bad_request(
                    "表单已过期或来源无效（CSRF 校验失败），请刷新页面后重试",
                    "the form expired or came from elsewhere (CSRF check failed); reload and retry",
                ));
            }
        }
        super::auth::touch_session(&state.db, &session).await?;
        let p = load_principal(&state.db, user, kind, session.csrf_token, client_ip(parts)).await?;
        parts.extensions.insert(p.clone());
        Ok(p)
    }
}

/// A principal if the caller is logged in (pages like /login use it).
pub struct MaybePrincipal(pub Option<Principal>);

impl<S> FromRequestParts<S> for MaybePrincipal
where
    S: Send + Sync,
    Core: FromRef<S>,
{
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        match Principal::from_request_parts(parts, state).await {
            Ok(p) => Ok(MaybePrincipal(Some(p))),
            Err(AppError::Unauthenticated) => Ok(MaybePrincipal(None)),
            Err(e) => Err(e),
        }
    }
}

fn is_safe(m: &Method) -> bool {
    matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Lifts the CSRF token of a browser form (`_csrf` in a urlencoded body, or in the query string
/// of a multipart upload) into the `X-CSRF-Token` header, where `Principal` checks it.
pub async fn csrf_from_form(req: Request, next: Next) -> Response {
    if is_safe(req.method()) || req.headers().contains_key("x-csrf-token") {
        return next.run(req).await;
    }
    let (mut parts, body) = req.into_parts();
    if let Some(q) = parts.uri.query().map(str::to_owned) {
        lift_csrf(&mut parts.headers, q.as_bytes());
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form || parts.headers.contains_key("x-csrf-token") {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let bytes = match axum::body::to_bytes(body, 4 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return axum::response::IntoResponse::into_response(AppError::bad_request(
                "表单过大",
                "form too large",
            ));
        }
    };
    lift_csrf(&mut parts.headers, &bytes);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

impl Principal {
    /// The principal of the command line and the demo loader: every permission, all data.
    /// Its actions are audited under `name` like anyone else's.
    pub fn system(name: &str) -> Principal {
        Principal {
            user_id: 0,
            username: name.to_owned(),
            display_name: name.to_owned(),
            unit_id: None,
            enterprise_id: None,
            person_id: None,
            roles: Vec::new(),
            permissions: [super::roles::perm::ALL.to_owned()].into_iter().collect(),
            scope: Scope::all(),
            kind: SessionKind::Api,
            csrf_token: String::new(),
            ip: None,
        }
    }
}

fn lift_csrf(headers: &mut axum::http::HeaderMap, form: &[u8]) {
    if let Some((_, v)) = url::form_urlencoded::parse(form).find(|(k, _)| k == "_csrf")
        && let Ok(hv) = v.parse()
    {
        headers.insert("x-csrf-token", hv);
    }
}
