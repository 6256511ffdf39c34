//! Registries (A1-A3 of SEED-NOTES): units as one tree, people and enterprises. Each module
//! owns its input types, validation, reads (always through the caller's scope) and writes
//! (always audited, in one transaction); `exchange` defines their sheets; `api` and `pages`
//! are the JSON and browser skins. The tables themselves are the kernel's shared tables.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod api;
pub mod enterprises;
pub mod exchange;
pub mod pages;
pub mod people;
pub mod perm;
pub mod units;

use lianxin_kernel::{access, audit, entities, error, i18n, paging, text};

use lianxin_kernel::area::Area;
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::web::{MenuGroup, MenuItem};

/// What the registries contribute to the kernel's mechanisms.
pub fn area() -> Area {
    Area {
        permissions: perm::KNOWN,
        role_permissions: perm::ROLE_PERMISSIONS,
        menu,
        strings: |locale, key| _rust_i18n_try_translate(locale, key),
        grants: &[],
        asset: |_| None,
        settings: &[],
        audit: AUDIT,
        permission_tree: PERMISSION_TREE,
        dictionaries: &[
            units::KINDS,
            people::KINDS,
            people::GENDERS,
            enterprises::OWNERSHIPS,
            enterprises::INDUSTRIES,
        ],
        record_links: |_, _, _, _| Vec::new(),
        list_actions: |_, _, _| Vec::new(),
    }
}

/// The area's permissions as the role editor shows them (menu groups → pages → buttons).
const PERMISSION_TREE: &[lianxin_kernel::area::PermGroup] = &[lianxin_kernel::area::PermGroup {
    zh: "基础数据",
    en: "Registries",
    pages: &[
        lianxin_kernel::area::PermPage {
            zh: "企业",
            en: "Enterprises",
            view: perm::ENTERPRISE_LIST,
            actions: &[
                perm::ENTERPRISE_ADD,
                perm::ENTERPRISE_EDIT,
                perm::ENTERPRISE_REMOVE,
                perm::ENTERPRISE_IMPORT,
                perm::ENTERPRISE_EXPORT,
            ],
        },
        lianxin_kernel::area::PermPage {
            zh: "人员",
            en: "People",
            view: perm::PERSON_LIST,
            actions: &[
                perm::PERSON_ADD,
                perm::PERSON_EDIT,
                perm::PERSON_REMOVE,
                perm::PERSON_IMPORT,
                perm::PERSON_EXPORT,
                perm::PERSON_SENSITIVE,
                perm::PERSON_CADRE,
                perm::DATA_OVERRIDE,
            ],
        },
        lianxin_kernel::area::PermPage {
            zh: "单位",
            en: "Units",
            view: perm::UNIT_LIST,
            actions: &[
                perm::UNIT_ADD,
                perm::UNIT_EDIT,
                perm::UNIT_REMOVE,
                perm::UNIT_IMPORT,
                perm::UNIT_EXPORT,
            ],
        },
    ],
}];

/// The registries' objects and kinds of audit entry.
const AUDIT: lianxin_kernel::audit::Texts = lianxin_kernel::audit::Texts {
    objects: &[
        ("unit", "单位", "unit"),
        ("person", "人员", "person"),
        ("enterprise", "企业", "enterprise"),
    ],
    events: &[
        lianxin_kernel::audit::EventDef {
            code: "person.unmask",
            zh: "查看了 {n} 人的完整证件号和电话",
            en: "viewed the full identity numbers and phones of {n} people",
        },
        lianxin_kernel::audit::EventDef {
            code: "person.cadre",
            zh: "查看了 {n} 人的干部信息",
            en: "viewed the cadre details of {n} people",
        },
        lianxin_kernel::audit::EventDef {
            code: "enterprise.unmask",
            zh: "查看了 {n} 家企业联系人的完整电话",
            en: "viewed the full contact phones of {n} enterprises",
        },
        lianxin_kernel::audit::EventDef {
            code: "registry.import",
            zh: "从文件「{file}」导入{kind} {rows} 行：新增 {created}，更新 {updated}",
            en: "imported {rows} rows of {kind} from “{file}”: {created} created, {updated} updated",
        },
        lianxin_kernel::audit::EventDef {
            code: "registry.export",
            zh: "导出了{kind} {n} 条{with}",
            en: "exported {n} {kind}{with}",
        },
    ],
};

fn menu(who: &access::Principal, lang: Lang) -> Vec<MenuGroup> {
    let mut items = Vec::new();
    // An enterprise's contact has its enterprise on its home page, not a list of one.
    if who.can(perm::ENTERPRISE_LIST) && who.enterprise_id.is_none() {
        items.push(MenuItem::new(
            "enterprises",
            "/enterprises",
            lang.t("menu.enterprises"),
        ));
    }
    if who.can(perm::PERSON_LIST) {
        items.push(MenuItem::new("people", "/people", lang.t("menu.people")));
    }
    if who.can(perm::UNIT_LIST) {
        items.push(MenuItem::new("units", "/units", lang.t("menu.units")));
    }
    vec![MenuGroup {
        title: lang.t("menu.registries").into_owned(),
        items,
    }]
}

/// The registries' browser routes (pages, imports and exports) for any application state
/// that provides the kernel's `Core`.
pub fn router<S>() -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
    lianxin_kernel::state::Core: axum::extract::FromRef<S>,
{
    pages::router().merge(exchange::router())
}

/// The registries' JSON API with its OpenAPI paths.
pub fn api_router<S>() -> utoipa_axum::router::OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    lianxin_kernel::state::Core: axum::extract::FromRef<S>,
{
    api::router().merge(exchange::api::router())
}

/// The area's own migrations, in order (its tables were created by the binary's historical
/// migrations). A new table or column of this area gets its migration here, named
/// `m<YYYYMMDD>_<area>_<what>`; the binary runs these after the lower areas'.
pub fn migrations() -> Vec<Box<dyn sea_orm_migration::MigrationTrait>> {
    vec![Box::new(M20261205CadrePermission)]
}

/// Cadre details became a permission of their own (`person:cadre`): an existing installation's
/// organisation department keeps seeing them (admins hold `*`).
struct M20261205CadrePermission;

impl sea_orm_migration::MigrationName for M20261205CadrePermission {
    fn name(&self) -> &str {
        "m20261205_registries_cadre_permission"
    }
}

#[sea_orm_migration::async_trait::async_trait]
impl sea_orm_migration::MigrationTrait for M20261205CadrePermission {
    async fn up(
        &self,
        m: &sea_orm_migration::SchemaManager,
    ) -> Result<(), sea_orm_migration::DbErr> {
        lianxin_kernel::db::schema::grant_to_builtin_roles(
            m,
            &[("organization", &[perm::PERSON_CADRE])],
        )
        .await
    }
}
