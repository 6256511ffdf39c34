//! Units (单位): the district's one tree of administrative units, departments, task forces,
//! service teams and inspection groups. The closure table `unit_closure` is kept in step with
//! `parent_id` on every insert and move.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::scoped;
use crate::audit::{self, Action};
use crate::entities::{enterprises, people, unit_closure, units, users};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::{Page, Paging, ensure_writable, find_visible};
use crate::perm;
use crate::text::clean;

pub const KINDS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "unit.kind",
    "单位类型",
    "Unit kind",
    &[
        ("district", "区", "District"),
        ("subdistrict", "街道", "Sub-district"),
        ("town", "镇", "Town"),
        ("community", "社区", "Community"),
        ("village", "村", "Village"),
        ("group", "村民组", "Village group"),
        ("department", "职能部门", "Department"),
        ("task_force", "服务专班", "Service task force"),
        ("service_team", "服务队", "Service team"),
        ("inspection_group", "监督检查组", "Inspection group"),
    ],
);

pub fn kind_label(kind: &str, lang: Lang) -> String {
    crate::text::code_label(KINDS, kind, lang)
}

/// Create/replace payload. Only `name`, `kind` and `parent_id` are needed; a missing `code` is
/// derived from the parent's.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UnitInput {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 100,
        pattern = r"\S"
    )]
    pub name: Option<String>,
    /// district, subdistrict, town, community, village, group, department, task_force,
    /// service_team, inspection_group
    #[schema(required = true, nullable = false, min_length = 1)]
    pub kind: Option<String>,
    pub parent_id: Option<i64>,
    pub code: Option<String>,
    pub sort: Option<i32>,
    pub leader: Option<String>,
    pub phone: Option<String>,
    /// The version the change was made from (required on `PUT`; a stale one is a 409 with
    /// the current record).
    pub version: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub sort: i32,
    pub leader: Option<String>,
    pub phone: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// Name it in the next `PUT`.
    pub version: i32,
}

