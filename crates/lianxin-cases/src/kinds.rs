//! Case kinds and their categories: data, not code. Every installation starts with the four
//! kinds of the seed; an administrator adds kinds and categories (and changes time limits)
//! without a release.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{case_categories, case_kinds};
use crate::error::{AppError, AppResult, FieldError};
use crate::perm;
use crate::text::optional_text;
use crate::text::parse_code;
use crate::text::required_text;

struct BuiltinKind {
    code: &'static str,
    name_zh: &'static str,
    name_en: &'static str,
    subject: &'static str,
    working_days: i32,
    urgent_hours: i32,
    needs_verification: bool,
    raise_roles: &'static str,
    categories: &'static [(&'static str, &'static str, &'static str)],
}

const BUILTIN_KINDS: &[BuiltinKind] = &[
    BuiltinKind {
        code: "enterprise_appeal",
        name_zh: "企业诉求",
        name_en: "Enterprise appeal",
        subject: "enterprise",
        working_days: 5,
        urgent_hours: 24,
        needs_verification: false,
        raise_roles: "",
        categories: &[
            ("permits", "证照审批", "Permits and approvals"),
            ("workforce", "用工招聘", "Workforce and hiring"),
            ("supplies", "防疫物资", "Protective supplies"),
            ("finance", "融资信贷", "Loans and finance"),
            ("logistics", "物流运输", "Logistics and transport"),
            ("policy", "政策兑现", "Policy benefits"),
            ("utilities", "水电气暖", "Water, power, gas, heating"),
            ("appeal_other", "其他诉求", "Other appeals"),
        ],
    },
    BuiltinKind {
        code: "supervision_finding",
        name_zh: "督查问题",
        name_en: "Supervision finding",
        subject: "unit",
        working_days: 5,
        urgent_hours: 24,
        needs_verification: true,
        raise_roles: "admin,leader,supervisor",
        categories: &[
            (
                "prevention",
                "防控措施落实",
                "Epidemic measures not in place",
            ),
            ("work_style", "工作作风", "Work style"),
            ("inaction", "慢作为不作为", "Slow action or inaction"),
            ("enterprise_service", "服务企业", "Service to enterprises"),
            ("finding_other", "其他问题", "Other findings"),
        ],
    },
    BuiltinKind {
        code: "meeting_issue",
        name_zh: "会商议题",
        name_en: "Meeting issue",
        subject: "any",
        working_days: 10,
        urgent_hours: 48,
        needs_verification: false,
        raise_roles: "",
        categories: &[
            (
                "entrepreneur_meeting",
                "企业家会商",
                "Entrepreneur consultation",
            ),
            ("major_project", "重大项目例会", "Major-project meeting"),
        ],
    },
    BuiltinKind {
        code: "rectification",
        name_zh: "整改事项",
        name_en: "Rectification item",
        subject: "unit",
        working_days: 15,
        urgent_hours: 72,
        needs_verification: true,
        raise_roles: "admin,leader,supervisor",
        categories: &[
            ("service_attitude", "服务态度", "Service attitude"),
            ("project_landing", "项目落地难", "Projects that cannot land"),
            (
                "enterprise_cost",
                "企业成本高",
                "High costs for enterprises",
            ),
            ("rectification_other", "其他整改", "Other rectification"),
        ],
    },
    BuiltinKind {
        code: "fever_followup",
        name_zh: "发热随访",
        name_en: "Fever follow-up",
        subject: "unit",
        working_days: 1,
        urgent_hours: 24,
        needs_verification: false,
        raise_roles: "",
        categories: &[
            ("retest", "复测", "Retest"),
            (
                "clinic_referral",
                "转诊发热门诊",
                "Referral to a fever clinic",
            ),
            ("home_observation", "居家观察", "Home observation"),
        ],
    },
];

