//! Enterprise service and recovery (C1, C3, C4; D5 for key projects): 三对一 pairing of each
//! firm with a leading cadre, a Party-building instructor and a service specialist; the
//! industry task forces (行业服务专班) and Party-member service teams (党员服务队) with their
//! members and stationed firms (驻企); the key projects registry (重点项目); 三送一强 visits
//! whose problems become appeals on the case engine; the resumption stages (未复工 … 扩产)
//! reported by firms and confirmed by their cadres; the district's recovery report.
//!
//! The first area written in the house shape from the start: entities and migrations in
//! `entities/` and `migrations.rs`, the scope rules in `scope.rs` (a paired cadre reaches the
//! firm through the kernel's `Grant`, not a scope of its own), one service module per
//! subject (`pairing`, `teams`, `projects`, `visits`, `stages`, `report`) that validates,
//! checks scope and writes with its audit in one transaction, and `api/` and `pages/` as the
//! JSON and browser skins over them.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod api;
pub mod entities;
mod migrations;
pub mod pages;
pub mod pairing;
pub mod pairing_sheet;
pub mod perm;
pub mod projects;
pub mod report;
pub mod scope;
pub mod stages;
pub mod teams;
pub mod visits;

use lianxin_cases as cases;
use lianxin_kernel::{access, audit, error, i18n, paging, text};
use lianxin_registries as registries;

use axum::extract::FromRef;
use lianxin_kernel::area::{Area, PermGroup, PermPage};
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::settings::{Kind, Setting};
use lianxin_kernel::state::Core;
use lianxin_kernel::web::{MenuGroup, MenuItem};

/// What the enterprise service area contributes to the kernel's mechanisms.
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
        dictionaries: &[STAGES, PAIRING_ROLES],
        record_links,
        list_actions,
    }
}

/// What the enterprise's page links to here: its pairing, its visits with the burden on it,
/// and its key projects.
fn record_links(
    table: &str,
    id: i64,
    who: &access::Principal,
    lang: Lang,
) -> Vec<lianxin_kernel::web::widgets::Button> {
    use lianxin_kernel::web::widgets::Button;
    if table != "enterprises" {
        return Vec::new();
    }
    let mut links = Vec::new();
    if who.can(perm::PAIRING_LIST) {
        links.push(Button {
            id: "btn-pairing",
            class: "btn-light",
            href: format!("/recovery/pairing/{id}"),
            label: lang.pick("三对一包联", "Pairing").to_owned(),
        });
    }
    if who.can(perm::VISIT_LIST) {
        links.push(Button {
            id: "btn-visits",
            class: "btn-light",
            href: format!("/visits/firm/{id}"),
            label: lang
                .pick("走访与报表负担", "Visits and requests")
                .to_owned(),
        });
    }
    if who.enterprise_id.is_none()
        && (who.can(perm::STAGE_CONFIRM) || who.can(perm::RECOVERY_REPORT))
    {
        links.push(Button {
            id: "btn-stages",
            class: "btn-light",
            href: format!("/recovery/stages/firm/{id}"),
            label: lang.pick("复工阶段记录", "Stage history").to_owned(),
        });
    }
    if who.can(perm::PROJECT_LIST) && who.scope.has_units() {
        links.push(Button {
            id: "btn-projects",
            class: "btn-light",
            href: format!("/recovery/projects?enterprise_id={id}"),
            label: lang.pick("重点项目", "Key projects").to_owned(),
        });
    }
    links
}

/// The resumption stages, in order (C1).
pub const STAGES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "recovery.stage",
    "复工复产阶段",
    "Resumption stage",
    &[
        ("not_resumed", "未复工", "Not resumed"),
        ("resumed", "复工", "Resumed work"),
        ("producing", "复产", "Producing"),
        ("stable", "稳产", "Stable output"),
        ("full", "达产", "Full output"),
        ("expanded", "扩产", "Expanded output"),
    ],
);

/// The three roles of a 三对一 pairing.
pub const PAIRING_ROLES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "recovery.pairing_role",
    "包联角色",
    "Pairing role",
    &[
        ("leader", "分包领导", "Leading cadre"),
        ("instructor", "党建指导员", "Party-building instructor"),
        ("specialist", "服务专员", "Service specialist"),
    ],
);

/// Settings keys (read with `lianxin_kernel::settings::int`).
pub const VISITS_PER_MONTH: &str = "recovery.visits_per_month";
pub const VISIT_CAP: &str = "recovery.visit_cap_per_month";
pub const RESUMED_WORKERS_PCT: &str = "recovery.stage.resumed_workers_pct";
pub const PRODUCING_CAPACITY: &str = "recovery.stage.producing_capacity";
pub const STABLE_CAPACITY: &str = "recovery.stage.stable_capacity";
pub const STABLE_DAYS: &str = "recovery.stage.stable_days";
pub const FULL_CAPACITY: &str = "recovery.stage.full_capacity";
pub const FULL_DAYS: &str = "recovery.stage.full_days";
pub const EXPANDED_CAPACITY: &str = "recovery.stage.expanded_capacity";
pub const EXPANDED_DAYS: &str = "recovery.stage.expanded_days";