impl From<units::Model> for UnitView {
    fn from(m: units::Model) -> Self {
        UnitView {
            id: m.id,
            code: m.code,
            name: m.name,
            kind: m.kind,
            parent_id: m.parent_id,
            sort: m.sort,
            leader: m.leader,
            phone: m.phone,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitFilter {
    /// Name or code contains.
    pub q: Option<String>,
    pub kind: Option<String>,
    /// Direct children of this unit.
    pub parent_id: Option<i64>,
    /// This unit and everything below it.
    pub under: Option<i64>,
    /// Sort by one of the list's columns (`order` gives the direction).
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these records: ids separated by commas (the rows ticked on a list), at most 500.
    pub ids: Option<String>,
}

/// The columns the list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &["code", "name", "kind", "leader", "sort"];

fn sort_column(key: &str) -> Option<units::Column> {
    match key {
        "code" => Some(units::Column::Code),
        "name" => Some(units::Column::Name),
        "kind" => Some(units::Column::Kind),
        "leader" => Some(units::Column::Leader),
        "sort" => Some(units::Column::Sort),
        _ => None,
    }
}

/// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
pub fn sort_of(f: &UnitFilter) -> AppResult<Option<crate::paging::Sort>> {
    crate::paging::checked_sort(
        f.sort.as_deref(),
        f.order.as_deref(),
        f.ids.as_deref(),
        SORT_KEYS,
    )
}

fn filtered(who: &Principal, f: &UnitFilter) -> sea_orm::Select<units::Entity> {
    let mut q = scoped::<units::Entity>(&who.scope);
    if let Some(text) = clean(f.q.clone()) {
        q = q.filter(crate::text::contains_any(
            &[units::Column::Name, units::Column::Code],
            &text,
        ));
    }
    if let Some(kind) = clean(f.kind.clone()) {
        q = q.filter(units::Column::Kind.eq(kind));
    }
    if let Some(p) = f.parent_id {
        q = q.filter(units::Column::ParentId.eq(p));
    }
    if let Some(root) = f.under {
        q = q.filter(
            units::Column::Id.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(unit_closure::Column::DescendantId)
                    .from(unit_closure::Entity)
                    .and_where(unit_closure::Column::AncestorId.eq(root))
                    .take(),
            ),
        );
    }
    if let Some(ids) = crate::paging::ids_filter(f.ids.as_deref()) {
        q = q.filter(units::Column::Id.is_in(ids));
    }
    q
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &UnitFilter,
    paging: Paging,
) -> AppResult<Page<units::Model>> {
    who.require(perm::UNIT_LIST)?;
    let sort = sort_of(f)?;
    let q = crate::paging::sorted(
        filtered(who, f),
        sort.as_ref(),
        sort_column,
        (units::Column::Code, false),
        units::Column::Id,
    );
    crate::paging::paged_in_order(db, q, paging).await
}

/// The filtered rows in id order, a chunk at a time after `after_id` (streaming exports).
pub async fn chunk(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &UnitFilter,
    after_id: i64,
    offset: u64,
    size: u64,
) -> AppResult<Vec<units::Model>> {
    // A sorted export comes in the list's order (by the column, then the id); otherwise
    // in id order, a chunk after the last id.
    if let Some(sort) = sort_of(f)? {
        return Ok(crate::paging::sorted(
            filtered(who, f),
            Some(&sort),
            sort_column,
            (units::Column::Id, false),
            units::Column::Id,
        )
        .offset(offset)
        .limit(size)
        .all(db)
        .await?);
    }
    Ok(filtered(who, f)
        .filter(units::Column::Id.gt(after_id))
        .order_by_asc(units::Column::Id)
        .limit(size)
        .all(db)
        .await?)
}

/// Every visible unit, for trees and pickers (a district has hundreds, not millions).
pub async fn all_visible(
    db: &impl ConnectionTrait,
    who: &Principal,
) -> AppResult<Vec<units::Model>> {
    Ok(scoped::<units::Entity>(&who.scope)
        .order_by_asc(units::Column::Sort)
        .order_by_asc(units::Column::Code)
        .all(db)
        .await?)
}

/// Visible units of some kinds (pickers: sub-districts for an enterprise, teams...).
pub async fn visible_of_kinds(
    db: &impl ConnectionTrait,
    who: &Principal,
    kinds: &[&str],
) -> AppResult<Vec<units::Model>> {
    Ok(scoped::<units::Entity>(&who.scope)
        .filter(units::Column::Kind.is_in(kinds.iter().copied()))
        .order_by_asc(units::Column::Code)
        .all(db)
        .await?)
}

/// Any unit by code, unscoped: for resolving references in imports (the referencing record is
/// then scope-checked itself).
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> AppResult<Option<units::Model>> {
    Ok(units::Entity::find()
        .filter(units::Column::Code.eq(code.trim()))
        .one(db)
        .await?)
}

pub async fn get(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<units::Model> {
    who.require(perm::UNIT_LIST)?;
    find_visible::<units::Entity>(db, &who.scope, id).await
}

/// Names of the unit's ancestors, root first (for breadcrumbs and exports).
pub async fn path_names(db: &impl ConnectionTrait, id: i64) -> AppResult<Vec<units::Model>> {
    let ancestors: Vec<i64> = unit_closure::Entity::find()
        .filter(unit_closure::Column::DescendantId.eq(id))
        .order_by_desc(unit_closure::Column::Depth)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.ancestor_id)
        .collect();
    let mut rows = units::Entity::find()
        .filter(units::Column::Id.is_in(ancestors.clone()))
        .all(db)
        .await?;
    rows.sort_by_key(|u| ancestors.iter().position(|a| *a == u.id));
    Ok(rows)
}

struct Valid {
    name: String,
    kind: String,
    parent: Option<units::Model>,
    code: Option<String>,
    sort: i32,
    leader: Option<String>,
    phone: Option<String>,
}

async fn validate(
    db: &impl ConnectionTrait,
    input: UnitInput,
    editing: Option<&units::Model>,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let name = crate::text::required_text(&mut errors, "name", input.name, 100, "名称", "name");
    let kind = match clean(input.kind) {
        None => {
            errors.push(FieldError::required("kind", "类型", "kind"));
            None
        }
        Some(k) => crate::text::parse_code(&mut errors, "kind", Some(&k), KINDS, "类型", "kind"),
    };
    let code = crate::text::optional_text(&mut errors, "code", input.code, 32, "编码", "code");
    let leader =
        crate::text::optional_text(&mut errors, "leader", input.leader, 50, "负责人", "leader");
    let phone = match clean(input.phone) {
        None => None,
        Some(p) => match lianxin_types::Phone::parse(&p) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::from_validation(
                    "phone",
                    &e,
                    "联系电话",
                    "phone",
                ));
                None
            }
        },
    };
    let parent = match input.parent_id {
        None => None,
        Some(pid) => match units::Entity::find_by_id(pid).one(db).await? {
            Some(p) => Some(p),
            None => {
                errors.push(FieldError::new(
                    "parent_id",
                    "unknown",
                    "上级单位不存在",
                    "the parent unit does not exist",
                ));
                None
            }
        },
    };
    if kind.is_some() && kind.as_deref() != Some("district") && input.parent_id.is_none() {
        errors.push(FieldError::new(
            "parent_id",
            "required",
            "只有“区”可以没有上级单位",
            "only a district may have no parent unit",
        ));
    }
    if let (Some(editing), Some(p)) = (editing, &parent) {
        let is_below = unit_closure::Entity::find()
            .filter(unit_closure::Column::AncestorId.eq(editing.id))
            .filter(unit_closure::Column::DescendantId.eq(p.id))
            .count(db)
            .await?
            > 0;
        if is_below {
            errors.push(FieldError::new(
                "parent_id",
                "cycle",
                "上级单位不能是本单位或其下级",
                "the parent cannot be the unit itself or one of its descendants",
            ));
        }
    }
    if let Some(c) = &code {
        let taken = units::Entity::find()
            .filter(units::Column::Code.eq(c.as_str()))
            .filter(units::Column::Id.ne(editing.map(|e| e.id).unwrap_or(0)))
            .count(db)
            .await?
            > 0;
        if taken {
            errors.push(FieldError::new(
                "code",
                "duplicate",
                format!("编码 {c} 已被使用"),
                format!("code {c} is already used"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid {
        name,
        kind: kind.unwrap_or_else(|| "district".to_owned()),
        parent,
        code,
        sort: input.sort.unwrap_or(0),
        leader,
        phone,
    })
}

async fn next_code(db: &impl ConnectionTrait, parent: Option<&units::Model>) -> AppResult<String> {
    let prefix = parent.map(|p| p.code.clone()).unwrap_or_default();
    let siblings = units::Entity::find()
        .filter(match parent {
            Some(p) => units::Column::ParentId.eq(p.id),
            None => units::Column::ParentId.is_null(),
        })
        .count(db)
        .await?;
    let mut n = siblings + 1;
    loop {
        let candidate = format!("{prefix}-{n:03}");
        let taken = units::Entity::find()
            .filter(units::Column::Code.eq(candidate.as_str()))
            .count(db)
            .await?
            > 0;
        if !taken {
            return Ok(candidate.trim_start_matches('-').to_owned());
        }
        n += 1;
    }
}

/// Closure rows for `id` placed under `parent` (its ancestors plus itself).
async fn link(db: &impl ConnectionTrait, id: i64, parent: Option<i64>) -> AppResult<()> {
    let mut rows = vec![unit_closure::ActiveModel {
        ancestor_id: Set(id),
        descendant_id: Set(id),
        depth: Set(0),
    }];
    if let Some(p) = parent {
        for a in unit_closure::Entity::find()
            .filter(unit_closure::Column::DescendantId.eq(p))
            .all(db)
            .await?
        {
            rows.push(unit_closure::ActiveModel {
                ancestor_id: Set(a.ancestor_id),
                descendant_id: Set(id),
                depth: Set(a.depth + 1),
            });
        }
    }
    unit_closure::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: UnitInput,
) -> AppResult<units::Model> {
    who.require(perm::UNIT_ADD)?;
    let v = validate(db, input, None).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let code = match v.code {
        Some(c) => c,
        None => next_code(&txn, v.parent.as_ref()).await?,
    };
    let now = Utc::now();
    let unit = units::ActiveModel {
        code: Set(code),
        name: Set(v.name),
        kind: Set(v.kind.to_owned()),
        parent_id: Set(v.parent.as_ref().map(|p| p.id)),
        sort: Set(v.sort),
        leader: Set(v.leader),
        phone: Set(v.phone),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    link(&txn, unit.id, unit.parent_id).await?;
    ensure_writable::<units::Entity>(&txn, who, unit.id).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "unit",
        Some(unit.id),
        format!("{} {}", unit.code, unit.name),
    )
    .await?;
    txn.commit().await?;
    Ok(unit)
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: UnitInput,
) -> AppResult<units::Model> {
    who.require(perm::UNIT_EDIT)?;
    find_visible::<units::Entity>(db, &who.scope, id).await?;
    // Who may not write the record hears so before anything about its version.
    ensure_writable::<units::Entity>(db, who, id).await?;
    let expected = lianxin_kernel::paging::version_required(input.version)?;
    // Read, check the version and write in one transaction, the row locked first.
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "units", id).await?;
    let current = find_visible::<units::Entity>(&txn, &who.scope, id).await?;
    if expected != current.version {
        return Err(lianxin_kernel::paging::stale(UnitView::from(current)));
    }
    let v = validate(&txn, input, Some(&current)).await?;
    let new_parent = v.parent.as_ref().map(|p| p.id);
    let moved = new_parent != current.parent_id;
    let mut am: units::ActiveModel = current.clone().into();
    if let Some(c) = v.code {
        am.code = Set(c);
    }
    am.name = Set(v.name);
    am.kind = Set(v.kind.to_owned());
    am.parent_id = Set(new_parent);
    am.sort = Set(v.sort);
    am.leader = Set(v.leader);
    am.phone = Set(v.phone);
    am.updated_at = Set(Utc::now());
    am.version = Set(current.version + 1);
    let unit = am.update(&txn).await?;
    if moved {
        relink_subtree(&txn, id, new_parent).await?;
    }
    ensure_writable::<units::Entity>(&txn, who, unit.id).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "unit",
        Some(unit.id),
        format!("{} {}", unit.code, unit.name),
    )
    .await?;
    txn.commit().await?;
    Ok(unit)
}

/// Moves the subtree rooted at `id` under `new_parent` in the closure table.
async fn relink_subtree(
    db: &impl ConnectionTrait,
    id: i64,
    new_parent: Option<i64>,
) -> AppResult<()> {
    let subtree: Vec<unit_closure::Model> = unit_closure::Entity::find()
        .filter(unit_closure::Column::AncestorId.eq(id))
        .all(db)
        .await?;
    let members: Vec<i64> = subtree.iter().map(|r| r.descendant_id).collect();
    // Drop links from outside ancestors into the subtree.
    unit_closure::Entity::delete_many()
        .filter(unit_closure::Column::DescendantId.is_in(members.clone()))
        .filter(unit_closure::Column::AncestorId.is_not_in(members))
        .exec(db)
        .await?;
    if let Some(p) = new_parent {
        let ancestors = unit_closure::Entity::find()
            .filter(unit_closure::Column::DescendantId.eq(p))
            .all(db)
            .await?;
        let mut rows = Vec::new();
        for a in &ancestors {
            for s in &subtree {
                rows.push(unit_closure::ActiveModel {
                    ancestor_id: Set(a.ancestor_id),
                    descendant_id: Set(s.descendant_id),
                    depth: Set(a.depth + 1 + s.depth),
                });
            }
        }
        if !rows.is_empty() {
            unit_closure::Entity::insert_many(rows).exec(db).await?;
        }
    }
    Ok(())
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<()> {
    who.require(perm::UNIT_REMOVE)?;
    let unit = find_visible::<units::Entity>(db, &who.scope, id).await?;
    let children = units::Entity::find()
        .filter(units::Column::ParentId.eq(id))
        .count(db)
        .await?;
    let refs = people::Entity::find()
        .filter(people::Column::UnitId.eq(id))
        .count(db)
        .await?
        + enterprises::Entity::find()
            .filter(
                sea_orm::Condition::any()
                    .add(enterprises::Column::UnitId.eq(id))
                    .add(enterprises::Column::ServiceTeamId.eq(id)),
            )
            .count(db)
            .await?
        + users::Entity::find()
            .filter(users::Column::UnitId.eq(id))
            .count(db)
            .await?;
    if children > 0 || refs > 0 {
        return Err(AppError::conflict(
            format!(
                "单位“{}”下还有 {children} 个下级单位和 {refs} 条关联记录，不能删除",
                unit.name
            ),
            format!(
                "unit '{}' still has {children} child units and {refs} linked records; it cannot be deleted",
                unit.name
            ),
        ));
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    unit_closure::Entity::delete_many()
        .filter(unit_closure::Column::DescendantId.eq(id))
        .exec(&txn)
        .await?;
    crate::entities::role_units::Entity::delete_many()
        .filter(crate::entities::role_units::Column::UnitId.eq(id))
        .exec(&txn)
        .await?;
    units::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        who,
        Action::Delete,
        "unit",
        Some(id),
        format!("{} {}", unit.code, unit.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Names of the given units (for views that show many records' units at once).
pub async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> AppResult<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(units::Entity::find()
        .filter(units::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

/// The name of the top of the unit tree (the district), for documents that carry it.
pub async fn district_name(db: &impl ConnectionTrait) -> AppResult<Option<String>> {
    use sea_orm::QueryOrder;
    Ok(units::Entity::find()
        .filter(units::Column::ParentId.is_null())
        .order_by_asc(units::Column::Id)
        .one(db)
        .await?
        .map(|u| u.name))
}

// --- the unit tree beside the lists ---------------------------------------------------------

/// What the unit tree asks for: the children of `parent` (the top of the caller's tree when
/// none), the units whose name or code contains `q`, or the one unit `id`; one at a time.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TreeQuery {
    /// The unit whose visible children are wanted (404 outside the caller's scope).
    pub parent: Option<i64>,
    /// Name or code contains (at most 50 units answered, by code; `total` counts them all).
    pub q: Option<String>,
    /// One unit, with the path to it (to open the tree at a unit given in an address).
    pub id: Option<i64>,
}

/// A unit as the tree shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TreeNode {
    pub id: i64,
    pub name: String,
    pub kind: String,
    /// The kind's name in the caller's language.
    pub kind_label: String,
    /// How many units directly below it the caller sees.
    pub children: u64,
    /// The ids of the visible units above it, from the top of the caller's tree down to its
    /// parent (empty at the top); the tree opens these to show it.
    pub path: Vec<i64>,
}

/// The most units a search answers.
pub const TREE_SEARCH_LIMIT: usize = 50;

/// The unit tree within the caller's scope, one level or one search at a time. A unit whose
/// parent the caller does not see is at the top of their tree (a 自定数据权限 role's chosen
/// units need not hang together).
pub async fn tree(
    db: &impl ConnectionTrait,
    who: &Principal,
    q: &TreeQuery,
    lang: Lang,
) -> AppResult<Page<TreeNode>> {
    who.require(perm::UNIT_LIST)?;
    let text = clean(q.q.clone());
    let asked = [q.parent.is_some(), text.is_some(), q.id.is_some()];
    if asked.iter().filter(|a| **a).count() > 1 {
        let field = if q.id.is_some() { "id" } else { "q" };
        return Err(AppError::invalid(FieldError::new(
            field,
            "exclusive",
            "parent、q、id 只能给出其一",
            "give one of parent, q and id",
        )));
    }
    let all = all_visible(db, who).await?;
    let by_id: std::collections::HashMap<i64, &units::Model> =
        all.iter().map(|u| (u.id, u)).collect();
    let visible_parent = |u: &units::Model| u.parent_id.filter(|p| by_id.contains_key(p));
    let mut children: std::collections::HashMap<Option<i64>, Vec<&units::Model>> =
        std::collections::HashMap::new();
    for u in &all {
        children.entry(visible_parent(u)).or_default().push(u);
    }
    let node = |u: &units::Model| {
        let mut path = Vec::new();
        let mut at = visible_parent(u);
        while let Some(p) = at {
            path.push(p);
            at = by_id.get(&p).and_then(|m| visible_parent(m));
        }
        path.reverse();
        TreeNode {
            id: u.id,
            name: u.name.clone(),
            kind: u.kind.clone(),
            kind_label: kind_label(&u.kind, lang),
            children: children.get(&Some(u.id)).map_or(0, |c| c.len() as u64),
            path,
        }
    };
    let found: Vec<&units::Model> = if let Some(id) = q.id {
        vec![*by_id.get(&id).ok_or(AppError::NotFound)?]
    } else if let Some(text) = text {
        let needle = text.to_lowercase();
        let mut hits: Vec<&units::Model> = all
            .iter()
            .filter(|u| u.name.to_lowercase().contains(&needle) || u.code.contains(&text))
            .collect();
        hits.sort_by(|a, b| a.code.cmp(&b.code));
        let total = hits.len() as u64;
        hits.truncate(TREE_SEARCH_LIMIT);
        return Ok(Page {
            items: hits.into_iter().map(node).collect(),
            total,
        });
    } else {
        if let Some(p) = q.parent
            && !by_id.contains_key(&p)
        {
            return Err(AppError::NotFound);
        }
        children.get(&q.parent).cloned().unwrap_or_default()
    };
    Ok(Page {
        total: found.len() as u64,
        items: found.into_iter().map(node).collect(),
    })
}

/// The unit tree beside a list that filters by unit through `param`, for a caller who reads
/// units and sees some (none for a volunteer or an enterprise's contact).
pub fn tree_beside(
    who: &Principal,
    param: &'static str,
    selected: Option<i64>,
) -> Option<lianxin_kernel::web::widgets::UnitTree> {
    (who.can(perm::UNIT_LIST) && who.scope.has_units()).then_some(
        lianxin_kernel::web::widgets::UnitTree {
            source: "/api/v1/units/tree",
            param,
            selected,
        },
    )
}

/// `SELECT descendant_id FROM unit_closure WHERE ancestor_id = unit`: the unit and every unit
/// below it, for a list's "this unit and below" filter.
pub fn subtree_of(unit: i64) -> sea_orm::sea_query::SelectStatement {
    sea_orm::sea_query::Query::select()
        .column(unit_closure::Column::DescendantId)
        .from(unit_closure::Entity)
        .and_where(unit_closure::Column::AncestorId.eq(unit))
        .take()
}
