//! Screening (C9, C10): checkpoints and their devices, passages with temperature, fever
//! follow-ups on the case engine, and personnel screening (人员排查). The high-volume path.
//!
//! Privacy: an identity number never reaches the passages table; it is stored as a keyed hash
//! (`privacy::person_hash`, HMAC-SHA256 with the installation's key) plus a masked form, and the
//! screening query works on the hash.
//!
//! `api` and `pages` are the JSON and browser skins; `writer` is the group-commit writer every
//! post of passages goes through, held in the area's state (`Screening`).

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod api;
pub mod checkpoints;
pub mod contacts;
pub mod dashboard;
pub mod disinfections;
pub mod duty;
pub mod entities;
pub mod entry;
pub mod fever;
pub mod health;
mod migrations;
pub mod pages;
pub mod passages;
pub mod perm;
pub mod privacy;
pub mod retention;
pub mod writer;

use lianxin_cases as cases;
use lianxin_kernel::{access, audit, db, error, i18n, paging, text, web};
use lianxin_registries as registries;

use axum::extract::FromRef;
use lianxin_kernel::area::Area;
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::{MenuGroup, MenuItem};
use sea_orm::DatabaseConnection;

/// What the screening handlers need beyond the kernel's `Core`: the passages' group-commit
/// writer. The application's state provides it through `FromRef`.
#[derive(Clone)]
pub struct Screening {
    pub db: DatabaseConnection,
    pub ingest: writer::IngestWriter,
    /// Wakes the fever follow-up worker.
    pub fevers: fever::Waker,
    /// The rankings of the latest personnel screenings (their later pages and exports).
    pub contacts: contacts::Kept,
}

impl Screening {
    /// Needs a tokio runtime: it starts the passage writer tasks and the fever follow-up
    /// worker.
    pub fn start(db: DatabaseConnection) -> Self {
        let fevers = fever::start(db.clone());
        let sealer = db.clone();
        tokio::spawn(async move {
            match privacy::seal_clear_phones(&sealer).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(sealed = n, "phone numbers of earlier passages sealed"),
                Err(e) => tracing::error!(error = %e, "sealing earlier phone numbers failed"),
            }
        });
        Screening {
            ingest: writer::IngestWriter::start(db.clone(), fevers.clone()),
            fevers,
            contacts: contacts::Kept::default(),
            db,
        }
    }

    /// The kernel's part, for helpers that take it.
    pub fn core(&self) -> Core {
        Core {
            db: self.db.clone(),
        }
    }
}

#[derive(rust_embed::RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// What screening contributes to the kernel's mechanisms.
pub fn area() -> Area {
    Area {
        permissions: perm::KNOWN,
        role_permissions: perm::ROLE_PERMISSIONS,
        menu,
        strings: |locale, key| _rust_i18n_try_translate(locale, key),
        grants: &[],
        asset: |path| Assets::get(path),
        settings: SETTINGS,
        audit: AUDIT,
        permission_tree: PERMISSION_TREE,
        dictionaries: &[
            CHECKPOINT_KINDS,
            duty::SHIFT_STATUSES,
            duty::COVERAGE_STATES,
            health::SYMPTOMS,
            health::MENTAL_STATES,
            health::QUARANTINE,
        ],
        record_links: |_, _, _, _| Vec::new(),
        list_actions: |_, _, _| Vec::new(),
    }
}

/// The area's permissions as the role editor shows them (menu groups → pages → buttons).
const PERMISSION_TREE: &[lianxin_kernel::area::PermGroup] = &[lianxin_kernel::area::PermGroup {
    zh: "防控排查",
    en: "Screening",
    pages: &[
        lianxin_kernel::area::PermPage {
            zh: "卡点",
            en: "Checkpoints",
            view: perm::CHECKPOINT_LIST,
            actions: &[perm::CHECKPOINT_EDIT],
        },
        lianxin_kernel::area::PermPage {
            zh: "通行登记",
            en: "Passage entry",
            view: perm::PASSAGE_ADD,
            actions: &[],
        },
        lianxin_kernel::area::PermPage {
            zh: "值班排班",
            en: "Duty roster",
            view: perm::DUTY_LIST,
            actions: &[perm::DUTY_EDIT],
        },
        lianxin_kernel::area::PermPage {
            zh: "通行记录",
            en: "Passages",
            view: perm::PASSAGE_LIST,
            actions: &[],
        },
        lianxin_kernel::area::PermPage {
            zh: "人员排查",
            en: "Personnel screening",
            view: perm::SCREENING_QUERY,
            actions: &[],
        },
        lianxin_kernel::area::PermPage {
            zh: "健康日报",
            en: "Health reports",
            view: perm::HEALTH_LIST,
            actions: &[perm::HEALTH_REPORT],
        },
    ],
}];

