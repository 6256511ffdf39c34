//! Role and user administration (角色管理, 用户管理): roles are data — permissions, a data
//! scope and, for 自定数据权限, the chosen units. Every change is audited.

use std::collections::HashMap;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::Principal;
use super::roles::{DataScope, perm};
use crate::audit::{self, Action};
use crate::entities::{role_permissions, role_units, roles, units, user_roles, users};
use crate::error::{AppError, AppResult, FieldError};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoleView {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// all, custom, unit, unit_and_below, self
    pub data_scope: String,
    pub permissions: Vec<String>,
    /// The units of a `custom` data scope.
    pub unit_ids: Vec<i64>,
    pub builtin: bool,
    pub users: u64,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RoleInput {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"\S"
    )]
    pub code: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"\S"
    )]
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub data_scope: Option<String>,
    pub permissions: Option<Vec<String>>,
    pub unit_ids: Option<Vec<i64>>,
}

pub async fn list_roles(db: &impl ConnectionTrait, who: &Principal) -> AppResult<Vec<RoleView>> {
    who.require(perm::ROLE_LIST)?;
    let rows = roles::Entity::find()
        .order_by_asc(roles::Column::Id)
        .all(db)
        .await?;
    let perms = role_permissions::Entity::find().all(db).await?;
    let units = role_units::Entity::find().all(db).await?;
    let links = user_roles::Entity::find().all(db).await?;
    let mut counts: HashMap<i64, u64> = HashMap::new();
    for l in &links {
        *counts.entry(l.role_id).or_default() += 1;
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut permissions: Vec<String> = perms
                .iter()
                .filter(|p| p.role_id == r.id)
                .map(|p| p.permission.clone())
                .collect();
            permissions.sort();
            RoleView {
                unit_ids: units
                    .iter()
                    .filter(|u| u.role_id == r.id)
                    .map(|u| u.unit_id)
                    .collect(),
                users: counts.get(&r.id).copied().unwrap_or(0),
                permissions,
                id: r.id,
                code: r.code,
                name_zh: r.name_zh,
                name_en: r.name_en,
                data_scope: r.data_scope,
                builtin: r.builtin,
            }
        })
        .collect())
}

