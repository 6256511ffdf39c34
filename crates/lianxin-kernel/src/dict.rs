//! 字典管理: the coded fields of every area (unit kinds, case sources, symptoms, industries…)
//! as data. Each area declares its code lists (`CodeList`: the dictionary's key, its name,
//! whether it is open, and its built-in items) through `crate::area::Area::dictionaries`; at
//! every start the built-in items that are missing are written to `dict_items`, and from then
//! on the table says each item's labels in both languages, its order and whether it is
//! offered. A fixed list (codes that CONTRACT.md or an issue fixes: case states, unit and
//! checkpoint kinds…) keeps its codes and order and only its labels are edited; an open list
//! (sources, symptoms, industries…) is ordered, switched off and extended by the administrator.
//!
//! Everything that shows, offers or reads a code goes through the list (`CodeList::label`,
//! `entries`, `offered`, `find`, and `crate::text::{code_label, parse_code}` on top of them),
//! which reads the installation's dictionary as the current request sees it: the server keeps
//! one snapshot of the table per application (`Dictionary`), read again after a change made in
//! this process and at least every 30 seconds (a change made by another server shows there
//! within that), and `scope` (a middleware) makes it the request's. Outside a request (the
//! command line, the demo loader) `within` does the same; without either, the built-in items
//! are used, so no label is ever missing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

use crate::access::Principal;
use crate::entities::dict_items;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;

/// One coded field's list: its key in the dictionary (`case.source`), its name, whether new
/// values may be added, and its built-in items (code, 中文, English) in their first order.
#[derive(Debug)]
pub struct CodeList {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub open: bool,
    pub items: &'static [(&'static str, &'static str, &'static str)],
}

/// A code list, as fields and functions take it.
pub type Codes = &'static CodeList;

/// An item as the installation has it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub code: String,
    pub label_zh: String,
    pub label_en: String,
    /// Its place in lists (smaller first).
    pub sort: i32,
    /// Offered in forms and filters and accepted from input; a switched-off value still
    /// shows its label where records carry it.
    pub enabled: bool,
    /// Shipped with the system (a code other records and the API may name).
    pub builtin: bool,
    pub version: i32,
}

impl Entry {
    pub fn label(&self, lang: Lang) -> &str {
        lang.pick(&self.label_zh, &self.label_en)
    }
}

impl CodeList {
    /// A list whose codes are fixed: only the labels are edited.
    pub const fn fixed(
        key: &'static str,
        zh: &'static str,
        en: &'static str,
        items: &'static [(&'static str, &'static str, &'static str)],
    ) -> CodeList {
        CodeList {
            key,
            zh,
            en,
            open: false,
            items,
        }
    }

    /// A list the administrator may reorder, switch off and extend.
    pub const fn open(
        key: &'static str,
        zh: &'static str,
        en: &'static str,
        items: &'static [(&'static str, &'static str, &'static str)],
    ) -> CodeList {
        CodeList {
            open: true,
            ..CodeList::fixed(key, zh, en, items)
        }
    }

    /// The built-in items (code, 中文, English), whatever the installation made of them.
    pub fn iter(&self) -> std::slice::Iter<'static, (&'static str, &'static str, &'static str)> {
        self.items.iter()
    }

    pub fn name(&self, lang: Lang) -> &'static str {
        lang.pick(self.zh, self.en)
    }

    /// The built-in items as entries (the list before any change).
    fn builtin_entries(&self) -> Vec<Entry> {
        self.items
            .iter()
            .enumerate()
            .map(|(i, (code, zh, en))| Entry {
                code: (*code).to_owned(),
                label_zh: (*zh).to_owned(),
                label_en: (*en).to_owned(),
                sort: builtin_sort(i),
                enabled: true,
                builtin: true,
                version: 1,
            })
            .collect()
    }

    /// Every item in order, switched-off ones included. A fixed list has exactly its
    /// built-in codes, in their order, with the installation's labels.
    pub fn entries(&self) -> Vec<Entry> {
        let stored = CURRENT
            .try_with(|s| s.lists.get(self.key).cloned())
            .ok()
            .flatten();
        let Some(stored) = stored else {
            return self.builtin_entries();
        };
        if self.open {
            return stored;
        }
        self.builtin_entries()
            .into_iter()
            .map(|b| {
                stored
                    .iter()
                    .find(|s| s.code == b.code)
                    .map(|s| Entry {
                        sort: b.sort,
                        enabled: true,
                        builtin: true,
                        ..s.clone()
                    })
                    .unwrap_or(b)
            })
            .collect()
    }

    /// The items offered in forms and filters, in order.
    pub fn offered(&self) -> Vec<Entry> {
        self.entries().into_iter().filter(|e| e.enabled).collect()
    }

    /// The label of `code` (the code itself when the list does not have it: a value written
    /// before the field was coded).
    /// Read in place (no copy of the list): it is called for every cell of a list or export.
    pub fn label(&self, code: &str, lang: Lang) -> String {
        let stored = CURRENT
            .try_with(|s| {
                s.lists.get(self.key).map(|l| {
                    l.iter()
                        .find(|e| e.code == code)
                        .map(|e| e.label(lang).to_owned())
                })
            })
            .ok()
            .flatten();
        match stored {
            Some(Some(label)) => label,
            // An open list as the installation has it: what it lacks is not its value.
            Some(None) if self.open => code.to_owned(),
            _ => self
                .items
                .iter()
                .find(|i| i.0 == code)
                .map(|i| lang.pick(i.1, i.2).to_owned())
                .unwrap_or_else(|| code.to_owned()),
        }
    }

    /// The offered item that `v` names: its code, its Chinese label or its English label (any
    /// case), as people type them and sheets carry them.
    pub fn find(&self, v: &str) -> Option<Entry> {
        let v = v.trim();
        self.offered()
            .into_iter()
            .find(|e| e.code == v || e.label_zh == v || e.label_en.eq_ignore_ascii_case(v))
    }
}

