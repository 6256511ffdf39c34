//! The area's browser pages: one module per screen, each a thin skin over its service module.

use axum::extract::FromRef;
use lianxin_kernel::state::Core;

pub mod projects;
pub mod report;
pub mod stages;
pub mod teams;

pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    axum::Router::new()
        .merge(projects::router())
        .merge(teams::router())
        .merge(stages::router())
        .merge(report::router())
}
