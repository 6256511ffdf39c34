//! The JSON API under `/api/v1`, documented with utoipa: the document's frame and the
//! assembly of every area's routes. Handlers are thin and live with their areas: parse, call
//! the area's service function with the caller's `Principal`, shape the answer.

pub mod system;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lianxin (连心) API",
        description = "District platform for epidemic control and enterprise recovery. \
Errors are RFC 9457 problem+json; messages in Chinese, English with `Accept-Language: en`. \
Lists take `page` and `page_size` (default 20, max 500) and answer `{items, total}`.",
        version = "1"
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::ProblemBody, crate::error::ProblemFieldBody))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(system::router())
        .merge(lianxin_registries::api_router())
        .merge(lianxin_cases::api_router())
        .merge(lianxin_screening::api_router())
}
