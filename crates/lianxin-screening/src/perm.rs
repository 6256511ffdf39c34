//! The permission strings of this area, and what each built-in role starts with of them.
//! The lower areas' and the kernel's strings are re-exported, so `perm::X` names any of them.

pub use lianxin_cases::perm::*;

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

/// This area's permissions with their labels (for the role editor).
pub const KNOWN: &[(&str, &str, &str)] = &[
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
];

/// What each built-in role starts with of these permissions.
pub const ROLE_PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "leader",
        &[
            CHECKPOINT_LIST,
            PASSAGE_LIST,
            SCREENING_QUERY,
            DUTY_LIST,
            HEALTH_LIST,
        ],
    ),
    (
        "department_staff",
        &[
            CHECKPOINT_LIST,
            CHECKPOINT_EDIT,
            PASSAGE_LIST,
            DUTY_LIST,
            DUTY_EDIT,
            HEALTH_LIST,
        ],
    ),
    ("service_cadre", &[HEALTH_LIST]),
    (
        "supervisor",
        &[CHECKPOINT_LIST, PASSAGE_LIST, DUTY_LIST, HEALTH_LIST],
    ),
    ("volunteer", &[CHECKPOINT_LIST, PASSAGE_ADD, DUTY_LIST]),
    (
        "enterprise_contact",
        &[
            CHECKPOINT_LIST,
            CHECKPOINT_EDIT,
            PASSAGE_ADD,
            PASSAGE_LIST,
            DUTY_LIST,
            DUTY_EDIT,
            HEALTH_REPORT,
            HEALTH_LIST,
        ],
    ),
];
