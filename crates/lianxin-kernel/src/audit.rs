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
use crate::error::AppResult;
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

pub async fn record(
    db: &impl ConnectionTrait,
    who: &Principal,
    action: Action,
    entity: &str,
    entity_id: Option<i64>,
    summary: impl Into<String>,
) -> AppResult<()> {
    audit_log::ActiveModel {
        at: Set(Utc::now()),
        user_id: Set((who.user_id > 0).then_some(who.user_id)),
        username: Set(who.username.clone()),
        action: Set(action.code().to_owned()),
        entity: Set(entity.to_owned()),
        entity_id: Set(entity_id.map(|i| i.to_string())),
        summary: Set(summary.into()),
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

pub async fn search(
    db: &impl ConnectionTrait,
    f: &AuditFilter,
    paging: Paging,
) -> AppResult<Page<audit_log::Model>> {
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
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(audit_log::Column::Id)
        .offset(paging.checked()?.offset())
        .limit(paging.limit())
        .all(db)
        .await?;
    Ok(Page { items, total })
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
