//! The area's browser pages: one module per screen, each a thin skin over its service module.

use axum::extract::FromRef;
use lianxin_kernel::state::Core;

pub mod pairing;
pub mod projects;
pub mod report;
pub mod stages;
pub mod teams;
pub mod visits;

pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    axum::Router::new()
        .merge(pairing::router())
        .merge(projects::router())
        .merge(teams::router())
        .merge(visits::router())
        .merge(stages::router())
        .merge(report::router())
}