fn builtin_sort(i: usize) -> i32 {
    i32::try_from((i + 1) * 10).unwrap_or(i32::MAX)
}

/// The code lists of the installed areas, in menu order.
pub fn lists() -> impl Iterator<Item = Codes> {
    crate::area::installed()
        .iter()
        .flat_map(|a| a.dictionaries.iter().copied())
}

/// The installed list with this key.
pub fn list(key: &str) -> Option<Codes> {
    lists().find(|l| l.key == key)
}

/// The installation's dictionary at one moment: each list's items in order.
#[derive(Debug, Default)]
pub struct Snapshot {
    lists: HashMap<String, Vec<Entry>>,
}

tokio::task_local! {
    static CURRENT: Arc<Snapshot>;
}

static GENERATION: AtomicU64 = AtomicU64::new(0);

/// After a committed change: every application in this process reads the dictionary again
/// before its next request.
pub fn changed() {
    GENERATION.fetch_add(1, Ordering::AcqRel);
}

/// How long a snapshot serves before it is read again (for changes made by other servers).
const FRESH_FOR: Duration = Duration::from_secs(30);

struct Held {
    generation: u64,
    read_at: Instant,
    snapshot: Arc<Snapshot>,
}

/// One application's dictionary: its database and the snapshot last read from it.
#[derive(Clone)]
pub struct Dictionary {
    db: DatabaseConnection,
    held: Arc<RwLock<Option<Held>>>,
}

impl Dictionary {
    pub fn new(db: DatabaseConnection) -> Self {
        Dictionary {
            db,
            held: Arc::new(RwLock::new(None)),
        }
    }

    /// The snapshot, read again when this process changed the dictionary or it is old. A
    /// failed read keeps the last snapshot (or the built-in items) and says so in the log.
    pub async fn current(&self) -> Arc<Snapshot> {
        let generation = GENERATION.load(Ordering::Acquire);
        let last = match self.held.read() {
            Ok(h) => h.as_ref().map(|h| {
                (
                    h.generation == generation && h.read_at.elapsed() < FRESH_FOR,
                    h.snapshot.clone(),
                )
            }),
            Err(_) => None,
        };
        if let Some((true, s)) = last {
            return s;
        }
        match load(&self.db).await {
            Ok(s) => {
                let s = Arc::new(s);
                if let Ok(mut h) = self.held.write() {
                    *h = Some(Held {
                        generation,
                        read_at: Instant::now(),
                        snapshot: s.clone(),
                    });
                }
                s
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the dictionary; using the last one read");
                last.map(|(_, s)| s).unwrap_or_default()
            }
        }
    }
}

/// The middleware that makes the application's dictionary the request's.
pub async fn scope(State(dict): State<Dictionary>, req: Request, next: Next) -> Response {
    let snapshot = dict.current().await;
    CURRENT.scope(snapshot, next.run(req)).await
}

