//! Online jobs and employment (C8, 互联网+就业创业服务): firms post vacancies; a public job
//! board (`/jobs`) shows the open ones to anyone, phone-first; people apply without an
//! account, rate-limited, and follow the answer by a reference; firms answer each application
//! in one click; the district's employment-assistance staff follow up the applicants who say
//! they are assistance targets (就业援助); firms with idle workers and firms short of them
//! share labour (用工余缺调剂), matched by the district and confirmed by both firms.
//!
//! A sibling of the case engine over the registries (it needs firms, not cases), in the house
//! shape of `lianxin-recovery`: entities and migrations in `entities/` and `migrations.rs`,
//! the scope rules in `scope.rs`, one service module per subject (`jobs`, `board`,
//! `applications`, `assistance`, `labour`) and `api/` and `pages/` as the JSON and browser
//! skins over them. The recovery report reads this area's figures through `report`.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod api;
pub mod applications;
pub mod assistance;
pub mod board;
pub mod demo;
pub mod entities;
pub mod jobs;
pub mod labour;
mod migrations;
pub mod pages;
pub mod perm;
pub mod report;
pub mod scope;

use lianxin_kernel::{access, audit, error, paging, text};
#[allow(unused_imports)]
use lianxin_registries as registries;

use axum::extract::FromRef;
use lianxin_kernel::area::{Area, PermGroup, PermPage};
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::settings::{Kind, Setting};
use lianxin_kernel::state::Core;
use lianxin_kernel::web::{MenuGroup, MenuItem};

/// What the online jobs area contributes to the kernel's mechanisms.
pub fn area() -> Area {
    Area {
        permissions: perm::KNOWN,
        role_permissions: perm::ROLE_PERMISSIONS,
        menu,
        strings: |locale, key| _rust_i18n_try_translate(locale, key),
        grants: &[],
        asset: |_| None,
        settings: SETTINGS,
        audit: AUDIT,
        permission_tree: PERMISSION_TREE,
        dictionaries: &[ASSISTANCE, APPLICATION_STATUS],
        record_links,
        list_actions: |_, _, _| Vec::new(),
    }
}

/// What the enterprise's page links to here: its jobs and its labour offers and asks.
fn record_links(
    table: &str,
    id: i64,
    who: &access::Principal,
    lang: Lang,
) -> Vec<lianxin_kernel::web::widgets::Button> {
    use lianxin_kernel::web::widgets::Button;
    if table != "enterprises" || !who.can(perm::JOB_LIST) {
        return Vec::new();
    }
    vec![Button {
        id: "btn-jobs",
        class: "btn-light",
        href: format!("/recruitment?enterprise_id={id}"),
        label: lang.pick("招聘岗位", "Jobs").to_owned(),
    }]
}

/// Who an applicant says they are, when they claim employment assistance (就业援助).
pub const ASSISTANCE: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "jobs.assistance",
    "就业援助对象",
    "Employment-assistance target",
    &[
        (
            "long_term_unemployed",
            "长期失业人员",
            "Long-term unemployed",
        ),
        ("disabled", "残疾人", "Person with a disability"),
        (
            "low_income",
            "低收入家庭成员",
            "Member of a low-income family",
        ),
    ],
);

/// Where an application stands: new → invited → hired; new or invited → rejected.
pub const APPLICATION_STATUS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "jobs.application_status",
    "应聘状态",
    "Application status",
    &[
        ("new", "待处理", "New"),
        ("invited", "已邀请面试", "Invited"),
        ("rejected", "未录用", "Not taken"),
        ("hired", "已录用", "Hired"),
    ],
);

/// Settings keys (read with `lianxin_kernel::settings::int`).
pub const APPLY_PER_PHONE: &str = "jobs.apply_per_phone_per_hour";
pub const APPLY_PER_ADDRESS: &str = "jobs.apply_per_address_per_hour";

