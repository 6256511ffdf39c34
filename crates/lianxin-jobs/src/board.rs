//! The public job board (公共招聘平台, C8): the open jobs of every firm, for anyone, without an
//! account. Its own door to the jobs (no caller's scope): open jobs only (open and not past
//! their closing date), and only their public part — never an applicant's data, a count of
//! applications, a firm's contact phone or a user's id.

use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};

use crate::entities::{enterprises, jobs, unit_closure, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs::{MAX_SALARY_FEN, OPEN, status_on, today};
use crate::paging::{Page, Paging, paged_in_order};
use crate::registries::enterprises::INDUSTRIES;
use lianxin_kernel::i18n::Lang;

/// The sub-district level (街道 and 镇): where a firm is, as the board names it.
const SUBDISTRICT_KINDS: &[&str] = &["subdistrict", "town"];
/// The unit kinds a board search may name as the firm's place (a sub-district or town, or the
/// whole district).
const PLACE_KINDS: &[&str] = &["subdistrict", "town", "district"];

/// The board's search: all optional.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardFilter {
    /// Title, place, requirements or firm name contains.
    pub q: Option<String>,
    /// The firm's industry, a code of the `enterprise.industry` dictionary.
    pub industry: Option<String>,
    /// The firm's sub-district (or the district): a unit of kind `subdistrict`, `town` or
    /// `district`.
    pub unit_id: Option<i64>,
    /// Jobs whose highest monthly pay is at least this, in fen.
    #[param(minimum = 0, maximum = 1000000000)]
    pub salary_min_fen: Option<i64>,
    /// `true`: only jobs suited to employment-assistance targets (就业援助).
    pub employment_aid: Option<bool>,
}

/// A job as the public sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicJob {
    pub id: i64,
    pub title: String,
    pub enterprise_name: String,
    /// The firm's industry code (`enterprise.industry`), if it has one.
    pub industry: Option<String>,
    pub industry_label: Option<String>,
    /// The firm's sub-district (街道) or town (镇).
    pub subdistrict: Option<String>,
    pub positions: i32,
    /// Monthly pay range, in fen.
    pub salary_min_fen: i64,
    pub salary_max_fen: i64,
    pub place: String,
    pub requirements: Option<String>,
    pub closes_on: NaiveDate,
    pub posted_on: NaiveDate,
    pub employment_aid: bool,
}

/// The condition of a job the board shows on `today`.
pub fn open_on(today: NaiveDate) -> Condition {
    Condition::all()
        .add(jobs::Column::Status.eq(OPEN))
        .add(jobs::Column::ClosesOn.gte(today))
}

/// The firms (`enterprises.id`) meeting `cond`, as a condition on a job.
fn firm_where(cond: Condition) -> Condition {
    Condition::all().add(
        jobs::Column::EnterpriseId.in_subquery(
            Query::select()
                .column(enterprises::Column::Id)
                .from(enterprises::Entity)
                .cond_where(cond)
                .take(),
        ),
    )
}

/// The open jobs meeting the search, newest posted first.
pub async fn search(
    db: &impl ConnectionTrait,
    f: &BoardFilter,
    paging: Paging,
    lang: Lang,
) -> AppResult<Page<PublicJob>> {
    let mut errors = Vec::new();
    let mut q = jobs::Entity::find().filter(open_on(today()));
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if text.chars().count() > 100 {
            errors.push(FieldError::new(
                "q",
                "too_long",
                "搜索词最多 100 个字",
                "the search can be at most 100 characters",
            ));
        }
        let pattern = crate::text::like_pattern(text);
        q = q.filter(
            Condition::any()
                .add(jobs::Column::Title.like(pattern.clone()))
                .add(jobs::Column::Place.like(pattern.clone()))
                .add(jobs::Column::Requirements.like(pattern.clone()))
                .add(firm_where(
                    Condition::all().add(enterprises::Column::Name.like(pattern)),
                )),
        );
    }
    if let Some(code) = f
        .industry
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if INDUSTRIES.entries().iter().any(|e| e.code == code) {
            q = q.filter(firm_where(
                Condition::all().add(enterprises::Column::Industry.eq(code)),
            ));
        } else {
            errors.push(FieldError::new(
                "industry",
                "unknown",
                "没有这个行业",
                "no such industry",
            ));
        }
    }
    if let Some(unit) = f.unit_id {
        let place = units::Entity::find_by_id(unit).one(db).await?;
        if place.is_some_and(|u| PLACE_KINDS.contains(&u.kind.as_str())) {
            q = q.filter(firm_where(
                Condition::all().add(
                    enterprises::Column::UnitId.in_subquery(
                        Query::select()
                            .column(unit_closure::Column::DescendantId)
                            .from(unit_closure::Entity)
                            .and_where(unit_closure::Column::AncestorId.eq(unit))
                            .take(),
                    ),
                ),
            ));
        } else {
            errors.push(FieldError::new(
                "unit_id",
                "unknown",
                "请选择街道或镇（或全区）",
                "choose a sub-district or town (or the district)",
            ));
        }
    }
    match f.salary_min_fen {
        None => {}
        Some(v) if !(0..=MAX_SALARY_FEN).contains(&v) => errors.push(FieldError::new(
            "salary_min_fen",
            "range",
            "最低月薪须在 0 到 1000 万元之间（单位：分）",
            "salary_min_fen must be between 0 and 10 million yuan (in fen)",
        )),
        Some(v) => q = q.filter(jobs::Column::SalaryMaxFen.gte(v)),
    }
    if f.employment_aid == Some(true) {
        q = q.filter(jobs::Column::EmploymentAid.eq(true));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let q = q
        .order_by_desc(jobs::Column::PostedOn)
        .order_by_desc(jobs::Column::Id);
    let page = paged_in_order(db, q, paging).await?;
    Ok(Page {
        total: page.total,
        items: public_views(db, page.items, lang).await?,
    })
}

