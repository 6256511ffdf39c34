//! Notices (通知公告): an administrator sends a notice to everyone or to chosen units (their
//! users and those of every unit below them); it shows on its readers' home pages; opening it
//! records a read receipt, and the sender sees who has read it and who has not.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::roles::perm;
use crate::audit::{self, Action};
use crate::entities::{notice_reads, notice_units, notices, unit_closure, units, users};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging};
use crate::text::required_text;

/// A notice to send: to everyone (`to_all`) or to `unit_ids` (and the units below them).
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct NoticeInput {
    pub title: Option<String>,
    pub body: Option<String>,
    pub to_all: Option<bool>,
    pub unit_ids: Option<Vec<i64>>,
}

/// A notice as its reader or its sender sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub to_all: bool,
    /// The units it was sent to (with those below them), empty when sent to everyone.
    pub units: Vec<NoticeUnit>,
    pub author: String,
    pub created_at: DateTime<Utc>,
    /// When the caller first opened it; `None` while unread.
    pub read_at: Option<DateTime<Utc>>,
    /// The version an edit or a withdrawal names.
    pub version: i32,
    /// When it was last edited.
    pub updated_at: Option<DateTime<Utc>>,
    /// When it was withdrawn (撤回; only its sender sees it then).
    pub withdrawn_at: Option<DateTime<Utc>>,
}

/// An edit of a sent notice: its title and text (its addressees stay; to reach others, send
/// a new one), under the version read.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct NoticeEdit {
    #[schema(required = true)]
    pub version: Option<i32>,
    pub title: Option<String>,
    pub body: Option<String>,
}

/// A withdrawal (撤回) of a sent notice, under the version read.
#[derive(Debug, Default, Clone, Deserialize, utoipa::ToSchema)]
pub struct Withdrawal {
    #[schema(required = true)]
    pub version: Option<i32>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeUnit {
    pub id: i64,
    pub name: String,
}

/// A notice in the sender's list: how many of its readers have read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SentNotice {
    pub id: i64,
    pub title: String,
    pub to_all: bool,
    pub author: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub readers: u64,
    pub read: u64,
}

/// One reader of a notice and when they read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipt {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub unit: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
}

/// Who has read a notice and who has not (active users it is addressed to).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Receipts {
    pub notice: NoticeView,
    pub read: Vec<Receipt>,
    pub unread: Vec<Receipt>,
}