/// Creates the built-in kinds and categories that are missing (run at every start;
/// idempotent; never overwrites an administrator's changes).
pub async fn ensure_builtin_kinds(db: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    for (i, k) in BUILTIN_KINDS.iter().enumerate() {
        let kind = match case_kinds::Entity::find()
            .filter(case_kinds::Column::Code.eq(k.code))
            .one(db)
            .await?
        {
            Some(kind) => kind,
            None => {
                case_kinds::ActiveModel {
                    code: Set(k.code.to_owned()),
                    name_zh: Set(k.name_zh.to_owned()),
                    name_en: Set(k.name_en.to_owned()),
                    subject: Set(k.subject.to_owned()),
                    working_days: Set(k.working_days),
                    response_working_days: Set(1),
                    urgent_hours: Set(k.urgent_hours),
                    urgent_response_hours: Set(2),
                    needs_verification: Set(k.needs_verification),
                    raise_roles: Set(k.raise_roles.to_owned()),
                    active: Set(true),
                    sort: Set(i as i32 + 1),
                    ..Default::default()
                }
                .insert(db)
                .await?
            }
        };
        for (j, (code, zh, en)) in k.categories.iter().enumerate() {
            let exists = case_categories::Entity::find()
                .filter(case_categories::Column::Code.eq(*code))
                .one(db)
                .await?
                .is_some();
            if !exists {
                case_categories::ActiveModel {
                    kind_id: Set(kind.id),
                    code: Set((*code).to_owned()),
                    name_zh: Set((*zh).to_owned()),
                    name_en: Set((*en).to_owned()),
                    description: Set(None),
                    working_days: Set(None),
                    active: Set(true),
                    sort: Set(j as i32 + 1),
                    ..Default::default()
                }
                .insert(db)
                .await?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub description: Option<String>,
    pub working_days: Option<i32>,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KindView {
    pub id: i64,
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    /// enterprise, unit or any
    pub subject: String,
    pub working_days: i32,
    pub response_working_days: i32,
    pub urgent_hours: i32,
    pub urgent_response_hours: i32,
    pub needs_verification: bool,
    /// Role codes that may raise this kind (empty: anyone with `case:raise`).
    pub raise_roles: Vec<String>,
    pub active: bool,
    pub categories: Vec<CategoryView>,
}

impl KindView {
    /// Whether the kind is limited to `role` among others (the role editor's tick).
    pub fn may_raise(&self, role: &str) -> bool {
        self.raise_roles.iter().any(|r| r == role)
    }
}

impl From<case_categories::Model> for CategoryView {
    fn from(c: case_categories::Model) -> Self {
        CategoryView {
            id: c.id,
            code: c.code,
            name_zh: c.name_zh,
            name_en: c.name_en,
            description: c.description,
            working_days: c.working_days,
            active: c.active,
        }
    }
}

pub fn roles_of(kind: &case_kinds::Model) -> Vec<String> {
    kind.raise_roles
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every kind with its categories (a handful of rows; read freely, no scope).
pub async fn list(db: &impl ConnectionTrait) -> AppResult<Vec<KindView>> {
    let kinds = case_kinds::Entity::find()
        .order_by_asc(case_kinds::Column::Sort)
        .order_by_asc(case_kinds::Column::Id)
        .all(db)
        .await?;
    let cats = case_categories::Entity::find()
        .order_by_asc(case_categories::Column::Sort)
        .order_by_asc(case_categories::Column::Id)
        .all(db)
        .await?;
    Ok(kinds
        .into_iter()
        .map(|k| KindView {
            raise_roles: roles_of(&k),
            categories: cats
                .iter()
                .filter(|c| c.kind_id == k.id)
                .cloned()
                .map(Into::into)
                .collect(),
            id: k.id,
            code: k.code,
            name_zh: k.name_zh,
            name_en: k.name_en,
            subject: k.subject,
            working_days: k.working_days,
            response_working_days: k.response_working_days,
            urgent_hours: k.urgent_hours,
            urgent_response_hours: k.urgent_response_hours,
            needs_verification: k.needs_verification,
            active: k.active,
        })
        .collect())
}

pub async fn by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> AppResult<Option<case_kinds::Model>> {
    Ok(case_kinds::Entity::find()
        .filter(case_kinds::Column::Code.eq(code))
        .one(db)
        .await?)
}

/// A kind or category given by its code or its id.
pub async fn find_kind(db: &impl ConnectionTrait, v: &str) -> AppResult<Option<case_kinds::Model>> {
    if let Ok(id) = v.parse::<i64>() {
        return Ok(case_kinds::Entity::find_by_id(id).one(db).await?);
    }
    by_code(db, v).await
}

pub async fn find_category(
    db: &impl ConnectionTrait,
    v: &str,
) -> AppResult<Option<case_categories::Model>> {
    if let Ok(id) = v.parse::<i64>() {
        return Ok(case_categories::Entity::find_by_id(id).one(db).await?);
    }
    Ok(case_categories::Entity::find()
        .filter(case_categories::Column::Code.eq(v))
        .one(db)
        .await?)
}

/// A new kind, or a new category of a kind.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct KindInput {
    /// Lower-case letters, digits and underscores.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 32,
        pattern = r"\S"
    )]
    pub code: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"\S"
    )]
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    /// enterprise, unit or any
    pub subject: Option<String>,
    #[schema(minimum = 1, maximum = 365)]
    pub working_days: Option<i32>,
    #[schema(minimum = 0, maximum = 30)]
    pub response_working_days: Option<i32>,
    #[schema(minimum = 1, maximum = 720)]
    pub urgent_hours: Option<i32>,
    #[schema(minimum = 1, maximum = 72)]
    pub urgent_response_hours: Option<i32>,
    pub needs_verification: Option<bool>,
    pub raise_roles: Option<Vec<String>>,
    /// false retires the kind (no new cases; existing ones go on).
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CategoryInput {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 32,
        pattern = r"\S"
    )]
    pub code: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"\S"
    )]
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub description: Option<String>,
    #[schema(minimum = 1, maximum = 365)]
    pub working_days: Option<i32>,
}

