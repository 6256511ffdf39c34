//! The closed-loop case engine (发现问题 → 交办 → 整改 → 回访落实): enterprise appeals (C2),
//! supervision findings (B2-B4), meeting issues (D5) and rectification items (D2) are cases of
//! different kinds (`kinds`, data) on one engine.
//!
//! - `engine`: the pure state machine. A command is checked against the current state and
//!   becomes an event; applying the events in order gives the state (`engine::replay`).
//! - `service`: the transactions: create, act (optimistic version check, 409 on a stale
//!   version), read with the timeline, lists and to-do counts, all through the data scope.
//! - `metrics`: the figures leaders are judged by (响应率, 按期办结率, 满意率...).
//! - `inspections`, `bulletins`: supervision inspections (B1) and numbered bulletins (B3).
//! - `attachments`: files on cases (through `attach` events) and inspections.
//! - `scope`: which cases a caller sees, and the grant that lets a department working a case
//!   read its enterprise's record.
//! - `open311`: the GeoReport v2 door for civic apps; `api` and `pages` are the JSON and
//!   browser skins.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod api;
pub mod attachments;
pub mod bulletins;
pub mod engine;
pub mod entities;
pub mod export;
pub mod inspections;
pub mod kinds;
pub mod metrics;
pub mod migrations;
pub mod open311;
pub mod pages;
pub mod perm;
pub mod scope;
pub mod service;
pub mod sight;

use lianxin_kernel::{access, audit, calendar, db, error, i18n, paging, text, web};
use lianxin_registries as registries;

use crate::i18n::Lang;
use lianxin_kernel::area::Area;
use lianxin_kernel::web::{MenuGroup, MenuItem};

pub use lianxin_kernel::text::{Codes, label};

pub const STATUSES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "case.status",
    "事项状态",
    "Case status",
    &[
        ("new", "待交办", "To dispatch"),
        ("dispatched", "待签收", "To accept"),
        ("in_progress", "办理中", "In progress"),
        ("resolved", "待回访", "To revisit"),
        ("revisited", "待结案", "To close"),
        ("closed", "已办结", "Closed"),
        ("rejected", "不予受理", "Not accepted"),
        ("merged", "已合并", "Merged as a duplicate"),
    ],
);

/// Statuses in which a case is still being worked on (a past deadline makes it overdue), as
/// codes for queries; `engine::Status::is_open` is the same set.
pub const OPEN_STATUSES: &[&str] = &["dispatched", "in_progress"];
/// Statuses before closing (for "not closed" filters).
pub const ACTIVE_STATUSES: &[&str] = &["new", "dispatched", "in_progress", "resolved", "revisited"];

pub const SOURCES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::open(
    "case.source",
    "事项来源",
    "Case source",
    &[
        ("visit", "三送一强走访", "Service visit"),
        ("online", "企业网上提交", "Online by the enterprise"),
        ("hotline", "电话热线", "Phone / hotline"),
        ("inspection", "督查检查", "Inspection"),
        ("meeting", "会商会议", "Meeting"),
        ("open311", "第三方应用", "Civic app (Open311)"),
    ],
);

pub const PRIORITIES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "case.priority",
    "紧急程度",
    "Urgency",
    &[("normal", "一般", "Normal"), ("urgent", "紧急", "Urgent")],
);

pub const SATISFACTIONS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "case.satisfaction",
    "回访满意度",
    "Satisfaction",
    &[
        ("satisfied", "满意", "Satisfied"),
        ("basically_satisfied", "基本满意", "Basically satisfied"),
        ("unsatisfied", "不满意", "Unsatisfied"),
    ],
);

pub const SUBJECTS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "case.subject",
    "事项对象",
    "Case subject",
    &[
        ("enterprise", "企业", "An enterprise"),
        ("unit", "单位", "A unit"),
        ("any", "企业或单位", "An enterprise or a unit"),
    ],
);

