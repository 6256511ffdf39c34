//! The extension point through which an area plugs into the kernel's mechanisms without the
//! kernel naming it: its permission strings and what each built-in role gets of them, its
//! menu group, its UI strings, its installation settings (参数设置), and the visibility its relations grant (`Grant`). The binary
//! installs the areas once, in menu order, before it serves or runs a command; routes, OpenAPI
//! paths and migrations are assembled by the binary from each area's own functions.

use std::borrow::Cow;
use std::sync::OnceLock;

use sea_orm::Condition;

use crate::access::{Principal, Scope};
use crate::i18n::Lang;
use crate::web::MenuGroup;

/// A permission string with its labels for the role editor: (code, 中文, English).
pub type PermissionDef = (&'static str, &'static str, &'static str);

/// A page in the role editor's tree: its label, the permission that opens it (its menu
/// entry), and the buttons on it, each a permission (labelled by its `PermissionDef`).
pub struct PermPage {
    pub zh: &'static str,
    pub en: &'static str,
    pub view: &'static str,
    pub actions: &'static [&'static str],
}

/// A menu group in the role editor's tree, with its pages.
pub struct PermGroup {
    pub zh: &'static str,
    pub en: &'static str,
    pub pages: &'static [PermPage],
}

/// What one area contributes.
pub struct Area {
    /// Permission strings the area checks, with their labels.
    pub permissions: &'static [PermissionDef],
    /// For each built-in role (by code), the permissions of this area it starts with.
    pub role_permissions: &'static [(&'static str, &'static [&'static str])],
    /// The menu groups this caller sees (empty when none).
    pub menu: fn(&Principal, Lang) -> Vec<MenuGroup>,
    /// The area's UI strings: `(locale, key)` → text, `None` when the key is not the area's.
    pub strings: fn(&str, &str) -> Option<Cow<'static, str>>,
    /// Visibility the area's relations grant on other areas' (or the kernel's) tables.
    pub grants: &'static [Grant],
    /// The area's own static files under `/assets/` (the kernel's come first).
    pub asset: fn(&str) -> Option<rust_embed::EmbeddedFile>,
    /// The installation settings the area owns (key, labels, meaning, kind and range, default),
    /// listed on the settings page after the kernel's; `crate::settings` reads, checks, writes
    /// and audits them.
    pub settings: &'static [crate::settings::Setting],
    /// Its permissions as the role editor shows them: menu groups → pages → buttons.
    pub permission_tree: &'static [PermGroup],
    /// The objects its audit entries are about and the sentences of its kinds of entry.
    pub audit: crate::audit::Texts,
    /// Its coded fields' lists, edited in 字典管理 (`crate::dict`).
    pub dictionaries: &'static [crate::dict::Codes],
    /// Links to its pages about another area's record, offered on that record's page:
    /// `(table, id, caller, language)` → buttons (an enterprise's page links to its pairing,
    /// visits and stages). Only links the caller may follow.
    pub record_links: fn(&str, i64, &Principal, Lang) -> Vec<crate::web::widgets::Button>,
    /// Batch actions it offers on another area's list (by the list's key, `enterprises`…) to
    /// this caller: the ticked ids are posted to the action's page, which the area serves.
    pub list_actions: fn(&str, &Principal, Lang) -> Vec<crate::web::widgets::BatchAction>,
}

impl Area {
    /// An area that contributes nothing yet; fill in what it has.
    pub const fn empty() -> Area {
        Area {
            permissions: &[],
            role_permissions: &[],
            menu: |_, _| Vec::new(),
            strings: |_, _| None,
            grants: &[],
            asset: |_| None,
            settings: &[],
            permission_tree: &[],
            audit: crate::audit::Texts {
                objects: &[],
                events: &[],
            },
            dictionaries: &[],
            record_links: |_, _, _, _| Vec::new(),
            list_actions: |_, _, _| Vec::new(),
        }
    }
}

/// The links every installed area offers on the page of record `id` of `table`.
pub fn record_links(
    table: &str,
    id: i64,
    who: &Principal,
    lang: Lang,
) -> Vec<crate::web::widgets::Button> {
    installed()
        .iter()
        .flat_map(|a| (a.record_links)(table, id, who, lang))
        .collect()
}