fn check_code(errors: &mut Vec<FieldError>, code: &str) {
    if !code.is_empty()
        && !code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        errors.push(FieldError::new(
            "code",
            "format",
            "编码只能包含小写字母、数字和下划线",
            "the code may only contain lower-case letters, digits and underscores",
        ));
    }
}

/// Each role that may raise a kind must exist.
async fn check_roles(
    db: &impl ConnectionTrait,
    errors: &mut Vec<FieldError>,
    roles: &Option<Vec<String>>,
) -> AppResult<()> {
    for r in roles.iter().flatten() {
        let known = crate::entities::roles::Entity::find()
            .filter(crate::entities::roles::Column::Code.eq(r.trim()))
            .one(db)
            .await?
            .is_some();
        if !known {
            let shown: String = r.chars().filter(|c| !c.is_control()).take(50).collect();
            errors.push(FieldError::new(
                "raise_roles",
                "unknown",
                format!("角色“{shown}”不存在"),
                format!("there is no role '{shown}'"),
            ));
        }
    }
    Ok(())
}

/// The time limits and raising roles of a kind, as created or changed.
async fn check_limits(
    db: &impl ConnectionTrait,
    errors: &mut Vec<FieldError>,
    input: &KindInput,
) -> AppResult<()> {
    check_range(errors, "working_days", input.working_days, 1, 365);
    check_range(
        errors,
        "response_working_days",
        input.response_working_days,
        0,
        30,
    );
    check_range(errors, "urgent_hours", input.urgent_hours, 1, 720);
    check_range(
        errors,
        "urgent_response_hours",
        input.urgent_response_hours,
        1,
        72,
    );
    check_roles(db, errors, &input.raise_roles).await
}

fn check_range(errors: &mut Vec<FieldError>, field: &str, v: Option<i32>, min: i32, max: i32) {
    if let Some(n) = v
        && !(min..=max).contains(&n)
    {
        errors.push(FieldError::new(
            field,
            "range",
            format!("{field} 必须在 {min} 到 {max} 之间"),
            format!("{field} must be between {min} and {max}"),
        ));
    }
}

