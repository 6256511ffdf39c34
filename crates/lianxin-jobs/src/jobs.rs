//! Jobs a firm posts (招聘岗位, C8): title, positions, monthly pay range in fen, place,
//! requirements, closing date and whether the job suits employment-assistance targets. An
//! enterprise contact posts for their own firm; staff with `job:edit` for a firm they may
//! write for. A job is open until it is closed or its closing date passes; a new closing
//! date reposts it.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::Scoped;
use crate::audit::{self, Action};
use crate::entities::{enterprises, jobs};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging, find_visible};
use crate::perm;
use crate::text::{optional_text, required_text};

/// Open jobs take applications and show on the public board (until `closes_on`).
pub const OPEN: &str = "open";
/// Closed by the firm (a new closing date reposts it).
pub const CLOSED: &str = "closed";

/// The highest pay a job may name, a month (10 million yuan, in fen): beyond it is a typo.
pub const MAX_SALARY_FEN: i64 = 1_000_000_000;
/// The most positions one job may offer.
pub const MAX_POSITIONS: i32 = 10_000;

/// A job as sent. On `PUT` every field is replaced (but an omitted `enterprise_id` keeps the
/// job's firm) and `version` is required.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct JobInput {
    /// The firm: an enterprise contact's own by default; required for staff.
    #[schema(minimum = 1)]
    pub enterprise_id: Option<i64>,
    #[schema(required = true, nullable = false, min_length = 1, max_length = 100)]
    pub title: Option<String>,
    #[schema(required = true, nullable = false, minimum = 1, maximum = 10000)]
    pub positions: Option<i32>,
    /// Monthly pay, lowest, in fen (1 yuan = 100 fen).
    #[schema(required = true, nullable = false, minimum = 0, maximum = 1000000000)]
    pub salary_min_fen: Option<i64>,
    /// Monthly pay, highest, in fen; at least `salary_min_fen`.
    #[schema(required = true, nullable = false, minimum = 0, maximum = 1000000000)]
    pub salary_max_fen: Option<i64>,
    #[schema(required = true, nullable = false, min_length = 1, max_length = 200)]
    pub place: Option<String>,
    #[schema(max_length = 4000)]
    pub requirements: Option<String>,
    /// The last day applications are taken (today or later).
    #[schema(required = true, nullable = false)]
    pub closes_on: Option<NaiveDate>,
    /// Suits employment-assistance targets (就业援助).
    pub employment_aid: Option<bool>,
    /// Required on `PUT`: the version read.
    pub version: Option<i32>,
}

/// A job as the firm and staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub title: String,
    pub positions: i32,
    pub salary_min_fen: i64,
    pub salary_max_fen: i64,
    pub place: String,
    pub requirements: Option<String>,
    pub closes_on: NaiveDate,
    pub employment_aid: bool,
    /// `open`, `closed` (by the firm) or `expired` (open, past its closing date).
    pub status: &'static str,
    pub posted_on: NaiveDate,
    pub version: i32,
}

/// Today in the district's time zone.
pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

/// What a job's status is on `today`: closed by the firm, past its closing date, or open.
pub fn status_on(j: &jobs::Model, today: NaiveDate) -> &'static str {
    if j.status == CLOSED {
        CLOSED
    } else if j.closes_on < today {
        "expired"
    } else {
        OPEN
    }
}