/// Screening's objects and kinds of audit entry.
const AUDIT: lianxin_kernel::audit::Texts = lianxin_kernel::audit::Texts {
    objects: &[
        ("checkpoint", "卡点", "checkpoint"),
        ("device", "卡点设备", "device"),
        ("duty_shift", "值班班次", "duty shift"),
        ("health_report", "健康日报", "health report"),
        ("passage", "通行记录", "passage"),
        ("passage_lookup", "卡点人员查询", "checkpoint lookup"),
        ("screening", "人员排查", "personnel screening"),
        ("disinfection", "消杀记录", "disinfection"),
    ],
    events: &[
        lianxin_kernel::audit::EventDef {
            code: "screening.contacts",
            zh: "排查了 {person} 近 {days} 天前后 {window} 分钟内的同行人员：{n} 人",
            en: "screened the contacts of {person} over {days} days within ±{window} minutes: {n} people",
        },
        lianxin_kernel::audit::EventDef {
            code: "screening.people",
            zh: "查找待排查人员，找到 {n} 人：{found}",
            en: "looked up people to screen: {n} found: {found}",
        },
        lianxin_kernel::audit::EventDef {
            code: "screening.followups",
            zh: "为 {person} 的 {n} 名同行人员发起随访：新建 {created} 件，并入已有 {linked} 件",
            en: "raised follow-ups for {n} contacts of {person}: {created} new cases, {linked} linked",
        },
        lianxin_kernel::audit::EventDef {
            code: "screening.export",
            zh: "导出了人员排查结果 {n} 人",
            en: "exported {n} screened contacts",
        },
        lianxin_kernel::audit::EventDef {
            code: "duty.book",
            zh: "为 {user} 在「{checkpoint}」排班：{from} 至 {to}，共 {repeat} 天",
            en: "rostered {user} at “{checkpoint}”: {from} to {to}, {repeat} days",
        },
        lianxin_kernel::audit::EventDef {
            code: "duty.remove",
            zh: "删除了 {from} 开始的班次",
            en: "removed the shift starting {from}",
        },
        lianxin_kernel::audit::EventDef {
            code: "duty.sign_in",
            zh: "值班签到",
            en: "signed in to a shift",
        },
        lianxin_kernel::audit::EventDef {
            code: "duty.sign_out",
            zh: "值班签退",
            en: "signed out of a shift",
        },
        lianxin_kernel::audit::EventDef {
            code: "passage.lookup",
            zh: "在卡点「{checkpoint}」查询人员，找到 {n} 人",
            en: "looked up people at “{checkpoint}”: {n} found",
        },
        lianxin_kernel::audit::EventDef {
            code: "passage.unmask",
            zh: "查看了 {n} 条通行记录的完整证件号",
            en: "viewed the full identity numbers of {n} passages",
        },
        lianxin_kernel::audit::EventDef {
            code: "retention.passages",
            zh: "删除了超过 {days} 天的通行记录 {n} 条",
            en: "deleted {n} passages older than {days} days",
        },
        lianxin_kernel::audit::EventDef {
            code: "retention.health",
            zh: "删除了超过 {days} 天的健康日报 {n} 条",
            en: "deleted {n} health reports older than {days} days",
        },
        lianxin_kernel::audit::EventDef {
            code: "checkpoint.hours",
            zh: "把卡点「{name}」的值守时间设为 {from}-{to}",
            en: "set the staffed hours of “{name}” to {from}-{to}",
        },
    ],
};

