//! Applications to jobs made without an account (C8): anyone applies to an open job with a
//! name, a mobile phone and a message, saying whether they are an employment-assistance
//! target; the phone is sealed and kept with its keyed hash (one application per phone and
//! job: a repeat is linked, never doubled), the address only as a keyed hash; both hashes
//! bound how often one may apply. The applicant follows the answer by an unguessable
//! reference; the firm answers each application in one click (invite, reject, hire), never
//! hiring one person twice nor more people than the job has positions.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{enterprises, job_applications, jobs};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging, find_visible};
use crate::perm;
use crate::text::{optional_text, parse_code, required_text};

/// Not answered yet.
pub const NEW: &str = "new";
/// Invited to an interview.
pub const INVITED: &str = "invited";
/// Not taken.
pub const REJECTED: &str = "rejected";
/// Hired.
pub const HIRED: &str = "hired";

/// The longest message an applicant may send.
pub const MAX_MESSAGE: usize = 2000;
/// The longest name.
pub const MAX_NAME: usize = 50;
/// The reference's characters: digits and capitals without the look-alikes 0/O, 1/I/L.
const REFERENCE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// The reference's length (31^14, about 69 bits: not guessable).
const REFERENCE_LEN: usize = 14;

/// An application as sent.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    #[schema(required = true, nullable = false, min_length = 1, max_length = 50)]
    pub name: Option<String>,
    /// A mainland mobile number (11 digits, 1[3-9]…).
    #[schema(required = true, nullable = false, example = "13803710001")]
    pub phone: Option<String>,
    #[schema(max_length = 2000)]
    pub message: Option<String>,
    /// Null, or the employment-assistance target the applicant says they are:
    /// `long_term_unemployed`, `disabled` or `low_income`.
    pub assistance: Option<String>,
}

/// What the applicant gets back: the reference to follow the answer with.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Applied {
    pub reference: String,
    /// `false` when the same phone had already applied to this job (the existing reference).
    #[serde(skip)]
    pub created: bool,
}

/// An application's status as the applicant reads it by reference: no name, phone or
/// message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationStatus {
    pub reference: String,
    pub job_id: i64,
    pub job_title: String,
    pub enterprise_name: String,
    /// `new`, `invited`, `rejected` or `hired`.
    pub status: String,
    pub applied_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// An application as the firm reads it: with the phone, so the firm can call.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub id: i64,
    pub job_id: i64,
    pub name: String,
    /// The phone, opened from its seal (empty if the seal cannot be opened).
    pub phone: String,
    pub message: Option<String>,
    pub assistance: Option<String>,
    /// `new`, `invited`, `rejected` or `hired`.
    pub status: String,
    /// How many times the same phone applied to this job again.
    pub repeats: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// The firm's answer to an application.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    /// `invite`, `reject` or `hire`.
    #[schema(required = true, nullable = false)]
    pub action: Option<String>,
    /// The version read.
    #[schema(required = true, nullable = false)]
    pub version: Option<i32>,
}

fn key() -> AppResult<std::sync::Arc<lianxin_kernel::secret::InstallationKey>> {
    lianxin_kernel::secret::current().map_err(AppError::internal)
}

/// The phone an application is kept under: its keyed hash.
pub fn phone_hash(phone: &str) -> AppResult<String> {
    Ok(key()?.keyed_hash(&format!("job-phone:{phone}")))
}

fn address_hash(ip: &str) -> AppResult<String> {
    Ok(key()?.keyed_hash(&format!("job-address:{ip}")))
}

/// The phone as stored, opened (empty if it does not open).
pub fn open_phone(sealed: &str) -> String {
    key().ok().and_then(|k| k.open(sealed)).unwrap_or_default()
}

/// A new reference: 14 characters drawn from the OS's random source.
pub fn new_reference() -> String {
    use rand::Rng;
    let mut rng = rand::rngs::OsRng;
    (0..REFERENCE_LEN)
        .map(|_| REFERENCE_ALPHABET[rng.gen_range(0..REFERENCE_ALPHABET.len())] as char)
        .collect()
}

