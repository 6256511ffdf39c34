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

/// A list's order as asked for: `?sort=KEY&order=asc|desc`, KEY one of the columns the list
/// sorts by (its service names them; anything else is a 422 naming `sort`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sort {
    pub key: String,
    pub desc: bool,
}

impl Sort {
    /// The sort asked for, if any: `sort` among `keys`, `order` `asc` (the default) or `desc`.
    pub fn parse(
        errors: &mut Vec<crate::error::FieldError>,
        sort: Option<&str>,
        order: Option<&str>,
        keys: &[&str],
    ) -> Option<Sort> {
        let desc = match order.map(str::trim).filter(|o| !o.is_empty()) {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(_) => {
                errors.push(crate::error::FieldError::new(
                    "order",
                    "unknown",
                    "排序方向只能是 asc（升序）或 desc（降序）",
                    "order must be asc or desc",
                ));
                false
            }
        };
        let key = sort.map(str::trim).filter(|s| !s.is_empty())?;
        if !keys.contains(&key) {
            errors.push(crate::error::FieldError::new(
                "sort",
                "unknown",
                format!("不能按“{key}”排序，可用：{}", keys.join("、")),
                format!("cannot sort by \"{key}\"; one of: {}", keys.join(", ")),
            ));
            return None;
        }
        Some(Sort {
            key: key.to_owned(),
            desc,
        })
    }
}

/// `q` ordered by the name of the unit its rows name in `table.column` (a list's "by unit"
/// column: the name read beside each row), then by `id` in the same direction.
pub fn sorted_by_unit_name<E: EntityTrait>(
    q: sea_orm::Select<E>,
    table: &'static str,
    column: &'static str,
    desc: bool,
    id: E::Column,
) -> sea_orm::Select<E> {
    use sea_orm::QueryOrder;
    let o = if desc {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    q.order_by(
        sea_orm::sea_query::Expr::cust(format!(
            "(SELECT u.name FROM units u WHERE u.id = {table}.{column})"
        )),
        o.clone(),
    )
    .order_by(id, o)
}

/// `q` ordered by the column `sort` names (`column` maps a list's sort keys to its columns),
/// then by `id` in the same direction so that pages never overlap; without a sort, by
/// `default` as before.
pub fn sorted<E>(
    q: sea_orm::Select<E>,
    sort: Option<&Sort>,
    column: impl Fn(&str) -> Option<E::Column>,
    default: (E::Column, bool),
    id: E::Column,
) -> sea_orm::Select<E>
where
    E: EntityTrait,
{
    use sea_orm::{Order, QueryOrder};
    match sort.and_then(|s| column(&s.key).map(|c| (c, s.desc))) {
        Some((c, desc)) => {
            let o = if desc { Order::Desc } else { Order::Asc };
            q.order_by(c, o.clone()).order_by(id, o)
        }
        None => {
            if default.1 {
                q.order_by_desc(default.0)
            } else {
                q.order_by_asc(default.0)
            }
        }
    }
}

/// One page of an already ordered query, and the total (as `paged`).
pub async fn paged_in_order<E>(
    db: &impl ConnectionTrait,
    q: sea_orm::Select<E>,
    paging: Paging,
) -> AppResult<Page<<E as EntityTrait>::Model>>
where
    E: EntityTrait,
    <E as EntityTrait>::Model: Send + Sync,
{
    use sea_orm::QuerySelect;
    let paging = paging.checked()?;
    let rows = q.clone().offset(paging.offset()).limit(paging.limit());
    let (total, items) = tokio::try_join!(q.count(db), rows.all(db))?;
    Ok(Page { items, total })
}

/// `?ids=3,5,8`: the rows ticked on a list (at most a page's worth, `MAX_PAGE_SIZE`), refused
/// with a 422 naming `field` when any is not a record id.
pub fn parse_ids(
    errors: &mut Vec<crate::error::FieldError>,
    field: &str,
    v: Option<&str>,
) -> Option<Vec<i64>> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    let ids: Result<Vec<i64>, _> = v.split(',').map(|s| s.trim().parse::<i64>()).collect();
    match ids {
        Ok(ids) if ids.len() <= MAX_PAGE_SIZE as usize && ids.iter().all(|i| *i > 0) => Some(ids),
        _ => {
            errors.push(crate::error::FieldError::new(
                field,
                "format",
                format!("应为以逗号分隔的记录编号，最多 {MAX_PAGE_SIZE} 个"),
                format!("must be record ids separated by commas, at most {MAX_PAGE_SIZE}"),
            ));
            None
        }
    }
}

/// `ids` as a filter that never widens: the ids that parse (none match nothing).
pub fn ids_filter(v: Option<&str>) -> Option<Vec<i64>> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    Some(
        v.split(',')
            .filter_map(|s| s.trim().parse::<i64>().ok())
            .take(MAX_PAGE_SIZE as usize)
            .collect(),
    )
}

/// A list filter's `sort`, `order` and `ids` checked together: the sort (among `keys`), or a
/// 422 naming each bad one.
pub fn checked_sort(
    sort: Option<&str>,
    order: Option<&str>,
    ids: Option<&str>,
    keys: &[&str],
) -> AppResult<Option<Sort>> {
    let mut e = Vec::new();
    let s = Sort::parse(&mut e, sort, order, keys);
    parse_ids(&mut e, "ids", ids);
    if e.is_empty() {
        Ok(s)
    } else {
        Err(AppError::Validation(e))
    }
}
