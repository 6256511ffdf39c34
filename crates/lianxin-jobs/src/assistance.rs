//! Employment assistance (就业援助, C8): the district's staff with `employment:assist` see,
//! district-wide, the applications whose applicants say they are assistance targets (the
//! long-term unemployed, people with disabilities, members of low-income families), with the
//! job, the firm and the applicant's phone, and follow each up with notes. This is a door of
//! its own, not the scope: it needs no unit scope and gives no other right on the firms.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::access::Principal;
use crate::applications::open_phone;
use crate::audit::{self, Action};
use crate::entities::{assistance_followups, enterprises, job_applications, jobs};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging};
use crate::perm;
use crate::text::required_text;

/// The longest follow-up note.
pub const MAX_NOTE: usize = 2000;

/// The list's filters.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssistanceFilter {
    /// `long_term_unemployed`, `disabled` or `low_income`.
    pub assistance: Option<String>,
    /// `new`, `invited`, `rejected` or `hired`.
    pub status: Option<String>,
}

/// One follow-up note.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FollowupView {
    pub id: i64,
    pub application_id: i64,
    pub note: String,
    /// Who wrote it (display name), if a user.
    pub by: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An application that claims assistance, as the assistance staff see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssistedApplication {
    pub id: i64,
    pub job_id: i64,
    pub job_title: String,
    pub enterprise_name: String,
    pub name: String,
    pub phone: String,
    /// `long_term_unemployed`, `disabled` or `low_income`.
    pub assistance: String,
    pub assistance_label: String,
    /// `new`, `invited`, `rejected` or `hired`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub followups: Vec<FollowupView>,
}

/// A follow-up as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FollowupInput {
    #[schema(required = true, nullable = false, min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

fn bad_filter(field: &str, zh: &str, en: &str) -> AppError {
    AppError::invalid(FieldError::new(field, "unknown", zh, en))
}

/// The applications that claim assistance, district-wide, newest first, each with its
/// follow-ups (oldest first).
pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &AssistanceFilter,
    paging: Paging,
    lang: lianxin_kernel::i18n::Lang,
) -> AppResult<Page<AssistedApplication>> {
    who.require(perm::EMPLOYMENT_ASSIST)?;
    let mut q =
        job_applications::Entity::find().filter(job_applications::Column::Assistance.is_not_null());
    if let Some(code) = f
        .assistance
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !crate::ASSISTANCE.iter().any(|(c, _, _)| *c == code) {
            return Err(bad_filter(
                "assistance",
                "援助对象类别须为 long_term_unemployed、disabled 或 low_income",
                "assistance must be long_term_unemployed, disabled or low_income",
            ));
        }
        q = q.filter(job_applications::Column::Assistance.eq(code));
    }
    if let Some(s) = f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        if !crate::APPLICATION_STATUS.iter().any(|(c, _, _)| *c == s) {
            return Err(bad_filter(
                "status",
                "状态须为 new、invited、rejected 或 hired",
                "status must be new, invited, rejected or hired",
            ));
        }
        q = q.filter(job_applications::Column::Status.eq(s));
    }
    let page = crate::paging::paged(db, q, job_applications::Column::Id, true, paging).await?;
    let job_ids: Vec<i64> = page.items.iter().map(|a| a.job_id).collect();
    let app_ids: Vec<i64> = page.items.iter().map(|a| a.id).collect();
    let jobs: HashMap<i64, jobs::Model> = jobs::Entity::find()
        .filter(jobs::Column::Id.is_in(job_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|j| (j.id, j))
        .collect();
    let firms: HashMap<i64, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(jobs.values().map(|j| j.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let mut notes: HashMap<i64, Vec<FollowupView>> = HashMap::new();
    for n in followups_of(db, &app_ids).await? {
        notes.entry(n.application_id).or_default().push(n);
    }
    // The phones of people who said they are vulnerable, read district-wide: each read is
    // in the audit log, as unmasked personal numbers are.
    if !app_ids.is_empty() {
        crate::audit::record(
            db,
            who,
            crate::audit::Action::ReadSensitive,
            "job_application",
            (app_ids.len() == 1).then(|| app_ids[0]),
            format!(
                "就业援助名单：{} 名应聘者的手机号 {:?}",
                app_ids.len(),
                app_ids
            ),
        )
        .await?;
    }
    let items = page
        .items
        .into_iter()
        .map(|a| {
            let job = jobs.get(&a.job_id);
            let assistance = a.assistance.unwrap_or_default();
            AssistedApplication {
                phone: open_phone(&a.phone_sealed),
                job_title: job.map(|j| j.title.clone()).unwrap_or_default(),
                enterprise_name: job
                    .and_then(|j| firms.get(&j.enterprise_id).cloned())
                    .unwrap_or_default(),
                assistance_label: crate::ASSISTANCE.label(&assistance, lang),
                assistance,
                followups: notes.remove(&a.id).unwrap_or_default(),
                id: a.id,
                job_id: a.job_id,
                name: a.name,
                status: a.status,
                created_at: a.created_at,
            }
        })
        .collect();
    Ok(Page {
        total: page.total,
        items,
    })
}

async fn followups_of(db: &impl ConnectionTrait, app_ids: &[i64]) -> AppResult<Vec<FollowupView>> {
    use lianxin_kernel::entities::users;
    if app_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = assistance_followups::Entity::find()
        .filter(assistance_followups::Column::ApplicationId.is_in(app_ids.iter().copied()))
        .order_by_asc(assistance_followups::Column::Id)
        .all(db)
        .await?;
    let names: HashMap<i64, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().filter_map(|r| r.created_by_user_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|r| FollowupView {
            by: r.created_by_user_id.and_then(|u| names.get(&u).cloned()),
            id: r.id,
            application_id: r.application_id,
            note: r.note,
            created_at: r.created_at,
        })
        .collect())
}

/// Adds a follow-up note to an application that claims assistance (`employment:assist`;
/// any other application: 404).
pub async fn add_followup<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    application_id: i64,
    input: FollowupInput,
) -> AppResult<FollowupView> {
    who.require(perm::EMPLOYMENT_ASSIST)?;
    let mut errors = Vec::new();
    let note = required_text(
        &mut errors,
        "note",
        input.note,
        MAX_NOTE,
        "跟进记录",
        "Note",
    );
    let txn = lianxin_kernel::db::begin_write(db).await?;
    job_applications::Entity::find_by_id(application_id)
        .filter(job_applications::Column::Assistance.is_not_null())
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let row = assistance_followups::ActiveModel {
        application_id: Set(application_id),
        note: Set(note),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "assistance_followup",
        Some(row.id),
        format!("就业援助跟进应聘申请 #{application_id}"),
    )
    .await?;
    txn.commit().await?;
    Ok(FollowupView {
        by: Some(who.display_name.clone()).filter(|n| !n.is_empty()),
        id: row.id,
        application_id: row.application_id,
        note: row.note,
        created_at: row.created_at,
    })
}