pub async fn views(db: &impl ConnectionTrait, rows: Vec<jobs::Model>) -> AppResult<Vec<JobView>> {
    let firms: std::collections::HashMap<i64, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(rows.iter().map(|j| j.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let today = today();
    Ok(rows
        .into_iter()
        .map(|j| JobView {
            status: status_on(&j, today),
            id: j.id,
            enterprise_name: firms.get(&j.enterprise_id).cloned().unwrap_or_default(),
            enterprise_id: j.enterprise_id,
            title: j.title,
            positions: j.positions,
            salary_min_fen: j.salary_min_fen,
            salary_max_fen: j.salary_max_fen,
            place: j.place,
            requirements: j.requirements,
            closes_on: j.closes_on,
            employment_aid: j.employment_aid,
            posted_on: j.posted_on,
            version: j.version,
        })
        .collect())
}

/// The list's filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobFilter {
    /// Title contains.
    pub q: Option<String>,
    pub enterprise_id: Option<i64>,
    /// `open`, `closed` or `expired`.
    pub status: Option<String>,
}

/// The jobs of the firms in the caller's scope, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &JobFilter,
    paging: Paging,
) -> AppResult<Page<JobView>> {
    who.require(perm::JOB_LIST)?;
    let mut q = jobs::Entity::find().filter(jobs::Entity::scope_condition(&who.scope));
    if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        q = q.filter(jobs::Column::Title.like(crate::text::like_pattern(text)));
    }
    if let Some(e) = f.enterprise_id {
        q = q.filter(jobs::Column::EnterpriseId.eq(e));
    }
    let today = today();
    match f.status.as_deref() {
        None | Some("") => {}
        Some(OPEN) => {
            q = q
                .filter(jobs::Column::Status.eq(OPEN))
                .filter(jobs::Column::ClosesOn.gte(today))
        }
        Some(CLOSED) => q = q.filter(jobs::Column::Status.eq(CLOSED)),
        Some("expired") => {
            q = q
                .filter(jobs::Column::Status.eq(OPEN))
                .filter(jobs::Column::ClosesOn.lt(today))
        }
        Some(_) => {
            return Err(AppError::invalid(FieldError::new(
                "status",
                "unknown",
                "状态须为 open、closed 或 expired",
                "status must be open, closed or expired",
            )));
        }
    }
    let page = crate::paging::paged(db, q, jobs::Column::Id, true, paging).await?;
    Ok(Page {
        total: page.total,
        items: views(db, page.items).await?,
    })
}