/// Runs `work` with the dictionary of `db` as it stands (in `db`'s transaction, when it is
/// one): for the command line, imports and the demo loader, which run outside a request.
pub async fn within<C: ConnectionTrait, F: std::future::Future>(db: &C, work: F) -> F::Output {
    let snapshot = match load(db).await {
        Ok(s) => Arc::new(s),
        Err(e) => {
            tracing::warn!(error = %e, "could not read the dictionary; using the built-in items");
            Arc::default()
        }
    };
    CURRENT.scope(snapshot, work).await
}

/// Reads the whole dictionary (a few hundred rows).
pub async fn load(db: &impl ConnectionTrait) -> AppResult<Snapshot> {
    let rows = dict_items::Entity::find()
        .order_by_asc(dict_items::Column::Dict)
        .order_by_asc(dict_items::Column::Sort)
        .order_by_asc(dict_items::Column::Id)
        .all(db)
        .await?;
    let mut lists: HashMap<String, Vec<Entry>> = HashMap::new();
    for r in rows {
        lists.entry(r.dict.clone()).or_default().push(entry_of(r));
    }
    Ok(Snapshot { lists })
}

fn entry_of(r: dict_items::Model) -> Entry {
    Entry {
        code: r.code,
        label_zh: r.label_zh,
        label_en: r.label_en,
        sort: r.sort,
        enabled: r.enabled,
        builtin: r.builtin,
        version: r.version,
    }
}

