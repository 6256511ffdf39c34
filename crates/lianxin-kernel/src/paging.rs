//! Paging and the scoped single-record reads every area uses: `paged` for lists,
//! `find_visible` before a read or a write, `ensure_writable` after a write.

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::access::scope::{Scoped, scoped};
use crate::access::{Principal, Scope};
use crate::error::{AppError, AppResult};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 500;
/// The last page any list serves (an offset far beyond every table, and far from overflow).
pub const MAX_PAGE: u64 = 1_000_000;

/// `?page=&page_size=` (1-based page, at most 1,000,000; default 20 a page, at most 500: a page
/// or a size outside its range is refused with 422 naming the field).
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// 1-based, 1..=1000000.
    #[param(minimum = 1, maximum = 1000000)]
    pub page: Option<u64>,
    /// Rows a page, 1..=500 (default 20).
    #[param(minimum = 1, maximum = 500)]
    pub page_size: Option<u64>,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page: Some(1),
            page_size: Some(DEFAULT_PAGE_SIZE),
        }
    }
}

impl Paging {
    pub fn new(page: u64, page_size: u64) -> Self {
        Paging {
            page: Some(page),
            page_size: Some(page_size),
        }
    }
    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1).clamp(1, MAX_PAGE)
    }
    /// The paging asked for, refused (422 naming `page` or `page_size`) outside its range.
    pub fn checked(self) -> AppResult<Paging> {
        let mut errors = Vec::new();
        if self.page.is_some_and(|p| !(1..=MAX_PAGE).contains(&p)) {
            errors.push(crate::error::FieldError::new(
                "page",
                "range",
                format!("页码应在 1 到 {MAX_PAGE} 之间"),
                format!("page must be between 1 and {MAX_PAGE}"),
            ));
        }
        if self
            .page_size
            .is_some_and(|s| !(1..=MAX_PAGE_SIZE).contains(&s))
        {
            errors.push(crate::error::FieldError::new(
                "page_size",
                "range",
                format!("每页条数应在 1 到 {MAX_PAGE_SIZE} 之间"),
                format!("page_size must be between 1 and {MAX_PAGE_SIZE}"),
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(AppError::Validation(errors))
        }
    }
    pub fn limit(&self) -> u64 {
        self.page_size
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE)
    }
    pub fn offset(&self) -> u64 {
        (self.page() - 1) * self.limit()
    }
    pub fn pages(&self, total: u64) -> u64 {
        total.div_ceil(self.limit()).max(1)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// One page of a filtered query and the total, the two queries run side by side (each on its
/// own pooled connection; SQLite in WAL mode reads concurrently).
pub async fn paged<E>(
    db: &impl ConnectionTrait,
    q: sea_orm::Select<E>,
    order: impl sea_orm::ColumnTrait,
    desc: bool,
    paging: Paging,
) -> AppResult<Page<<E as EntityTrait>::Model>>
where
    E: EntityTrait,
    <E as EntityTrait>::Model: Send + Sync,
{
    use sea_orm::{QueryOrder, QuerySelect};
    let paging = paging.checked()?;
    let rows = if desc {
        q.clone().order_by_desc(order)
    } else {
        q.clone().order_by_asc(order)
    }
    .offset(paging.offset())
    .limit(paging.limit());
    let (total, items) = tokio::try_join!(q.count(db), rows.all(db))?;
    Ok(Page { items, total })
}

/// 404 unless row `id` exists and is inside the caller's scope. Used before every single-record
/// read and write, and after every write (a write may not move a record out of reach).
pub async fn find_visible<E>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> AppResult<<E as EntityTrait>::Model>
where
    E: Scoped,
    <E as EntityTrait>::Model: Send + Sync,
{
    scoped::<E>(scope)
        .filter(id_eq::<E>(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// 404 unless row `id` exists and meets `visible`: for reads through a narrower part of the
/// scope than `find_visible` (an enterprise whose dependents the caller may see, say).
pub async fn find_where<E>(
    db: &impl ConnectionTrait,
    visible: sea_orm::Condition,
    id: i64,
) -> AppResult<<E as EntityTrait>::Model>
where
    E: EntityTrait,
    <E as EntityTrait>::Model: Send + Sync,
{
    E::find()
        .filter(visible)
        .filter(id_eq::<E>(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

fn id_eq<E: EntityTrait>(id: i64) -> sea_orm::Condition {
    use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef};
    let col = (E::default().table_name().to_owned(), "id".to_owned()).into_column_ref();
    sea_orm::Condition::all().add(Expr::col(col).eq(id))
}

/// After a write: the record must still be inside the writer's scope (`Scoped::write_condition`,
/// which no read-only grant widens), else the write is refused (the caller rolls back). An
/// enterprise contact cannot file a person under another enterprise.
pub async fn ensure_writable<E>(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<()>
where
    E: Scoped,
    <E as EntityTrait>::Model: Send + Sync,
{
    let n = E::find()
        .filter(E::write_condition(&who.scope))
        .filter(id_eq::<E>(id))
        .count(db)
        .await?;
    if n == 0 {
        Err(AppError::Forbidden)
    } else {
        Ok(())
    }
}

/// Before a write that files a record in unit `unit_id` (a new record, or a changed unit,
/// team or other field that decides who sees it): the unit must be inside the caller's own
/// unit scope (the units they may write to), so that no one places a record where they could
/// not reach it. Callers with every unit in scope may place anywhere; a caller whose scope
/// is their own person or enterprise alone may place nowhere. Each area names the refused
/// field (`ensure_writable` after the write stays as the net).
pub async fn may_place_in(
    db: &impl ConnectionTrait,
    scope: &Scope,
    unit_id: i64,
) -> AppResult<bool> {
    use crate::entities::units;
    if scope.all {
        return Ok(true);
    }
    let n = units::Entity::find()
        .filter(<units::Entity as Scoped>::write_condition(scope))
        .filter(id_eq::<units::Entity>(unit_id))
        .count(db)
        .await?;
    Ok(n > 0)
}

/// A `PUT` of a versioned record names the version it read: without one it is refused (422
/// naming `version`), so no client overwrites another's change without knowing.
pub fn version_required(version: Option<i32>) -> AppResult<i32> {
    version.ok_or_else(|| {
        AppError::invalid(crate::error::FieldError::required(
            "version",
            "版本号",
            "Version",
        ))
    })
}

/// The refusal of an edit made from a stale read: 409 with the record as it now stands.
pub fn stale(current: impl Serialize) -> AppError {
    AppError::ConflictWith {
        zh: "记录已被他人修改，请刷新后按最新内容修改".into(),
        en: "the record was changed since you read it; reload it and edit the current version"
            .into(),
        current: Box::new(serde_json::to_value(current).unwrap_or_default()),
    }
}
