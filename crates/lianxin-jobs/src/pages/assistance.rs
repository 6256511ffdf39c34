//! `/employment/assistance` (就业援助): the applications whose applicants say they are
//! employment-assistance targets, district-wide, filtered by kind and status, each with its
//! follow-ups and a form to add one (`employment:assist`).

use axum::Router;
use axum::extract::{Form, FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use lianxin_kernel::http::ApiQuery;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::{PageCtx, render_status};
use serde::Deserialize;

use crate::access::Principal;
use crate::assistance::{self, AssistanceFilter, AssistedApplication, FollowupInput};
use crate::error::{AppError, AppResult};
use crate::paging::Paging;
use lianxin_kernel::i18n::Lang;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/employment/assistance", get(page))
        .route("/employment/assistance/{id}/followups", post(add_followup))
}

#[derive(askama::Template)]
#[template(path = "jobs/assistance_list.html")]
struct AssistancePage {
    ctx: PageCtx,
    rows: Vec<AssistedApplication>,
    total: u64,
    page: u64,
    pages: u64,
    kinds: Vec<(&'static str, String)>,
    statuses: Vec<(&'static str, String)>,
    assistance: String,
    status: String,
    error: Option<String>,
}

impl AssistancePage {
    fn status_label(&self, code: &str) -> String {
        crate::APPLICATION_STATUS.label(code, self.ctx.lang)
    }
    fn time(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        lianxin_kernel::web::time::local_time(t)
    }
    /// The query string of the current filters, for the pager's links.
    fn filters(&self) -> String {
        serde_urlencoded::to_string([
            ("assistance", self.assistance.as_str()),
            ("status", self.status.as_str()),
        ])
        .unwrap_or_default()
    }
}

async fn view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    f: AssistanceFilter,
    paging: Paging,
    error: Option<String>,
) -> AppResult<Response> {
    let list = assistance::list(&s.db, who, &f, paging, lang).await?;
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let codes = |c: lianxin_kernel::dict::Codes| {
        c.iter()
            .map(|(code, _, _)| (*code, c.label(code, lang)))
            .collect::<Vec<_>>()
    };
    let page = AssistancePage {
        ctx: PageCtx::new(
            who,
            lang,
            "assistance",
            lang.pick("就业援助", "Employment assistance"),
        ),
        total: list.total,
        rows: list.items,
        page: paging.page(),
        pages: paging.pages(list.total),
        kinds: codes(crate::ASSISTANCE),
        statuses: codes(crate::APPLICATION_STATUS),
        assistance: f.assistance.unwrap_or_default(),
        status: f.status.unwrap_or_default(),
        error,
    };
    Ok(render_status(status, &page))
}

async fn page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(f): ApiQuery<AssistanceFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Response> {
    view(&s, &who, lang, f, p, None).await
}

#[derive(Deserialize, Default)]
struct NoteForm {
    note: Option<String>,
}

async fn add_followup(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    Form(form): Form<NoteForm>,
) -> AppResult<Response> {
    let Ok(Path(id)) = path else {
        return Err(AppError::NotFound);
    };
    match assistance::add_followup(&s.db, &who, id, FollowupInput { note: form.note }).await {
        Ok(_) => Ok(Redirect::to(&format!("/employment/assistance#app-{id}")).into_response()),
        Err(e) => {
            let text = lianxin_kernel::web::shown_refusal(e, lang)?;
            view(
                &s,
                &who,
                lang,
                AssistanceFilter::default(),
                Paging::default(),
                Some(text),
            )
            .await
        }
    }
}
