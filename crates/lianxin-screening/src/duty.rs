//! Duty shifts (排班): a volunteer at a checkpoint for a time slot, signed in and out on duty.
//! The weekly roster shows each day's shifts and the gaps in the checkpoint's staffed hours;
//! `on_duty_windows` is the rule that lets a volunteer record passages only where and when
//! they are on duty.
//!
//! No double booking: a user's shifts never overlap. Creating shifts locks the user's row
//! first (`db::lock_row`), so two editors booking the same volunteer at once cannot both win.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{checkpoints, duty_shifts, users};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::perm;

/// A volunteer may sign in this long before the shift starts.
pub const EARLY_SIGN_IN: i64 = 30;
/// A shift signed in and never signed out still counts this long after its end (minutes).
pub const GRACE_AFTER_END: i64 = 120;
/// Clock drift allowed between a phone and the server (minutes).
const SKEW: i64 = 10;

/// The local (Asia/Shanghai) date of an instant.
pub fn local_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// The instant `minutes` after local midnight of `d` (1440 is the next midnight).
pub fn local_at(d: NaiveDate, minutes: i32) -> DateTime<Utc> {
    let midnight = chrono_tz::Asia::Shanghai
        .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| d.and_time(chrono::NaiveTime::MIN).and_utc() - Duration::hours(8));
    midnight + Duration::minutes(i64::from(minutes))
}

/// `HH:MM` of an instant in Asia/Shanghai.
pub fn local_hm(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%H:%M")
        .to_string()
}

/// Minutes of the day from `HH:MM` (`24:00` allowed).
pub fn parse_hm(s: &str) -> Option<i32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    let v = h * 60 + m;
    ((0..24).contains(&h) && (0..60).contains(&m) || v == 1440).then_some(v)
}

/// `HH:MM-HH:MM` in Asia/Shanghai; an end at the next midnight reads `24:00`, a later end
/// on the next day `次日HH:MM`.
pub fn span(from: DateTime<Utc>, to: DateTime<Utc>, lang: Lang) -> String {
    let (d0, d1) = (local_day(from), local_day(to));
    let end = if d1 == d0 {
        local_hm(to)
    } else if to == local_at(d0 + Duration::days(1), 0) {
        "24:00".to_owned()
    } else {
        format!("{}{}", lang.pick("次日", "+1d "), local_hm(to))
    };
    format!("{}-{end}", local_hm(from))
}

pub fn format_hm(minutes: i32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// One shift or a weekly repeat of it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ShiftInput {
    #[schema(required = true, nullable = false, minimum = 1)]
    pub checkpoint_id: Option<i64>,
    /// The volunteer's user account.
    #[schema(required = true, nullable = false, minimum = 1)]
    pub user_id: Option<i64>,
    /// RFC 3339
    #[schema(required = true, nullable = false)]
    pub starts_at: Option<DateTime<FixedOffset>>,
    /// RFC 3339; at most 24 hours after the start.
    #[schema(required = true, nullable = false)]
    pub ends_at: Option<DateTime<FixedOffset>>,
    pub note: Option<String>,
    /// The same shift this many weeks in a row (1 = only this one; at most 12).
    #[schema(minimum = 1, maximum = 12)]
    pub repeat_weeks: Option<i64>,
}

/// (code, 中文, English)
pub const SHIFT_STATUSES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "duty.shift_status",
    "值守状态",
    "Shift status",
    &[
        ("scheduled", "待上岗", "Scheduled"),
        ("late", "未签到", "Not signed in"),
        ("on_duty", "在岗", "On duty"),
        ("done", "已签退", "Signed out"),
        ("missed", "缺岗", "Missed"),
    ],
);

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ShiftView {
    pub id: i64,
    pub checkpoint_id: i64,
    pub checkpoint_name: String,
    pub user_id: i64,
    pub user_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub signed_in_at: Option<DateTime<Utc>>,
    pub signed_out_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// scheduled, late (started, not signed in), on_duty, done, missed
    pub status: String,
    pub status_label: String,
    /// `HH:MM-HH:MM` in Asia/Shanghai.
    pub hours: String,
}

