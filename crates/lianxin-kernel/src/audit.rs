//! The audit log (操作日志): every create, update and delete, every unmasked read of personal
//! data, every import and export: who, when, what, which record, from which address.
//! Written in the same transaction as the change it records.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

use crate::access::Principal;
use crate::entities::{audit_log, login_log};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::{Page, Paging};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    /// An unmasked read of identity numbers or phones.
    ReadSensitive,
    /// A screening or other query over personal data.
    Query,
    Import,
    Export,
    /// An identifier accepted despite a failing check character.
    Override,
}

impl Action {
    pub fn code(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::ReadSensitive => "read_sensitive",
            Action::Query => "query",
            Action::Import => "import",
            Action::Export => "export",
            Action::Override => "override",
        }
    }
    pub const ALL: [Action; 8] = [
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::ReadSensitive,
        Action::Query,
        Action::Import,
        Action::Export,
        Action::Override,
    ];
    pub fn label(code: &str, lang: crate::i18n::Lang) -> &'static str {
        let (zh, en) = match code {
            "create" => ("新增", "create"),
            "update" => ("修改", "update"),
            "delete" => ("删除", "delete"),
            "read_sensitive" => ("查看敏感信息", "read personal data"),
            "query" => ("查询", "query"),
            "import" => ("导入", "import"),
            "export" => ("导出", "export"),
            "override" => ("校验例外", "check override"),
            _ => ("其他", "other"),
        };
        lang.pick(zh, en)
    }
}

/// The verb of an action in a sentence ("新增了", "created"), for entries without an event.
fn verb(code: &str, lang: Lang) -> &'static str {
    let (zh, en) = match code {
        "create" => ("新增了", "created"),
        "update" => ("修改了", "updated"),
        "delete" => ("删除了", "deleted"),
        "read_sensitive" => ("查看了个人信息：", "read personal data of"),
        "query" => ("查询了", "queried"),
        "import" => ("导入了", "imported"),
        "export" => ("导出了", "exported"),
        "override" => (
            "对校验不通过的号码作了例外：",
            "accepted despite its check character:",
        ),
        _ => ("操作了", "acted on"),
    };
    lang.pick(zh, en)
}

