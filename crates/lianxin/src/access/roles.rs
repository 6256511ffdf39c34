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

/// Permission strings. `*` grants everything.
pub mod perm {
    pub const ALL: &str = "*";
    pub const DASHBOARD: &str = "dashboard:view";
    pub const UNIT_LIST: &str = "unit:list";
    pub const UNIT_ADD: &str = "unit:add";
    pub const UNIT_EDIT: &str = "unit:edit";
    pub const UNIT_REMOVE: &str = "unit:remove";
    pub const UNIT_IMPORT: &str = "unit:import";
    pub const UNIT_EXPORT: &str = "unit:export";
    pub const PERSON_LIST: &str = "person:list";
    pub const PERSON_ADD: &str = "person:add";
    pub const PERSON_EDIT: &str = "person:edit";
    pub const PERSON_REMOVE: &str = "person:remove";
    pub const PERSON_IMPORT: &str = "person:import";
    pub const PERSON_EXPORT: &str = "person:export";
    /// See identity numbers and phones unmasked (each such read is audited).
    pub const PERSON_SENSITIVE: &str = "person:sensitive";
    pub const ENTERPRISE_LIST: &str = "enterprise:list";
    pub const ENTERPRISE_ADD: &str = "enterprise:add";
    pub const ENTERPRISE_EDIT: &str = "enterprise:edit";
    pub const ENTERPRISE_REMOVE: &str = "enterprise:remove";
    pub const ENTERPRISE_IMPORT: &str = "enterprise:import";
    pub const ENTERPRISE_EXPORT: &str = "enterprise:export";
    /// Accept an identifier whose check character fails, with a written reason.
    pub const DATA_OVERRIDE: &str = "data:override";
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
    /// Maintain case kinds and their categories.
    pub const CASE_KINDS: &str = "case:kinds";
    pub const CASE_LIST: &str = "case:list";
    /// Raise a case (an appeal, a finding...).
    pub const CASE_RAISE: &str = "case:raise";
    /// Dispatch (交办) and re-dispatch (改派) cases to departments.
    pub const CASE_DISPATCH: &str = "case:dispatch";
    /// Work on a case as an assigned department: accept, reply, resolve, return, ask for time.
    pub const CASE_HANDLE: &str = "case:handle";
    /// Revisit (回访) a resolved case, or verify a finding's rectification.
    pub const CASE_REVISIT: &str = "case:revisit";
    pub const CASE_CLOSE: &str = "case:close";
    /// Escalate (督办) and reopen closed cases.
    pub const CASE_ESCALATE: &str = "case:escalate";
    /// Approve extension requests (延期审批).
    pub const CASE_APPROVE: &str = "case:approve";
    pub const CASE_METRICS: &str = "case:metrics";
    pub const INSPECTION_ADD: &str = "inspection:add";
    pub const BULLETIN_EDIT: &str = "bulletin:edit";
    pub const BULLETIN_ISSUE: &str = "bulletin:issue";
    pub const CHECKPOINT_LIST: &str = "checkpoint:list";
    /// Set up checkpoints and register their devices.
    pub const CHECKPOINT_EDIT: &str = "checkpoint:edit";
    /// Record passages at a checkpoint (volunteers on duty).
    pub const PASSAGE_ADD: &str = "passage:add";
    pub const PASSAGE_LIST: &str = "passage:list";
    /// Personnel screening (人员排查): who was near a given person; every query is audited.
    pub const SCREENING_QUERY: &str = "screening:query";
    pub const DUTY_LIST: &str = "duty:list";
    /// Keep the duty roster (排班) of checkpoints in scope.
    pub const DUTY_EDIT: &str = "duty:edit";
    /// Report employees' daily health (an enterprise for its roster).
    pub const HEALTH_REPORT: &str = "health:report";
    pub const HEALTH_LIST: &str = "health:list";

