//! The area's browser pages: one module per screen, each a thin skin over its service module.

use axum::extract::FromRef;
use lianxin_kernel::state::Core;

pub mod applications;
pub mod assistance;
pub mod board;
pub mod jobs;
pub mod labour;

pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    axum::Router::new()
        .merge(jobs::router())
        .merge(board::router())
        .merge(labour::router())
        .merge(applications::router())
        .merge(assistance::router())
}