pub fn status_of(s: &duty_shifts::Model, now: DateTime<Utc>) -> &'static str {
    match (s.signed_in_at, s.signed_out_at) {
        (Some(_), Some(_)) => "done",
        (Some(_), None) if now > s.ends_at + Duration::minutes(GRACE_AFTER_END) => "done",
        (Some(_), None) => "on_duty",
        (None, _) if now >= s.ends_at => "missed",
        (None, _) if now >= s.starts_at => "late",
        (None, _) => "scheduled",
    }
}

pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<duty_shifts::Model>,
    lang: Lang,
) -> AppResult<Vec<ShiftView>> {
    let now = Utc::now();
    let cp_ids: Vec<i64> = rows.iter().map(|s| s.checkpoint_id).collect();
    let user_ids: Vec<i64> = rows.iter().map(|s| s.user_id).collect();
    let cps: std::collections::HashMap<i64, String> = checkpoints::Entity::find()
        .filter(checkpoints::Column::Id.is_in(cp_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    let names: std::collections::HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|s| {
            let status = status_of(&s, now);
            ShiftView {
                checkpoint_name: cps.get(&s.checkpoint_id).cloned().unwrap_or_default(),
                user_name: names.get(&s.user_id).cloned().unwrap_or_default(),
                status: status.to_owned(),
                status_label: crate::cases::label(SHIFT_STATUSES, status, lang),
                hours: span(s.starts_at, s.ends_at, lang),
                id: s.id,
                checkpoint_id: s.checkpoint_id,
                user_id: s.user_id,
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                signed_in_at: s.signed_in_at,
                signed_out_at: s.signed_out_at,
                note: s.note,
            }
        })
        .collect())
}

