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
    audit::record(
        db,
        who,
        Action::Update,
        "calendar",
        None,
        format!("{day} {} {note}", kind.code()),
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
    audit::record(&txn, who, Action::Delete, "calendar", None, day.to_string()).await?;
    txn.commit().await?;
    Ok(())
}

/// The 2020 holidays and adjusted working days of the State Council notices (the seed's year,
/// including the Spring Festival holiday extended to 2 February for the epidemic).
pub const CHINA_2020: &[(&str, DayKind, &str)] = &[
    ("2020-01-01", DayKind::Holiday, "元旦"),
    ("2020-01-19", DayKind::Workday, "春节调休"),
    ("2020-01-24", DayKind::Holiday, "春节"),
    ("2020-01-27", DayKind::Holiday, "春节"),
    ("2020-01-28", DayKind::Holiday, "春节"),
    ("2020-01-29", DayKind::Holiday, "春节"),
    ("2020-01-30", DayKind::Holiday, "春节（疫情延长）"),
    ("2020-01-31", DayKind::Holiday, "春节（疫情延长）"),
    ("2020-04-06", DayKind::Holiday, "清明节"),
    ("2020-04-26", DayKind::Workday, "劳动节调休"),
    ("2020-05-01", DayKind::Holiday, "劳动节"),
    ("2020-05-04", DayKind::Holiday, "劳动节"),
    ("2020-05-05", DayKind::Holiday, "劳动节"),
    ("2020-05-09", DayKind::Workday, "劳动节调休"),
    ("2020-06-25", DayKind::Holiday, "端午节"),
    ("2020-06-26", DayKind::Holiday, "端午节"),
    ("2020-06-28", DayKind::Workday, "端午节调休"),
    ("2020-09-27", DayKind::Workday, "国庆节调休"),
    ("2020-10-01", DayKind::Holiday, "国庆节、中秋节"),
    ("2020-10-02", DayKind::Holiday, "国庆节"),
    ("2020-10-05", DayKind::Holiday, "国庆节"),
    ("2020-10-06", DayKind::Holiday, "国庆节"),
    ("2020-10-07", DayKind::Holiday, "国庆节"),
    ("2020-10-08", DayKind::Holiday, "国庆节"),
    ("2020-10-10", DayKind::Workday, "国庆节调休"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn cal_2020() -> Calendar {
        Calendar::new(
            CHINA_2020
                .iter()
                .map(|(d, k, _)| (NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap(), *k)),
        )
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
}