pub async fn create_kind<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: KindInput,
) -> AppResult<case_kinds::Model> {
    who.require(perm::CASE_KINDS)?;
    let mut errors = Vec::new();
    check_limits(db, &mut errors, &input).await?;
    let code = required_text(&mut errors, "code", input.code, 32, "编码", "Code");
    check_code(&mut errors, &code);
    let name_zh = required_text(
        &mut errors,
        "name_zh",
        input.name_zh,
        50,
        "中文名称",
        "Chinese name",
    );
    let name_en = optional_text(
        &mut errors,
        "name_en",
        input.name_en,
        80,
        "英文名称",
        "English name",
    );
    let subject = parse_code(
        &mut errors,
        "subject",
        Some(input.subject.as_deref().unwrap_or("any")),
        super::SUBJECTS,
        "对象",
        "Subject",
    );
    if !code.is_empty() && by_code(db, &code).await?.is_some() {
        errors.push(FieldError::new(
            "code",
            "duplicate",
            "编码已存在",
            "the code is taken",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let k = case_kinds::ActiveModel {
        code: Set(code.clone()),
        name_en: Set(name_en.unwrap_or_else(|| code.clone())),
        name_zh: Set(name_zh),
        subject: Set(subject.unwrap_or_else(|| "any".to_owned())),
        working_days: Set(input.working_days.unwrap_or(5)),
        response_working_days: Set(input.response_working_days.unwrap_or(1)),
        urgent_hours: Set(input.urgent_hours.unwrap_or(24)),
        urgent_response_hours: Set(input.urgent_response_hours.unwrap_or(2)),
        needs_verification: Set(input.needs_verification.unwrap_or(false)),
        raise_roles: Set(input
            .raise_roles
            .unwrap_or_default()
            .iter()
            .map(|r| r.trim())
            .collect::<Vec<_>>()
            .join(",")),
        active: Set(true),
        sort: Set(100),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "case_kind",
        Some(k.id),
        k.code.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(k)
}

pub async fn create_category<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    kind_id: i64,
    input: CategoryInput,
) -> AppResult<case_categories::Model> {
    who.require(perm::CASE_KINDS)?;
    case_kinds::Entity::find_by_id(kind_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    let code = required_text(&mut errors, "code", input.code, 32, "编码", "Code");
    check_code(&mut errors, &code);
    let name_zh = required_text(
        &mut errors,
        "name_zh",
        input.name_zh,
        50,
        "中文名称",
        "Chinese name",
    );
    let name_en = optional_text(
        &mut errors,
        "name_en",
        input.name_en,
        80,
        "英文名称",
        "English name",
    );
    let description = optional_text(
        &mut errors,
        "description",
        input.description,
        500,
        "说明",
        "Description",
    );
    check_range(&mut errors, "working_days", input.working_days, 1, 365);
    if !code.is_empty() && find_category(db, &code).await?.is_some() {
        errors.push(FieldError::new(
            "code",
            "duplicate",
            "编码已存在",
            "the code is taken",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let c = case_categories::ActiveModel {
        kind_id: Set(kind_id),
        code: Set(code.clone()),
        name_en: Set(name_en.unwrap_or_else(|| code.clone())),
        name_zh: Set(name_zh),
        description: Set(description),
        working_days: Set(input.working_days),
        active: Set(true),
        sort: Set(100),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "case_category",
        Some(c.id),
        c.code.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

/// Changes a kind: only the fields given (the code stays).
pub async fn update_kind<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: KindInput,
) -> AppResult<case_kinds::Model> {
    who.require(perm::CASE_KINDS)?;
    let k = case_kinds::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut errors = Vec::new();
    check_limits(db, &mut errors, &input).await?;
    if input.code.as_deref().is_some_and(|c| c != k.code) {
        errors.push(FieldError::new(
            "code",
            "readonly",
            "编码不能修改",
            "the code cannot change",
        ));
    }
    let name_zh = optional_text(
        &mut errors,
        "name_zh",
        input.name_zh,
        50,
        "中文名称",
        "Chinese name",
    );
    let name_en = optional_text(
        &mut errors,
        "name_en",
        input.name_en,
        80,
        "英文名称",
        "English name",
    );
    let subject = match input.subject.as_deref() {
        None => None,
        Some(v) => parse_code(
            &mut errors,
            "subject",
            Some(v),
            super::SUBJECTS,
            "对象",
            "Subject",
        ),
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut am: case_kinds::ActiveModel = k.into();
    if let Some(v) = name_zh {
        am.name_zh = Set(v);
    }
    if let Some(v) = name_en {
        am.name_en = Set(v);
    }
    if let Some(v) = subject {
        am.subject = Set(v.to_owned());
    }
    if let Some(v) = input.working_days {
        am.working_days = Set(v);
    }
    if let Some(v) = input.response_working_days {
        am.response_working_days = Set(v);
    }
    if let Some(v) = input.urgent_hours {
        am.urgent_hours = Set(v);
    }
    if let Some(v) = input.urgent_response_hours {
        am.urgent_response_hours = Set(v);
    }
    if let Some(v) = input.needs_verification {
        am.needs_verification = Set(v);
    }
    if let Some(v) = input.raise_roles {
        am.raise_roles = Set(v.iter().map(|r| r.trim()).collect::<Vec<_>>().join(","));
    }
    if let Some(v) = input.active {
        am.active = Set(v);
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let k = am.update(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "case_kind",
        Some(k.id),
        format!("{} {}wd", k.code, k.working_days),
        audit::Event::new(
            "case_kind.update",
            serde_json::json!({
                "kind": audit::both(k.name_zh.clone(), k.name_en.clone()),
                "days": k.working_days,
            }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(k)
}