pub async fn get(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<JobView> {
    who.require(perm::JOB_LIST)?;
    let j = find_visible::<jobs::Entity>(db, &who.scope, id).await?;
    views(db, vec![j]).await?.pop().ok_or(AppError::NotFound)
}

pub(crate) struct Valid {
    pub enterprise_id: i64,
    pub title: String,
    pub positions: i32,
    pub salary_min_fen: i64,
    pub salary_max_fen: i64,
    pub place: String,
    pub requirements: Option<String>,
    pub closes_on: NaiveDate,
    pub employment_aid: bool,
}

/// Checks a job as sent; the firm must be one the caller may write for (an enterprise
/// contact: their own, the default). `current` is the job being edited (its firm stays
/// acceptable).
pub(crate) async fn validate(
    db: &impl ConnectionTrait,
    who: &Principal,
    input: JobInput,
    current: Option<&jobs::Model>,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let title = required_text(&mut errors, "title", input.title, 100, "岗位名称", "Title");
    let place = required_text(&mut errors, "place", input.place, 200, "工作地点", "Place");
    let requirements = optional_text(
        &mut errors,
        "requirements",
        input.requirements,
        4000,
        "任职要求",
        "Requirements",
    );
    let positions = match input.positions {
        None => {
            errors.push(FieldError::required("positions", "招聘人数", "Positions"));
            0
        }
        Some(n) if !(1..=MAX_POSITIONS).contains(&n) => {
            errors.push(FieldError::new(
                "positions",
                "range",
                "招聘人数须在 1 到 10000 之间",
                "positions must be between 1 and 10000",
            ));
            0
        }
        Some(n) => n,
    };
    let mut salary = |field: &str, v: Option<i64>, zh: &str, en: &str| match v {
        None => {
            errors.push(FieldError::required(field, zh, en));
            0
        }
        Some(v) if !(0..=MAX_SALARY_FEN).contains(&v) => {
            errors.push(FieldError::new(
                field,
                "range",
                format!("{zh}须在 0 到 1000 万元之间（单位：分）"),
                format!("{field} must be between 0 and 10 million yuan (in fen)"),
            ));
            0
        }
        Some(v) => v,
    };
    let salary_min_fen = salary(
        "salary_min_fen",
        input.salary_min_fen,
        "月薪下限",
        "Lowest pay",
    );
    let salary_max_fen = salary(
        "salary_max_fen",
        input.salary_max_fen,
        "月薪上限",
        "Highest pay",
    );
    if salary_max_fen < salary_min_fen {
        errors.push(FieldError::new(
            "salary_max_fen",
            "range",
            "月薪上限不能低于下限",
            "the highest pay cannot be below the lowest",
        ));
    }
    let today = today();
    let closes_on = match input.closes_on {
        None => {
            errors.push(FieldError::required(
                "closes_on",
                "截止日期",
                "Closing date",
            ));
            today
        }
        Some(d) if d < today && current.is_none_or(|c| c.closes_on != d) => {
            errors.push(FieldError::new(
                "closes_on",
                "past",
                "截止日期不能早于今天",
                "the closing date cannot be before today",
            ));
            d
        }
        Some(d) if d > today + chrono::Days::new(366) => {
            errors.push(FieldError::new(
                "closes_on",
                "range",
                "截止日期最多为一年以后",
                "the closing date can be at most a year ahead",
            ));
            d
        }
        Some(d) => d,
    };
    // On an edit the job's firm stays unless another is named.
    let enterprise_id = match input
        .enterprise_id
        .or(who.enterprise_id)
        .or(current.map(|c| c.enterprise_id))
    {
        None => {
            errors.push(FieldError::required("enterprise_id", "企业", "Enterprise"));
            0
        }
        Some(id) => {
            let own_firm_only = who.enterprise_id.is_some_and(|own| own != id);
            let writable = !own_firm_only
                && enterprises::Entity::find()
                    .filter(who.scope.enterprises_writable())
                    .filter(enterprises::Column::Id.eq(id))
                    .one(db)
                    .await?
                    .is_some();
            if !writable && current.map(|c| c.enterprise_id) != Some(id) {
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
        title,
        positions,
        salary_min_fen,
        salary_max_fen,
        place,
        requirements,
        closes_on,
        employment_aid: input.employment_aid.unwrap_or(false),
    })
}

pub(crate) fn apply(am: &mut jobs::ActiveModel, v: Valid) {
    am.enterprise_id = Set(v.enterprise_id);
    am.title = Set(v.title);
    am.positions = Set(v.positions);
    am.salary_min_fen = Set(v.salary_min_fen);
    am.salary_max_fen = Set(v.salary_max_fen);
    am.place = Set(v.place);
    am.requirements = Set(v.requirements);
    am.closes_on = Set(v.closes_on);
    am.employment_aid = Set(v.employment_aid);
    am.updated_at = Set(Utc::now());
}

/// Posts a job (`job:edit`), open from today.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: JobInput,
) -> AppResult<jobs::Model> {
    who.require(perm::JOB_EDIT)?;
    let v = validate(db, who, input, None).await?;
    let now = Utc::now();
    let mut am = jobs::ActiveModel {
        status: Set(OPEN.into()),
        posted_on: Set(today()),
        version: Set(1),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(now),
        ..Default::default()
    };
    apply(&mut am, v);
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let j = am.insert(&txn).await?;
    crate::paging::ensure_writable::<jobs::Entity>(&txn, who, j.id).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "job",
        Some(j.id),
        j.title.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(j)
}

/// Whether an edit reposts the job: a new closing date later than the old one, or a new
/// closing date on a closed job, opens it again from today.
fn reposts(current: &jobs::Model, new_closes_on: NaiveDate) -> bool {
    new_closes_on != current.closes_on
        && (new_closes_on > current.closes_on || current.status == CLOSED)
}

/// Replaces a job's fields (`job:edit`, `version` required; a stale one is a 409 with the
/// current job). A new closing date reposts it (see `reposts`): open, posted today.
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: JobInput,
) -> AppResult<jobs::Model> {
    who.require(perm::JOB_EDIT)?;
    let expected = crate::paging::version_required(input.version)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "jobs", id).await?;
    let current = find_visible::<jobs::Entity>(&txn, &who.scope, id).await?;
    if current.version != expected {
        let now = views(&txn, vec![current]).await?.pop();
        return Err(crate::paging::stale(now));
    }
    let v = validate(&txn, who, input, Some(&current)).await?;
    let repost = reposts(&current, v.closes_on);
    let version = current.version + 1;
    let mut am = sea_orm::IntoActiveModel::into_active_model(current);
    apply(&mut am, v);
    if repost {
        am.status = Set(OPEN.into());
        am.posted_on = Set(today());
        am.closed_at = Set(None);
    }
    am.version = Set(version);
    let j = am.update(&txn).await?;
    crate::paging::ensure_writable::<jobs::Entity>(&txn, who, j.id).await?;
    let detail = if repost {
        format!("{}（重新发布，截止 {}）", j.title, j.closes_on)
    } else {
        j.title.clone()
    };
    audit::record(&txn, who, Action::Update, "job", Some(j.id), detail).await?;
    txn.commit().await?;
    Ok(j)
}

