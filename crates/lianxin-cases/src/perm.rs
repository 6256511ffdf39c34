//! The permission strings of this area, and what each built-in role starts with of them.
//! The lower areas' and the kernel's strings are re-exported, so `perm::X` names any of them.

pub use lianxin_registries::perm::*;

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

/// This area's permissions with their labels (for the role editor).
pub const KNOWN: &[(&str, &str, &str)] = &[
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
];

/// What each built-in role starts with of these permissions.
pub const ROLE_PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "leader",
        &[
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
        ],
    ),
    (
        "department_staff",
        &[CASE_LIST, CASE_RAISE, CASE_HANDLE, CASE_METRICS],
    ),
    (
        "service_cadre",
        &[CASE_LIST, CASE_RAISE, CASE_REVISIT, CASE_METRICS],
    ),
    (
        "supervisor",
        &[
            CASE_LIST,
            CASE_RAISE,
            CASE_DISPATCH,
            CASE_REVISIT,
            CASE_CLOSE,
            CASE_ESCALATE,
            CASE_METRICS,
            INSPECTION_ADD,
            BULLETIN_EDIT,
        ],
    ),
    ("organization", &[CASE_LIST, CASE_METRICS]),
    ("enterprise_contact", &[CASE_LIST, CASE_RAISE, CASE_REVISIT]),
];