/// A kind of object an entry is about (`entity`), with its labels: (code, 中文, English).
pub type ObjectDef = (&'static str, &'static str, &'static str);

/// A kind of entry with its sentence in both languages. `{key}` is filled from the entry's
/// `args` (a JSON object): a text or number as it is, an object `{"zh": …, "en": …}` in the
/// reader's language.
#[derive(Debug, Clone, Copy)]
pub struct EventDef {
    pub code: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
}

/// What an area (or the kernel) says about its audit entries.
#[derive(Debug, Clone, Copy, Default)]
pub struct Texts {
    pub objects: &'static [ObjectDef],
    pub events: &'static [EventDef],
}

/// The kernel's own objects and events.
pub const KERNEL: Texts = Texts {
    objects: &[
        ("user", "用户", "user"),
        ("role", "角色", "role"),
        ("setting", "参数", "setting"),
        ("session", "会话", "session"),
        ("api_token", "接口令牌", "API token"),
        ("api_client", "接口客户端", "API client"),
        ("login_throttle", "登录限制", "sign-in throttle"),
        ("calendar", "工作日历", "working-day calendar"),
        ("audit", "操作日志", "audit log"),
        ("notice", "通知公告", "notice"),
        ("dict", "字典", "dictionary"),
    ],
    events: &[
        EventDef {
            code: "role.save",
            zh: "保存了角色「{name}」：{scope}，{n} 项权限",
            en: "saved the role “{name}”: {scope}, {n} permissions",
        },
        EventDef {
            code: "user.update",
            zh: "修改了用户「{username}」：{what}",
            en: "updated the user “{username}”: {what}",
        },
        EventDef {
            code: "setting.change",
            zh: "把{label}由 {before} 改为 {after}",
            en: "changed {label} from {before} to {after}",
        },
        EventDef {
            code: "session.end",
            zh: "强制下线了 {name} 的{kind}（登录于 {at}）",
            en: "ended {name}'s {kind} (signed in at {at})",
        },
        EventDef {
            code: "token.revoke",
            zh: "吊销了接口令牌 {token}",
            en: "revoked the API token {token}",
        },
        EventDef {
            code: "token.revoke_all",
            zh: "吊销了自己的全部 {n} 个接口令牌",
            en: "revoked all {n} of their API tokens",
        },
        EventDef {
            code: "throttle.lift",
            zh: "解除了 {username} 从 {client} 登录的限制（失败 {failures} 次）",
            en: "lifted the sign-in throttle of {username} from {client} ({failures} failures)",
        },
        EventDef {
            code: "calendar.set",
            zh: "把 {day} 设为{kind}{note}",
            en: "set {day} as {kind}{note}",
        },
        EventDef {
            code: "calendar.delete",
            zh: "删除了 {day} 的日历设置",
            en: "removed the calendar entry of {day}",
        },
        EventDef {
            code: "calendar.load",
            zh: "载入了国务院办公厅 {years} 年节假日安排",
            en: "loaded the State Council's holiday arrangements of {years}",
        },
        EventDef {
            code: "dict.update",
            zh: "把{list}的“{before}”改为“{after}”（{state}）",
            en: "changed “{before}” of {list} to “{after}” ({state})",
        },
        EventDef {
            code: "dict.add",
            zh: "在{list}中新增了“{label}”",
            en: "added “{label}” to {list}",
        },
        EventDef {
            code: "notice.send",
            zh: "向{to}发布了通知「{title}」",
            en: "sent the notice “{title}” to {to}",
        },
        EventDef {
            code: "notice.edit",
            zh: "修改了通知「{before}」（现为「{title}」）",
            en: "edited the notice “{before}” (now “{title}”)",
        },
        EventDef {
            code: "notice.withdraw",
            zh: "撤回了通知「{title}」",
            en: "withdrew the notice “{title}”",
        },
        EventDef {
            code: "list.export",
            zh: "导出了{object} {n} 条",
            en: "exported {n} rows of {object}",
        },
        EventDef {
            code: "audit.export",
            zh: "导出了操作日志 {n} 条",
            en: "exported {n} audit log entries",
        },
    ],
};

/// Every known object, the kernel's then each installed area's.
pub fn objects() -> impl Iterator<Item = &'static ObjectDef> {
    KERNEL.objects.iter().chain(
        crate::area::installed()
            .iter()
            .flat_map(|a| a.audit.objects.iter()),
    )
}

fn event(code: &str) -> Option<&'static EventDef> {
    KERNEL
        .events
        .iter()
        .chain(
            crate::area::installed()
                .iter()
                .flat_map(|a| a.audit.events.iter()),
        )
        .find(|e| e.code == code)
}

/// The label of an object kind; its code when no crate declares it.
pub fn object_label(code: &str, lang: Lang) -> String {
    objects()
        .find(|o| o.0 == code)
        .map(|o| lang.pick(o.1, o.2).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

fn arg_text(v: &serde_json::Value, lang: Lang) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Object(o) => o
            .get(lang.pick("zh", "en"))
            .or_else(|| o.get("zh"))
            .map(|v| arg_text(v, lang))
            .unwrap_or_default(),
        serde_json::Value::Array(a) => a
            .iter()
            .map(|v| arg_text(v, lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", ")),
        other => other.to_string(),
    }
}

/// Fills `{key}` from `args`.
pub fn fill(template: &str, args: &serde_json::Value, lang: Lang) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let key = &after[..close];
                out.push_str(&args.get(key).map(|v| arg_text(v, lang)).unwrap_or_default());
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The entry in a sentence a person reads, in `lang`: its event's sentence when it has one,
/// otherwise the action's verb, the object's label and the stored summary (entries written
/// before events, and plain creates and deletes whose summary is the record's name).
pub fn describe(m: &audit_log::Model, lang: Lang) -> String {
    if let Some(def) = m.event.as_deref().and_then(event) {
        let args: serde_json::Value = m
            .args
            .as_deref()
            .and_then(|a| serde_json::from_str(a).ok())
            .unwrap_or(serde_json::Value::Null);
        return fill(lang.pick(def.zh, def.en), &args, lang);
    }
    let object = object_label(&m.entity, lang);
    let sep = lang.pick("", " ");
    if m.summary.is_empty() {
        format!("{}{sep}{object}", verb(&m.action, lang))
    } else {
        format!(
            "{}{sep}{object}{}{}{}",
            verb(&m.action, lang),
            lang.pick("「", " “"),
            m.summary,
            lang.pick("」", "”")
        )
    }
}