/// The job, open for applications today: 404 if there is none, 410 if closed or expired.
pub async fn open_job(db: &impl ConnectionTrait, job_id: i64) -> AppResult<jobs::Model> {
    let j = jobs::Entity::find_by_id(job_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    match crate::jobs::status_on(&j, crate::jobs::today()) {
        crate::jobs::OPEN => Ok(j),
        crate::jobs::CLOSED => Err(AppError::Gone {
            zh: "该岗位已停止招聘".into(),
            en: "this job is closed".into(),
        }),
        _ => Err(AppError::Gone {
            zh: "该岗位已过报名截止日期".into(),
            en: "this job's closing date has passed".into(),
        }),
    }
}

struct Valid {
    name: String,
    phone: String,
    message: Option<String>,
    assistance: Option<String>,
}

fn validate(input: ApplicationInput) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let name = required_text(&mut errors, "name", input.name, MAX_NAME, "姓名", "Name");
    let phone = match crate::text::clean(input.phone) {
        None => {
            errors.push(FieldError::required("phone", "手机号", "Phone"));
            String::new()
        }
        Some(p) => match lianxin_types::Phone::parse(&p) {
            Ok(p) if p.is_mobile() => p.as_str().to_owned(),
            _ => {
                errors.push(FieldError::new(
                    "phone",
                    "format",
                    "请填写 11 位手机号码",
                    "phone must be an 11-digit mainland mobile number",
                ));
                String::new()
            }
        },
    };
    let message = optional_text(
        &mut errors,
        "message",
        input.message,
        MAX_MESSAGE,
        "留言",
        "Message",
    );
    let assistance = parse_code(
        &mut errors,
        "assistance",
        input.assistance.as_deref(),
        crate::ASSISTANCE,
        "就业援助对象类别",
        "assistance",
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid {
        name,
        phone,
        message,
        assistance,
    })
}

fn setting(key: &str) -> AppResult<&'static lianxin_kernel::settings::Setting> {
    crate::area()
        .settings
        .iter()
        .find(|s| s.key == key)
        .ok_or_else(|| AppError::internal(format!("setting {key}")))
}

/// 429 when the phone, or the address, made its hour's allowance of applications already.
/// The wait is until the oldest of the hour's applications is an hour old.
async fn check_rate(
    db: &impl ConnectionTrait,
    phone_hash: &str,
    ip_hash: Option<&str>,
) -> AppResult<()> {
    let now = Utc::now();
    let since = now - Duration::hours(1);
    let per_phone = lianxin_kernel::settings::int(db, setting(crate::APPLY_PER_PHONE)?).await?;
    let per_address = lianxin_kernel::settings::int(db, setting(crate::APPLY_PER_ADDRESS)?).await?;
    let mut checks = vec![(job_applications::Column::PhoneHash, phone_hash, per_phone)];
    if let Some(ip) = ip_hash {
        checks.push((job_applications::Column::IpHash, ip, per_address));
    }
    for (col, hash, limit) in checks {
        let recent = job_applications::Entity::find()
            .filter(col.eq(hash))
            .filter(job_applications::Column::CreatedAt.gt(since));
        let n = recent.clone().count(db).await?;
        if n < u64::try_from(limit.max(0)).unwrap_or(0) {
            continue;
        }
        let oldest = recent
            .order_by_asc(job_applications::Column::CreatedAt)
            .one(db)
            .await?
            .map(|a| a.created_at)
            .unwrap_or(now);
        let secs = (oldest + Duration::hours(1) - now)
            .num_seconds()
            .clamp(60, 3600);
        let secs = u64::try_from(secs).unwrap_or(3600);
        let minutes = secs.div_ceil(60);
        return Err(AppError::TooManyRequestsBecause {
            retry_after_secs: secs,
            zh: format!("投递过于频繁，请 {minutes} 分钟后再试"),
            en: format!("too many applications; please try again in {minutes} minutes"),
        });
    }
    Ok(())
}

