//! The duty roster screen (排班): a checkpoint's week with each day's shifts and the gaps in
//! its staffed hours, the duty state of every checkpoint now, and the forms to book a
//! volunteer, remove a booking and change the staffed hours.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::Form;
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::access::Principal;
use crate::checkpoints;
use crate::duty::{self, Coverage, Roster, ShiftInput};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::perm;
use crate::text::query_value;
use axum::extract::FromRef;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::SelectOption as Opt;
use lianxin_kernel::web::{PageCtx, render_status};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/duty", get(duty_page))
        .route("/duty/shifts", post(shift_submit))
        .route("/duty/shifts/{id}/delete", post(shift_delete))
        .route("/duty/hours", post(hours_submit))
}

#[derive(Debug, Default, Deserialize)]
struct DutyQuery {
    checkpoint_id: Option<String>,
    week: Option<String>,
}

#[derive(Template)]
#[template(path = "duty.html")]
struct DutyPage {
    ctx: PageCtx,
    checkpoints: Vec<Opt>,
    checkpoint_id: i64,
    roster: Option<Roster>,
    coverage: Vec<Coverage>,
    can_edit: bool,
    volunteers: Vec<Opt>,
    week: String,
    prev_week: String,
    next_week: String,
    error: Option<String>,
    /// The booking form as sent (re-shown after a refusal).
    form: ShiftForm,
    duty_from: String,
    duty_to: String,
}

impl DutyPage {
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or("")
    }
    fn gap_percent(&self, d: &duty::RosterDay) -> i64 {
        if d.required_minutes == 0 {
            100
        } else {
            d.covered_minutes * 100 / d.required_minutes
        }
    }
    fn state_class(&self, state: &str) -> &'static str {
        match state {
            "on_duty" | "done" => "badge-ok",
            "unsigned" | "late" => "badge-warn",
            "gap" | "missed" => "badge-danger",
            _ => "badge-muted",
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn duty_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    checkpoint_id: Option<i64>,
    week: Option<NaiveDate>,
    error: Option<String>,
    form: ShiftForm,
    status: StatusCode,
) -> AppResult<Response> {
    who.require(perm::DUTY_LIST)?;
    let cps = checkpoints::list(&s.db, who, Paging::new(1, crate::paging::MAX_PAGE_SIZE))
        .await?
        .items;
    let cp = checkpoint_id
        .and_then(|id| cps.iter().find(|c| c.id == id))
        .or_else(|| cps.first());
    let week = duty::monday_of(week.unwrap_or_else(|| duty::local_day(Utc::now())));
    let roster = match cp {
        Some(c) => Some(duty::roster(&s.db, who, c.id, week, lang).await?),
        None => None,
    };
    let can_edit = who.can(perm::DUTY_EDIT);
    let volunteers = if can_edit {
        duty::bookable_users(&s.db, who, cp)
            .await?
            .into_iter()
            .map(|u| Opt {
                value: u.id.to_string(),
                label: format!("{}（{}）", u.display_name, u.username),
            })
            .collect()
    } else {
        Vec::new()
    };
    let coverage = duty::coverage_now(&s.db, who, lang).await?;
    Ok(render_status(
        status,
        &DutyPage {
            ctx: PageCtx::new(who, lang, "duty", lang.pick("值班排班", "Duty roster")),
            checkpoints: cps
                .iter()
                .map(|c| Opt {
                    value: c.id.to_string(),
                    label: c.name.clone(),
                })
                .collect(),
            checkpoint_id: cp.map(|c| c.id).unwrap_or_default(),
            duty_from: cp.map(|c| duty::format_hm(c.duty_from)).unwrap_or_default(),
            duty_to: cp.map(|c| duty::format_hm(c.duty_to)).unwrap_or_default(),
            roster,
            coverage,
            can_edit,
            volunteers,
            week: week.to_string(),
            prev_week: (week - Duration::days(7)).to_string(),
            next_week: (week + Duration::days(7)).to_string(),
            error,
            form,
        },
    ))
}

async fn duty_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<DutyQuery>,
) -> AppResult<Response> {
    let cp = query_value("checkpoint_id", q.checkpoint_id.as_deref())?;
    let week = query_value("week", q.week.as_deref())?;
    duty_view(
        &s,
        &who,
        lang,
        cp,
        week,
        None,
        ShiftForm::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Default, Clone, Deserialize)]
struct ShiftForm {
    checkpoint_id: Option<String>,
    user_id: Option<String>,
    /// YYYY-MM-DD
    date: Option<String>,
    /// HH:MM
    start: Option<String>,
    /// HH:MM; at or before the start means the next day (a night shift).
    end: Option<String>,
    repeat_weeks: Option<String>,
    note: Option<String>,
}