/// Stops taking applications (`job:edit`). Closing a closed job changes nothing and answers
/// the job as it is (no second audit entry); a new closing date reposts it.
pub async fn close<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<jobs::Model> {
    who.require(perm::JOB_EDIT)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "jobs", id).await?;
    let current = find_visible::<jobs::Entity>(&txn, &who.scope, id).await?;
    crate::paging::ensure_writable::<jobs::Entity>(&txn, who, id).await?;
    if current.status == CLOSED {
        return Ok(current);
    }
    let version = current.version + 1;
    let mut am = sea_orm::IntoActiveModel::into_active_model(current);
    am.status = Set(CLOSED.into());
    am.closed_at = Set(Some(Utc::now()));
    am.updated_at = Set(Utc::now());
    am.version = Set(version);
    let j = am.update(&txn).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "job",
        Some(j.id),
        format!("{}（停止招聘）", j.title),
    )
    .await?;
    txn.commit().await?;
    Ok(j)
}

/// Reposts a job with a new closing date (`job:edit`, `version` required): open again,
/// posted today, every other field kept. The date must be today or later and differ from the
/// old one.
pub async fn repost<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    closes_on: Option<NaiveDate>,
    version: Option<i32>,
) -> AppResult<jobs::Model> {
    who.require(perm::JOB_EDIT)?;
    let current = find_visible::<jobs::Entity>(db, &who.scope, id).await?;
    let Some(closes_on) = closes_on else {
        return Err(AppError::invalid(FieldError::required(
            "closes_on",
            "截止日期",
            "Closing date",
        )));
    };
    if !reposts(&current, closes_on) {
        return Err(AppError::invalid(FieldError::new(
            "closes_on",
            "not_later",
            "重新发布须给出晚于原截止日期的新截止日期",
            "to repost, give a closing date later than the old one",
        )));
    }
    let input = JobInput {
        enterprise_id: Some(current.enterprise_id),
        title: Some(current.title),
        positions: Some(current.positions),
        salary_min_fen: Some(current.salary_min_fen),
        salary_max_fen: Some(current.salary_max_fen),
        place: Some(current.place),
        requirements: current.requirements,
        closes_on: Some(closes_on),
        employment_aid: Some(current.employment_aid),
        version,
    };
    update(db, who, id, input).await
}

/// Removes a job nobody has applied to (`job:edit`); a job with applications is history:
/// 409 with the reason (close it instead).
pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<()> {
    use sea_orm::PaginatorTrait;
    who.require(perm::JOB_EDIT)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "jobs", id).await?;
    let j = find_visible::<jobs::Entity>(&txn, &who.scope, id).await?;
    crate::paging::ensure_writable::<jobs::Entity>(&txn, who, id).await?;
    let applications = crate::entities::job_applications::Entity::find()
        .filter(crate::entities::job_applications::Column::JobId.eq(id))
        .count(&txn)
        .await?;
    if applications > 0 {
        return Err(AppError::conflict(
            format!("该岗位已收到 {applications} 份应聘申请，不能删除，可停止招聘"),
            format!(
                "the job has {applications} applications and cannot be deleted; close it instead"
            ),
        ));
    }
    jobs::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(&txn, who, Action::Delete, "job", Some(id), j.title).await?;
    txn.commit().await?;
    Ok(())
}
