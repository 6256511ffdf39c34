//! Labour sharing (用工余缺调剂, C8): a firm with idle workers offers them for a period (余), a
//! firm short of workers asks for them (缺); the district's staff (`labour:match`) propose
//! matches of an offer with an ask, and a match is made when both firms have confirmed it.
//!
//! What an offer or an ask has `left` is a ledger, never stored: its workers less the workers
//! of its matches that are not cancelled. A proposal locks the offer's and the ask's rows in
//! its transaction, so two proposals at once never exceed what is left.
//!
//! Withdrawing an offer or an ask stops further matching: its proposed matches are cancelled
//! in the same transaction; matches both firms have confirmed stand (the workers have moved).

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::Scoped;
use crate::audit::{self, Action};
use crate::entities::{
    enterprises, labour_asks, labour_matches, labour_offers, unit_closure, units,
};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging, find_visible};
use crate::perm;
use crate::text::{optional_text, required_text};

/// An offer or an ask still takes matches.
pub const OPEN: &str = "open";
/// Withdrawn by its firm: no further matches.
pub const WITHDRAWN: &str = "withdrawn";
/// A match waiting for one or both firms.
pub const PROPOSED: &str = "proposed";
/// Both firms confirmed the match.
pub const CONFIRMED: &str = "confirmed";
/// Cancelled by the staff, or by the withdrawal of its offer or ask, before both confirmed.
pub const CANCELLED: &str = "cancelled";

/// The most workers one offer, ask or match may name.
pub const MAX_WORKERS: i32 = 10_000;
/// The longest period an offer or an ask may cover, in days.
pub const MAX_SPAN_DAYS: i64 = 366;

/// Offers (余) or asks (缺): the two sides share their shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Offer,
    Ask,
}

impl Side {
    pub fn code(self) -> &'static str {
        match self {
            Side::Offer => "offer",
            Side::Ask => "ask",
        }
    }
    fn table(self) -> &'static str {
        match self {
            Side::Offer => "labour_offers",
            Side::Ask => "labour_asks",
        }
    }
    fn object(self) -> &'static str {
        match self {
            Side::Offer => "labour_offer",
            Side::Ask => "labour_ask",
        }
    }
}

/// An offer or an ask as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PostInput {
    /// The firm: an enterprise contact's own by default; required for staff.
    #[schema(minimum = 1)]
    pub enterprise_id: Option<i64>,
    /// Workers offered or asked for.
    #[schema(required = true, nullable = false, minimum = 1, maximum = 10000)]
    pub workers: Option<i32>,
    /// The skills or kinds of work.
    #[schema(required = true, nullable = false, min_length = 1, max_length = 500)]
    pub skills: Option<String>,
    /// The first day of the period.
    #[schema(required = true, nullable = false)]
    pub from: Option<NaiveDate>,
    /// The last day of the period: today or later, at most 366 days after `from`.
    #[schema(required = true, nullable = false)]
    pub to: Option<NaiveDate>,
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

/// An offer or an ask as listed, with what is left of it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostView {
    pub id: i64,
    /// `offer` or `ask`.
    pub kind: &'static str,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    /// The firm's industry (dictionary `enterprise.industry`).
    pub industry: Option<String>,
    /// The firm's unit (its sub-district or below).
    pub unit_id: i64,
    pub workers: i32,
    /// `workers` less the workers of its matches that are not cancelled.
    pub left: i64,
    pub skills: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub note: Option<String>,
    /// `open`, `withdrawn` or `ended` (open, past its last day).
    pub status: &'static str,
    pub version: i32,
}

/// The same columns of both tables.
#[derive(Debug, Clone)]
struct Post {
    id: i64,
    enterprise_id: i64,
    workers: i32,
    skills: String,
    from_on: NaiveDate,
    to_on: NaiveDate,
    note: Option<String>,
    status: String,
    version: i32,
}

impl From<labour_offers::Model> for Post {
    fn from(m: labour_offers::Model) -> Self {
        Post {
            id: m.id,
            enterprise_id: m.enterprise_id,
            workers: m.workers,
            skills: m.skills,
            from_on: m.from_on,
            to_on: m.to_on,
            note: m.note,
            status: m.status,
            version: m.version,
        }
    }
}

impl From<labour_asks::Model> for Post {
    fn from(m: labour_asks::Model) -> Self {
        Post {
            id: m.id,
            enterprise_id: m.enterprise_id,
            workers: m.workers,
            skills: m.skills,
            from_on: m.from_on,
            to_on: m.to_on,
            note: m.note,
            status: m.status,
            version: m.version,
        }
    }
}

impl Post {
    fn takes_matches(&self, today: NaiveDate) -> bool {
        self.status == OPEN && self.to_on >= today
    }
    fn overlaps(&self, other: &Post) -> bool {
        self.from_on <= other.to_on && other.from_on <= self.to_on
    }
}