/// An entry of a known kind: `event` names an `EventDef`, `args` fills its sentence.
pub struct Event {
    pub code: &'static str,
    pub args: serde_json::Value,
}

impl Event {
    pub fn new(code: &'static str, args: serde_json::Value) -> Self {
        Event { code, args }
    }
}

/// Text in both languages, as an event's argument.
pub fn both(zh: impl Into<String>, en: impl Into<String>) -> serde_json::Value {
    serde_json::json!({"zh": zh.into(), "en": en.into()})
}

pub async fn record(
    db: &impl ConnectionTrait,
    who: &Principal,
    action: Action,
    entity: &str,
    entity_id: Option<i64>,
    summary: impl Into<String>,
) -> AppResult<()> {
    write(db, who, action, entity, entity_id, summary.into(), None).await
}

/// Records the export of `n` rows of a list of `entity` (an object some crate declares), read
/// as "导出了卡点 14 条".
pub async fn record_export(
    db: &impl ConnectionTrait,
    who: &Principal,
    entity: &str,
    n: u64,
) -> AppResult<()> {
    let object = both(
        object_label(entity, Lang::Zh),
        object_label(entity, Lang::En),
    );
    record_event(
        db,
        who,
        Action::Export,
        entity,
        None,
        format!("export {n} rows"),
        Event::new(
            "list.export",
            serde_json::json!({ "n": n, "object": object }),
        ),
    )
    .await
}

/// Records an entry of a known kind (see `EventDef`); `summary` stays the technical note.
pub async fn record_event(
    db: &impl ConnectionTrait,
    who: &Principal,
    action: Action,
    entity: &str,
    entity_id: Option<i64>,
    summary: impl Into<String>,
    event: Event,
) -> AppResult<()> {
    write(
        db,
        who,
        action,
        entity,
        entity_id,
        summary.into(),
        Some(event),
    )
    .await
}

async fn write(
    db: &impl ConnectionTrait,
    who: &Principal,
    action: Action,
    entity: &str,
    entity_id: Option<i64>,
    summary: String,
    event: Option<Event>,
) -> AppResult<()> {
    let (event, args) = match event {
        Some(e) => (Some(e.code.to_owned()), Some(e.args.to_string())),
        None => (None, None),
    };
    audit_log::ActiveModel {
        event: Set(event),
        args: Set(args),
        at: Set(Utc::now()),
        user_id: Set((who.user_id > 0).then_some(who.user_id)),
        username: Set(who.username.clone()),
        action: Set(action.code().to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id.map(|i| i.to_string())),
        summary: Set(summary),
        ip: Set(who.ip.clone()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// Username (exact).
    pub username: Option<String>,
    /// create, update, delete, read_sensitive, query, import, export, override
    pub action: Option<String>,
    /// unit, person, enterprise, user, ...
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// RFC 3339
    pub from: Option<chrono::DateTime<Utc>>,
    pub to: Option<chrono::DateTime<Utc>>,
}

impl AuditFilter {
    /// An action that is not one of `Action::ALL` is a 422 naming `action`, never "any".
    pub fn check(&self) -> AppResult<()> {
        if let Some(a) = self.action.as_deref().filter(|s| !s.is_empty())
            && !Action::ALL.iter().any(|x| x.code() == a)
        {
            return Err(AppError::invalid(FieldError::new(
                "action",
                "unknown",
                format!("未知的操作类型：{a}"),
                format!("unknown action: {a}"),
            )));
        }
        Ok(())
    }

    fn query(&self) -> sea_orm::Select<audit_log::Entity> {
        let f = self;
        let mut q = audit_log::Entity::find();
        if let Some(v) = f.username.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(audit_log::Column::Username.eq(v));
        }
        if let Some(v) = f.action.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(audit_log::Column::Action.eq(v));
        }
        if let Some(v) = f.entity.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(audit_log::Column::Entity.eq(v));
        }
        if let Some(v) = f.entity_id.as_deref().filter(|s| !s.is_empty()) {
            q = q.filter(audit_log::Column::EntityId.eq(v));
        }
        if let Some(v) = f.from {
            q = q.filter(audit_log::Column::At.gte(v));
        }
        if let Some(v) = f.to {
            q = q.filter(audit_log::Column::At.lt(v));
        }
        q
    }
}

