//! The area's JSON API: one module per subject, each a thin skin over its service module.

use axum::extract::FromRef;
use lianxin_kernel::state::Core;
use utoipa_axum::router::OpenApiRouter;

pub mod applications;
pub mod assistance;
pub mod jobs;
pub mod labour;
pub mod public;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .merge(jobs::router())
        .merge(public::router())
        .merge(labour::router())
        .merge(applications::router())
        .merge(assistance::router())
}