/// The public applications' rate limits: data the district sets (参数设置).
static SETTINGS: &[Setting] = &[
    Setting::new(
        APPLY_PER_PHONE,
        (
            "同一手机号每小时投递上限",
            "Applications a phone may make an hour",
        ),
        (
            "公共招聘平台上，同一手机号一小时内最多投递的简历数，超过后请稍后再试（防止刷量）。",
            "On the public job board, how many applications one phone number may make within an hour; beyond it the applicant is asked to try later (against flooding).",
        ),
        Kind::Integer {
            min: 1,
            max: 1000,
            unit: ("份", "applications"),
        },
        "5",
    ),
    Setting::new(
        APPLY_PER_ADDRESS,
        (
            "同一网络地址每小时投递上限",
            "Applications an address may make an hour",
        ),
        (
            "公共招聘平台上，同一网络地址一小时内最多投递的简历数（同一网吧、同一单位的多人共用一个地址，不宜过低）。",
            "On the public job board, how many applications one network address may make within an hour (several people may share one address, so not too low).",
        ),
        Kind::Integer {
            min: 1,
            max: 10000,
            unit: ("份", "applications"),
        },
        "30",
    ),
];

/// The area's objects and kinds of audit entry.
const AUDIT: lianxin_kernel::audit::Texts = lianxin_kernel::audit::Texts {
    objects: &[
        ("job", "招聘岗位", "job"),
        ("job_application", "应聘申请", "job application"),
        (
            "assistance_followup",
            "就业援助跟进",
            "assistance follow-up",
        ),
        ("labour_offer", "富余用工", "labour offer"),
        ("labour_ask", "用工需求", "labour ask"),
        ("labour_match", "用工调剂", "labour match"),
    ],
    events: &[],
};

/// The area's permissions as the role editor shows them (menu groups → pages → buttons).
const PERMISSION_TREE: &[PermGroup] = &[PermGroup {
    zh: "就业服务",
    en: "Employment",
    pages: &[
        PermPage {
            zh: "招聘岗位",
            en: "Jobs",
            view: perm::JOB_LIST,
            actions: &[perm::JOB_EDIT],
        },
        PermPage {
            zh: "就业援助",
            en: "Employment assistance",
            view: perm::EMPLOYMENT_ASSIST,
            actions: &[],
        },
        PermPage {
            zh: "用工余缺调剂",
            en: "Labour sharing",
            view: perm::LABOUR_LIST,
            actions: &[perm::LABOUR_POST, perm::LABOUR_MATCH],
        },
    ],
}];

/// The menu entries of the area's pages, each shown to whoever may open it.
/// Each module adds its entry here when its page exists.
fn menu(who: &access::Principal, lang: Lang) -> Vec<MenuGroup> {
    let mut items: Vec<MenuItem> = Vec::new();
    if who.can(perm::JOB_LIST) {
        items.push(MenuItem::new(
            "jobs",
            "/recruitment",
            lang.pick("招聘岗位", "Jobs"),
        ));
        items.push(MenuItem::new(
            "job_board",
            "/jobs",
            lang.pick("公共招聘平台", "Public job board"),
        ));
    }
    if who.can(perm::LABOUR_LIST) {
        items.push(MenuItem::new(
            "labour",
            "/labour",
            lang.pick("用工余缺调剂", "Labour sharing"),
        ));
    }
    if who.can(perm::EMPLOYMENT_ASSIST) {
        items.push(MenuItem::new(
            "assistance",
            "/employment/assistance",
            lang.pick("就业援助", "Employment assistance"),
        ));
    }
    if items.is_empty() {
        return Vec::new();
    }
    vec![MenuGroup {
        title: lang.t("menu.jobs_group").into_owned(),
        items,
    }]
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
/// `migrations.rs`, named `m<YYYYMMDD>_jobs_<what>`; the binary runs these after the lower
/// areas'.
pub fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    migrations::all()
}