pub async fn search(
    db: &impl ConnectionTrait,
    f: &AuditFilter,
    paging: Paging,
) -> AppResult<Page<audit_log::Model>> {
    f.check()?;
    let q = f.query();
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(audit_log::Column::Id)
        .offset(paging.checked()?.offset())
        .limit(paging.limit())
        .all(db)
        .await?;
    Ok(Page { items, total })
}

/// The entries the filter shows, newest first, `after` the last id of the previous chunk
/// (keyset paging, for exports), at most `n`.
pub async fn chunk(
    db: &impl ConnectionTrait,
    f: &AuditFilter,
    before: Option<i64>,
    n: u64,
) -> AppResult<Vec<audit_log::Model>> {
    let mut q = f.query();
    if let Some(b) = before {
        q = q.filter(audit_log::Column::Id.lt(b));
    }
    Ok(q.order_by_desc(audit_log::Column::Id)
        .limit(n)
        .all(db)
        .await?)
}

/// One entry.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> AppResult<audit_log::Model> {
    audit_log::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Writes the entries the filter shows to an .xlsx file at `path` (constant memory, chunks of
/// 1,000), in `lang`, and records the export. Answers how many rows.
pub async fn export(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &AuditFilter,
    lang: Lang,
    path: &std::path::Path,
) -> AppResult<u64> {
    use crate::sheet::{col, write_header, xlsx_err};
    f.check()?;
    const COLS: [crate::sheet::Col; 8] = [
        col("at", "at", "时间", "time"),
        col("username", "username", "用户", "user"),
        col("action", "action", "操作", "action"),
        col("entity", "entity", "对象", "object"),
        col("entity_id", "entity_id", "记录编号", "record"),
        col("description", "description", "内容", "description"),
        col("ip", "ip", "地址", "address"),
        col("id", "id", "日志编号", "entry"),
    ];
    let cols: Vec<crate::sheet::Col> = COLS
        .iter()
        .map(|c| crate::sheet::Col {
            zh: lang.pick(c.zh, c.en),
            ..*c
        })
        .collect();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?;
    ws.set_name(lang.pick("操作日志", "audit log"))
        .map_err(xlsx_err)?;
    write_header(ws, &cols, false)?;
    ws.set_column_width(5, 60).map_err(xlsx_err)?;
    let mut n: u32 = 0;
    let mut before = None;
    loop {
        let rows = chunk(db, f, before, 1000).await?;
        let Some(last) = rows.last() else { break };
        before = Some(last.id);
        for m in &rows {
            n += 1;
            let cells = [
                crate::web::time::local_time(&m.at),
                m.username.clone(),
                Action::label(&m.action, lang).to_owned(),
                object_label(&m.entity, lang),
                m.entity_id.clone().unwrap_or_default(),
                describe(m, lang),
                m.ip.clone().unwrap_or_default(),
                m.id.to_string(),
            ];
            for (j, v) in cells.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(n, j as u16, v).map_err(xlsx_err)?;
                }
            }
        }
    }
    wb.save(path).map_err(xlsx_err)?;
    record_event(
        db,
        who,
        Action::Export,
        "audit",
        None,
        format!("{n} rows"),
        Event::new("audit.export", serde_json::json!({ "n": n })),
    )
    .await?;
    Ok(u64::from(n))
}

pub async fn search_logins(
    db: &impl ConnectionTrait,
    username: Option<&str>,
    paging: Paging,
) -> AppResult<Page<login_log::Model>> {
    let mut q = login_log::Entity::find();
    if let Some(v) = username.filter(|s| !s.is_empty()) {
        q = q.filter(login_log::Column::Username.eq(v));
    }
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(login_log::Column::Id)
        .offset(paging.checked()?.offset())
        .limit(paging.limit())
        .all(db)
        .await?;
    Ok(Page { items, total })
}