/// Applies to an open job, without an account. The same phone for the same job again
/// answers the existing reference (`created: false`), counts the repeat and keeps the newest
/// message and assistance claim when they are sent; never a second row, even when two
/// requests race (the unique index decides and the loser reads the winner's row).
pub async fn apply<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    job_id: i64,
    input: ApplicationInput,
    client_ip: Option<&str>,
) -> AppResult<Applied> {
    let job = open_job(db, job_id).await?;
    let v = validate(input)?;
    let phone_hash = phone_hash(&v.phone)?;
    let ip_hash = client_ip.map(address_hash).transpose()?;
    check_rate(db, &phone_hash, ip_hash.as_deref()).await?;
    if let Some(reference) = repeat(db, &job, &phone_hash, &v).await? {
        return Ok(Applied {
            reference,
            created: false,
        });
    }
    let now = Utc::now();
    let am = job_applications::ActiveModel {
        job_id: Set(job.id),
        reference: Set(new_reference()),
        name: Set(v.name.clone()),
        phone_sealed: Set(key()?.seal(&v.phone)),
        phone_hash: Set(phone_hash.clone()),
        ip_hash: Set(ip_hash),
        message: Set(v.message.clone()),
        assistance: Set(v.assistance.clone()),
        status: Set(NEW.into()),
        repeats: Set(0),
        version: Set(1),
        answered_by_user_id: Set(None),
        answered_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    // Under the job's row lock, as a delete or a close takes it: a job deleted or closed
    // meanwhile answers 404 or 410, never a refused foreign key.
    lianxin_kernel::db::lock_row(&txn, "jobs", job.id).await?;
    open_job(&txn, job.id).await?;
    let row = match am.insert(&txn).await {
        Ok(row) => row,
        Err(e) if crate::error::is_unique_violation(&e) => {
            // A concurrent application of the same phone to the same job won the race.
            txn.rollback().await?;
            return match repeat(db, &job, &phone_hash, &v).await? {
                Some(reference) => Ok(Applied {
                    reference,
                    created: false,
                }),
                None => Err(e.into()),
            };
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        &Principal::system("public"),
        Action::Create,
        "job_application",
        Some(row.id),
        format!("应聘「{}」（公共招聘平台）", job.title),
    )
    .await?;
    txn.commit().await?;
    Ok(Applied {
        reference: row.reference,
        created: true,
    })
}

/// The existing application of this phone to this job, counted as a repeat.
async fn repeat<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    job: &jobs::Model,
    phone_hash: &str,
    v: &Valid,
) -> AppResult<Option<String>> {
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let Some(existing) = job_applications::Entity::find()
        .filter(job_applications::Column::JobId.eq(job.id))
        .filter(job_applications::Column::PhoneHash.eq(phone_hash))
        .one(&txn)
        .await?
    else {
        txn.rollback().await?;
        return Ok(None);
    };
    let reference = existing.reference.clone();
    let mut am: job_applications::ActiveModel = existing.clone().into();
    am.repeats = Set(existing.repeats.saturating_add(1));
    if v.message.is_some() {
        am.message = Set(v.message.clone());
    }
    if v.assistance.is_some() {
        am.assistance = Set(v.assistance.clone());
    }
    am.updated_at = Set(Utc::now());
    am.update(&txn).await?;
    audit::record(
        &txn,
        &Principal::system("public"),
        Action::Update,
        "job_application",
        Some(existing.id),
        format!("再次应聘「{}」（已关联原申请）", job.title),
    )
    .await?;
    txn.commit().await?;
    Ok(Some(reference))
}

/// An application's status by its reference (404 for an unknown one): the job, the firm, the
/// status and the dates only.
pub async fn status(db: &impl ConnectionTrait, reference: &str) -> AppResult<ApplicationStatus> {
    let reference = reference.trim().to_ascii_uppercase();
    if reference.is_empty() || reference.len() > 32 {
        return Err(AppError::NotFound);
    }
    let a = job_applications::Entity::find()
        .filter(job_applications::Column::Reference.eq(reference))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let j = jobs::Entity::find_by_id(a.job_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let firm = enterprises::Entity::find_by_id(j.enterprise_id)
        .one(db)
        .await?
        .map(|e| e.name)
        .unwrap_or_default();
    Ok(ApplicationStatus {
        reference: a.reference,
        job_id: j.id,
        job_title: j.title,
        enterprise_name: firm,
        status: a.status,
        applied_at: a.created_at,
        answered_at: a.answered_at,
    })
}

pub fn view(a: job_applications::Model) -> ApplicationView {
    ApplicationView {
        phone: open_phone(&a.phone_sealed),
        id: a.id,
        job_id: a.job_id,
        name: a.name,
        message: a.message,
        assistance: a.assistance,
        status: a.status,
        repeats: a.repeats,
        version: a.version,
        created_at: a.created_at,
        updated_at: a.updated_at,
        answered_at: a.answered_at,
    }
}

/// The applications to a job in the caller's scope (`job:list`; else 404), newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    job_id: i64,
    paging: Paging,
) -> AppResult<Page<ApplicationView>> {
    who.require(perm::JOB_LIST)?;
    find_visible::<jobs::Entity>(db, &who.scope, job_id).await?;
    let q = job_applications::Entity::find().filter(job_applications::Column::JobId.eq(job_id));
    let page = crate::paging::paged(db, q, job_applications::Column::Id, true, paging).await?;
    let ids: Vec<i64> = page.items.iter().map(|a| a.id).collect();
    audit_phones(db, who, job_id, &ids).await?;
    Ok(Page {
        total: page.total,
        items: page.items.into_iter().map(view).collect(),
    })
}

/// The firm reads its applicants' phones opened from their seals: each read is in the audit
/// log, as the assistance list's are.
async fn audit_phones(
    db: &impl ConnectionTrait,
    who: &Principal,
    job_id: i64,
    ids: &[i64],
) -> AppResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    crate::audit::record(
        db,
        who,
        crate::audit::Action::ReadSensitive,
        "job_application",
        (ids.len() == 1).then(|| ids[0]),
        format!(
            "岗位 #{job_id} 的应聘者：{} 名的手机号 {:?}",
            ids.len(),
            ids
        ),
    )
    .await
}