pub const ACTIONS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "case.action",
    "办理环节",
    "Case step",
    &[
        ("create", "登记", "Raised"),
        ("dispatch", "交办", "Dispatched"),
        ("accept", "签收", "Accepted"),
        ("reply", "答复进展", "Progress reply"),
        ("resolve", "办结", "Resolved"),
        ("revisit", "回访", "Revisited"),
        ("close", "结案", "Closed"),
        ("reopen", "重办", "Reopened"),
        ("escalate", "督办", "Escalated"),
        ("extend", "申请延期", "Extension requested"),
        ("approve_extension", "延期审批", "Extension decided"),
        ("return", "退回", "Returned"),
        ("attach", "上传附件", "Files attached"),
        ("record", "补充记录", "Further report"),
        ("link_enterprise", "关联企业", "Enterprise linked"),
        ("reject", "不予受理", "Not accepted"),
        ("merge", "合并重复", "Merged as a duplicate"),
    ],
);

pub const INSPECTION_METHODS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::open(
    "inspection.method",
    "检查方式",
    "Inspection method",
    &[
        ("attend_meeting", "列席会议", "Sitting in on meetings"),
        ("onsite_check", "实地检查", "On-site check"),
        ("records_review", "查阅资料", "Reviewing records"),
    ],
);

/// What the case engine contributes to the kernel's mechanisms.
pub fn area() -> Area {
    Area {
        permissions: perm::KNOWN,
        role_permissions: perm::ROLE_PERMISSIONS,
        menu,
        strings: |locale, key| _rust_i18n_try_translate(locale, key),
        grants: scope::GRANTS,
        asset: |_| None,
        settings: SETTINGS,
        audit: AUDIT,
        permission_tree: PERMISSION_TREE,
        dictionaries: &[
            STATUSES,
            ACTIONS,
            SOURCES,
            PRIORITIES,
            SATISFACTIONS,
            SUBJECTS,
            INSPECTION_METHODS,
            bulletins::KINDS,
        ],
        record_links: |_, _, _, _| Vec::new(),
        list_actions: |_, _, _| Vec::new(),
    }
}

/// The area's permissions as the role editor shows them (menu groups → pages → buttons).
const PERMISSION_TREE: &[lianxin_kernel::area::PermGroup] = &[
    lianxin_kernel::area::PermGroup {
        zh: "闭环办理",
        en: "Closed loop",
        pages: &[
            lianxin_kernel::area::PermPage {
                zh: "事项",
                en: "Cases",
                view: perm::CASE_LIST,
                actions: &[
                    perm::CASE_RAISE,
                    perm::CASE_DISPATCH,
                    perm::CASE_HANDLE,
                    perm::CASE_REVISIT,
                    perm::CASE_CLOSE,
                    perm::CASE_ESCALATE,
                    perm::CASE_APPROVE,
                ],
            },
            lianxin_kernel::area::PermPage {
                zh: "办理统计",
                en: "Case metrics",
                view: perm::CASE_METRICS,
                actions: &[],
            },
            lianxin_kernel::area::PermPage {
                zh: "督查检查",
                en: "Inspections",
                view: perm::INSPECTION_ADD,
                actions: &[],
            },
            lianxin_kernel::area::PermPage {
                zh: "通报",
                en: "Bulletins",
                view: perm::BULLETIN_EDIT,
                actions: &[perm::BULLETIN_ISSUE],
            },
        ],
    },
    lianxin_kernel::area::PermGroup {
        zh: "系统管理",
        en: "System",
        pages: &[lianxin_kernel::area::PermPage {
            zh: "事项类型",
            en: "Case kinds",
            view: perm::CASE_KINDS,
            actions: &[],
        }],
    },
];

/// The case area's objects and kinds of audit entry.
const AUDIT: lianxin_kernel::audit::Texts = lianxin_kernel::audit::Texts {
    objects: &[
        ("case", "事项", "case"),
        ("case_kind", "事项类型", "case kind"),
        ("case_category", "事项分类", "case category"),
        ("case_metrics", "办理统计", "case metrics"),
        ("inspection", "督查检查", "inspection"),
        ("bulletin", "通报", "bulletin"),
    ],
    events: &[
        lianxin_kernel::audit::EventDef {
            code: "case.act",
            zh: "对事项 {number}「{title}」{action}",
            en: "case {number} “{title}”: {action}",
        },
        lianxin_kernel::audit::EventDef {
            code: "case_kind.update",
            zh: "修改了事项类型「{kind}」（办理时限 {days} 个工作日）",
            en: "updated the case kind “{kind}” ({days} working days)",
        },
        lianxin_kernel::audit::EventDef {
            code: "inspection.attach",
            zh: "为督查检查上传了 {n} 个附件",
            en: "attached {n} files to an inspection",
        },
        lianxin_kernel::audit::EventDef {
            code: "bulletin.issue",
            zh: "印发了通报 {number}",
            en: "issued the bulletin {number}",
        },
        lianxin_kernel::audit::EventDef {
            code: "case_metrics.export",
            zh: "导出了办理统计",
            en: "exported the case metrics",
        },
    ],
};

