//! The working-day calendar (工作日历): Monday to Friday are working days, except the public
//! holidays and adjusted working weekends (调休) an administrator records as data. Case
//! deadlines in working days are computed here, in Asia/Shanghai dates.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::roles::perm;
use crate::audit::{self, Action};
use crate::entities::calendar_days;
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A weekday off (法定节假日).
    Holiday,
    /// A weekend day worked (调休上班).
    Workday,
}

impl DayKind {
    pub fn code(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    exceptions: BTreeMap<NaiveDate, DayKind>,
}

impl Calendar {
    pub fn new(exceptions: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        Calendar {
            exceptions: exceptions.into_iter().collect(),
        }
    }

    /// The whole calendar (a few dozen rows a year).
    pub async fn load(db: &impl ConnectionTrait) -> AppResult<Calendar> {
        let rows = calendar_days::Entity::find().all(db).await?;
        Ok(Calendar::new(rows.into_iter().filter_map(|r| {
            DayKind::parse(&r.kind).map(|k| (r.day, k))
        })))
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.exceptions.get(&d) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::Workday) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The end (24:00 Asia/Shanghai) of the `n`-th working day after the local date of `start`.
    /// Zero working days means the end of the start day.
    pub fn deadline_after(&self, start: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let mut day = start.with_timezone(&Shanghai).date_naive();
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        let next_midnight = (day + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default();
        Shanghai
            .from_local_datetime(&next_midnight)
            .single()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(start)
    }

    /// Working days after the local date of `from` up to and including that of `to`.
    pub fn working_days_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let (a, b) = (
            from.with_timezone(&Shanghai).date_naive(),
            to.with_timezone(&Shanghai).date_naive(),
        );
        let (lo, hi, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut n = 0;
        let mut d = lo;
        while d < hi {
            d += Duration::days(1);
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n * sign
    }
}

/// A `YYYY-MM-DD` date within `text::YEARS`.
pub fn parse_day(s: &str) -> Result<NaiveDate, FieldError> {
    if crate::text::date_out_of_range(s.trim()) {
        return Err(crate::text::date_range_error("day"));
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            "day",
            "format",
            "日期格式应为 YYYY-MM-DD",
            "the date must be YYYY-MM-DD",
        )
    })
}

pub async fn list(db: &impl ConnectionTrait, year: i32) -> AppResult<Vec<calendar_days::Model>> {
    let (from, to) = match (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) {
        (Some(a), Some(b)) if (1900..=2200).contains(&year) => (a, b),
        _ => {
            return Err(AppError::invalid(FieldError::new(
                "year",
                "range",
                "年份应在 1900 到 2200 之间",
                "year must be between 1900 and 2200",
            )));
        }
    };
    Ok(calendar_days::Entity::find()
        .filter(calendar_days::Column::Day.between(from, to))
        .order_by_asc(calendar_days::Column::Day)
        .all(db)
        .await?)
}

/// Records (or replaces) the exception for one day.
pub async fn set_day<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    who: &Principal,
    day: NaiveDate,
    kind: Option<&str>,
    note: Option<String>,
) -> AppResult<calendar_days::Model> {
    who.require(perm::CALENDAR_EDIT)?;
    let mut errors = Vec::new();
    let kind = match kind.and_then(DayKind::parse) {
        Some(k) => k,
        None => {
            errors.push(FieldError::new(
                "kind",
                "unknown",
                "类型应为 holiday（节假日）或 workday（调休上班）",
                "kind must be holiday or workday",
            ));
            DayKind::Holiday
        }
    };
    let note = crate::text::optional_text(&mut errors, "note", note, 100, "说明", "note")
        .unwrap_or_default();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = crate::db::begin_write(conn).await?;
    let db = &txn;
    // One statement whoever saves the same day at the same moment (a find-then-insert would let
    // the second of two first saves fail on the primary key).
    calendar_days::Entity::insert(calendar_days::ActiveModel {
        day: Set(day),
        kind: Set(kind.code().to_owned()),
        note: Set(note.clone()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(calendar_days::Column::Day)
            .update_columns([calendar_days::Column::Kind, calendar_days::Column::Note])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let row = calendar_days::Entity::find_by_id(day)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("calendar day just saved"))?;
    audit::record_event(
        db,
        who,
        Action::Update,
        "calendar",
        None,
        format!("{day} {} {note}", kind.code()),
        audit::Event::new("calendar.set", serde_json::json!({"day": day.to_string(), "kind": match kind { DayKind::Holiday => audit::both("休息日", "a holiday"), DayKind::Workday => audit::both("工作日（调休）", "a working day (swapped)") }, "note": if note.is_empty() { serde_json::Value::Null } else { audit::both(format!("：{note}"), format!(": {note}")) }})),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn remove_day<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    day: NaiveDate,
) -> AppResult<()> {
    who.require(perm::CALENDAR_EDIT)?;
    let txn = crate::db::begin_write(db).await?;
    let res = calendar_days::Entity::delete_by_id(day).exec(&txn).await?;
    if res.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    audit::record_event(
        &txn,
        who,
        Action::Delete,
        "calendar",
        None,
        day.to_string(),
        audit::Event::new(
            "calendar.delete",
            serde_json::json!({"day": day.to_string()}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The settings key listing the years whose shipped days (`calendar_cn`) have been offered to
/// this installation, e.g. "2020,2021,2022".
pub const SHIPPED_YEARS_KEY: &str = "calendar.shipped_years";

/// The shipped years this installation has been offered (`SHIPPED_YEARS_KEY`).
async fn offered_years(db: &impl ConnectionTrait) -> AppResult<std::collections::BTreeSet<i32>> {
    Ok(
        crate::entities::settings::Entity::find_by_id(SHIPPED_YEARS_KEY.to_owned())
            .one(db)
            .await?
            .map(|s| {
                s.value
                    .split(',')
                    .filter_map(|y| y.trim().parse().ok())
                    .collect()
            })
            .unwrap_or_default(),
    )
}

async fn pending_shipped_years(db: &impl ConnectionTrait) -> AppResult<Vec<i32>> {
    let offered = offered_years(db).await?;
    Ok(crate::calendar_cn::years()
        .into_iter()
        .filter(|y| !offered.contains(y))
        .collect())
}

/// Writes the shipped holiday arrangements (`calendar_cn`) into `calendar_days`, at start-up.
/// Each shipped year is offered once: a year that has no day yet gets the State Council's
/// days; a year that already has days is the administrator's and is left as it is. Either way
/// the year is then remembered (`SHIPPED_YEARS_KEY`), so an administrator's later edits and
/// removals are never undone by a restart. Returns the years written now.
pub async fn load_shipped<C: ConnectionTrait + TransactionTrait>(conn: &C) -> AppResult<Vec<i32>> {
    // The usual start has nothing to offer: it reads the setting and takes no write lock.
    if pending_shipped_years(conn).await?.is_empty() {
        return Ok(Vec::new());
    }
    let txn = crate::db::begin_write(conn).await?;
    let pending = pending_shipped_years(&txn).await?;
    let mut offered = offered_years(&txn).await?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let mut written = Vec::new();
    for year in pending {
        offered.insert(year);
        let (Some(from), Some(to)) = (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year, 12, 31),
        ) else {
            continue;
        };
        let has_days = calendar_days::Entity::find()
            .filter(calendar_days::Column::Day.between(from, to))
            .one(&txn)
            .await?
            .is_some();
        let days = crate::calendar_cn::days_of(year);
        if has_days || days.is_empty() {
            continue;
        }
        calendar_days::Entity::insert_many(days.iter().map(|d| calendar_days::ActiveModel {
            day: Set(d.day),
            kind: Set(d.kind.code().to_owned()),
            note: Set(d.note_zh()),
        }))
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(calendar_days::Column::Day)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        written.push(year);
    }
    let value = offered
        .iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    crate::db::put_setting(&txn, SHIPPED_YEARS_KEY, value).await?;
    if !written.is_empty() {
        let list = written
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        audit::record_event(
            &txn,
            &Principal::system("system"),
            Action::Create,
            "calendar",
            None,
            format!("国务院办公厅节假日安排 {list} (State Council holiday arrangements loaded)"),
            audit::Event::new("calendar.load", serde_json::json!({"years": list})),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(written)
}

/// Of `years`, those for which the calendar holds no day at all: there, deadlines count
/// Monday to Friday as working days, which the answer should say.
pub async fn years_without_days(
    db: &impl ConnectionTrait,
    years: std::ops::RangeInclusive<i32>,
) -> AppResult<Vec<i32>> {
    let (lo, hi) = (*years.start(), *years.end());
    let (Some(from), Some(to)) = (
        NaiveDate::from_ymd_opt(lo, 1, 1),
        NaiveDate::from_ymd_opt(hi, 12, 31),
    ) else {
        return Ok(Vec::new());
    };
    let present: std::collections::BTreeSet<i32> = calendar_days::Entity::find()
        .filter(calendar_days::Column::Day.between(from, to))
        .all(db)
        .await?
        .iter()
        .map(|d| d.day.year())
        .collect();
    Ok(years.filter(|y| !present.contains(y)).collect())
}

/// The local (Asia/Shanghai) years from the date of `start` to the last day before `deadline`
/// (a deadline is the 24:00 that ends its last day): the years a deadline is counted across.
pub fn deadline_years(
    start: DateTime<Utc>,
    deadline: DateTime<Utc>,
) -> std::ops::RangeInclusive<i32> {
    let a = start.with_timezone(&Shanghai).date_naive().year();
    let b = (deadline - Duration::seconds(1))
        .with_timezone(&Shanghai)
        .date_naive()
        .year();
    a.min(b)..=a.max(b)
}

/// The sentence a page shows when deadlines are counted across years with no days.
pub fn missing_years_notice(years: &[i32], lang: crate::i18n::Lang) -> Option<String> {
    if years.is_empty() {
        return None;
    }
    let list = |sep: &str| {
        years
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(sep)
    };
    Some(match lang {
        crate::i18n::Lang::Zh => format!(
            "{} 年尚未录入节假日安排，期限按周一至周五为工作日计算。",
            list("、")
        ),
        crate::i18n::Lang::En => format!(
            "No holidays are recorded for {}: deadlines there count Monday to Friday as working days.",
            list(", ")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Calendar {
        Calendar::new(
            crate::calendar_cn::days()
                .into_iter()
                .map(|d| (d.day, d.kind)),
        )
    }
    fn cal_2020() -> Calendar {
        shipped()
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn deadlines_skip_weekends_and_holidays_and_count_adjusted_weekends() {
        let c = cal_2020();
        // 19 March 2020 (Thursday) + 3 working days = Tuesday 24 March, end of day.
        assert_eq!(
            c.deadline_after(at("2020-03-19T10:00:00+08:00"), 3),
            at("2020-03-25T00:00:00+08:00")
        );
        // Over the extended Spring Festival: 23 Jan (Thu) + 1 = Mon 3 Feb.
        assert_eq!(
            c.deadline_after(at("2020-01-23T09:00:00+08:00"), 1),
            at("2020-02-04T00:00:00+08:00")
        );
        // Saturday 9 May 2020 was worked: Friday 8 May + 1 = Saturday 9 May.
        assert_eq!(
            c.deadline_after(at("2020-05-08T09:00:00+08:00"), 1),
            at("2020-05-10T00:00:00+08:00")
        );
        // The local date counts: 23:30 on Friday in Zhengzhou (15:30 UTC) is still Friday.
        assert_eq!(
            c.deadline_after(at("2020-03-20T23:30:00+08:00"), 1),
            at("2020-03-24T00:00:00+08:00")
        );
        assert_eq!(
            c.deadline_after(at("2020-03-20T10:00:00+08:00"), 0),
            at("2020-03-21T00:00:00+08:00")
        );
    }

    #[test]
    fn working_days_between_dates() {
        let c = cal_2020();
        assert_eq!(
            c.working_days_between(
                at("2020-09-30T10:00:00+08:00"),
                at("2020-10-12T10:00:00+08:00")
            ),
            3
        );
        assert_eq!(
            c.working_days_between(
                at("2020-10-12T10:00:00+08:00"),
                at("2020-09-30T10:00:00+08:00")
            ),
            -3
        );
        assert!(!c.is_working_day(NaiveDate::from_ymd_opt(2020, 10, 8).unwrap()));
        assert!(c.is_working_day(NaiveDate::from_ymd_opt(2020, 9, 27).unwrap()));
    }

    #[test]
    fn the_shipped_days_answer_the_known_cases() {
        let c = shipped();
        // The Spring Festival of 2020, extended to Sunday 2 February: Saturday 1 February,
        // first announced as worked, was not.
        assert!(!c.is_working_day(day("2020-01-31")));
        assert!(!c.is_working_day(day("2020-02-01")));
        assert!(!c.is_working_day(day("2020-02-02")));
        assert!(c.is_working_day(day("2020-02-03")));
        assert!(c.is_working_day(day("2020-01-19")));
        // 2021: Sunday 7 and Saturday 20 February were worked.
        assert!(c.is_working_day(day("2021-02-07")));
        assert!(c.is_working_day(day("2021-02-20")));
        assert!(!c.is_working_day(day("2021-02-11")));
        // 31 December 2022 (a Saturday) is off by the 2023 notice; 2 January 2023 too.
        assert!(!c.is_working_day(day("2023-01-02")));
        // 2026: Sunday 4 January and Sunday 20 September worked; Monday 23 February off.
        assert!(c.is_working_day(day("2026-01-04")));
        assert!(c.is_working_day(day("2026-09-20")));
        assert!(!c.is_working_day(day("2026-02-23")));
    }

    #[test]
    fn deadlines_across_national_day_2024() {
        let c = shipped();
        // Monday 30 September + 1 = Tuesday 8 October (1-7 October off).
        assert_eq!(
            c.deadline_after(at("2024-09-30T10:00:00+08:00"), 1),
            at("2024-10-09T00:00:00+08:00")
        );
        // + 5 = Saturday 12 October, worked.
        assert_eq!(
            c.deadline_after(at("2024-09-30T10:00:00+08:00"), 5),
            at("2024-10-13T00:00:00+08:00")
        );
        // Friday 27 September + 1 = Sunday 29 September, worked.
        assert_eq!(
            c.deadline_after(at("2024-09-27T10:00:00+08:00"), 1),
            at("2024-09-30T00:00:00+08:00")
        );
        // Working days in a year: the year's Mondays to Fridays less its statutory holidays
        // (11 days until 2024, 13 from 2025), for 调休 moves days without adding any; 2020
        // lost two more to the extended Spring Festival (Friday 31 January, Saturday 1
        // February).
        for (y, expected) in [
            (2020, 262 - 11 - 2),
            (2021, 261 - 11),
            (2022, 260 - 11),
            (2023, 260 - 11),
            (2024, 262 - 11),
            (2025, 261 - 13),
            (2026, 261 - 13),
        ] {
            let start = Shanghai
                .from_local_datetime(&day(&format!("{y}-01-01")).and_hms_opt(12, 0, 0).unwrap())
                .single()
                .unwrap()
                .with_timezone(&Utc)
                - Duration::days(1);
            let end = start + Duration::days(if y % 4 == 0 { 366 } else { 365 });
            assert_eq!(c.working_days_between(start, end), expected, "{y}");
        }
    }

    #[test]
    fn the_years_a_deadline_is_counted_across() {
        // A deadline at 24:00 on 31 December ends a day of that year.
        assert_eq!(
            deadline_years(
                at("2026-12-20T10:00:00+08:00"),
                at("2027-01-01T00:00:00+08:00")
            ),
            2026..=2026
        );
        assert_eq!(
            deadline_years(
                at("2026-12-20T10:00:00+08:00"),
                at("2027-01-05T00:00:00+08:00")
            ),
            2026..=2027
        );
        assert_eq!(
            missing_years_notice(&[2027], crate::i18n::Lang::Zh).as_deref(),
            Some("2027 年尚未录入节假日安排，期限按周一至周五为工作日计算。")
        );
        assert_eq!(missing_years_notice(&[], crate::i18n::Lang::En), None);
    }
}
