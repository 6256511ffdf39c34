//! `/api/v1/public/jobs`: the public job board, for anyone (no credentials): the open jobs
//! and their public part only.

use axum::Json;
use axum::extract::{FromRef, State};
use lianxin_kernel::http::{ApiQuery, IdPath};
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::state::Core;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::board::{self, BoardFilter, Found, PublicJob};
use crate::error::{AppError, AppResult, ProblemBody};
use crate::paging::{Page, Paging};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(search))
        .routes(routes!(get))
}

/// The open jobs (open and not past their closing date), newest posted first: search `q` in
/// the title, place, requirements and firm name; `industry` (a code of `enterprise.industry`),
/// `unit_id` (the firm's sub-district, or the district), `salary_min_fen` (the job's highest
/// pay at least this), `employment_aid=true` (suits employment-assistance targets). No
/// credentials needed; never any applicant's data.
#[utoipa::path(get, path = "/api/v1/public/jobs", tag = "jobs", security(()),
    params(BoardFilter, Paging),
    responses((status = 200, body = Page<PublicJob>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn search(
    State(s): State<Core>,
    lang: Lang,
    ApiQuery(f): ApiQuery<BoardFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<PublicJob>>> {
    Ok(Json(board::search(&s.db, &f, p, lang).await?))
}

/// An open job's public page data. A job that has stopped taking applications (closed by its
/// firm, or past its closing date) is a 410; one that does not exist a 404.
#[utoipa::path(get, path = "/api/v1/public/jobs/{id}", tag = "jobs", security(()),
    params(("id" = i64, Path)),
    responses((status = 200, body = PublicJob),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 410, body = ProblemBody, content_type = "application/problem+json")))]
async fn get(State(s): State<Core>, lang: Lang, IdPath(id): IdPath) -> AppResult<Json<PublicJob>> {
    match board::get(&s.db, id, lang).await? {
        Found::Open(j) => Ok(Json(*j)),
        Found::Stopped(_) => Err(gone()),
    }
}

/// The 410 of a job that stopped taking applications (the kernel's `Gone`, as an application
/// to it answers).
pub fn gone() -> AppError {
    AppError::Gone {
        zh: "该岗位已停止招聘（已关闭或已过截止日期）".into(),
        en: "the job no longer takes applications (closed or past its closing date)".into(),
    }
}