/// The batch actions every installed area offers on list `list` to this caller, in menu order.
pub fn list_actions(
    list: &str,
    who: &Principal,
    lang: Lang,
) -> Vec<crate::web::widgets::BatchAction> {
    installed()
        .iter()
        .flat_map(|a| (a.list_actions)(list, who, lang))
        .collect()
}

/// How far a grant widens what a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The record alone: the registry record of a case's enterprise for the departments
    /// working the case, and nothing that hangs from it (not the firm's other cases).
    Record,
    /// The record and what hangs from it (a paired cadre: the firm and its appeals).
    WithDependents,
}

/// Rows of `table` that a caller may see because of a relation another area keeps.
pub struct Grant {
    /// The table whose rows it makes visible (`enterprises`).
    pub table: &'static str,
    pub reach: Reach,
    /// The condition on `table` (usually `table.id IN (subquery)`), or `None` when the
    /// caller's scope gives nothing through this relation.
    pub rows: fn(&Scope) -> Option<Condition>,
}

static INSTALLED: OnceLock<Vec<Area>> = OnceLock::new();

/// Installs the application's areas, in menu order. The first call wins: a process runs one
/// application (tests start many servers of the same one).
pub fn install(areas: impl FnOnce() -> Vec<Area>) {
    INSTALLED.get_or_init(areas);
}

/// The installed areas (none before `install`: then nothing is granted beyond the scope, no
/// menu is shown and only the kernel's strings are known).
pub fn installed() -> &'static [Area] {
    INSTALLED.get().map(Vec::as_slice).unwrap_or(&[])
}

/// The grants of every installed area on `table` that reach at least `reach`.
pub fn grants_on(table: &str, reach: Reach) -> impl Iterator<Item = &'static Grant> {
    installed()
        .iter()
        .flat_map(|a| a.grants.iter())
        .filter(move |g| g.table == table && (reach == Reach::Record || g.reach == reach))
}

/// The role editor's tree: each installed area's groups in menu order, then a group "其他"
/// of the permissions no area placed (so that none is ever out of reach). `*` is never in it.
/// A group several areas declare (系统管理 holds the case kinds) is one group, where its last
/// declaration puts it, with that declarer's pages first.
pub fn permission_tree() -> Vec<TreeGroup> {
    let declared: Vec<TreeGroup> = installed()
        .iter()
        .flat_map(|a| a.permission_tree.iter())
        .map(|g| TreeGroup {
            zh: g.zh,
            en: g.en,
            pages: g
                .pages
                .iter()
                .map(|p| TreePage {
                    zh: p.zh,
                    en: p.en,
                    view: p.view,
                    actions: p.actions,
                })
                .collect(),
        })
        .collect();
    let mut out: Vec<TreeGroup> = Vec::new();
    for mut g in declared {
        if let Some(i) = out.iter().position(|o| o.zh == g.zh) {
            let earlier = out.remove(i);
            g.pages.extend(earlier.pages);
        }
        out.push(g);
    }
    let placed: std::collections::HashSet<&str> = out
        .iter()
        .flat_map(|g| g.pages.iter())
        .flat_map(|p| std::iter::once(p.view).chain(p.actions.iter().copied()))
        .collect();
    let loose: Vec<TreePage> = permissions()
        .filter(|p| p.0 != crate::access::roles::perm::ALL && !placed.contains(p.0))
        .map(|p| TreePage {
            zh: p.1,
            en: p.2,
            view: p.0,
            actions: &[],
        })
        .collect();
    if !loose.is_empty() {
        out.push(TreeGroup {
            zh: "其他",
            en: "Other",
            pages: loose,
        });
    }
    out
}

/// A group of `permission_tree`.
pub struct TreeGroup {
    pub zh: &'static str,
    pub en: &'static str,
    pub pages: Vec<TreePage>,
}

/// A page of `permission_tree`.
pub struct TreePage {
    pub zh: &'static str,
    pub en: &'static str,
    pub view: &'static str,
    pub actions: &'static [&'static str],
}

/// The label of a permission in `lang` (its code when no crate declares it).
pub fn permission_label(code: &str, lang: Lang) -> &str {
    permissions()
        .find(|p| p.0 == code)
        .map(|p| lang.pick(p.1, p.2))
        .unwrap_or(code)
}

/// Every permission a role may be given, with its label (for the role editor and its check).
pub fn permissions() -> impl Iterator<Item = &'static PermissionDef> {
    crate::access::roles::perm::KERNEL
        .iter()
        .chain(installed().iter().flat_map(|a| a.permissions.iter()))
}
