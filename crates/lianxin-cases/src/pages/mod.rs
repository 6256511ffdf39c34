//! Case screens: my to-do (待办) with counts, my department's cases, the overdue board, the
//! case page with its timeline and the actions the caller may take now, raising a case (and a
//! phone-friendly appeal page for enterprise contacts), inspections, bulletins, metrics.
//! Every screen calls `cases::service` / `inspections` / `bulletins` / `metrics`, as the API does.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;
use serde_json::json;

use crate::access::Principal;
use crate::bulletins::{self, BulletinInput, BulletinItemInput, BulletinView};
use crate::entities::{enterprises, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::inspections::{self, FindingInput, InspectionInput, InspectionView};
use crate::kinds::{self, KindView};
use crate::label;
use crate::metrics::{self, GroupBy, Metrics, MetricsQuery};
use crate::paging::Paging;
use crate::perm;
use crate::service::{self, ActionInput, Bucket, CaseDetail, CaseFilter, CaseInput, CaseView};
use axum::extract::FromRef;
use lianxin_kernel::http::IdPath;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::local_time;
use lianxin_kernel::web::{PageCtx, render, render_status};

mod bulletin_pages;
mod detail;
mod inspection_pages;
mod kind_pages;
mod list;
mod metrics_page;
mod raise;

use self::bulletin_pages::*;
use self::detail::*;
use self::inspection_pages::*;
use self::kind_pages::*;
use self::list::*;
use self::metrics_page::*;
use self::raise::*;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/cases", get(list_page))
        .route("/cases/new", get(new_page).post(new_submit))
        .route("/cases/export.xlsx", get(list_export))
        .route("/cases/metrics", get(metrics_page))
        .route("/cases/metrics.xlsx", get(metrics_export))
        .route("/cases/{id}", get(detail_page))
        .route("/cases/{id}/act", post(act_submit))
        .route("/cases/{id}/attach", post(attach_submit))
        .route("/attachments/{id}", get(attachment))
        .route("/appeal", get(appeal_page).post(appeal_submit))
        .route("/inspections", get(inspections_page))
        .route("/inspections/export.xlsx", get(inspections_export))
        .route(
            "/inspections/new",
            get(inspection_new).post(inspection_submit),
        )
        .route("/inspections/{id}", get(inspection_detail))
        .route("/inspections/{id}/attach", post(inspection_attach))
        .route("/system/case-kinds", get(kinds_page).post(kind_create))
        .route("/system/case-kinds/{id}", get(kind_page).post(kind_update))
        .route("/system/case-kinds/{id}/categories", post(category_create))
        .route("/bulletins", get(bulletins_page))
        .route("/bulletins/export.xlsx", get(bulletins_export))
        .route("/bulletins/batch-delete", post(bulletins_batch_delete))
        .route("/bulletins/new", get(bulletin_new).post(bulletin_create))
        .route("/bulletins/{id}", get(bulletin_detail).post(bulletin_save))
        .route("/bulletins/{id}/edit", get(bulletin_edit))
        .route("/bulletins/{id}/issue", post(bulletin_issue))
        .route("/bulletins/{id}/export.docx", get(bulletin_docx))
        .route("/bulletins/{id}/export.xlsx", get(bulletin_xlsx))
}

pub use lianxin_kernel::web::widgets::SelectOption as Opt;

fn opt(value: impl ToString, label: impl Into<String>) -> Opt {
    Opt {
        value: value.to_string(),
        label: label.into(),
    }
}

/// The values a list offers (字典管理), in its order.
fn codes(list: crate::Codes, lang: Lang) -> Vec<Opt> {
    list.offered()
        .iter()
        .map(|e| opt(&e.code, e.label(lang)))
        .collect()
}

fn t(v: &Option<DateTime<Utc>>) -> String {
    v.as_ref().map(local_time).unwrap_or_default()
}

/// Units a case can be dispatched to or be about (departments and local units).
async fn unit_options(s: &Core, kinds: &[&str]) -> AppResult<Vec<Opt>> {
    Ok(units::Entity::find()
        .filter(units::Column::Kind.is_in(kinds.to_vec()))
        .order_by_asc(units::Column::Code)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|u| opt(u.id, u.name))
        .collect())
}

const HANDLING_UNITS: &[&str] = &[
    "department",
    "subdistrict",
    "town",
    "task_force",
    "district",
];

/// The messages of the errors about `field` (and its parts: `field.x`, `field[2]...`), for the
/// line under a form control; nested fields are named so the row can be found.
fn field_errors(errors: &[FieldError], field: &str, lang: Lang) -> String {
    errors
        .iter()
        .filter(|e| {
            e.field == field
                || e.field.starts_with(&format!("{field}."))
                || e.field.starts_with(&format!("{field}["))
        })
        .map(|e| {
            if e.field == field {
                e.message(lang).to_owned()
            } else {
                format!("{}：{}", e.field, e.message(lang))
            }
        })
        .collect::<Vec<_>>()
        .join("；")
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn nth(v: &[String], i: usize) -> &str {
    v.get(i).map(String::as_str).unwrap_or("")
}

/// The end of a form post: to the saved record, or the form again (422) with its errors.
async fn saved_or_page<T, P, Fut>(
    result: AppResult<T>,
    redirect: impl FnOnce(T) -> String,
    page: impl FnOnce(Vec<FieldError>) -> Fut,
) -> AppResult<Response>
where
    P: Template,
    Fut: std::future::Future<Output = AppResult<P>>,
{
    match result {
        Ok(v) => Ok(Redirect::to(&redirect(v)).into_response()),
        Err(AppError::Validation(errs)) => Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(errs).await?,
        )),
        Err(e) => Err(e),
    }
}

/// A query parameter naming a choice that does not exist: a 422, never a silently wider list.
pub(super) fn unknown_param(field: &str, v: &str) -> AppError {
    AppError::invalid(FieldError::new(
        field,
        "unknown",
        format!("参数 {field} 的值“{v}”无法识别"),
        format!("the value '{v}' of {field} is not valid"),
    ))
}