pub async fn get_role(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<RoleView> {
    list_roles(db, who)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or(AppError::NotFound)
}

struct ValidRole {
    code: String,
    name_zh: String,
    name_en: String,
    scope: DataScope,
    permissions: Vec<String>,
    unit_ids: Vec<i64>,
}

async fn validate_role(
    db: &impl ConnectionTrait,
    input: RoleInput,
    editing: Option<i64>,
) -> AppResult<ValidRole> {
    let mut errors = Vec::new();
    let code = crate::text::required_text(&mut errors, "code", input.code, 50, "角色编码", "code");
    if !code.is_empty()
        && !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errors.push(FieldError::new(
            "code",
            "format",
            "角色编码只能用小写字母、数字和下划线",
            "the code may use a-z, 0-9 and _ only",
        ));
    }
    let name_zh = crate::text::required_text(
        &mut errors,
        "name_zh",
        input.name_zh,
        50,
        "角色名称",
        "name",
    );
    let name_en = crate::text::optional_text(
        &mut errors,
        "name_en",
        input.name_en,
        80,
        "英文名称",
        "English name",
    )
    .unwrap_or_else(|| name_zh.clone());
    let scope = match input.data_scope.as_deref().and_then(DataScope::parse) {
        Some(s) => s,
        None => {
            errors.push(FieldError::new(
                "data_scope",
                "unknown",
                "请选择数据权限：全部、自定、本部门、本部门及以下或仅本人",
                "choose a data scope: all, custom, unit, unit_and_below or self",
            ));
            DataScope::SelfOnly
        }
    };
    let mut permissions = input.permissions.unwrap_or_default();
    permissions.sort();
    permissions.dedup();
    for p in &permissions {
        if !crate::area::permissions().any(|k| k.0 == p) {
            errors.push(FieldError::new(
                "permissions",
                "unknown",
                format!("未知权限：{p}"),
                format!("unknown permission: {p}"),
            ));
        }
    }
    let mut unit_ids = input.unit_ids.unwrap_or_default();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    if scope == DataScope::Custom {
        if unit_ids.is_empty() {
            errors.push(FieldError::new(
                "unit_ids",
                "required",
                "自定数据权限须选择单位",
                "a custom data scope needs its units",
            ));
        } else {
            let found = units::Entity::find()
                .filter(units::Column::Id.is_in(unit_ids.clone()))
                .count(db)
                .await?;
            if found != unit_ids.len() as u64 {
                errors.push(FieldError::new(
                    "unit_ids",
                    "unknown",
                    "所选单位不存在",
                    "a chosen unit does not exist",
                ));
            }
        }
    } else {
        unit_ids.clear();
    }
    if !code.is_empty() {
        let taken = roles::Entity::find()
            .filter(roles::Column::Code.eq(code.as_str()))
            .filter(roles::Column::Id.ne(editing.unwrap_or(0)))
            .count(db)
            .await?;
        if taken > 0 {
            errors.push(FieldError::new(
                "code",
                "duplicate",
                format!("角色编码 {code} 已存在"),
                format!("role code {code} exists"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(ValidRole {
        code,
        name_zh,
        name_en,
        scope,
        permissions,
        unit_ids,
    })
}

async fn write_links(db: &impl ConnectionTrait, role_id: i64, v: &ValidRole) -> AppResult<()> {
    role_permissions::Entity::delete_many()
        .filter(role_permissions::Column::RoleId.eq(role_id))
        .exec(db)
        .await?;
    role_units::Entity::delete_many()
        .filter(role_units::Column::RoleId.eq(role_id))
        .exec(db)
        .await?;
    if !v.permissions.is_empty() {
        role_permissions::Entity::insert_many(v.permissions.iter().map(|p| {
            role_permissions::ActiveModel {
                role_id: Set(role_id),
                permission: Set(p.clone()),
            }
        }))
        .exec(db)
        .await?;
    }
    if !v.unit_ids.is_empty() {
        role_units::Entity::insert_many(v.unit_ids.iter().map(|u| role_units::ActiveModel {
            role_id: Set(role_id),
            unit_id: Set(*u),
        }))
        .exec(db)
        .await?;
    }
    Ok(())
}

pub async fn create_role<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: RoleInput,
) -> AppResult<RoleView> {
    who.require(perm::ROLE_EDIT)?;
    let v = validate_role(db, input, None).await?;
    let txn = crate::db::begin_write(db).await?;
    let role = roles::ActiveModel {
        code: Set(v.code.clone()),
        name_zh: Set(v.name_zh.clone()),
        name_en: Set(v.name_en.clone()),
        data_scope: Set(v.scope.code().to_owned()),
        builtin: Set(false),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    write_links(&txn, role.id, &v).await?;
    audit::record_event(
        &txn,
        who,
        Action::Create,
        "role",
        Some(role.id),
        format!("{} {} {}", v.code, v.scope.code(), v.permissions.join(" ")),
        audit::Event::new("role.save", serde_json::json!({"name": audit::both(v.name_zh.clone(), v.name_en.clone()), "scope": audit::both(v.scope.label_zh(), v.scope.label_en()), "n": v.permissions.len()})),
    )
    .await?;
    txn.commit().await?;
    get_role(db, who, role.id).await
}

pub async fn update_role<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: RoleInput,
) -> AppResult<RoleView> {
    who.require(perm::ROLE_EDIT)?;
    let current = roles::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.code == "admin" {
        return Err(AppError::conflict(
            "系统管理员角色不能修改",
            "the system administrator role cannot be changed",
        ));
    }
    let v = validate_role(db, input, Some(id)).await?;
    if current.builtin && v.code != current.code {
        return Err(AppError::invalid(FieldError::new(
            "code",
            "builtin",
            "内置角色的编码不能修改",
            "a built-in role keeps its code",
        )));
    }
    let txn = crate::db::begin_write(db).await?;
    let mut am: roles::ActiveModel = current.into();
    am.code = Set(v.code.clone());
    am.name_zh = Set(v.name_zh.clone());
    am.name_en = Set(v.name_en.clone());
    am.data_scope = Set(v.scope.code().to_owned());
    am.update(&txn).await?;
    write_links(&txn, id, &v).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "role",
        Some(id),
        format!("{} {} {}", v.code, v.scope.code(), v.permissions.join(" ")),
        audit::Event::new("role.save", serde_json::json!({"name": audit::both(v.name_zh.clone(), v.name_en.clone()), "scope": audit::both(v.scope.label_zh(), v.scope.label_en()), "n": v.permissions.len()})),
    )
    .await?;
    txn.commit().await?;
    get_role(db, who, id).await
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub person_id: Option<i64>,
    pub active: bool,
    pub last_login_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn user_views(
    db: &impl ConnectionTrait,
    rows: Vec<users::Model>,
) -> AppResult<Vec<UserView>> {
    let ids: Vec<i64> = rows.iter().map(|u| u.id).collect();
    let links = user_roles::Entity::find()
        .filter(user_roles::Column::UserId.is_in(ids))
        .all(db)
        .await?;
    let codes: HashMap<i64, String> = roles::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.code))
        .collect();
    Ok(rows
        .into_iter()
        .map(|u| UserView {
            roles: links
                .iter()
                .filter(|l| l.user_id == u.id)
                .filter_map(|l| codes.get(&l.role_id).cloned())
                .collect(),
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            unit_id: u.unit_id,
            enterprise_id: u.enterprise_id,
            person_id: u.person_id,
            active: u.active,
            last_login_at: u.last_login_at,
        })
        .collect())
}

/// What an administrator may change of a user: roles, home unit, display name, active flag,
/// and the password.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub roles: Option<Vec<String>>,
    pub unit_id: Option<i64>,
    pub active: Option<bool>,
    /// A new password (the password policy applies: at least 10 characters, 12 for an account
    /// holding every permission, not containing the username, hard to guess); the user's
    /// sessions end.
    pub password: Option<String>,
    /// The person the login acts as (a cadre: the firms paired with them): an id links,
    /// `null` unlinks, omitted keeps. The person must exist.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i64>, nullable = true)]
    pub person_id: Option<Option<i64>>,
}

/// `Some(None)` for an explicit `null`, `None` (by `default`) for an absent field.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

pub async fn update_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: UserUpdate,
) -> AppResult<UserView> {
    who.require(perm::USER_EDIT)?;
    let user = users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    let mut role_ids = Vec::new();
    if let Some(codes) = &input.roles {
        if codes.is_empty() {
            errors.push(FieldError::required("roles", "角色", "roles"));
        }
        for c in codes {
            match roles::Entity::find()
                .filter(roles::Column::Code.eq(c.as_str()))
                .one(db)
                .await?
            {
                Some(r) => role_ids.push(r.id),
                None => errors.push(FieldError::new(
                    "roles",
                    "unknown",
                    format!("未知角色：{c}"),
                    format!("unknown role: {c}"),
                )),
            }
        }
    }
    if let Some(u) = input.unit_id
        && units::Entity::find_by_id(u).one(db).await?.is_none()
    {
        errors.push(FieldError::new(
            "unit_id",
            "unknown",
            "单位不存在",
            "the unit does not exist",
        ));
    }
    if let Some(p) = &input.password {
        // The policy of the roles the user will have after this change.
        let roles_after = if input.roles.is_some() {
            role_ids.clone()
        } else {
            user_roles::Entity::find()
                .filter(user_roles::Column::UserId.eq(id))
                .all(db)
                .await?
                .into_iter()
                .map(|r| r.role_id)
                .collect()
        };
        let privileged = super::auth::grants_everything(db, &roles_after).await?;
        if let Err(e) = super::auth::check_password_strength(p, &user.username, privileged) {
            errors.push(e);
        }
    }
    if let Some(Some(p)) = input.person_id
        && crate::entities::people::Entity::find_by_id(p)
            .one(db)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "person_id",
            "unknown",
            "关联人员不存在",
            "no such person to link",
        ));
    }
    if id == who.user_id && input.active == Some(false) {
        errors.push(FieldError::new(
            "active",
            "self",
            "不能停用自己的账号",
            "you cannot disable your own account",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = crate::db::begin_write(db).await?;
    let mut am: users::ActiveModel = user.clone().into();
    if let Some(n) = crate::text::clean(input.display_name.clone()) {
        am.display_name = Set(n);
    }
    if input.unit_id.is_some() {
        am.unit_id = Set(input.unit_id);
    }
    if let Some(a) = input.active {
        am.active = Set(a);
    }
    if let Some(p) = input.person_id {
        am.person_id = Set(p);
    }
    if let Some(p) = &input.password {
        am.password_hash = Set(super::auth::hash_password(p)?);
    }
    am.updated_at = Set(chrono::Utc::now());
    am.update(&txn).await?;
    if input.roles.is_some() {
        user_roles::Entity::delete_many()
            .filter(user_roles::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
        user_roles::Entity::insert_many(role_ids.iter().map(|r| user_roles::ActiveModel {
            user_id: Set(id),
            role_id: Set(*r),
        }))
        .exec(&txn)
        .await?;
    }
    // A disabled account or a new password ends every open session of the user.
    if input.active == Some(false) || input.password.is_some() {
        crate::entities::sessions::Entity::delete_many()
            .filter(crate::entities::sessions::Column::UserId.eq(id))
            .exec(&txn)
            .await?;
    }
    let mut said = Vec::new();
    if let Some(r) = &input.roles {
        let names: Vec<(String, String)> = roles::Entity::find()
            .filter(roles::Column::Code.is_in(r.iter().cloned()))
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| (r.name_zh, r.name_en))
            .collect();
        said.push(audit::both(
            format!(
                "角色改为{}",
                names
                    .iter()
                    .map(|n| n.0.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            format!(
                "roles set to {}",
                names
                    .iter()
                    .map(|n| n.1.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(a) = input.active {
        said.push(if a {
            audit::both("启用账号", "enabled")
        } else {
            audit::both("停用账号", "disabled")
        });
    }
    if input.password.is_some() {
        said.push(audit::both("重置密码", "password reset"));
    }
    if let Some(p) = input.person_id {
        said.push(match p {
            Some(p) => audit::both(format!("关联人员 #{p}"), format!("linked to person #{p}")),
            None => audit::both("取消关联人员", "unlinked from its person"),
        });
    }
    let mut what = Vec::new();
    if let Some(r) = &input.roles {
        what.push(format!("roles={}", r.join(",")));
    }
    if let Some(a) = input.active {
        what.push(format!("active={a}"));
    }
    if input.password.is_some() {
        what.push("password reset".to_owned());
    }
    if let Some(p) = input.person_id {
        what.push(format!(
            "person={}",
            p.map(|p| p.to_string()).unwrap_or_default()
        ));
    }
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "user",
        Some(id),
        format!("{} {}", user.username, what.join(" ")),
        audit::Event::new(
            "user.update",
            serde_json::json!({"username": user.username, "what": said}),
        ),
    )
    .await?;
    txn.commit().await?;
    let fresh = users::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(user_views(db, vec![fresh]).await?.remove(0))
}