const PCT: Kind = Kind::Integer {
    min: 0,
    max: 1000,
    unit: ("%", "%"),
};
const DAYS: Kind = Kind::Integer {
    min: 0,
    max: 365,
    unit: ("天", "days"),
};

/// The visit duty and the stage thresholds: data the district sets (参数设置).
static SETTINGS: &[Setting] = &[
    Setting::new(
        VISITS_PER_MONTH,
        ("每名干部每月走访企业数", "Firms each cadre visits a month"),
        (
            "走访计划：每名包联干部每月至少走访的企业数。月度走访报表据此列出未完成的干部及其说明的原因。",
            "The visit plan: how many firms each paired cadre visits at least each month. The monthly visit report lists the cadres below it, with the reasons they gave.",
        ),
        Kind::Integer {
            min: 0,
            max: 100,
            unit: ("家", "firms"),
        },
        "2",
    ),
    Setting::new(
        VISIT_CAP,
        (
            "每家企业每月走访上限",
            "Visits a firm receives a month, at most",
        ),
        (
            "为减轻企业负担：一家企业当月的走访次数达到此数后，再登记走访会提示登记人（走访仍会记录）。",
            "To spare the firm: once a firm has had this many visits in a month, recording another warns the recorder (the visit is still recorded).",
        ),
        Kind::Integer {
            min: 1,
            max: 100,
            unit: ("次", "visits"),
        },
        "4",
    ),
    Setting::new(
        RESUMED_WORKERS_PCT,
        ("复工：返岗员工比例", "Resumed: share of workers back"),
        (
            "返岗员工达到员工总数的此比例即视为复工。",
            "A firm with at least this share of its workers back has resumed work.",
        ),
        PCT,
        "10",
    ),
    Setting::new(
        PRODUCING_CAPACITY,
        ("复产：产能", "Producing: capacity"),
        (
            "产能（相对疫情前水平）达到此比例即视为复产。",
            "A firm at or above this capacity (of its pre-crisis level) is producing.",
        ),
        PCT,
        "30",
    ),
    Setting::new(
        STABLE_CAPACITY,
        ("稳产：产能", "Stable: capacity"),
        (
            "产能连续“稳产：持续天数”不低于此比例即视为稳产。",
            "A firm whose capacity stays at or above this for the stable days has stable output.",
        ),
        PCT,
        "60",
    ),
    Setting::new(
        STABLE_DAYS,
        ("稳产：持续天数", "Stable: days"),
        (
            "稳产所需的产能持续天数。",
            "How long the capacity must hold for stable output.",
        ),
        DAYS,
        "14",
    ),
    Setting::new(
        FULL_CAPACITY,
        ("达产：产能", "Full output: capacity"),
        (
            "产能连续“达产：持续天数”不低于此比例即视为达产。",
            "A firm whose capacity stays at or above this for the full-output days is at full output.",
        ),
        PCT,
        "90",
    ),
    Setting::new(
        FULL_DAYS,
        ("达产：持续天数", "Full output: days"),
        (
            "达产所需的产能持续天数。",
            "How long the capacity must hold for full output.",
        ),
        DAYS,
        "14",
    ),
    Setting::new(
        EXPANDED_CAPACITY,
        ("扩产：产能", "Expanded: capacity"),
        (
            "产能连续“扩产：持续天数”不低于此比例即视为扩产。",
            "A firm whose capacity stays at or above this for the expanded days has expanded.",
        ),
        PCT,
        "110",
    ),
    Setting::new(
        EXPANDED_DAYS,
        ("扩产：持续天数", "Expanded: days"),
        (
            "扩产所需的产能持续天数。",
            "How long the capacity must hold for expanded output.",
        ),
        DAYS,
        "14",
    ),
];

/// The area's objects and kinds of audit entry.
const AUDIT: lianxin_kernel::audit::Texts = lianxin_kernel::audit::Texts {
    objects: &[
        ("pairing", "三对一包联", "pairing"),
        ("team_member", "专班/服务队成员", "team member"),
        ("key_project", "重点项目", "key project"),
        ("visit", "走访", "visit"),
        ("visit_excuse", "未走访说明", "missed-visit reason"),
        ("figure_request", "数据报送要求", "request for figures"),
        ("stage_report", "复工阶段", "resumption stage"),
    ],
    events: &[
        lianxin_kernel::audit::EventDef {
            code: "pairing.set",
            zh: "自 {from} 起为「{enterprise}」设定包联：{roles}",
            en: "set the pairing of “{enterprise}” from {from}: {roles}",
        },
        lianxin_kernel::audit::EventDef {
            code: "pairing.import",
            zh: "从表格导入包联 {n} 家企业",
            en: "imported the pairings of {n} enterprises",
        },
        lianxin_kernel::audit::EventDef {
            code: "team.join",
            zh: "{person} 加入「{team}」",
            en: "{person} joined “{team}”",
        },
        lianxin_kernel::audit::EventDef {
            code: "team.leave",
            zh: "{person} 离开「{team}」",
            en: "{person} left “{team}”",
        },
        lianxin_kernel::audit::EventDef {
            code: "visit.record",
            zh: "登记走访「{enterprise}」：问题 {problems} 个",
            en: "recorded a visit to “{enterprise}”: {problems} problems",
        },
        lianxin_kernel::audit::EventDef {
            code: "visit.excuse",
            zh: "说明 {person} {month} 未走访的原因",
            en: "gave the reason {person} made no visit in {month}",
        },
        lianxin_kernel::audit::EventDef {
            code: "stage.report",
            zh: "填报「{enterprise}」{on} 的复工阶段：{stage}",
            en: "reported the stage of “{enterprise}” on {on}: {stage}",
        },
        lianxin_kernel::audit::EventDef {
            code: "stage.confirm",
            zh: "确认「{enterprise}」{on} 的复工阶段：{stage}",
            en: "confirmed the stage of “{enterprise}” on {on}: {stage}",
        },
    ],
};