fn today() -> NaiveDate {
    crate::jobs::today()
}

/// The workers taken from each of `ids` (offers or asks) by their matches not cancelled.
async fn taken(db: &impl ConnectionTrait, side: Side, ids: &[i64]) -> AppResult<HashMap<i64, i64>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let col = match side {
        Side::Offer => labour_matches::Column::OfferId,
        Side::Ask => labour_matches::Column::AskId,
    };
    let q = Query::select()
        .expr_as(Expr::col(col), Alias::new("pid"))
        .expr_as(
            Expr::col(labour_matches::Column::Workers).sum(),
            Alias::new("n"),
        )
        .from(labour_matches::Entity)
        .and_where(col.is_in(ids.iter().copied()))
        .and_where(labour_matches::Column::Status.ne(CANCELLED))
        .group_by_col(col)
        .take();
    let backend = db.get_database_backend();
    let mut out = HashMap::new();
    for r in db.query_all_raw(backend.build(&q)).await? {
        let id = r.try_get::<i64>("", "pid").unwrap_or(0);
        out.insert(id, crate::report::int(&r, "n"));
    }
    Ok(out)
}

/// What is left of one offer or ask.
async fn left_of(db: &impl ConnectionTrait, side: Side, p: &Post) -> AppResult<i64> {
    let t = taken(db, side, &[p.id]).await?;
    Ok(i64::from(p.workers) - t.get(&p.id).copied().unwrap_or(0))
}

async fn views(db: &impl ConnectionTrait, side: Side, rows: Vec<Post>) -> AppResult<Vec<PostView>> {
    let firms: HashMap<i64, enterprises::Model> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(rows.iter().map(|p| p.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let taken = taken(db, side, &ids).await?;
    let today = today();
    Ok(rows
        .into_iter()
        .map(|p| {
            let firm = firms.get(&p.enterprise_id);
            PostView {
                id: p.id,
                kind: side.code(),
                enterprise_id: p.enterprise_id,
                enterprise_name: firm.map(|f| f.name.clone()).unwrap_or_default(),
                industry: firm.and_then(|f| f.industry.clone()),
                unit_id: firm.map(|f| f.unit_id).unwrap_or_default(),
                workers: p.workers,
                left: i64::from(p.workers) - taken.get(&p.id).copied().unwrap_or(0),
                status: if p.status == WITHDRAWN {
                    WITHDRAWN
                } else if p.to_on < today {
                    "ended"
                } else {
                    OPEN
                },
                skills: p.skills,
                from: p.from_on,
                to: p.to_on,
                note: p.note,
                version: p.version,
            }
        })
        .collect())
}

/// The lists' filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PostFilter {
    /// The firm's industry (a code of `enterprise.industry`).
    pub industry: Option<String>,
    /// Firms of this unit and below (a sub-district).
    pub unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    /// Only the open ones (not withdrawn, not past their last day).
    pub open: Option<bool>,
}

/// The firms of `f`'s industry and unit, as a condition on a firm column.
fn firm_filter(f: &PostFilter, col: impl ColumnTrait) -> Option<sea_orm::Condition> {
    if f.industry
        .as_deref()
        .map(str::trim)
        .is_none_or(str::is_empty)
        && f.unit_id.is_none()
    {
        return None;
    }
    let mut q = Query::select()
        .column(enterprises::Column::Id)
        .from(enterprises::Entity)
        .take();
    if let Some(i) = f
        .industry
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        q.and_where(enterprises::Column::Industry.eq(i));
    }
    if let Some(u) = f.unit_id {
        q.and_where(
            enterprises::Column::UnitId.in_subquery(
                Query::select()
                    .column(unit_closure::Column::DescendantId)
                    .from(unit_closure::Entity)
                    .and_where(unit_closure::Column::AncestorId.eq(u))
                    .take(),
            ),
        );
    }
    Some(sea_orm::Condition::all().add(col.in_subquery(q)))
}

