//! The permission strings of this area, and what each built-in role starts with of them.
//! The lower areas' and the kernel's strings are re-exported, so `perm::X` names any of them.

pub use lianxin_registries::perm::*;

/// See the jobs of firms in scope and their applications (an enterprise contact: their own
/// firm's).
pub const JOB_LIST: &str = "job:list";
/// Post, edit, close, repost and delete jobs, and answer their applications.
pub const JOB_EDIT: &str = "job:edit";
/// See, district-wide, the applications that claim employment assistance (就业援助) and
/// follow them up, without other rights on the firms.
pub const EMPLOYMENT_ASSIST: &str = "employment:assist";
/// See labour offers, asks and matches of firms in scope.
pub const LABOUR_LIST: &str = "labour:list";
/// Offer idle workers or ask for workers (for a firm in scope, an enterprise contact for their
/// own), and confirm a match for that firm.
pub const LABOUR_POST: &str = "labour:post";
/// Propose matches between offers and asks (the district's staff).
pub const LABOUR_MATCH: &str = "labour:match";

/// This area's permissions with their labels (for the role editor).
pub const KNOWN: &[(&str, &str, &str)] = &[
    (JOB_LIST, "招聘岗位查询", "See jobs"),
    (
        JOB_EDIT,
        "招聘岗位维护",
        "Post jobs and answer applications",
    ),
    (EMPLOYMENT_ASSIST, "就业援助", "Employment assistance"),
    (LABOUR_LIST, "用工调剂查询", "See labour sharing"),
    (LABOUR_POST, "用工余缺登记", "Offer or ask for workers"),
    (LABOUR_MATCH, "用工调剂撮合", "Match labour offers and asks"),
];

/// What each built-in role starts with of these permissions.
pub const ROLE_PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "leader",
        &[
            JOB_LIST,
            EMPLOYMENT_ASSIST,
            LABOUR_LIST,
            LABOUR_POST,
            LABOUR_MATCH,
        ],
    ),
    ("department_staff", &[JOB_LIST, LABOUR_LIST, LABOUR_MATCH]),
    (
        "service_cadre",
        &[JOB_LIST, JOB_EDIT, LABOUR_LIST, LABOUR_POST],
    ),
    ("supervisor", &[JOB_LIST, LABOUR_LIST]),
    (
        "enterprise_contact",
        &[JOB_LIST, JOB_EDIT, LABOUR_LIST, LABOUR_POST],
    ),
];
