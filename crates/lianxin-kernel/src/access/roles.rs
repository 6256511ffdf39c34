//! Built-in roles and the permission vocabulary. Roles are data (tables `roles`,
//! `role_permissions`, `role_units`); these are the ones every installation starts with.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::entities::{role_permissions, roles};

/// Data scopes, with the labels Chinese admin users know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataScope {
    /// 全部数据权限
    All,
    /// 自定数据权限: the units listed in `role_units`
    Custom,
    /// 本部门数据权限
    Unit,
    /// 本部门及以下数据权限
    UnitAndBelow,
    /// 仅本人数据权限: own person record, own enterprise and its employees
    SelfOnly,
}

impl DataScope {
    pub const ALL: [DataScope; 5] = [
        DataScope::All,
        DataScope::Custom,
        DataScope::Unit,
        DataScope::UnitAndBelow,
        DataScope::SelfOnly,
    ];
    pub fn code(self) -> &'static str {
        match self {
            DataScope::All => "all",
            DataScope::Custom => "custom",
            DataScope::Unit => "unit",
            DataScope::UnitAndBelow => "unit_and_below",
            DataScope::SelfOnly => "self",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.code() == s)
    }
    pub fn label_zh(self) -> &'static str {
        match self {
            DataScope::All => "全部数据权限",
            DataScope::Custom => "自定数据权限",
            DataScope::Unit => "本部门数据权限",
            DataScope::UnitAndBelow => "本部门及以下数据权限",
            DataScope::SelfOnly => "仅本人数据权限",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            DataScope::All => "All data",
            DataScope::Custom => "Chosen units",
            DataScope::Unit => "Own unit",
            DataScope::UnitAndBelow => "Own unit and below",
            DataScope::SelfOnly => "Self only",
        }
    }
}

/// Permission strings of the kernel (the frame and system management). `*` grants everything.
/// Each area defines its own in its `perm` module and contributes them through `crate::area`.
pub mod perm {
    pub const ALL: &str = "*";
    pub const DASHBOARD: &str = "dashboard:view";
    pub const USER_LIST: &str = "system:user:list";
    pub const USER_ADD: &str = "system:user:add";
    pub const USER_EDIT: &str = "system:user:edit";
    pub const ROLE_LIST: &str = "system:role:list";
    pub const ROLE_EDIT: &str = "system:role:edit";
    pub const AUDIT_LIST: &str = "system:audit:list";
    /// Maintain the working-day calendar (holidays, adjusted working days).
    pub const CALENDAR_EDIT: &str = "system:calendar:edit";
    /// Issue Open311 api keys to client apps.
    pub const APIKEY_EDIT: &str = "system:apikey:edit";
    /// Send notices (通知公告) and see who has read them.
    pub const NOTICE_EDIT: &str = "system:notice:edit";
    /// Edit the dictionary (字典管理): labels, order and state of coded values.
    pub const DICT_EDIT: &str = "system:dict:edit";
    /// Work with the API: its documentation and one's own API tokens in the menu (the
    /// administrator's through `*`; no other built-in role does API work).
    pub const API_DOCS: &str = "system:api:docs";

    /// This kernel's permissions with their labels (for the role editor).
    pub const KERNEL: &[(&str, &str, &str)] = &[
        (DASHBOARD, "首页总览", "Dashboard"),
        (USER_LIST, "用户查询", "List users"),
        (USER_ADD, "用户新增", "Add users"),
        (USER_EDIT, "用户修改", "Edit users"),
        (ROLE_LIST, "角色查询", "List roles"),
        (ROLE_EDIT, "角色维护", "Edit roles"),
        (AUDIT_LIST, "日志查询", "Read the logs"),
        (
            CALENDAR_EDIT,
            "工作日历维护",
            "Maintain the working-day calendar",
        ),
        (APIKEY_EDIT, "开放接口密钥", "Issue Open311 api keys"),
        (NOTICE_EDIT, "通知公告发布", "Send notices"),
        (DICT_EDIT, "字典维护", "Edit the dictionary"),
        (
            API_DOCS,
            "接口文档与 API 令牌",
            "API documentation and tokens",
        ),
        (ALL, "全部权限", "Everything"),
    ];
}

pub struct BuiltinRole {
    pub code: &'static str,
    pub name_zh: &'static str,
    pub name_en: &'static str,
    pub scope: DataScope,
    pub permissions: &'static [&'static str],
}

use perm::*;

pub const BUILTIN_ROLES: &[BuiltinRole] = &[
    BuiltinRole {
        code: "admin",
        name_zh: "系统管理员",
        name_en: "System administrator",
        scope: DataScope::All,
        permissions: &[ALL],
    },
    BuiltinRole {
        code: "leader",
        name_zh: "区领导",
        name_en: "District leader",
        scope: DataScope::All,
        permissions: &[DASHBOARD],
    },
    BuiltinRole {
        code: "department_staff",
        name_zh: "职能部门人员",
        name_en: "Department staff",
        scope: DataScope::UnitAndBelow,
        permissions: &[DASHBOARD],
    },
    BuiltinRole {
        code: "service_cadre",
        name_zh: "服务干部",
        name_en: "Service cadre",
        scope: DataScope::UnitAndBelow,
        permissions: &[DASHBOARD],
    },
    BuiltinRole {
        code: "supervisor",
        name_zh: "监督检查组成员",
        name_en: "Supervision group member",
        scope: DataScope::All,
        permissions: &[DASHBOARD],
    },
    BuiltinRole {
        code: "organization",
        name_zh: "组织部",
        name_en: "Organisation department",
        scope: DataScope::All,
        permissions: &[DASHBOARD],
    },
    BuiltinRole {
        code: "volunteer",
        name_zh: "卡点志愿者",
        name_en: "Checkpoint volunteer",
        scope: DataScope::SelfOnly,
        permissions: &[],
    },
    BuiltinRole {
        code: "enterprise_contact",
        name_zh: "企业联络员",
        name_en: "Enterprise contact",
        scope: DataScope::SelfOnly,
        permissions: &[DASHBOARD],
    },
];

/// The permissions a built-in role starts with: the kernel's and every installed area's.
pub fn builtin_permissions(role: &BuiltinRole) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = role.permissions.to_vec();
    for area in crate::area::installed() {
        for (code, perms) in area.role_permissions {
            if *code == role.code {
                all.extend(perms.iter().copied());
            }
        }
    }
    all
}

/// Create any built-in role that is missing (run at every start; idempotent), with the
/// permissions the kernel and the installed areas give it.
pub async fn ensure_builtin_roles(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    for r in BUILTIN_ROLES {
        let existing = roles::Entity::find()
            .filter(roles::Column::Code.eq(r.code))
            .one(db)
            .await?;
        if existing.is_some() {
            continue;
        }
        let role = roles::ActiveModel {
            code: Set(r.code.to_owned()),
            name_zh: Set(r.name_zh.to_owned()),
            name_en: Set(r.name_en.to_owned()),
            data_scope: Set(r.scope.code().to_owned()),
            builtin: Set(true),
            ..Default::default()
        }
        .insert(db)
        .await?;
        for p in builtin_permissions(r) {
            role_permissions::ActiveModel {
                role_id: Set(role.id),
                permission: Set(p.to_owned()),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}