/// Writes the built-in items that are missing (run at every start; idempotent): a new
/// installation gets every list, an upgraded one the lists and items added since, and what an
/// administrator changed is never overwritten.
pub async fn ensure_builtin(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    let have: std::collections::HashSet<(String, String)> = dict_items::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.dict, r.code))
        .collect();
    let now = chrono::Utc::now();
    for l in lists() {
        for (i, (code, zh, en)) in l.items.iter().enumerate() {
            if have.contains(&(l.key.to_owned(), (*code).to_owned())) {
                continue;
            }
            dict_items::ActiveModel {
                dict: Set(l.key.to_owned()),
                code: Set((*code).to_owned()),
                label_zh: Set((*zh).to_owned()),
                label_en: Set((*en).to_owned()),
                sort: Set(builtin_sort(i)),
                enabled: Set(true),
                builtin: Set(true),
                version: Set(1),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// A list with its items as the installation has them (for the dictionary pages and API).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ListView {
    pub key: String,
    pub name: String,
    /// Whether values may be added, reordered and switched off (an open list), or only
    /// labels edited (a fixed list: its codes are part of the system's contract).
    pub open: bool,
    pub items: Vec<Entry>,
}

/// The lists as the caller's request sees them.
pub fn views(lang: Lang) -> Vec<ListView> {
    lists().map(|l| view(l, lang)).collect()
}

pub fn view(l: Codes, lang: Lang) -> ListView {
    ListView {
        key: l.key.to_owned(),
        name: l.name(lang).to_owned(),
        open: l.open,
        items: l.entries(),
    }
}

/// A change to an item: its labels (both required), and for an open list its order and
/// whether it is offered. `version` is the item's as the editor read it.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// The code of a new item (an open list only; letters, digits, `_`, `-` and `.`, up to
    /// 32); left out, the next free `u001`, `u002`… is given. Ignored on a change.
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub label_zh: Option<String>,
    #[serde(default)]
    pub label_en: Option<String>,
    #[serde(default)]
    pub sort: Option<i64>,
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Required on a change: a stale one answers 409 with the item as it stands.
    #[serde(default)]
    pub version: Option<i64>,
}

struct Checked {
    label_zh: String,
    label_en: String,
    sort: Option<i32>,
    enabled: Option<bool>,
}

fn check(l: Codes, input: &ItemInput, errors: &mut Vec<FieldError>) -> Checked {
    let label_zh = crate::text::required_text(
        errors,
        "label_zh",
        input.label_zh.clone(),
        50,
        "中文名称",
        "Chinese label",
    );
    let label_en = crate::text::required_text(
        errors,
        "label_en",
        input.label_en.clone(),
        100,
        "英文名称",
        "English label",
    );
    let sort = match input.sort {
        Some(n) if !(0..=99_999).contains(&n) => {
            errors.push(FieldError::new(
                "sort",
                "range",
                "排序应在 0 到 99999 之间",
                "sort must be between 0 and 99999",
            ));
            None
        }
        Some(n) => i32::try_from(n).ok(),
        None => None,
    };
    if !l.open {
        if input.enabled == Some(false) {
            errors.push(FieldError::new(
                "enabled",
                "fixed",
                format!("“{}”的代码是固定的，不能停用，只能修改名称", l.zh),
                format!(
                    "the codes of '{}' are fixed: they cannot be switched off, only renamed",
                    l.en
                ),
            ));
        }
        if input.sort.is_some() {
            errors.push(FieldError::new(
                "sort",
                "fixed",
                format!("“{}”的代码是固定的，顺序不能调整，只能修改名称", l.zh),
                format!(
                    "the codes of '{}' are fixed: their order cannot change, only their names",
                    l.en
                ),
            ));
        }
    }
    Checked {
        label_zh,
        label_en,
        sort,
        enabled: input.enabled,
    }
}

/// A Chinese label another item of the list already has: input names items by their labels,
/// so two items may not share one.
async fn label_taken(
    db: &impl ConnectionTrait,
    l: Codes,
    label_zh: &str,
    except: Option<i64>,
) -> AppResult<bool> {
    let mut q = dict_items::Entity::find()
        .filter(dict_items::Column::Dict.eq(l.key))
        .filter(dict_items::Column::LabelZh.eq(label_zh));
    if let Some(id) = except {
        q = q.filter(dict_items::Column::Id.ne(id));
    }
    Ok(q.one(db).await?.is_some())
}

fn label_taken_error(label: &str) -> FieldError {
    FieldError::new(
        "label_zh",
        "duplicate",
        format!("已有名称为“{label}”的选项"),
        format!("another item is already called '{label}'"),
    )
}

fn require_edit(who: &Principal) -> AppResult<()> {
    who.require(crate::access::roles::perm::DICT_EDIT)
}

/// Changes an item's labels (and, in an open list, its order and whether it is offered),
/// with its audit entry, in one transaction. A stale `version` answers 409 with the item.
pub async fn update<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    who: &Principal,
    key: &str,
    code: &str,
    input: ItemInput,
) -> AppResult<Entry> {
    require_edit(who)?;
    let l = list(key).ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    let c = check(l, &input, &mut errors);
    let version = match input.version {
        Some(v) => Some(v),
        None => {
            errors.push(FieldError::required("version", "版本号", "version"));
            None
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = crate::db::begin_write(db).await?;
    let row = dict_items::Entity::find()
        .filter(dict_items::Column::Dict.eq(l.key))
        .filter(dict_items::Column::Code.eq(code))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if version != Some(i64::from(row.version)) {
        return Err(AppError::ConflictWith {
            zh: "该选项已被他人修改，请按最新内容重新修改".into(),
            en: "the item was changed meanwhile; edit it as it now stands".into(),
            current: Box::new(serde_json::to_value(entry_of(row)).unwrap_or_default()),
        });
    }
    if label_taken(&txn, l, &c.label_zh, Some(row.id)).await? {
        return Err(AppError::invalid(label_taken_error(&c.label_zh)));
    }
    let before = entry_of(row.clone());
    let mut am: dict_items::ActiveModel = row.into();
    am.label_zh = Set(c.label_zh);
    am.label_en = Set(c.label_en);
    if let Some(s) = c.sort {
        am.sort = Set(s);
    }
    if let Some(e) = c.enabled {
        am.enabled = Set(e);
    }
    am.version = Set(before.version + 1);
    am.updated_at = Set(chrono::Utc::now());
    let after = entry_of(am.update(&txn).await?);
    if after
        != (Entry {
            version: after.version,
            ..before.clone()
        })
    {
        crate::audit::record_event(
            &txn,
            who,
            crate::audit::Action::Update,
            "dict",
            None,
            format!(
                "把{}的“{}”改为“{}”{}",
                l.zh,
                before.label_zh,
                after.label_zh,
                if after.enabled { "" } else { "（停用）" }
            ),
            crate::audit::Event::new(
                "dict.update",
                serde_json::json!({
                    "list": crate::audit::both(l.zh, l.en),
                    "code": after.code,
                    "before": crate::audit::both(before.label_zh.clone(), before.label_en.clone()),
                    "after": crate::audit::both(after.label_zh.clone(), after.label_en.clone()),
                    "state": if after.enabled {
                        crate::audit::both("启用", "on")
                    } else {
                        crate::audit::both("停用", "off")
                    },
                }),
            ),
        )
        .await?;
    }
    sea_orm::TransactionSession::commit(txn).await?;
    changed();
    Ok(after)
}

/// Adds a value to an open list (a fixed list answers 422), with its audit entry.
pub async fn add<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    who: &Principal,
    key: &str,
    input: ItemInput,
) -> AppResult<Entry> {
    require_edit(who)?;
    let l = list(key).ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    if !l.open {
        errors.push(FieldError::new(
            "code",
            "fixed",
            format!("“{}”的代码是固定的，不能新增选项", l.zh),
            format!("the codes of '{}' are fixed: no value can be added", l.en),
        ));
    }
    let c = check(l, &input, &mut errors);
    let code = crate::text::clean(input.code.clone());
    if let Some(code) = &code
        && (code.chars().count() > 32
            || !code
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.')))
    {
        errors.push(FieldError::new(
            "code",
            "format",
            "代码只能由字母、数字、“_”“-”“.”组成，最多 32 个字符",
            "a code is up to 32 letters, digits, '_', '-' or '.'",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = crate::db::begin_write(db).await?;
    let rows = dict_items::Entity::find()
        .filter(dict_items::Column::Dict.eq(l.key))
        .all(&txn)
        .await?;
    let code = match code {
        Some(c) => {
            if rows.iter().any(|r| r.code == c) {
                return Err(AppError::invalid(FieldError::new(
                    "code",
                    "duplicate",
                    format!("代码“{c}”已被使用"),
                    format!("the code '{c}' is taken"),
                )));
            }
            c
        }
        None => (1..)
            .map(|n| format!("u{n:03}"))
            .find(|c| !rows.iter().any(|r| &r.code == c))
            .unwrap_or_default(),
    };
    if rows.iter().any(|r| r.label_zh == c.label_zh) {
        return Err(AppError::invalid(label_taken_error(&c.label_zh)));
    }
    let sort = c.sort.unwrap_or_else(|| {
        rows.iter()
            .map(|r| r.sort)
            .max()
            .unwrap_or(0)
            .saturating_add(10)
    });
    let m = dict_items::ActiveModel {
        dict: Set(l.key.to_owned()),
        code: Set(code),
        label_zh: Set(c.label_zh),
        label_en: Set(c.label_en),
        sort: Set(sort),
        enabled: Set(c.enabled.unwrap_or(true)),
        builtin: Set(false),
        version: Set(1),
        updated_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let e = entry_of(m);
    crate::audit::record_event(
        &txn,
        who,
        crate::audit::Action::Create,
        "dict",
        None,
        format!("在{}中新增了“{}”", l.zh, e.label_zh),
        crate::audit::Event::new(
            "dict.add",
            serde_json::json!({
                "list": crate::audit::both(l.zh, l.en),
                "code": e.code,
                "label": crate::audit::both(e.label_zh.clone(), e.label_en.clone()),
            }),
        ),
    )
    .await?;
    sea_orm::TransactionSession::commit(txn).await?;
    changed();
    Ok(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    static COLOURS: CodeList = CodeList::open(
        "test.colour",
        "颜色",
        "Colour",
        &[("red", "红", "Red"), ("blue", "蓝", "Blue")],
    );

    #[tokio::test]
    async fn without_a_dictionary_the_built_in_items_serve() {
        assert_eq!(COLOURS.label("red", Lang::Zh), "红");
        assert_eq!(COLOURS.label("gone", Lang::Zh), "gone");
        assert_eq!(
            COLOURS.find("blue").map(|e| e.code).as_deref(),
            Some("blue")
        );
        assert_eq!(COLOURS.find("蓝").map(|e| e.code).as_deref(), Some("blue"));
        assert_eq!(COLOURS.find("RED").map(|e| e.code).as_deref(), Some("red"));
    }

    #[tokio::test]
    async fn a_snapshot_renames_reorders_switches_off_and_adds() {
        let mut lists = HashMap::new();
        let e = |code: &str, zh: &str, sort: i32, enabled: bool| Entry {
            code: code.into(),
            label_zh: zh.into(),
            label_en: code.into(),
            sort,
            enabled,
            builtin: true,
            version: 2,
        };
        lists.insert(
            "test.colour".to_owned(),
            vec![
                e("green", "绿", 5, true),
                e("blue", "深蓝", 10, true),
                e("red", "红", 20, false),
            ],
        );
        let snap = Arc::new(Snapshot { lists });
        CURRENT
            .scope(snap, async {
                assert_eq!(COLOURS.label("blue", Lang::Zh), "深蓝");
                assert_eq!(
                    COLOURS.label("red", Lang::Zh),
                    "红",
                    "a switched-off value still reads"
                );
                assert!(COLOURS.find("red").is_none(), "nor is it accepted");
                let offered: Vec<String> = COLOURS.offered().into_iter().map(|e| e.code).collect();
                assert_eq!(offered, ["green", "blue"]);
            })
            .await;
    }
}
