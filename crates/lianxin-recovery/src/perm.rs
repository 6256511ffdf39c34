//! The permission strings of this area, and what each built-in role starts with of them.
//! The lower areas' and the kernel's strings are re-exported, so `perm::X` names any of them
//! (`PAIRING_EDIT` is the registries': the enterprise record's stationed team needs it too).

pub use lianxin_cases::perm::*;

/// See pairings, the gaps list, task forces and teams.
pub const PAIRING_LIST: &str = "pairing:list";
/// Record 三送一强 visits (as the cadre the login is linked to).
pub const VISIT_RECORD: &str = "visit:record";
/// See visits, visit plans and the monthly visit report within scope.
pub const VISIT_LIST: &str = "visit:list";
/// Report an enterprise's resumption stage (an enterprise contact for their own firm).
pub const STAGE_REPORT: &str = "stage:report";
/// Confirm a reported stage (a cadre paired with the firm).
pub const STAGE_CONFIRM: &str = "stage:confirm";
pub const PROJECT_LIST: &str = "project:list";
/// Keep the key projects registry (重点项目) and their milestones.
pub const PROJECT_EDIT: &str = "project:edit";
/// The district's recovery report (page and .xlsx).
pub const RECOVERY_REPORT: &str = "recovery:report";

/// This area's permissions with their labels (for the role editor).
pub const KNOWN: &[(&str, &str, &str)] = &[
    (PAIRING_LIST, "包联查询", "See pairings"),
    (VISIT_RECORD, "走访登记", "Record visits"),
    (VISIT_LIST, "走访查询", "See visits"),
    (STAGE_REPORT, "复工阶段填报", "Report resumption stages"),
    (STAGE_CONFIRM, "复工阶段确认", "Confirm resumption stages"),
    (PROJECT_LIST, "重点项目查询", "See key projects"),
    (PROJECT_EDIT, "重点项目维护", "Edit key projects"),
    (RECOVERY_REPORT, "复工复产报表", "Recovery report"),
];

/// What each built-in role starts with of these permissions.
pub const ROLE_PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "leader",
        &[
            PAIRING_LIST,
            VISIT_RECORD,
            VISIT_LIST,
            STAGE_CONFIRM,
            PROJECT_LIST,
            PROJECT_EDIT,
            RECOVERY_REPORT,
        ],
    ),
    (
        "department_staff",
        &[
            PAIRING_LIST,
            VISIT_RECORD,
            VISIT_LIST,
            STAGE_CONFIRM,
            PROJECT_LIST,
            RECOVERY_REPORT,
        ],
    ),
    (
        "service_cadre",
        &[
            PAIRING_LIST,
            VISIT_RECORD,
            VISIT_LIST,
            STAGE_CONFIRM,
            PROJECT_LIST,
            RECOVERY_REPORT,
        ],
    ),
    (
        "supervisor",
        &[PAIRING_LIST, VISIT_LIST, PROJECT_LIST, RECOVERY_REPORT],
    ),
    (
        "organization",
        &[PAIRING_LIST, VISIT_LIST, PROJECT_LIST, RECOVERY_REPORT],
    ),
    ("enterprise_contact", &[STAGE_REPORT]),
];