/// The case area's installation settings: the bulletin number pattern and the unit that
/// receives outside appeals for enterprises not in the registry.
static SETTINGS: &[lianxin_kernel::settings::Setting] = &[
    lianxin_kernel::settings::Setting {
        check: bulletins::check_pattern,
        example: bulletins::pattern_example,
        ..lianxin_kernel::settings::Setting::new(
            bulletins::PATTERN_KEY,
            ("督查通报编号格式", "Bulletin number pattern"),
            (
                "签发督查通报时生成的文号。格式中写“{year}”的位置填入签发年份（如 2026），写“{seq}”的位置填入该年的顺序号（每年从 1 起）；必须含有顺序号，最多 60 个字。",
                "The number a supervision bulletin gets when issued. Where the pattern says “{year}” the year of issue goes (2026), where it says “{seq}” the bulletin's sequence number in that year (from 1 each year); the sequence number is required, at most 60 characters.",
            ),
            lianxin_kernel::settings::Kind::Text { max_chars: 60 },
            bulletins::DEFAULT_PATTERN,
        )
    },
    lianxin_kernel::settings::Setting::new(
        open311::INTAKE_SETTING,
        ("外部诉求受理单位", "Intake unit for outside appeals"),
        (
            "通过 Open311 接口提交、所涉企业尚未在企业库登记的诉求，先登记到这个单位，由其工作人员关联企业后再交办。未指定时为区级单位（单位树的根）。",
            "Appeals filed through Open311 for an enterprise not in the registry are filed against this unit; its staff link the enterprise before dispatch. When none is named, the district (the root of the unit tree).",
        ),
        lianxin_kernel::settings::Kind::Unit {
            kinds: &[
                "department",
                "subdistrict",
                "town",
                "task_force",
                "district",
            ],
        },
        "",
    ),
];

fn menu(who: &access::Principal, lang: Lang) -> Vec<MenuGroup> {
    let item = |key, href, label: &str| MenuItem::new(key, href, lang.t(label));
    let mut work = Vec::new();
    if who.enterprise_id.is_some() && who.can(perm::CASE_RAISE) {
        work.push(item("appeal", "/appeal", "menu.appeal"));
    }
    if who.can(perm::CASE_LIST) && who.enterprise_id.is_some() {
        // An enterprise's contact follows its own appeals; the overdue board is the
        // district's supervision.
        work.push(item("cases", "/cases", "menu.my_appeals"));
    } else if who.can(perm::CASE_LIST) {
        work.push(item("cases", "/cases", "menu.cases"));
        work.push(item(
            "cases_overdue",
            "/cases?bucket=overdue",
            "menu.overdue",
        ));
    }
    if who.can(perm::CASE_RAISE) && who.enterprise_id.is_none() {
        work.push(item("cases_new", "/cases/new", "menu.case_new"));
    }
    if who.can(perm::CASE_METRICS) {
        work.push(item("cases_metrics", "/cases/metrics", "menu.case_metrics"));
    }
    if who.can(perm::CASE_LIST) && who.enterprise_id.is_none() {
        work.push(item("inspections", "/inspections", "menu.inspections"));
        work.push(item("bulletins", "/bulletins", "menu.bulletins"));
    }
    vec![MenuGroup {
        title: lang.t("menu.cases_group").into_owned(),
        items: work,
    }]
}

/// The case pages and the Open311 door, for any state that provides the kernel's `Core`.
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    lianxin_kernel::state::Core: axum::extract::FromRef<S>,
{
    pages::router().merge(open311::router())
}

/// The case engine's JSON API with its OpenAPI paths.
pub fn api_router<S>() -> utoipa_axum::router::OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    lianxin_kernel::state::Core: axum::extract::FromRef<S>,
{
    api::router().merge(api::supervision_router())
}

/// The area's own migrations, in order (its first tables were created by the binary's
/// historical migrations). A new table or column of this area gets its migration in
/// `migrations.rs`, named `m<YYYYMMDD>_<area>_<what>`; the binary runs these after the lower
/// areas'.
pub fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    migrations::all()
}