/// One application to a job in the caller's scope (`job:list`; else 404).
pub async fn get(
    db: &impl ConnectionTrait,
    who: &Principal,
    job_id: i64,
    application_id: i64,
) -> AppResult<ApplicationView> {
    who.require(perm::JOB_LIST)?;
    find_visible::<jobs::Entity>(db, &who.scope, job_id).await?;
    let a = job_applications::Entity::find_by_id(application_id)
        .filter(job_applications::Column::JobId.eq(job_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    audit_phones(db, who, job_id, &[a.id]).await?;
    Ok(view(a))
}

/// How many of a job's applications are hired.
pub async fn hires(db: &impl ConnectionTrait, job_id: i64) -> AppResult<u64> {
    Ok(job_applications::Entity::find()
        .filter(job_applications::Column::JobId.eq(job_id))
        .filter(job_applications::Column::Status.eq(HIRED))
        .count(db)
        .await?)
}

/// The firm answers an application (`job:edit`, the job writable): `invite` (new → invited),
/// `reject` (new or invited → rejected), `hire` (invited → hired, while the job has positions
/// left). The job's row is locked first, so two hires at once never exceed its positions.
pub async fn act<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    job_id: i64,
    application_id: i64,
    input: ActionInput,
) -> AppResult<ApplicationView> {
    who.require(perm::JOB_EDIT)?;
    let action = match input.action.as_deref().map(str::trim) {
        Some(a @ ("invite" | "reject" | "hire")) => a.to_owned(),
        None | Some("") => {
            return Err(AppError::invalid(FieldError::required(
                "action", "操作", "Action",
            )));
        }
        Some(_) => {
            return Err(AppError::invalid(FieldError::new(
                "action",
                "unknown",
                "操作须为 invite（邀请面试）、reject（不录用）或 hire（录用）",
                "action must be invite, reject or hire",
            )));
        }
    };
    let version = crate::paging::version_required(input.version)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "jobs", job_id).await?;
    let job = find_visible::<jobs::Entity>(&txn, &who.scope, job_id).await?;
    crate::paging::ensure_writable::<jobs::Entity>(&txn, who, job_id).await?;
    let a = job_applications::Entity::find_by_id(application_id)
        .filter(job_applications::Column::JobId.eq(job_id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if a.version != version {
        return Err(crate::paging::stale(view(a)));
    }
    let refuse = |zh: &str, en: &str, a: job_applications::Model| AppError::ConflictWith {
        zh: zh.into(),
        en: en.into(),
        current: Box::new(serde_json::to_value(view(a)).unwrap_or_default()),
    };
    let to = match (action.as_str(), a.status.as_str()) {
        ("hire", HIRED) => {
            return Err(refuse(
                "该应聘者已录用，不能重复录用",
                "this applicant is already hired",
                a,
            ));
        }
        ("hire", INVITED) => {
            if hires(&txn, job_id).await? >= u64::try_from(job.positions.max(0)).unwrap_or(0) {
                return Err(refuse(
                    "招聘人数已满",
                    "all of the job's positions are filled",
                    a,
                ));
            }
            HIRED
        }
        ("hire", NEW) => {
            return Err(refuse(
                "请先邀请面试，再录用",
                "invite the applicant to an interview before hiring",
                a,
            ));
        }
        ("invite", NEW) => INVITED,
        ("invite", INVITED) => {
            return Err(refuse(
                "已邀请过面试",
                "the applicant is already invited",
                a,
            ));
        }
        ("reject", NEW | INVITED) => REJECTED,
        (_, REJECTED) => {
            return Err(refuse(
                "该申请已答复为不录用，不能再更改",
                "the application was already turned down",
                a,
            ));
        }
        _ => {
            return Err(refuse(
                "该应聘者已录用，不能再更改",
                "the applicant is already hired",
                a,
            ));
        }
    };
    let now = Utc::now();
    let id = a.id;
    let mut am: job_applications::ActiveModel = a.into();
    am.status = Set(to.into());
    am.version = Set(version + 1);
    am.answered_by_user_id = Set((who.user_id > 0).then_some(who.user_id));
    am.answered_at = Set(Some(now));
    am.updated_at = Set(now);
    let row = am.update(&txn).await?;
    let said = match to {
        INVITED => "邀请面试",
        REJECTED => "不录用",
        _ => "录用",
    };
    audit::record(
        &txn,
        who,
        Action::Update,
        "job_application",
        Some(id),
        format!("答复「{}」的应聘申请 #{id}：{said}", job.title),
    )
    .await?;
    txn.commit().await?;
    Ok(view(row))
}