/// The checkpoint if the caller may keep its roster.
async fn editable_checkpoint(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<checkpoints::Model> {
    who.require(perm::DUTY_EDIT)?;
    checkpoints::Entity::find_by_id(id)
        .filter(super::checkpoints::scope_condition(who))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Books a volunteer (and the weekly repeats); refuses an overlap with any of their shifts.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: ShiftInput,
) -> AppResult<Vec<duty_shifts::Model>> {
    who.require(perm::DUTY_EDIT)?;
    let mut errors = Vec::new();
    let found = match input.checkpoint_id {
        Some(id) => Some(editable_checkpoint(db, who, id).await),
        None => None,
    };
    let checkpoint = super::checkpoints::checkpoint_field(&mut errors, found);
    let user = match input.user_id {
        None => {
            errors.push(FieldError::required("user_id", "值班人员", "Volunteer"));
            None
        }
        Some(id) => match users::Entity::find_by_id(id).one(db).await? {
            Some(u) if u.active => Some(u),
            _ => {
                errors.push(FieldError::new(
                    "user_id",
                    "unknown",
                    "值班人员不存在或已停用",
                    "no such active user",
                ));
                None
            }
        },
    };
    let starts = input.starts_at.map(|t| t.with_timezone(&Utc));
    let ends = input.ends_at.map(|t| t.with_timezone(&Utc));
    match (starts, ends) {
        (None, _) => errors.push(FieldError::required("starts_at", "开始时间", "Start")),
        (_, None) => errors.push(FieldError::required("ends_at", "结束时间", "End")),
        (Some(s), Some(e)) => {
            if e <= s || e - s > Duration::hours(24) {
                errors.push(FieldError::new(
                    "ends_at",
                    "range",
                    "结束时间应晚于开始时间，一个班次最长 24 小时",
                    "the end must follow the start, and a shift lasts at most 24 hours",
                ));
            }
            if e < Utc::now() - Duration::days(7) {
                errors.push(FieldError::new(
                    "starts_at",
                    "range",
                    "不能补排一周以前的班次",
                    "shifts more than a week past cannot be added",
                ));
            }
        }
    }
    let repeat = input.repeat_weeks.unwrap_or(1);
    if !(1..=12).contains(&repeat) {
        errors.push(FieldError::new(
            "repeat_weeks",
            "range",
            "重复周数应在 1 到 12 之间",
            "repeat_weeks must be between 1 and 12",
        ));
    }
    let note = crate::text::optional_text(&mut errors, "note", input.note, 200, "备注", "Note");
    let (Some(checkpoint), Some(user), Some(starts), Some(ends)) = (checkpoint, user, starts, ends)
    else {
        return Err(AppError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    // One booking of this volunteer at a time: the overlap check below cannot race.
    crate::db::lock_row(&txn, "users", user.id).await?;
    let now = Utc::now();
    let mut created = Vec::new();
    for w in 0..repeat {
        let (s, e) = (starts + Duration::weeks(w), ends + Duration::weeks(w));
        let clash = duty_shifts::Entity::find()
            .filter(duty_shifts::Column::UserId.eq(user.id))
            .filter(duty_shifts::Column::StartsAt.lt(e))
            .filter(duty_shifts::Column::EndsAt.gt(s))
            .one(&txn)
            .await?;
        if let Some(c) = clash {
            let other = views(&txn, vec![c], Lang::Zh).await?.pop();
            let (cp, day, hours) = other
                .map(|o| {
                    (
                        o.checkpoint_name,
                        local_day(o.starts_at).to_string(),
                        o.hours,
                    )
                })
                .unwrap_or_default();
            return Err(AppError::invalid(FieldError::new(
                "starts_at",
                "overlap",
                format!(
                    "{} 在 {day} {hours} 已排在{cp}，同一人的班次不能重叠",
                    user.display_name
                ),
                format!(
                    "{} is already on duty at {cp} on {day} {hours}; a person's shifts cannot overlap",
                    user.display_name
                ),
            )));
        }
        let m = duty_shifts::ActiveModel {
            checkpoint_id: Set(checkpoint.id),
            user_id: Set(user.id),
            starts_at: Set(s),
            ends_at: Set(e),
            signed_in_at: Set(None),
            signed_out_at: Set(None),
            note: Set(note.clone()),
            created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        created.push(m);
    }
    audit::record_event(
        &txn,
        who,
        Action::Create,
        "duty_shift",
        created.first().map(|m| m.id),
        format!(
            "{} @ {} {}-{} ×{repeat}",
            user.display_name,
            checkpoint.name,
            starts.to_rfc3339(),
            local_hm(ends)
        ),
        audit::Event::new("duty.book", serde_json::json!({"user": user.display_name, "checkpoint": checkpoint.name, "from": lianxin_kernel::web::time::local_time(&starts), "to": local_hm(ends), "repeat": repeat})),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Removes a shift nobody has signed in to yet: the shift is locked first, so a sign-in at
/// the same moment either comes before (and the removal is refused) or finds it gone.
pub async fn remove<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<()> {
    // The permission before any query: without it, another's shift and a missing one both
    // answer 403; with it, a shift outside the scope is 404 as a missing one is.
    who.require(perm::DUTY_EDIT)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    crate::db::lock_row(&txn, "duty_shifts", id).await?;
    let s = duty_shifts::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    editable_checkpoint(&txn, who, s.checkpoint_id).await?;
    if s.signed_in_at.is_some() {
        return Err(AppError::conflict(
            "已签到的班次不能删除",
            "a shift that was signed in to cannot be removed",
        ));
    }
    duty_shifts::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Delete,
        "duty_shift",
        Some(id),
        format!("user {} checkpoint {}", s.user_id, s.checkpoint_id),
        audit::Event::new(
            "duty.remove",
            serde_json::json!({"from": lianxin_kernel::web::time::local_time(&s.starts_at)}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn own_shift<C: ConnectionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<duty_shifts::Model> {
    duty_shifts::Entity::find_by_id(id)
        .filter(duty_shifts::Column::UserId.eq(who.user_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Signs in to one's own shift: from half an hour before its start until its end.
pub async fn sign_in<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<duty_shifts::Model> {
    let txn = lianxin_kernel::db::begin_write(db).await?;
    crate::db::lock_row(&txn, "duty_shifts", id).await?;
    let s = own_shift(&txn, who, id).await?;
    let now = Utc::now();
    if s.signed_in_at.is_some() {
        return Err(AppError::conflict("该班次已签到", "already signed in"));
    }
    if now < s.starts_at - Duration::minutes(EARLY_SIGN_IN) || now >= s.ends_at {
        return Err(AppError::conflict(
            format!(
                "只能在班次开始前 {EARLY_SIGN_IN} 分钟至结束之间签到（本班 {}-{}）",
                local_hm(s.starts_at),
                local_hm(s.ends_at)
            ),
            format!(
                "sign in from {EARLY_SIGN_IN} minutes before the start until the end (this shift: {}-{})",
                local_hm(s.starts_at),
                local_hm(s.ends_at)
            ),
        ));
    }
    let mut a: duty_shifts::ActiveModel = s.into();
    a.signed_in_at = Set(Some(now));
    a.updated_at = Set(now);
    let m = a.update(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "duty_shift",
        Some(id),
        "sign in",
        audit::Event::new("duty.sign_in", serde_json::json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

pub async fn sign_out<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<duty_shifts::Model> {
    let txn = lianxin_kernel::db::begin_write(db).await?;
    crate::db::lock_row(&txn, "duty_shifts", id).await?;
    let s = own_shift(&txn, who, id).await?;
    if s.signed_in_at.is_none() || s.signed_out_at.is_some() {
        return Err(AppError::conflict(
            "该班次未签到或已签退",
            "not signed in, or already signed out",
        ));
    }
    let now = Utc::now();
    let mut a: duty_shifts::ActiveModel = s.into();
    a.signed_out_at = Set(Some(now));
    a.updated_at = Set(now);
    let m = a.update(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "duty_shift",
        Some(id),
        "sign out",
        audit::Event::new("duty.sign_out", serde_json::json!({})),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}

/// The caller's shifts from twelve hours ago to a week ahead (the entry page's list).
pub async fn mine(
    db: &impl ConnectionTrait,
    who: &Principal,
    lang: Lang,
) -> AppResult<Vec<ShiftView>> {
    let now = Utc::now();
    let rows = duty_shifts::Entity::find()
        .filter(duty_shifts::Column::UserId.eq(who.user_id))
        .filter(duty_shifts::Column::EndsAt.gt(now - Duration::hours(12)))
        .filter(duty_shifts::Column::StartsAt.lt(now + Duration::days(7)))
        .order_by_asc(duty_shifts::Column::StartsAt)
        .all(db)
        .await?;
    views(db, rows, lang).await
}

/// The periods in which `user_id` is on duty at `checkpoint_id` around `around` (± a day):
/// from sign-in to sign-out, or to the shift's end plus the grace period if never signed out.
pub async fn on_duty_windows(
    db: &impl ConnectionTrait,
    user_id: i64,
    checkpoint_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<Vec<(DateTime<Utc>, DateTime<Utc>)>> {
    let rows = duty_shifts::Entity::find()
        .filter(duty_shifts::Column::UserId.eq(user_id))
        .filter(duty_shifts::Column::CheckpointId.eq(checkpoint_id))
        .filter(duty_shifts::Column::SignedInAt.is_not_null())
        .filter(duty_shifts::Column::StartsAt.lt(to + Duration::days(1)))
        .filter(duty_shifts::Column::EndsAt.gt(from - Duration::days(1)))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|s| {
            let start = s.signed_in_at? - Duration::minutes(SKEW);
            let end = match s.signed_out_at {
                Some(o) => o + Duration::minutes(SKEW),
                None => s.ends_at + Duration::minutes(GRACE_AFTER_END),
            };
            Some((start, end))
        })
        .collect())
}

/// A stretch of staffed hours with nobody booked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Gap {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `HH:MM-HH:MM` in Asia/Shanghai.
    pub hours: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RosterDay {
    pub date: NaiveDate,
    pub weekday: String,
    pub shifts: Vec<ShiftView>,
    pub gaps: Vec<Gap>,
    /// Minutes of the staffed hours that some shift covers, and of the staffed hours.
    pub covered_minutes: i64,
    pub required_minutes: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Roster {
    pub checkpoint_id: i64,
    pub checkpoint_name: String,
    /// Staffed hours, `HH:MM-HH:MM`.
    pub duty_hours: String,
    /// The Monday of the week.
    pub week: NaiveDate,
    pub days: Vec<RosterDay>,
}

/// The stretches of `[from, to)` that none of `covers` covers.
pub fn gaps(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    covers: &[(DateTime<Utc>, DateTime<Utc>)],
) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut iv: Vec<_> = covers
        .iter()
        .filter(|(s, e)| *e > from && *s < to)
        .copied()
        .collect();
    iv.sort();
    let mut out = Vec::new();
    let mut cursor = from;
    for (s, e) in iv {
        if s > cursor {
            out.push((cursor, s.min(to)));
        }
        cursor = cursor.max(e);
        if cursor >= to {
            break;
        }
    }
    if cursor < to {
        out.push((cursor, to));
    }
    out
}

/// The Monday of `d`'s week.
pub fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(d.weekday().num_days_from_monday()))
}

const WEEKDAYS: [(&str, &str); 7] = [
    ("周一", "Mon"),
    ("周二", "Tue"),
    ("周三", "Wed"),
    ("周四", "Thu"),
    ("周五", "Fri"),
    ("周六", "Sat"),
    ("周日", "Sun"),
];

/// The week's roster of a checkpoint: each day's shifts and the gaps in its staffed hours.
pub async fn roster(
    db: &impl ConnectionTrait,
    who: &Principal,
    checkpoint_id: i64,
    week: NaiveDate,
    lang: Lang,
) -> AppResult<Roster> {
    who.require(perm::DUTY_LIST)?;
    let cp = checkpoints::Entity::find_by_id(checkpoint_id)
        .filter(super::checkpoints::scope_condition(who))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let monday = monday_of(week);
    let (from, to) = (local_at(monday, 0), local_at(monday + Duration::days(7), 0));
    let rows = duty_shifts::Entity::find()
        .filter(duty_shifts::Column::CheckpointId.eq(cp.id))
        .filter(duty_shifts::Column::StartsAt.lt(to))
        .filter(duty_shifts::Column::EndsAt.gt(from))
        .order_by_asc(duty_shifts::Column::StartsAt)
        .all(db)
        .await?;
    let covers: Vec<_> = rows.iter().map(|s| (s.starts_at, s.ends_at)).collect();
    let all = views(db, rows, lang).await?;
    let mut days = Vec::with_capacity(7);
    for (i, (zh, en)) in WEEKDAYS.iter().enumerate() {
        let d = monday + Duration::days(i as i64);
        let (ds, de) = (local_at(d, cp.duty_from), local_at(d, cp.duty_to));
        let g = gaps(ds, de, &covers);
        let gap_minutes: i64 = g.iter().map(|(s, e)| (*e - *s).num_minutes()).sum();
        let required = (de - ds).num_minutes().max(0);
        days.push(RosterDay {
            date: d,
            weekday: lang.pick(zh, en).to_owned(),
            shifts: all
                .iter()
                .filter(|s| local_day(s.starts_at) == d)
                .cloned()
                .collect(),
            gaps: g
                .into_iter()
                .map(|(s, e)| Gap {
                    hours: span(s, e, lang),
                    starts_at: s,
                    ends_at: e,
                })
                .collect(),
            covered_minutes: required - gap_minutes,
            required_minutes: required,
        });
    }
    Ok(Roster {
        checkpoint_id: cp.id,
        checkpoint_name: cp.name,
        duty_hours: format!("{}-{}", format_hm(cp.duty_from), format_hm(cp.duty_to)),
        week: monday,
        days,
    })
}

/// (code, 中文, English)
pub const COVERAGE_STATES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "duty.coverage",
    "在岗情况",
    "Coverage",
    &[
        ("on_duty", "在岗", "On duty"),
        ("unsigned", "未到岗", "Booked, nobody signed in"),
        ("gap", "空岗", "Nobody booked"),
        ("closed", "非值守时段", "Outside staffed hours"),
    ],
);

/// A checkpoint's duty right now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub checkpoint_id: i64,
    pub checkpoint_name: String,
    pub unit_id: i64,
    /// on_duty, unsigned, gap, closed
    pub state: String,
    pub state_label: String,
    /// Who is signed in now.
    pub on_duty: Vec<String>,
}

/// The duty state of every active checkpoint in the caller's scope, now.
pub async fn coverage_now(
    db: &impl ConnectionTrait,
    who: &Principal,
    lang: Lang,
) -> AppResult<Vec<Coverage>> {
    who.require(perm::CHECKPOINT_LIST)?;
    let cps = checkpoints::Entity::find()
        .filter(super::checkpoints::scope_condition(who))
        .filter(checkpoints::Column::Active.eq(true))
        .order_by_asc(checkpoints::Column::Id)
        .all(db)
        .await?;
    let now = Utc::now();
    let ids: Vec<i64> = cps.iter().map(|c| c.id).collect();
    let mut current: std::collections::HashMap<i64, Vec<duty_shifts::Model>> = Default::default();
    for chunk in ids.chunks(500) {
        for s in duty_shifts::Entity::find()
            .filter(duty_shifts::Column::CheckpointId.is_in(chunk.to_vec()))
            .filter(duty_shifts::Column::StartsAt.lte(now))
            .filter(duty_shifts::Column::EndsAt.gt(now - Duration::minutes(GRACE_AFTER_END)))
            .all(db)
            .await?
        {
            current.entry(s.checkpoint_id).or_default().push(s);
        }
    }
    let user_ids: Vec<i64> = current.values().flatten().map(|s| s.user_id).collect();
    let names: std::collections::HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(user_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let today = local_day(now);
    let mut out: Vec<Coverage> = cps
        .into_iter()
        .map(|c| {
            let shifts = current.remove(&c.id).unwrap_or_default();
            let on: Vec<String> = shifts
                .iter()
                .filter(|s| status_of(s, now) == "on_duty")
                .map(|s| names.get(&s.user_id).cloned().unwrap_or_default())
                .collect();
            let booked = shifts.iter().any(|s| s.ends_at > now);
            let staffed = (local_at(today, c.duty_from)..local_at(today, c.duty_to)).contains(&now);
            let state = if !on.is_empty() {
                "on_duty"
            } else if booked {
                "unsigned"
            } else if staffed {
                "gap"
            } else {
                "closed"
            };
            Coverage {
                checkpoint_id: c.id,
                checkpoint_name: c.name,
                unit_id: c.unit_id,
                state: state.to_owned(),
                state_label: crate::cases::label(COVERAGE_STATES, state, lang),
                on_duty: on,
            }
        })
        .collect();
    // What needs someone first: nobody booked, then nobody signed in, then staffed, then off.
    let rank = |s: &str| match s {
        "gap" => 0,
        "unsigned" => 1,
        "on_duty" => 2,
        _ => 3,
    };
    out.sort_by_key(|c| (rank(&c.state), c.checkpoint_id));
    Ok(out)
}

/// Active users who may be booked at `checkpoint`: volunteers (and enterprise contacts at an
/// enterprise's gate) in the editor's scope.
pub async fn bookable_users(
    db: &impl ConnectionTrait,
    who: &Principal,
    checkpoint: Option<&checkpoints::Model>,
) -> AppResult<Vec<users::Model>> {
    who.require(perm::DUTY_EDIT)?;
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let with_role = Query::select()
        .column(crate::entities::user_roles::Column::UserId)
        .from(crate::entities::user_roles::Entity)
        .inner_join(
            crate::entities::roles::Entity,
            Expr::col((
                crate::entities::roles::Entity,
                crate::entities::roles::Column::Id,
            ))
            .equals((
                crate::entities::user_roles::Entity,
                crate::entities::user_roles::Column::RoleId,
            )),
        )
        .and_where(crate::entities::roles::Column::Code.is_in(["volunteer", "enterprise_contact"]))
        .take();
    let q = users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .filter(users::Column::Id.in_subquery(with_role));
    // In the editor's units, the enterprise at whose gate the checkpoint stands, and the
    // editor themself.
    let enterprise = checkpoint
        .and_then(|c| c.enterprise_id)
        .or(who.enterprise_id);
    let q = q.filter(who.scope.compose(vec![
        who.scope.unit_in_scope(users::Column::UnitId),
        enterprise.map(|e| sea_orm::Condition::all().add(users::Column::EnterpriseId.eq(e))),
        Some(sea_orm::Condition::all().add(users::Column::Id.eq(who.user_id))),
    ]));
    Ok(q.order_by_asc(users::Column::DisplayName).all(db).await?)
}

/// Attendance taken elsewhere (the demo's past days, a paper roster typed in afterwards):
/// sets the sign-in and sign-out times of a shift as they were.
pub async fn backfill_attendance(
    db: &impl ConnectionTrait,
    id: i64,
    signed_in_at: DateTime<Utc>,
    signed_out_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    duty_shifts::Entity::update_many()
        .col_expr(
            duty_shifts::Column::SignedInAt,
            sea_orm::sea_query::Expr::value(signed_in_at),
        )
        .col_expr(
            duty_shifts::Column::SignedOutAt,
            sea_orm::sea_query::Expr::value(signed_out_at),
        )
        .filter(duty_shifts::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
