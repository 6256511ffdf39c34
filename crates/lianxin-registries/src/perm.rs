//! The permission strings of this area, and what each built-in role starts with of them.
//! The lower areas' and the kernel's strings are re-exported, so `perm::X` names any of them.

pub use lianxin_kernel::access::roles::perm::*;

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
/// See and write cadre details (position, rank, career, expertise, traits); each read is
/// audited. The organisation department's, strictly.
pub const PERSON_CADRE: &str = "person:cadre";
pub const ENTERPRISE_LIST: &str = "enterprise:list";
pub const ENTERPRISE_ADD: &str = "enterprise:add";
pub const ENTERPRISE_EDIT: &str = "enterprise:edit";
pub const ENTERPRISE_REMOVE: &str = "enterprise:remove";
pub const ENTERPRISE_IMPORT: &str = "enterprise:import";
pub const ENTERPRISE_EXPORT: &str = "enterprise:export";
/// Write 三对一 pairings and which team is stationed with an enterprise (the enterprise
/// record's `service_team_id`; the enterprise service area writes the pairings).
pub const PAIRING_EDIT: &str = "pairing:edit";
/// Accept an identifier whose check character fails, with a written reason.
pub const DATA_OVERRIDE: &str = "data:override";

/// This area's permissions with their labels (for the role editor).
pub const KNOWN: &[(&str, &str, &str)] = &[
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
    (
        PERSON_CADRE,
        "查看和维护干部信息",
        "See and edit cadre details",
    ),
    (ENTERPRISE_LIST, "企业查询", "List enterprises"),
    (ENTERPRISE_ADD, "企业新增", "Add enterprises"),
    (ENTERPRISE_EDIT, "企业修改", "Edit enterprises"),
    (ENTERPRISE_REMOVE, "企业删除", "Delete enterprises"),
    (ENTERPRISE_IMPORT, "企业导入", "Import enterprises"),
    (ENTERPRISE_EXPORT, "企业导出", "Export enterprises"),
    (
        PAIRING_EDIT,
        "包联与驻企维护",
        "Edit pairings and stationed teams",
    ),
    (
        DATA_OVERRIDE,
        "校验位例外登记",
        "Override failing check characters",
    ),
];

/// What each built-in role starts with of these permissions.
pub const ROLE_PERMISSIONS: &[(&str, &[&str])] = &[
    (
        "leader",
        &[
            UNIT_LIST,
            UNIT_EXPORT,
            PERSON_LIST,
            PERSON_EXPORT,
            ENTERPRISE_LIST,
            ENTERPRISE_EXPORT,
            PAIRING_EDIT,
        ],
    ),
    (
        "department_staff",
        &[UNIT_LIST, PERSON_LIST, ENTERPRISE_LIST],
    ),
    (
        "service_cadre",
        &[
            UNIT_LIST,
            PERSON_LIST,
            ENTERPRISE_LIST,
            ENTERPRISE_EDIT,
            ENTERPRISE_EXPORT,
        ],
    ),
    ("supervisor", &[UNIT_LIST, PERSON_LIST, ENTERPRISE_LIST]),
    (
        "organization",
        &[
            UNIT_LIST,
            ENTERPRISE_LIST,
            PERSON_LIST,
            PERSON_ADD,
            PERSON_EDIT,
            PERSON_IMPORT,
            PERSON_EXPORT,
            PERSON_SENSITIVE,
            PERSON_CADRE,
        ],
    ),
    ("volunteer", &[PERSON_LIST]),
    (
        "enterprise_contact",
        &[
            ENTERPRISE_LIST,
            ENTERPRISE_EDIT,
            PERSON_LIST,
            PERSON_ADD,
            PERSON_EDIT,
            PERSON_IMPORT,
            PERSON_EXPORT,
        ],
    ),
];