    /// Every permission a role may be given, with its label (for the role editor).
    pub const KNOWN: &[(&str, &str, &str)] = &[
        (DASHBOARD, "首页总览", "Dashboard"),
        (UNIT_LIST, "单位查询", "List units"),
        (UNIT_ADD, "单位新增", "Add units"),
        (UNIT_EDIT, "单位修改", "Edit units"),
        (UNIT_REMOVE, "单位删除", "Delete units"),
        (UNIT_IMPORT, "单位导入", "Import units"),
        (UNIT_EXPORT, "单位导出", "Export units"),
        (PERSON_LIST, "人员查询", "List people"),
        (PERSON_ADD, "人员新增", "Add people"),
        (PERSON_EDIT, "人员修改", "Edit people"),
        (PERSON_REMOVE, "人员删除", "Delete people"),
        (PERSON_IMPORT, "人员导入", "Import people"),
        (PERSON_EXPORT, "人员导出", "Export people"),
        (
            PERSON_SENSITIVE,
            "查看身份证号和电话",
            "See identity numbers and phones",
        ),
        (ENTERPRISE_LIST, "企业查询", "List enterprises"),
        (ENTERPRISE_ADD, "企业新增", "Add enterprises"),
        (ENTERPRISE_EDIT, "企业修改", "Edit enterprises"),
        (ENTERPRISE_REMOVE, "企业删除", "Delete enterprises"),
        (ENTERPRISE_IMPORT, "企业导入", "Import enterprises"),
        (ENTERPRISE_EXPORT, "企业导出", "Export enterprises"),
        (
            DATA_OVERRIDE,
            "校验位例外登记",
            "Override failing check characters",
        ),
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
        (CASE_KINDS, "事项类型维护", "Maintain case kinds"),
        (CASE_LIST, "事项查询", "List cases"),
        (CASE_RAISE, "事项登记", "Raise cases"),
        (CASE_DISPATCH, "交办", "Dispatch cases"),
        (CASE_HANDLE, "承办", "Handle cases"),
        (CASE_REVISIT, "回访", "Revisit cases"),
        (CASE_CLOSE, "结案", "Close cases"),
        (CASE_ESCALATE, "督办", "Escalate cases"),
        (CASE_APPROVE, "延期审批", "Approve extensions"),
        (CASE_METRICS, "办理统计", "Case metrics"),
        (INSPECTION_ADD, "督查登记", "Record inspections"),
        (BULLETIN_EDIT, "通报编辑", "Edit bulletins"),
        (BULLETIN_ISSUE, "通报签发", "Issue bulletins"),
        (CHECKPOINT_LIST, "卡点查询", "List checkpoints"),
        (
            CHECKPOINT_EDIT,
            "卡点维护",
            "Maintain checkpoints and devices",
        ),
        (PASSAGE_ADD, "通行登记", "Record passages"),
        (PASSAGE_LIST, "通行记录查询", "List passages"),
        (SCREENING_QUERY, "人员排查", "Personnel screening"),
        (DUTY_LIST, "排班查询", "See duty rosters"),
        (DUTY_EDIT, "排班维护", "Keep duty rosters"),
        (HEALTH_REPORT, "健康日报填报", "Report employees' health"),
        (HEALTH_LIST, "健康日报查询", "See health reports"),
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
        permissions: &[
            DASHBOARD,
            UNIT_LIST,
            UNIT_EXPORT,
            PERSON_LIST,
            PERSON_EXPORT,
            ENTERPRISE_LIST,
            ENTERPRISE_EXPORT,
            CASE_LIST,
            CASE_RAISE,
            CASE_DISPATCH,
            CASE_ESCALATE,
            CASE_APPROVE,
            CASE_REVISIT,
            CASE_CLOSE,
            CASE_METRICS,
            BULLETIN_EDIT,
            BULLETIN_ISSUE,
            CHECKPOINT_LIST,
            PASSAGE_LIST,
            SCREENING_QUERY,
            DUTY_LIST,
            HEALTH_LIST,
        ],
    },
    BuiltinRole {
        code: "department_staff",
        name_zh: "职能部门人员",
        name_en: "Department staff",
        scope: DataScope::UnitAndBelow,
        permissions: &[
            DASHBOARD,
            UNIT_LIST,
            PERSON_LIST,
            ENTERPRISE_LIST,
            CASE_LIST,
            CASE_RAISE,
            CASE_HANDLE,
            CASE_METRICS,
            CHECKPOINT_LIST,
            CHECKPOINT_EDIT,
            PASSAGE_LIST,
            DUTY_LIST,
            DUTY_EDIT,
            HEALTH_LIST,
        ],
    },
    BuiltinRole {
        code: "service_cadre",
        name_zh: "服务干部",
        name_en: "Service cadre",
        scope: DataScope::UnitAndBelow,
        permissions: &[
            DASHBOARD,
            UNIT_LIST,
            PERSON_LIST,
            ENTERPRISE_LIST,
            ENTERPRISE_EDIT,
            ENTERPRISE_EXPORT,
            CASE_LIST,
            CASE_RAISE,
            CASE_REVISIT,
            CASE_METRICS,
            HEALTH_LIST,
        ],
    },
    BuiltinRole {
        code: "supervisor",
        name_zh: "监督检查组成员",
        name_en: "Supervision group member",
        scope: DataScope::All,
        permissions: &[
            DASHBOARD,
            UNIT_LIST,
            PERSON_LIST,
            ENTERPRISE_LIST,
            CASE_LIST,
            CASE_RAISE,
            CASE_DISPATCH,
            CASE_REVISIT,
            CASE_CLOSE,
            CASE_ESCALATE,
            CASE_METRICS,
            INSPECTION_ADD,
            BULLETIN_EDIT,
            CHECKPOINT_LIST,
            PASSAGE_LIST,
            DUTY_LIST,
            HEALTH_LIST,
        ],
    },
    BuiltinRole {
        code: "organization",
        name_zh: "组织部",
        name_en: "Organisation department",
        scope: DataScope::All,
        permissions: &[
            DASHBOARD,
            UNIT_LIST,
            ENTERPRISE_LIST,
            PERSON_LIST,
            PERSON_ADD,
            PERSON_EDIT,
            PERSON_IMPORT,
            PERSON_EXPORT,
            PERSON_SENSITIVE,
            CASE_LIST,
            CASE_METRICS,
        ],
    },
    BuiltinRole {
        code: "volunteer",
        name_zh: "卡点志愿者",
        name_en: "Checkpoint volunteer",
        scope: DataScope::SelfOnly,
        permissions: &[PERSON_LIST, CHECKPOINT_LIST, PASSAGE_ADD, DUTY_LIST],
    },
    BuiltinRole {
        code: "enterprise_contact",
        name_zh: "企业联络员",
        name_en: "Enterprise contact",
        scope: DataScope::SelfOnly,
        permissions: &[
            DASHBOARD,
            ENTERPRISE_LIST,
            ENTERPRISE_EDIT,
            PERSON_LIST,
            PERSON_ADD,
            PERSON_EDIT,
            PERSON_IMPORT,
            PERSON_EXPORT,
            CASE_LIST,
            CASE_RAISE,
            CASE_REVISIT,
            CHECKPOINT_LIST,
            CHECKPOINT_EDIT,
            PASSAGE_ADD,
            PASSAGE_LIST,
            DUTY_LIST,
            DUTY_EDIT,
            HEALTH_REPORT,
            HEALTH_LIST,
        ],
    },
];

/// Create any built-in role that is missing (run at every start; idempotent).
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
        for p in r.permissions {
            role_permissions::ActiveModel {
                role_id: Set(role.id),
                permission: Set((*p).to_owned()),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}
