//! Files on cases and inspections: photos of a checkpoint, scanned replies, rectification
//! reports. At most 10 files of 10 MB each per upload; stored in the database (so backups and
//! replicas carry them) with their SHA-256; always served as downloads.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::access::Principal;
use crate::entities::{attachment_blobs, attachments, cases};
use crate::error::{AppError, AppResult, FieldError};

pub const MAX_BYTES: usize = 10 * 1024 * 1024;
pub const MAX_FILES: usize = 10;

pub use lianxin_kernel::http::Upload;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    /// Where to download it.
    pub href: String,
}

impl From<attachments::Model> for AttachmentView {
    fn from(a: attachments::Model) -> Self {
        AttachmentView {
            href: format!("/api/v1/attachments/{}", a.id),
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size: a.size,
            sha256: a.sha256,
            uploaded_by: a.uploaded_by,
            created_at: a.created_at,
        }
    }
}

pub fn validate(uploads: &[Upload]) -> AppResult<()> {
    let mut errors = Vec::new();
    if uploads.is_empty() {
        errors.push(FieldError::required("file", "附件", "A file"));
    }
    if uploads.len() > MAX_FILES {
        errors.push(FieldError::new(
            "file",
            "length",
            format!("一次最多上传 {MAX_FILES} 个文件"),
            format!("at most {MAX_FILES} files at once"),
        ));
    }
    for u in uploads {
        if u.bytes.is_empty() {
            errors.push(FieldError::new(
                "file",
                "empty",
                format!("文件“{}”是空的", u.filename),
                format!("'{}' is empty", u.filename),
            ));
        } else if u.bytes.len() > MAX_BYTES {
            errors.push(FieldError::new(
                "file",
                "size",
                format!("文件“{}”超过 10 MB", u.filename),
                format!("'{}' is larger than 10 MB", u.filename),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The last path segment of what the browser sent, without control characters, at most 200.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    let cleaned = cleaned.trim().to_owned();
    if cleaned.is_empty() {
        "附件".to_owned()
    } else {
        cleaned
    }
}

pub async fn store(
    db: &impl ConnectionTrait,
    who: &Principal,
    case_id: Option<i64>,
    inspection_id: Option<i64>,
    u: &Upload,
    at: DateTime<Utc>,
) -> AppResult<attachments::Model> {
    let content_type: String = u
        .content_type
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(100)
        .collect();
    let a = attachments::ActiveModel {
        case_id: Set(case_id),
        inspection_id: Set(inspection_id),
        filename: Set(clean_filename(&u.filename)),
        content_type: Set(if content_type.is_empty() {
            "application/octet-stream".into()
        } else {
            content_type
        }),
        size: Set(u.bytes.len() as i64),
        sha256: Set(hex::encode(Sha256::digest(&u.bytes))),
        uploaded_by: Set(if who.display_name.is_empty() {
            who.username.clone()
        } else {
            who.display_name.clone()
        }),
        user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(db)
    .await?;
    attachment_blobs::ActiveModel {
        id: Set(a.id),
        data: Set(u.bytes.clone()),
    }
    .insert(db)
    .await?;
    Ok(a)
}

pub async fn of_case(db: &impl ConnectionTrait, case_id: i64) -> AppResult<Vec<AttachmentView>> {
    Ok(attachments::Entity::find()
        .filter(attachments::Column::CaseId.eq(case_id))
        .order_by_asc(attachments::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

pub async fn of_inspection(db: &impl ConnectionTrait, id: i64) -> AppResult<Vec<AttachmentView>> {
    Ok(attachments::Entity::find()
        .filter(attachments::Column::InspectionId.eq(id))
        .order_by_asc(attachments::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect())
}

/// Adds files to an inspection (its record: photos, sign-in sheets, minutes).
pub async fn attach_to_inspection<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    uploads: Vec<Upload>,
    at: DateTime<Utc>,
) -> AppResult<Vec<attachments::Model>> {
    who.require(crate::perm::INSPECTION_ADD)?;
    super::inspections::get(db, who, id, crate::i18n::Lang::Zh).await?;
    validate(&uploads)?;
    // Every file and the audit row, or nothing (never half an upload).
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let mut out = Vec::new();
    for u in &uploads {
        out.push(store(&txn, who, None, Some(id), u, at).await?);
    }
    crate::audit::record_event(
        &txn,
        who,
        crate::audit::Action::Update,
        "inspection",
        Some(id),
        format!("attach {}", out.len()),
        crate::audit::Event::new("inspection.attach", serde_json::json!({ "n": out.len() })),
    )
    .await?;
    txn.commit().await?;
    Ok(out)
}

/// The file, if the caller may see what it is attached to (else 404). Cases and inspections
/// both need `case:list`, checked before any query: without it every attachment, missing or
/// not, is 403 alike.
pub async fn download(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<(attachments::Model, Vec<u8>)> {
    who.require(crate::perm::CASE_LIST)?;
    let a = attachments::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if let Some(case_id) = a.case_id {
        crate::paging::find_visible::<cases::Entity>(db, &who.scope, case_id).await?;
    } else if let Some(iid) = a.inspection_id {
        super::inspections::get(db, who, iid, crate::i18n::Lang::Zh).await?;
    } else if let Some(vid) = a.visit_id {
        // A visit's photo (the enterprise service area's `visits`, named by table: this area
        // does not depend on that one): visible with the visit's firm.
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
        let visible = crate::entities::enterprises::Entity::find()
            .filter(who.scope.enterprises_with_dependents())
            .filter(
                crate::entities::enterprises::Column::Id.in_subquery(
                    Query::select()
                        .column(Alias::new("enterprise_id"))
                        .from(Alias::new("visits"))
                        .and_where(Expr::col(Alias::new("id")).eq(vid))
                        .take(),
                ),
            )
            .one(db)
            .await?;
        if visible.is_none() {
            return Err(AppError::NotFound);
        }
    } else {
        return Err(AppError::NotFound);
    }
    let blob = attachment_blobs::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((a, blob.data))
}