/// A job on the board: the open one, or one that has stopped taking applications (closed by
/// its firm or past its closing date: the web answers 410 with a friendly page).
pub enum Found {
    Open(Box<PublicJob>),
    Stopped(Box<PublicJob>),
}

/// The job `id` as the public sees it; a job that does not exist is a 404.
pub async fn get(db: &impl ConnectionTrait, id: i64, lang: Lang) -> AppResult<Found> {
    let j = jobs::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let open = status_on(&j, today()) == OPEN;
    let v = public_views(db, vec![j], lang)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(if open {
        Found::Open(Box::new(v))
    } else {
        Found::Stopped(Box::new(v))
    })
}

/// The sub-districts and towns a board search offers (id, name), in the units' order.
pub async fn subdistricts(db: &impl ConnectionTrait) -> AppResult<Vec<(i64, String)>> {
    Ok(units::Entity::find()
        .filter(units::Column::Kind.is_in(SUBDISTRICT_KINDS.to_vec()))
        .order_by_asc(units::Column::Sort)
        .order_by_asc(units::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// Jobs with their firm's public facts: name, industry, sub-district.
async fn public_views(
    db: &impl ConnectionTrait,
    rows: Vec<jobs::Model>,
    lang: Lang,
) -> AppResult<Vec<PublicJob>> {
    let firms: HashMap<i64, enterprises::Model> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(rows.iter().map(|j| j.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    // Each firm's unit → the sub-district above it (or itself).
    let firm_units: Vec<i64> = firms.values().map(|e| e.unit_id).collect();
    let closure = unit_closure::Entity::find()
        .filter(unit_closure::Column::DescendantId.is_in(firm_units))
        .all(db)
        .await?;
    let subdistricts: HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Kind.is_in(SUBDISTRICT_KINDS.to_vec()))
        .filter(units::Column::Id.is_in(closure.iter().map(|c| c.ancestor_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let subdistrict_of: HashMap<i64, String> = closure
        .iter()
        .filter_map(|c| {
            subdistricts
                .get(&c.ancestor_id)
                .map(|name| (c.descendant_id, name.clone()))
        })
        .collect();
    Ok(rows
        .into_iter()
        .map(|j| {
            let firm = firms.get(&j.enterprise_id);
            let industry = firm.and_then(|e| e.industry.clone());
            PublicJob {
                id: j.id,
                title: j.title,
                enterprise_name: firm.map(|e| e.name.clone()).unwrap_or_default(),
                industry_label: industry
                    .as_deref()
                    .map(|c| crate::text::code_label(INDUSTRIES, c, lang)),
                industry,
                subdistrict: firm.and_then(|e| subdistrict_of.get(&e.unit_id).cloned()),
                positions: j.positions,
                salary_min_fen: j.salary_min_fen,
                salary_max_fen: j.salary_max_fen,
                place: j.place,
                requirements: j.requirements,
                closes_on: j.closes_on,
                posted_on: j.posted_on,
                employment_aid: j.employment_aid,
            }
        })
        .collect())
}

/// Fen as yuan for people: `3500`, `3500.5`.
pub fn yuan(fen: i64) -> String {
    let (whole, rest) = (fen / 100, fen % 100);
    if rest == 0 {
        whole.to_string()
    } else if rest % 10 == 0 {
        format!("{whole}.{}", rest / 10)
    } else {
        format!("{whole}.{rest:02}")
    }
}

/// A monthly pay range for people: `3000–4500 元/月`, or `面议` when both are 0.
pub fn pay_text(min_fen: i64, max_fen: i64, lang: Lang) -> String {
    if min_fen == 0 && max_fen == 0 {
        return lang.pick("面议", "Negotiable").to_owned();
    }
    let range = if min_fen == max_fen {
        yuan(min_fen)
    } else {
        format!("{}–{}", yuan(min_fen), yuan(max_fen))
    };
    format!("{range} {}", lang.pick("元/月", "yuan a month"))
}

#[cfg(test)]
mod tests {
    use super::yuan;

    #[test]
    fn fen_read_as_yuan() {
        assert_eq!(yuan(350_000), "3500");
        assert_eq!(yuan(350_050), "3500.5");
        assert_eq!(yuan(350_005), "3500.05");
        assert_eq!(yuan(0), "0");
    }
}