/// Screening's installation settings: the fever threshold and how long passages and health
/// reports are kept.
static SETTINGS: &[lianxin_kernel::settings::Setting] = &[
    lianxin_kernel::settings::Setting::new(
        privacy::FEVER_SETTING,
        ("发热阈值", "Fever threshold"),
        (
            "体温达到或高于此值即为发热：卡点通行记录和员工健康日报按此判断，每人每天第一次发热自动发起发热跟踪事项。修改后新的记录立即按新值判断，已有记录不变。",
            "A temperature at or above this is a fever: passages at checkpoints and employees' health reports are judged by it, and a person's first fever of a day raises a follow-up case. New records are judged by a new value at once; records already kept stay as they are.",
        ),
        lianxin_kernel::settings::Kind::Tenths {
            min: 360,
            max: 400,
            unit: ("℃", "°C"),
        },
        "373",
    ),
    lianxin_kernel::settings::Setting::new(
        retention::RETENTION_SETTING,
        (
            "通行与健康记录保留天数",
            "Days passages and health reports are kept",
        ),
        (
            "卡点通行记录和员工健康日报保存的天数（含其发热跟踪线索）；更早的记录在启动时和每六小时自动删除，删除数量记入操作日志。",
            "How many days checkpoint passages and employees' health reports (with their fever follow-up keys) are kept; older ones are deleted at start and every six hours, and the counts go to the audit log.",
        ),
        lianxin_kernel::settings::Kind::Integer {
            min: 1,
            max: 3650,
            unit: ("天", "days"),
        },
        "28",
    ),
];

fn menu(who: &access::Principal, lang: Lang) -> Vec<MenuGroup> {
    let item = |key, href, label: &str| MenuItem::new(key, href, lang.t(label));
    // Checkpoints hang from units and enterprises: a caller whose scope is their own person
    // only (a volunteer) has none to list.
    let staffed_scope =
        who.can(perm::CHECKPOINT_LIST) && (who.scope.has_units() || who.enterprise_id.is_some());
    let mut scr = Vec::new();
    if staffed_scope {
        scr.push(item("checkpoints", "/checkpoints", "menu.checkpoints"));
    }
    // The district's screening figures are not an enterprise contact's work.
    if staffed_scope && who.enterprise_id.is_none() {
        scr.push(item(
            "screening_dashboard",
            "/screening/dashboard",
            "menu.screening_dashboard",
        ));
    }
    if who.can(perm::PASSAGE_ADD) {
        scr.push(item("entry", "/screening/entry", "menu.entry"));
    }
    if who.can(perm::DUTY_LIST) && staffed_scope {
        scr.push(item("duty", "/duty", "menu.duty"));
    }
    if who.can(perm::PASSAGE_LIST) {
        scr.push(item("passages", "/passages", "menu.passages"));
    }
    if who.can(perm::CHECKPOINT_LIST) && who.scope.has_units() {
        scr.push(item(
            "disinfections",
            "/disinfections",
            "menu.disinfections",
        ));
    }
    if who.can(perm::SCREENING_QUERY) {
        scr.push(item("screening", "/screening", "menu.screening"));
    }
    if who.can(perm::HEALTH_REPORT) || who.can(perm::HEALTH_LIST) {
        scr.push(item("health", "/health", "menu.health"));
    }
    vec![MenuGroup {
        title: lang.t("menu.screening_group").into_owned(),
        items: scr,
    }]
}

/// The screening pages, for any state that provides `Core` and `Screening`.
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
    Screening: FromRef<S>,
{
    pages::router()
        .merge(pages::duty::router())
        .merge(pages::health::router())
}

/// Screening's JSON API with its OpenAPI paths.
pub fn api_router<S>() -> utoipa_axum::router::OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
    Screening: FromRef<S>,
{
    api::router().merge(api::health::router())
}

/// (code, 中文, English)
pub const CHECKPOINT_KINDS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "checkpoint.kind",
    "卡点类型",
    "Checkpoint kind",
    &[
        ("community_gate", "小区卡口", "Community gate"),
        ("road", "道路卡点", "Road checkpoint"),
        ("enterprise_gate", "企业出入口", "Enterprise gate"),
        ("park", "园区", "Industrial park"),
        ("canteen", "食堂", "Canteen"),
        ("dormitory", "宿舍", "Dormitory"),
    ],
);

/// The area's own migrations, in order (its first tables were created by the binary's
/// historical migrations). A new table or column of this area gets its migration in
/// `migrations.rs`, named `m<YYYYMMDD>_<area>_<what>`; the binary runs these after the lower
/// areas'.
pub fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    migrations::all()
}