/// The area's permissions as the role editor shows them (menu groups → pages → buttons).
const PERMISSION_TREE: &[PermGroup] = &[PermGroup {
    zh: "企业服务",
    en: "Enterprise service",
    pages: &[
        PermPage {
            zh: "三对一包联",
            en: "Pairing",
            view: perm::PAIRING_LIST,
            actions: &[perm::PAIRING_EDIT],
        },
        PermPage {
            zh: "三送一强走访",
            en: "Visits",
            view: perm::VISIT_LIST,
            actions: &[perm::VISIT_RECORD],
        },
        PermPage {
            zh: "复工复产阶段",
            en: "Resumption stages",
            view: perm::STAGE_REPORT,
            actions: &[perm::STAGE_CONFIRM],
        },
        PermPage {
            zh: "重点项目",
            en: "Key projects",
            view: perm::PROJECT_LIST,
            actions: &[perm::PROJECT_EDIT],
        },
        PermPage {
            zh: "复工复产报表",
            en: "Recovery report",
            view: perm::RECOVERY_REPORT,
            actions: &[],
        },
    ],
}];

/// The menu entries of the area's pages, each shown to whoever may open it.
/// Each module adds its entry here when its page exists.
fn menu(who: &access::Principal, lang: Lang) -> Vec<MenuGroup> {
    let item = |key, href, label: &str| MenuItem::new(key, href, lang.t(label));
    let mut items: Vec<MenuItem> = Vec::new();
    // A login acting as a cadre (linked to a person, working for a unit) sees its own firms.
    if who.can(perm::PAIRING_LIST) || (who.person_id.is_some() && who.scope.has_units()) {
        items.push(item("pairing", "/recovery/pairing", "menu.pairing"));
    }
    if who.can(perm::PAIRING_LIST) && who.scope.has_units() {
        items.push(item("teams", "/recovery/teams", "menu.teams"));
    }
    if who.can(perm::PROJECT_LIST) && who.scope.has_units() {
        items.push(item("projects", "/recovery/projects", "menu.projects"));
    }
    if who.can(perm::VISIT_LIST) && who.scope.has_units() {
        items.push(item("visits", "/visits", "menu.visits"));
    }
    if (who.enterprise_id.is_some() && who.can(perm::STAGE_REPORT)) || who.can(perm::STAGE_CONFIRM)
    {
        items.push(item("stages", "/recovery/stages", "menu.stages"));
    }
    if who.can(perm::RECOVERY_REPORT) && who.scope.has_units() {
        items.push(item(
            "recovery_report",
            "/recovery/report",
            "menu.recovery_report",
        ));
    }
    if items.is_empty() {
        return Vec::new();
    }
    vec![MenuGroup {
        title: lang.t("menu.recovery_group").into_owned(),
        items,
    }]
}

/// The batch actions the area offers on other areas' lists: 设定包联 on the enterprise list.
fn list_actions(
    list: &str,
    who: &access::Principal,
    lang: Lang,
) -> Vec<lianxin_kernel::web::widgets::BatchAction> {
    if list == "enterprises" && who.can(perm::PAIRING_EDIT) {
        vec![lianxin_kernel::web::widgets::BatchAction {
            id: "batch-pairing",
            label: lang.pick("设定包联", "Set the pairing").to_owned(),
            href: "/recovery/pairing/batch".into(),
            method: "post",
            class: "btn-light",
            confirm: None,
        }]
    } else {
        Vec::new()
    }
}

/// The area's pages, for any state that provides `Core`.
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    pages::router()
}

/// The area's JSON API with its OpenAPI paths.
pub fn api_router<S>() -> utoipa_axum::router::OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    api::router()
}

/// The area's migrations, in order: a new table or column gets its migration in
/// `migrations.rs`, named `m<YYYYMMDD>_recovery_<what>`; the binary runs these after the lower
/// areas'.
pub fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    migrations::all()
}