/// The offers or asks of the firms in the caller's scope, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    side: Side,
    f: &PostFilter,
    paging: Paging,
) -> AppResult<Page<PostView>> {
    who.require(perm::LABOUR_LIST)?;
    let today = today();
    let page: Page<Post> = match side {
        Side::Offer => {
            use labour_offers::{Column as C, Entity as E};
            let mut q = E::find().filter(E::scope_condition(&who.scope));
            if let Some(c) = firm_filter(f, C::EnterpriseId) {
                q = q.filter(c);
            }
            if let Some(e) = f.enterprise_id {
                q = q.filter(C::EnterpriseId.eq(e));
            }
            if f.open == Some(true) {
                q = q.filter(C::Status.eq(OPEN)).filter(C::ToOn.gte(today));
            }
            let p = crate::paging::paged(db, q, C::Id, true, paging).await?;
            Page {
                total: p.total,
                items: p.items.into_iter().map(Post::from).collect(),
            }
        }
        Side::Ask => {
            use labour_asks::{Column as C, Entity as E};
            let mut q = E::find().filter(E::scope_condition(&who.scope));
            if let Some(c) = firm_filter(f, C::EnterpriseId) {
                q = q.filter(c);
            }
            if let Some(e) = f.enterprise_id {
                q = q.filter(C::EnterpriseId.eq(e));
            }
            if f.open == Some(true) {
                q = q.filter(C::Status.eq(OPEN)).filter(C::ToOn.gte(today));
            }
            let p = crate::paging::paged(db, q, C::Id, true, paging).await?;
            Page {
                total: p.total,
                items: p.items.into_iter().map(Post::from).collect(),
            }
        }
    };
    Ok(Page {
        total: page.total,
        items: views(db, side, page.items).await?,
    })
}

/// One offer or ask the caller sees.
async fn visible(
    db: &impl ConnectionTrait,
    who: &Principal,
    side: Side,
    id: i64,
) -> AppResult<Post> {
    Ok(match side {
        Side::Offer => find_visible::<labour_offers::Entity>(db, &who.scope, id)
            .await?
            .into(),
        Side::Ask => find_visible::<labour_asks::Entity>(db, &who.scope, id)
            .await?
            .into(),
    })
}