fn back(checkpoint_id: Option<i64>, week: Option<NaiveDate>) -> Response {
    let mut url = format!("/duty?checkpoint_id={}", checkpoint_id.unwrap_or_default());
    if let Some(w) = week {
        url.push_str(&format!("&week={w}"));
    }
    Redirect::to(&url).into_response()
}

async fn shift_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<ShiftForm>,
) -> AppResult<Response> {
    let mut errors: Vec<FieldError> = Vec::new();
    let checkpoint_id = crate::text::parse_int(
        &mut errors,
        "checkpoint_id",
        f.checkpoint_id.as_deref(),
        "卡点",
        "Checkpoint",
    );
    let user_id = crate::text::parse_int(
        &mut errors,
        "user_id",
        f.user_id.as_deref(),
        "值班人员",
        "Volunteer",
    );
    let date: Option<NaiveDate> = f.date.as_deref().and_then(|d| d.trim().parse().ok());
    if date.is_none() {
        errors.push(FieldError::new(
            "date",
            "format",
            "请选择日期",
            "choose a date",
        ));
    }
    let start = f.start.as_deref().and_then(duty::parse_hm);
    let end = f.end.as_deref().and_then(duty::parse_hm);
    if start.is_none() || end.is_none() {
        errors.push(FieldError::new(
            "start",
            "format",
            "开始和结束时间应为 时:分，如 08:00",
            "start and end must be HH:MM, e.g. 08:00",
        ));
    }
    let repeat_weeks = match f.repeat_weeks.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(v) => match v.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError::new(
                    "repeat_weeks",
                    "format",
                    "重复周数应为数字",
                    "repeat_weeks must be a number",
                ));
                None
            }
        },
    };
    let r = match (date, start, end) {
        (Some(d), Some(st), Some(en)) if errors.is_empty() => {
            let starts = duty::local_at(d, st);
            let ends = if en > st {
                duty::local_at(d, en)
            } else {
                duty::local_at(d + Duration::days(1), en)
            };
            let tz =
                chrono::FixedOffset::east_opt(8 * 3600).ok_or_else(|| AppError::internal("tz"))?;
            duty::create(
                &s.db,
                &who,
                ShiftInput {
                    checkpoint_id,
                    user_id,
                    starts_at: Some(starts.with_timezone(&tz)),
                    ends_at: Some(ends.with_timezone(&tz)),
                    note: f.note.clone(),
                    repeat_weeks,
                },
            )
            .await
            .map(|_| ())
        }
        _ => Err(AppError::Validation(errors)),
    };
    match r {
        Ok(()) => Ok(back(checkpoint_id, date)),
        Err(e) => {
            let msg = lianxin_kernel::web::shown_refusal(e, lang)?;
            duty_view(
                &s,
                &who,
                lang,
                checkpoint_id,
                date,
                Some(msg),
                f,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn shift_delete(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    let shift = crate::entities::duty_shifts::Entity::find_by_id(id)
        .one(&s.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let week = Some(duty::local_day(shift.starts_at));
    match duty::remove(&s.db, &who, id).await {
        Ok(()) => Ok(back(Some(shift.checkpoint_id), week)),
        Err(e @ AppError::Conflict { .. }) => {
            duty_view(
                &s,
                &who,
                lang,
                Some(shift.checkpoint_id),
                week,
                Some(lianxin_kernel::web::refusal_text(&e, lang)),
                ShiftForm::default(),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Debug, Default, Deserialize)]
struct HoursForm {
    checkpoint_id: Option<String>,
    duty_from: Option<String>,
    duty_to: Option<String>,
    week: Option<String>,
}

async fn hours_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<HoursForm>,
) -> AppResult<Response> {
    let cp: Option<i64> = query_value("checkpoint_id", f.checkpoint_id.as_deref())?;
    let week = query_value("week", f.week.as_deref())?;
    let r = checkpoints::set_duty_hours(
        &s.db,
        &who,
        cp.unwrap_or_default(),
        checkpoints::DutyHours {
            duty_from: f.duty_from,
            duty_to: f.duty_to,
        },
    )
    .await;
    match r {
        Ok(_) => Ok(back(cp, week)),
        Err(e) => {
            let msg = lianxin_kernel::web::shown_refusal(e, lang)?;
            duty_view(
                &s,
                &who,
                lang,
                cp,
                week,
                Some(msg),
                ShiftForm::default(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

use sea_orm::EntityTrait;