/// Sends a notice (needs `system:notice:edit`); audited.
pub async fn send<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: NoticeInput,
) -> AppResult<notices::Model> {
    who.require(perm::NOTICE_EDIT)?;
    let mut errors = Vec::new();
    let title = required_text(&mut errors, "title", input.title, 200, "标题", "The title");
    let body = required_text(&mut errors, "body", input.body, 10_000, "正文", "The text");
    let to_all = input.to_all.unwrap_or(false);
    let mut unit_ids = input.unit_ids.unwrap_or_default();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    if to_all {
        unit_ids.clear();
    } else if unit_ids.is_empty() {
        errors.push(FieldError::new(
            "unit_ids",
            "required",
            "请选择接收单位，或选择发给全部用户",
            "choose the units to send it to, or send it to everyone",
        ));
    } else if unit_ids.len() > 500 {
        errors.push(FieldError::new(
            "unit_ids",
            "too_many",
            "接收单位不能超过 500 个",
            "at most 500 units",
        ));
    }
    let found: Vec<units::Model> = if unit_ids.is_empty() {
        Vec::new()
    } else {
        units::Entity::find()
            .filter(units::Column::Id.is_in(unit_ids.clone()))
            .all(db)
            .await?
    };
    if found.len() != unit_ids.len() {
        errors.push(FieldError::new(
            "unit_ids",
            "unknown",
            "接收单位中有不存在的单位",
            "some of the units do not exist",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = crate::db::begin_write(db).await?;
    let n = notices::ActiveModel {
        title: Set(title),
        body: Set(body),
        to_all: Set(to_all),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        author: Set(if who.display_name.is_empty() {
            who.username.clone()
        } else {
            who.display_name.clone()
        }),
        created_at: Set(Utc::now()),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if !unit_ids.is_empty() {
        notice_units::Entity::insert_many(unit_ids.iter().map(|u| notice_units::ActiveModel {
            notice_id: Set(n.id),
            unit_id: Set(*u),
        }))
        .exec(&txn)
        .await?;
    }
    let names: Vec<String> = found.iter().map(|u| u.name.clone()).collect();
    audit::record_event(
        &txn,
        who,
        Action::Create,
        "notice",
        Some(n.id),
        n.title.clone(),
        audit::Event::new(
            "notice.send",
            serde_json::json!({
                "title": n.title,
                "to": if to_all {
                    audit::both("全部用户", "everyone")
                } else {
                    audit::both(names.join("、"), names.join(", "))
                },
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// The notice `id`, locked for a change, at the version the caller read: 409 with it as it
/// stands when the version is stale or it was withdrawn.
async fn for_change(
    txn: &impl ConnectionTrait,
    id: i64,
    version: Option<i32>,
) -> AppResult<notices::Model> {
    let expected = crate::paging::version_required(version)?;
    crate::db::lock_row(txn, "notices", id).await?;
    let n = notices::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if n.withdrawn_at.is_some() {
        let units = units_of(txn, id).await?;
        return Err(AppError::ConflictWith {
            zh: "该通知已撤回，不能再修改".into(),
            en: "this notice was withdrawn and can no longer be changed".into(),
            current: Box::new(serde_json::to_value(view(n, units, None)).unwrap_or_default()),
        });
    }
    if n.version != expected {
        let units = units_of(txn, id).await?;
        return Err(crate::paging::stale(view(n, units, None)));
    }
    Ok(n)
}

/// Edits a sent notice's title and text (needs `system:notice:edit`); its readers see the
/// new text, marked as edited, and their read receipts stand. Audited.
pub async fn edit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: NoticeEdit,
) -> AppResult<notices::Model> {
    who.require(perm::NOTICE_EDIT)?;
    let mut errors = Vec::new();
    let title = required_text(&mut errors, "title", input.title, 200, "标题", "The title");
    let body = required_text(&mut errors, "body", input.body, 10_000, "正文", "The text");
    if input.version.is_none() {
        errors.push(FieldError::required("version", "版本号", "Version"));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = crate::db::begin_write(db).await?;
    let n = for_change(&txn, id, input.version).await?;
    let before = n.title.clone();
    let mut am: notices::ActiveModel = n.into();
    am.title = Set(title);
    am.body = Set(body);
    am.version = Set(am.version.as_ref() + 1);
    am.updated_at = Set(Some(Utc::now()));
    let n = am.update(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "notice",
        Some(n.id),
        n.title.clone(),
        audit::Event::new(
            "notice.edit",
            serde_json::json!({"before": before, "title": n.title}),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// Withdraws a sent notice (撤回; needs `system:notice:edit`): it leaves its readers' lists
/// and home pages, and a reader's link to it answers 404; its sender keeps it, marked, with
/// its receipts. Audited.
pub async fn withdraw<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: Withdrawal,
) -> AppResult<notices::Model> {
    who.require(perm::NOTICE_EDIT)?;
    let txn = crate::db::begin_write(db).await?;
    let n = for_change(&txn, id, input.version).await?;
    let mut am: notices::ActiveModel = n.into();
    am.version = Set(am.version.as_ref() + 1);
    am.withdrawn_at = Set(Some(Utc::now()));
    let n = am.update(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "notice",
        Some(n.id),
        n.title.clone(),
        audit::Event::new("notice.withdraw", serde_json::json!({"title": n.title})),
    )
    .await?;
    txn.commit().await?;
    Ok(n)
}

/// The condition "addressed to this user" (and not withdrawn): to everyone, or to a unit at
/// or above theirs.
fn addressed_to(unit_id: Option<i64>) -> Condition {
    Condition::all()
        .add(notices::Column::WithdrawnAt.is_null())
        .add(addressees(unit_id))
}

fn addressees(unit_id: Option<i64>) -> Condition {
    let mut c = Condition::any().add(notices::Column::ToAll.eq(true));
    if let Some(unit) = unit_id {
        c = c.add(
            notices::Column::Id.in_subquery(
                Query::select()
                    .column(notice_units::Column::NoticeId)
                    .from(notice_units::Entity)
                    .and_where(
                        Expr::col(notice_units::Column::UnitId).in_subquery(
                            Query::select()
                                .column(unit_closure::Column::AncestorId)
                                .from(unit_closure::Entity)
                                .and_where(Expr::col(unit_closure::Column::DescendantId).eq(unit))
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            ),
        );
    }
    c
}

/// The notices addressed to the caller, newest first, each with their read time.
pub async fn mine(
    db: &impl ConnectionTrait,
    who: &Principal,
    paging: Paging,
) -> AppResult<Page<NoticeView>> {
    let q = notices::Entity::find().filter(addressed_to(who.unit_id));
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(notices::Column::Id)
        .offset(paging.checked()?.offset())
        .limit(paging.limit())
        .all(db)
        .await?;
    let reads: HashMap<i64, DateTime<Utc>> = notice_reads::Entity::find()
        .filter(notice_reads::Column::UserId.eq(who.user_id))
        .filter(notice_reads::Column::NoticeId.is_in(rows.iter().map(|n| n.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.notice_id, r.read_at))
        .collect();
    Ok(Page {
        items: rows
            .into_iter()
            .map(|n| {
                let read_at = reads.get(&n.id).copied();
                view(n, Vec::new(), read_at)
            })
            .collect(),
        total,
    })
}

/// The notices addressed to the caller that they have not opened yet.
fn unread(who: &Principal) -> sea_orm::Select<notices::Entity> {
    notices::Entity::find()
        .filter(addressed_to(who.unit_id))
        .filter(
            notices::Column::Id.not_in_subquery(
                Query::select()
                    .column(notice_reads::Column::NoticeId)
                    .from(notice_reads::Entity)
                    .and_where(Expr::col(notice_reads::Column::UserId).eq(who.user_id))
                    .to_owned(),
            ),
        )
}

/// How many notices addressed to the caller they have not opened yet.
pub async fn unread_count(db: &impl ConnectionTrait, who: &Principal) -> AppResult<u64> {
    Ok(unread(who).count(db).await?)
}

/// An unread notice on a landing page's block.
pub struct NoticeLine {
    pub title: String,
    pub href: String,
    pub at: String,
}

/// What the notices block of a landing page shows (`templates/notices_block.html`, in the
/// kernel so that every area's landing page includes it): the caller's unread notices, the
/// five newest, and how many there are. It carries its language, so a page without a
/// `PageCtx` (the volunteer's entry page) includes it as well as the others.
pub struct NoticesBlock {
    pub lang: crate::i18n::Lang,
    pub unread: u64,
    pub lines: Vec<NoticeLine>,
}

/// The caller's notices block (nothing to show when every notice is read).
pub async fn block(
    db: &impl ConnectionTrait,
    who: &Principal,
    lang: crate::i18n::Lang,
) -> AppResult<NoticesBlock> {
    let unread_count = unread_count(db, who).await?;
    let lines = if unread_count == 0 {
        Vec::new()
    } else {
        unread(who)
            .order_by_desc(notices::Column::Id)
            .limit(5)
            .all(db)
            .await?
            .into_iter()
            .map(|n| NoticeLine {
                href: format!("/notices/{}", n.id),
                at: crate::web::time::local_time(&n.created_at),
                title: n.title,
            })
            .collect()
    };
    Ok(NoticesBlock {
        lang,
        unread: unread_count,
        lines,
    })
}

fn view(n: notices::Model, units: Vec<NoticeUnit>, read_at: Option<DateTime<Utc>>) -> NoticeView {
    NoticeView {
        id: n.id,
        title: n.title,
        body: n.body,
        to_all: n.to_all,
        units,
        author: n.author,
        created_at: n.created_at,
        read_at,
        version: n.version,
        updated_at: n.updated_at,
        withdrawn_at: n.withdrawn_at,
    }
}

async fn units_of(db: &impl ConnectionTrait, id: i64) -> AppResult<Vec<NoticeUnit>> {
    let ids: Vec<i64> = notice_units::Entity::find()
        .filter(notice_units::Column::NoticeId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.unit_id)
        .collect();
    Ok(units::Entity::find()
        .filter(units::Column::Id.is_in(ids))
        .order_by_asc(units::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| NoticeUnit {
            id: u.id,
            name: u.name,
        })
        .collect())
}

/// Opens a notice addressed to the caller (or any notice, for who sends them) and records the
/// caller's first read of one addressed to them. Another's notice is a 404.
pub async fn open(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<NoticeView> {
    let addressed = notices::Entity::find_by_id(id)
        .filter(addressed_to(who.unit_id))
        .one(db)
        .await?;
    let is_reader = addressed.is_some();
    let n = match addressed {
        Some(n) => n,
        None if who.can(perm::NOTICE_EDIT) => notices::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?,
        None => return Err(AppError::NotFound),
    };
    let mut read_at = None;
    {
        if is_reader && who.user_id > 0 {
            // One statement whoever opens it twice at once: the first read stands.
            notice_reads::Entity::insert(notice_reads::ActiveModel {
                notice_id: Set(id),
                user_id: Set(who.user_id),
                read_at: Set(Utc::now()),
            })
            .on_conflict(
                OnConflict::columns([notice_reads::Column::NoticeId, notice_reads::Column::UserId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
            read_at = notice_reads::Entity::find_by_id((id, who.user_id))
                .one(db)
                .await?
                .map(|r| r.read_at);
        }
    }
    let units = units_of(db, id).await?;
    Ok(view(n, units, read_at))
}

/// The sender's list: every notice, newest first, with how many of its readers read it.
pub async fn sent(
    db: &impl ConnectionTrait,
    who: &Principal,
    paging: Paging,
) -> AppResult<Page<SentNotice>> {
    who.require(perm::NOTICE_EDIT)?;
    let q = notices::Entity::find();
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(notices::Column::Id)
        .offset(paging.checked()?.offset())
        .limit(paging.limit())
        .all(db)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for n in rows {
        let readers = readers(db, &n).await?;
        let read = notice_reads::Entity::find()
            .filter(notice_reads::Column::NoticeId.eq(n.id))
            .filter(notice_reads::Column::UserId.is_in(readers.iter().map(|u| u.id)))
            .count(db)
            .await?;
        items.push(SentNotice {
            id: n.id,
            title: n.title,
            to_all: n.to_all,
            author: n.author,
            created_at: n.created_at,
            updated_at: n.updated_at,
            withdrawn_at: n.withdrawn_at,
            readers: readers.len() as u64,
            read,
        });
    }
    Ok(Page { items, total })
}

/// The active users a notice is addressed to.
async fn readers(db: &impl ConnectionTrait, n: &notices::Model) -> AppResult<Vec<users::Model>> {
    let mut q = users::Entity::find().filter(users::Column::Active.eq(true));
    if !n.to_all {
        q = q.filter(
            users::Column::UnitId.in_subquery(
                Query::select()
                    .column(unit_closure::Column::DescendantId)
                    .from(unit_closure::Entity)
                    .and_where(
                        Expr::col(unit_closure::Column::AncestorId).in_subquery(
                            Query::select()
                                .column(notice_units::Column::UnitId)
                                .from(notice_units::Entity)
                                .and_where(Expr::col(notice_units::Column::NoticeId).eq(n.id))
                                .to_owned(),
                        ),
                    )
                    .to_owned(),
            ),
        );
    }
    Ok(q.order_by_asc(users::Column::Id).all(db).await?)
}

/// Who has read a notice (first read, earliest first) and who has not.
pub async fn receipts(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<Receipts> {
    who.require(perm::NOTICE_EDIT)?;
    let n = notices::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let people = readers(db, &n).await?;
    let reads: HashMap<i64, DateTime<Utc>> = notice_reads::Entity::find()
        .filter(notice_reads::Column::NoticeId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.user_id, r.read_at))
        .collect();
    let unit_ids: HashSet<i64> = people.iter().filter_map(|u| u.unit_id).collect();
    let unit_names: HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(unit_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let (mut read, mut unread) = (Vec::new(), Vec::new());
    for u in people {
        let r = Receipt {
            user_id: u.id,
            username: u.username,
            display_name: u.display_name,
            unit: u.unit_id.and_then(|i| unit_names.get(&i).cloned()),
            read_at: reads.get(&u.id).copied(),
        };
        if r.read_at.is_some() {
            read.push(r);
        } else {
            unread.push(r);
        }
    }
    read.sort_by_key(|r| r.read_at);
    let units = units_of(db, id).await?;
    Ok(Receipts {
        notice: view(n, units, None),
        read,
        unread,
    })
}