pub async fn get(
    db: &impl ConnectionTrait,
    who: &Principal,
    side: Side,
    id: i64,
) -> AppResult<PostView> {
    who.require(perm::LABOUR_LIST)?;
    let p = visible(db, who, side, id).await?;
    views(db, side, vec![p])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Whether the caller may write for firm `id` (an enterprise contact: their own only).
async fn writes_for(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<bool> {
    Ok(writable_firms(db, who, [id]).await?.contains(&id))
}

/// Of the firms `ids`, those the caller may write for (an enterprise contact: their own only),
/// in one query.
pub async fn writable_firms(
    db: &impl ConnectionTrait,
    who: &Principal,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<std::collections::HashSet<i64>> {
    let ids: std::collections::BTreeSet<i64> = ids
        .into_iter()
        .filter(|id| who.enterprise_id.is_none_or(|own| own == *id))
        .collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(enterprises::Entity::find()
        .select_only()
        .column(enterprises::Column::Id)
        .filter(who.scope.enterprises_writable())
        .filter(enterprises::Column::Id.is_in(ids))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

struct Valid {
    enterprise_id: i64,
    workers: i32,
    skills: String,
    from: NaiveDate,
    to: NaiveDate,
    note: Option<String>,
}

/// A number of workers in 1..=10000, or the field's error.
fn workers_field(errors: &mut Vec<FieldError>, v: Option<i32>) -> i32 {
    match v {
        None => {
            errors.push(FieldError::required("workers", "人数", "Workers"));
            0
        }
        Some(n) if !(1..=MAX_WORKERS).contains(&n) => {
            errors.push(FieldError::new(
                "workers",
                "range",
                "人数须在 1 到 10000 之间",
                "workers must be between 1 and 10000",
            ));
            0
        }
        Some(n) => n,
    }
}

async fn validate(
    db: &impl ConnectionTrait,
    who: &Principal,
    input: PostInput,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let workers = workers_field(&mut errors, input.workers);
    let skills = required_text(
        &mut errors,
        "skills",
        input.skills,
        500,
        "工种技能",
        "Skills",
    );
    let note = optional_text(&mut errors, "note", input.note, 1000, "备注", "Note");
    let today = today();
    let from = input.from;
    let to = input.to;
    if from.is_none() {
        errors.push(FieldError::required("from", "开始日期", "From"));
    }
    match to {
        None => errors.push(FieldError::required("to", "结束日期", "To")),
        Some(t) if t < today => errors.push(FieldError::new(
            "to",
            "past",
            "结束日期不能早于今天",
            "the last day cannot be before today",
        )),
        Some(t) if t > today + chrono::Days::new(2 * 366) => errors.push(FieldError::new(
            "to",
            "range",
            "结束日期最多为两年以后",
            "the last day can be at most two years ahead",
        )),
        Some(_) => {}
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errors.push(FieldError::new(
                "from",
                "after_to",
                "开始日期不能晚于结束日期",
                "from cannot be later than to",
            ));
        } else if (t - f).num_days() + 1 > MAX_SPAN_DAYS {
            errors.push(FieldError::new(
                "to",
                "too_long",
                "调剂期限最长 366 天",
                "the period can be at most 366 days",
            ));
        }
    }
    let enterprise_id = match input.enterprise_id.or(who.enterprise_id) {
        None => {
            errors.push(FieldError::required("enterprise_id", "企业", "Enterprise"));
            0
        }
        Some(id) => {
            if !writes_for(db, who, id).await? {
                errors.push(FieldError::new(
                    "enterprise_id",
                    "unknown",
                    "企业不存在或不在您的数据权限范围内",
                    "no such enterprise within your data scope",
                ));
            }
            id
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid {
        enterprise_id,
        workers,
        skills,
        from: from.unwrap_or(today),
        to: to.unwrap_or(today),
        note,
    })
}

/// Offers idle workers or asks for workers (`labour:post`): an enterprise contact for their
/// own firm (the default), staff for a firm they may write for.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    side: Side,
    input: PostInput,
) -> AppResult<i64> {
    who.require(perm::LABOUR_POST)?;
    let v = validate(db, who, input).await?;
    let now = Utc::now();
    let created_by = (who.user_id > 0).then_some(who.user_id);
    let label = format!("{} × {}", v.skills, v.workers);
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let id = match side {
        Side::Offer => {
            let m = labour_offers::ActiveModel {
                enterprise_id: Set(v.enterprise_id),
                workers: Set(v.workers),
                skills: Set(v.skills),
                from_on: Set(v.from),
                to_on: Set(v.to),
                note: Set(v.note),
                status: Set(OPEN.into()),
                version: Set(1),
                created_by_user_id: Set(created_by),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            crate::paging::ensure_writable::<labour_offers::Entity>(&txn, who, m.id).await?;
            m.id
        }
        Side::Ask => {
            let m = labour_asks::ActiveModel {
                enterprise_id: Set(v.enterprise_id),
                workers: Set(v.workers),
                skills: Set(v.skills),
                from_on: Set(v.from),
                to_on: Set(v.to),
                note: Set(v.note),
                status: Set(OPEN.into()),
                version: Set(1),
                created_by_user_id: Set(created_by),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            crate::paging::ensure_writable::<labour_asks::Entity>(&txn, who, m.id).await?;
            m.id
        }
    };
    audit::record(&txn, who, Action::Create, side.object(), Some(id), label).await?;
    txn.commit().await?;
    Ok(id)
}

/// The version read, for a withdrawal.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct WithdrawInput {
    /// The version read (a stale one is a 409 with the current record).
    #[schema(required = true, nullable = false)]
    pub version: Option<i32>,
}

/// Withdraws an offer or an ask (`labour:post`, for a firm the caller may write for): no
/// further matches; its proposed matches are cancelled, its confirmed ones stand.
pub async fn withdraw<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    side: Side,
    id: i64,
    input: WithdrawInput,
) -> AppResult<PostView> {
    who.require(perm::LABOUR_POST)?;
    let version = crate::paging::version_required(input.version)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    visible(&txn, who, side, id).await?;
    lianxin_kernel::db::lock_row(&txn, side.table(), id).await?;
    let current = visible(&txn, who, side, id).await?;
    if !writes_for(&txn, who, current.enterprise_id).await? {
        return Err(AppError::Forbidden);
    }
    if current.version != version {
        let v = views(&txn, side, vec![current]).await?;
        return Err(crate::paging::stale(v.first()));
    }
    if current.status == WITHDRAWN {
        let v = views(&txn, side, vec![current]).await?;
        return Err(AppError::ConflictWith {
            zh: "已撤回".into(),
            en: "already withdrawn".into(),
            current: Box::new(serde_json::to_value(v.first()).unwrap_or_default()),
        });
    }
    let now = Utc::now();
    match side {
        Side::Offer => {
            if let Some(m) = labour_offers::Entity::find_by_id(id).one(&txn).await? {
                let mut am = m.into_active_model();
                am.status = Set(WITHDRAWN.into());
                am.version = Set(current.version + 1);
                am.updated_at = Set(now);
                am.update(&txn).await?;
            }
        }
        Side::Ask => {
            if let Some(m) = labour_asks::Entity::find_by_id(id).one(&txn).await? {
                let mut am = m.into_active_model();
                am.status = Set(WITHDRAWN.into());
                am.version = Set(current.version + 1);
                am.updated_at = Set(now);
                am.update(&txn).await?;
            }
        }
    }
    let col = match side {
        Side::Offer => labour_matches::Column::OfferId,
        Side::Ask => labour_matches::Column::AskId,
    };
    labour_matches::Entity::update_many()
        .col_expr(labour_matches::Column::Status, Expr::value(CANCELLED))
        .col_expr(
            labour_matches::Column::Version,
            Expr::col(labour_matches::Column::Version).add(1),
        )
        .col_expr(labour_matches::Column::UpdatedAt, Expr::value(now))
        .filter(col.eq(id))
        .filter(labour_matches::Column::Status.eq(PROPOSED))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        side.object(),
        Some(id),
        format!("withdrawn: {}", current.skills),
    )
    .await?;
    txn.commit().await?;
    get(db, who, side, id).await
}

/// A match as sent by the staff.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct MatchInput {
    #[schema(required = true, nullable = false, minimum = 1)]
    pub offer_id: Option<i64>,
    #[schema(required = true, nullable = false, minimum = 1)]
    pub ask_id: Option<i64>,
    /// At most what the offer has left and what the ask still needs.
    #[schema(required = true, nullable = false, minimum = 1, maximum = 10000)]
    pub workers: Option<i32>,
}

/// A match as listed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchView {
    pub id: i64,
    pub offer_id: i64,
    pub ask_id: i64,
    /// The firm that offers the workers.
    pub offer_enterprise_id: i64,
    pub offer_enterprise_name: String,
    /// The firm that asked for them.
    pub ask_enterprise_id: i64,
    pub ask_enterprise_name: String,
    pub workers: i32,
    pub skills: String,
    /// The days both periods share.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `proposed`, `confirmed` (both firms did) or `cancelled`.
    pub status: String,
    pub offer_confirmed: bool,
    pub ask_confirmed: bool,
    pub version: i32,
}

async fn match_views(
    db: &impl ConnectionTrait,
    rows: Vec<labour_matches::Model>,
) -> AppResult<Vec<MatchView>> {
    let offers: HashMap<i64, labour_offers::Model> = labour_offers::Entity::find()
        .filter(labour_offers::Column::Id.is_in(rows.iter().map(|m| m.offer_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let asks: HashMap<i64, labour_asks::Model> = labour_asks::Entity::find()
        .filter(labour_asks::Column::Id.is_in(rows.iter().map(|m| m.ask_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let firms: HashMap<i64, String> = enterprises::Entity::find()
        .filter(
            enterprises::Column::Id.is_in(
                offers
                    .values()
                    .map(|o| o.enterprise_id)
                    .chain(asks.values().map(|a| a.enterprise_id)),
            ),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|m| {
            let o = offers.get(&m.offer_id);
            let a = asks.get(&m.ask_id);
            let oe = o.map(|o| o.enterprise_id).unwrap_or_default();
            let ae = a.map(|a| a.enterprise_id).unwrap_or_default();
            MatchView {
                id: m.id,
                offer_id: m.offer_id,
                ask_id: m.ask_id,
                offer_enterprise_id: oe,
                offer_enterprise_name: firms.get(&oe).cloned().unwrap_or_default(),
                ask_enterprise_id: ae,
                ask_enterprise_name: firms.get(&ae).cloned().unwrap_or_default(),
                workers: m.workers,
                skills: o.map(|o| o.skills.clone()).unwrap_or_default(),
                from: Ord::max(
                    o.map(|o| o.from_on).unwrap_or_default(),
                    a.map(|a| a.from_on).unwrap_or_default(),
                ),
                to: Ord::min(
                    o.map(|o| o.to_on).unwrap_or_default(),
                    a.map(|a| a.to_on).unwrap_or_default(),
                ),
                status: m.status,
                offer_confirmed: m.offer_confirmed_at.is_some(),
                ask_confirmed: m.ask_confirmed_at.is_some(),
                version: m.version,
            }
        })
        .collect())
}

/// The matches' filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchFilter {
    /// `proposed`, `confirmed` or `cancelled`.
    pub status: Option<String>,
    pub offer_id: Option<i64>,
    pub ask_id: Option<i64>,
}

/// The matches whose offer or ask the caller sees, newest first.
pub async fn matches(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &MatchFilter,
    paging: Paging,
) -> AppResult<Page<MatchView>> {
    who.require(perm::LABOUR_LIST)?;
    let mut q =
        labour_matches::Entity::find().filter(labour_matches::Entity::scope_condition(&who.scope));
    match f.status.as_deref().map(str::trim) {
        None | Some("") => {}
        Some(s @ (PROPOSED | CONFIRMED | CANCELLED)) => {
            q = q.filter(labour_matches::Column::Status.eq(s))
        }
        Some(_) => {
            return Err(AppError::invalid(FieldError::new(
                "status",
                "unknown",
                "状态须为 proposed、confirmed 或 cancelled",
                "status must be proposed, confirmed or cancelled",
            )));
        }
    }
    if let Some(o) = f.offer_id {
        q = q.filter(labour_matches::Column::OfferId.eq(o));
    }
    if let Some(a) = f.ask_id {
        q = q.filter(labour_matches::Column::AskId.eq(a));
    }
    let page = crate::paging::paged(db, q, labour_matches::Column::Id, true, paging).await?;
    Ok(Page {
        total: page.total,
        items: match_views(db, page.items).await?,
    })
}

pub async fn get_match(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<MatchView> {
    who.require(perm::LABOUR_LIST)?;
    let m = find_visible::<labour_matches::Entity>(db, &who.scope, id).await?;
    match_views(db, vec![m])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Proposes a match (`labour:match`): the offer and the ask open, of different firms, their
/// periods overlapping, and `workers` no more than the offer has left and the ask still needs.
/// Both rows are locked first, so concurrent proposals never exceed what is left.
pub async fn propose<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: MatchInput,
) -> AppResult<MatchView> {
    who.require(perm::LABOUR_MATCH)?;
    let mut errors = Vec::new();
    let workers = workers_field(&mut errors, input.workers);
    if input.offer_id.is_none() {
        errors.push(FieldError::required("offer_id", "富余用工", "Offer"));
    }
    if input.ask_id.is_none() {
        errors.push(FieldError::required("ask_id", "用工需求", "Ask"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (offer_id, ask_id) = (input.offer_id.unwrap_or(0), input.ask_id.unwrap_or(0));
    let unknown = |field: &str| {
        AppError::invalid(FieldError::new(
            field,
            "unknown",
            "记录不存在或不在您的数据权限范围内",
            "no such record within your data scope",
        ))
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    // Always the offer first, then the ask: two proposals never wait on each other in a circle.
    lianxin_kernel::db::lock_row(&txn, "labour_offers", offer_id).await?;
    lianxin_kernel::db::lock_row(&txn, "labour_asks", ask_id).await?;
    let offer: Post = match labour_offers::Entity::find()
        .filter(labour_offers::Entity::scope_condition(&who.scope))
        .filter(labour_offers::Column::Id.eq(offer_id))
        .one(&txn)
        .await?
    {
        Some(o) => o.into(),
        None => return Err(unknown("offer_id")),
    };
    let ask: Post = match labour_asks::Entity::find()
        .filter(labour_asks::Entity::scope_condition(&who.scope))
        .filter(labour_asks::Column::Id.eq(ask_id))
        .one(&txn)
        .await?
    {
        Some(a) => a.into(),
        None => return Err(unknown("ask_id")),
    };
    if offer.enterprise_id == ask.enterprise_id {
        return Err(AppError::invalid(FieldError::new(
            "ask_id",
            "same_firm",
            "富余用工与用工需求属于同一企业，无需调剂",
            "the offer and the ask are of the same firm",
        )));
    }
    if !offer.overlaps(&ask) {
        return Err(AppError::invalid(FieldError::new(
            "ask_id",
            "no_overlap",
            "富余用工与用工需求的期限没有重叠",
            "the offer's and the ask's periods do not overlap",
        )));
    }
    let today = today();
    if !offer.takes_matches(today) {
        return Err(AppError::conflict(
            "该富余用工已撤回或已过期",
            "the offer is withdrawn or past its last day",
        ));
    }
    if !ask.takes_matches(today) {
        return Err(AppError::conflict(
            "该用工需求已撤回或已过期",
            "the ask is withdrawn or past its last day",
        ));
    }
    let offer_left = left_of(&txn, Side::Offer, &offer).await?;
    let ask_left = left_of(&txn, Side::Ask, &ask).await?;
    if i64::from(workers) > offer_left {
        return Err(AppError::conflict(
            format!("超出富余用工的剩余人数（剩余 {offer_left} 人）"),
            format!("more than the offer has left ({offer_left})"),
        ));
    }
    if i64::from(workers) > ask_left {
        return Err(AppError::conflict(
            format!("超出用工需求尚缺的人数（尚缺 {ask_left} 人）"),
            format!("more than the ask still needs ({ask_left})"),
        ));
    }
    let now = Utc::now();
    let m = labour_matches::ActiveModel {
        offer_id: Set(offer_id),
        ask_id: Set(ask_id),
        workers: Set(workers),
        status: Set(PROPOSED.into()),
        version: Set(1),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "labour_match",
        Some(m.id),
        format!("offer {offer_id} → ask {ask_id} × {workers}"),
    )
    .await?;
    txn.commit().await?;
    match_views(db, vec![m])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Which firm's confirmation: needed only from a caller who may write for both.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ConfirmInput {
    /// `offer` or `ask`: the side confirmed, when the caller may write for both firms.
    pub side: Option<String>,
}

/// The sides of match `m` the caller may confirm (`labour:post`, writing for its firm), given
/// the firms the caller may write for.
pub fn sides_of(
    who: &Principal,
    m: &MatchView,
    writable: &std::collections::HashSet<i64>,
) -> Vec<Side> {
    if !who.can(perm::LABOUR_POST) {
        return Vec::new();
    }
    let mut out = Vec::new();
    if writable.contains(&m.offer_enterprise_id) {
        out.push(Side::Offer);
    }
    if writable.contains(&m.ask_enterprise_id) {
        out.push(Side::Ask);
    }
    out
}

/// The sides of match `m` the caller may confirm.
pub async fn sides_for(
    db: &impl ConnectionTrait,
    who: &Principal,
    m: &MatchView,
) -> AppResult<Vec<Side>> {
    let writable = writable_firms(db, who, [m.offer_enterprise_id, m.ask_enterprise_id]).await?;
    Ok(sides_of(who, m, &writable))
}

/// Confirms a match for one of its firms (`labour:post`: the firm's contact, or staff who may
/// write for that firm); when both firms have, the match is `confirmed`. A caller who sees
/// neither firm gets a 404.
pub async fn confirm<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: ConfirmInput,
) -> AppResult<MatchView> {
    let txn = lianxin_kernel::db::begin_write(db).await?;
    find_visible::<labour_matches::Entity>(&txn, &who.scope, id).await?;
    who.require(perm::LABOUR_POST)?;
    lianxin_kernel::db::lock_row(&txn, "labour_matches", id).await?;
    let m = find_visible::<labour_matches::Entity>(&txn, &who.scope, id).await?;
    let view = match_views(&txn, vec![m.clone()])
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let sides = sides_for(&txn, who, &view).await?;
    let side = match (input.side.as_deref().map(str::trim), sides.as_slice()) {
        (_, []) => return Err(AppError::Forbidden),
        (None | Some(""), [one]) => *one,
        (None | Some(""), _) => {
            return Err(AppError::invalid(FieldError::new(
                "side",
                "required",
                "您可代表双方企业，请选择确认哪一方（offer 或 ask）",
                "you may act for both firms: say which side confirms (offer or ask)",
            )));
        }
        (Some(s), _) => match sides.iter().find(|x| x.code() == s) {
            Some(x) => *x,
            None => {
                return Err(AppError::invalid(FieldError::new(
                    "side",
                    "unknown",
                    "只能确认您所代表企业的一方（offer 或 ask）",
                    "side must be offer or ask, a firm you act for",
                )));
            }
        },
    };
    if m.status != PROPOSED {
        return Err(AppError::ConflictWith {
            zh: "该调剂已确认或已取消".into(),
            en: "the match is already confirmed or cancelled".into(),
            current: Box::new(serde_json::to_value(&view).unwrap_or_default()),
        });
    }
    let already = match side {
        Side::Offer => m.offer_confirmed_at.is_some(),
        Side::Ask => m.ask_confirmed_at.is_some(),
    };
    if already {
        txn.commit().await?;
        return Ok(view);
    }
    let now = Utc::now();
    let user = (who.user_id > 0).then_some(who.user_id);
    let both = match side {
        Side::Offer => m.ask_confirmed_at.is_some(),
        Side::Ask => m.offer_confirmed_at.is_some(),
    };
    let version = m.version;
    let mut am = m.into_active_model();
    match side {
        Side::Offer => {
            am.offer_confirmed_at = Set(Some(now));
            am.offer_confirmed_by_user_id = Set(user);
        }
        Side::Ask => {
            am.ask_confirmed_at = Set(Some(now));
            am.ask_confirmed_by_user_id = Set(user);
        }
    }
    if both {
        am.status = Set(CONFIRMED.into());
    }
    am.version = Set(version + 1);
    am.updated_at = Set(now);
    let m = am.update(&txn).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "labour_match",
        Some(id),
        format!(
            "confirmed by the {}{}",
            side.code(),
            if both { "; both firms confirmed" } else { "" }
        ),
    )
    .await?;
    txn.commit().await?;
    match_views(db, vec![m])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// Cancels a match before both firms confirmed it (`labour:match`).
pub async fn cancel<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<MatchView> {
    who.require(perm::LABOUR_MATCH)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    find_visible::<labour_matches::Entity>(&txn, &who.scope, id).await?;
    lianxin_kernel::db::lock_row(&txn, "labour_matches", id).await?;
    let m = find_visible::<labour_matches::Entity>(&txn, &who.scope, id).await?;
    if m.status != PROPOSED {
        let view = match_views(&txn, vec![m]).await?.pop();
        return Err(AppError::ConflictWith {
            zh: "该调剂已经双方确认或已取消，不能取消".into(),
            en: "the match is confirmed by both firms or already cancelled".into(),
            current: Box::new(serde_json::to_value(view).unwrap_or_default()),
        });
    }
    let version = m.version;
    let mut am = m.into_active_model();
    am.status = Set(CANCELLED.into());
    am.version = Set(version + 1);
    am.updated_at = Set(Utc::now());
    let m = am.update(&txn).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "labour_match",
        Some(id),
        "cancelled",
    )
    .await?;
    txn.commit().await?;
    match_views(db, vec![m])
        .await?
        .pop()
        .ok_or(AppError::NotFound)
}

/// An open offer suggested for an ask.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub offer: PostView,
    /// The offer's firm is of the ask's firm's industry.
    pub same_industry: bool,
    /// The offer's firm is in the ask's firm's sub-district.
    pub same_subdistrict: bool,
    /// What a match could take: the least of the offer's left and the ask's.
    pub workers: i64,
}

/// The sub-district (or town) unit `unit` lies in, else the unit itself.
async fn subdistrict_of(db: &impl ConnectionTrait, unit: i64) -> AppResult<i64> {
    let up = unit_closure::Entity::find()
        .filter(unit_closure::Column::DescendantId.eq(unit))
        .filter(
            unit_closure::Column::AncestorId.in_subquery(
                Query::select()
                    .column(units::Column::Id)
                    .from(units::Entity)
                    .and_where(units::Column::Kind.is_in(["subdistrict", "town"]))
                    .take(),
            ),
        )
        .order_by_asc(unit_closure::Column::Depth)
        .one(db)
        .await?;
    Ok(up.map(|c| c.ancestor_id).unwrap_or(unit))
}

/// The most suggestions returned.
pub const MAX_SUGGESTIONS: u64 = 50;

/// For an ask (`labour:match`): the open offers in scope of other firms with workers left,
/// their periods overlapping the ask's, whose firm shares the ask's firm's industry or
/// sub-district; same industry and sub-district first, then same industry, then same
/// sub-district, then the most workers left.
pub async fn suggestions(
    db: &impl ConnectionTrait,
    who: &Principal,
    ask_id: i64,
) -> AppResult<Vec<Suggestion>> {
    who.require(perm::LABOUR_MATCH)?;
    let ask = visible(db, who, Side::Ask, ask_id).await?;
    let ask_left = left_of(db, Side::Ask, &ask).await?;
    let today = today();
    if !ask.takes_matches(today) || ask_left <= 0 {
        return Ok(Vec::new());
    }
    let Some(firm) = enterprises::Entity::find_by_id(ask.enterprise_id)
        .one(db)
        .await?
    else {
        return Ok(Vec::new());
    };
    let sub = subdistrict_of(db, firm.unit_id).await?;
    let in_sub = Query::select()
        .column(unit_closure::Column::DescendantId)
        .from(unit_closure::Entity)
        .and_where(unit_closure::Column::AncestorId.eq(sub))
        .take();
    let mut near =
        sea_orm::Condition::any().add(enterprises::Column::UnitId.in_subquery(in_sub.clone()));
    if let Some(i) = firm.industry.as_deref() {
        near = near.add(enterprises::Column::Industry.eq(i));
    }
    let near_firms: HashMap<i64, enterprises::Model> = enterprises::Entity::find()
        .filter(near)
        .filter(enterprises::Column::Id.ne(firm.id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    if near_firms.is_empty() {
        return Ok(Vec::new());
    }
    let sub_units: std::collections::HashSet<i64> = unit_closure::Entity::find()
        .filter(unit_closure::Column::AncestorId.eq(sub))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.descendant_id)
        .collect();
    let offers: Vec<Post> = labour_offers::Entity::find()
        .filter(labour_offers::Entity::scope_condition(&who.scope))
        .filter(labour_offers::Column::EnterpriseId.is_in(near_firms.keys().copied()))
        .filter(labour_offers::Column::Status.eq(OPEN))
        .filter(labour_offers::Column::ToOn.gte(Ord::max(today, ask.from_on)))
        .filter(labour_offers::Column::FromOn.lte(ask.to_on))
        .order_by_desc(labour_offers::Column::Id)
        .limit(1000)
        .all(db)
        .await?
        .into_iter()
        .map(Post::from)
        .collect();
    let mut out: Vec<Suggestion> = views(db, Side::Offer, offers)
        .await?
        .into_iter()
        .filter(|o| o.left > 0)
        .map(|o| {
            let f = near_firms.get(&o.enterprise_id);
            Suggestion {
                same_industry: firm.industry.is_some()
                    && f.and_then(|f| f.industry.as_deref()) == firm.industry.as_deref(),
                same_subdistrict: f.is_some_and(|f| sub_units.contains(&f.unit_id)),
                workers: Ord::min(o.left, ask_left),
                offer: o,
            }
        })
        .collect();
    out.sort_by_key(|s| {
        (
            !(s.same_industry && s.same_subdistrict),
            !s.same_industry,
            !s.same_subdistrict,
            -s.offer.left,
            -s.offer.id,
        )
    });
    out.truncate(MAX_SUGGESTIONS as usize);
    Ok(out)
}
