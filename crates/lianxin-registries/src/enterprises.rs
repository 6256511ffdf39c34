//! Enterprises (企业): identified by the unified social credit code (GB 32100), attached to their
//! sub-district or town, optionally paired with a Party-member service team (驻企结对, C4).
//! The contact phone is masked and its unmasked read audited exactly as a person's phone
//! (`person:sensitive`). The fields that decide who sees an enterprise (its sub-district and
//! its team) change only to a unit the writer may place records in (`paging::may_place_in`).

use std::collections::HashMap;

use chrono::Utc;
use lianxin_types::Uscc;
use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::scoped;
use crate::audit::{self, Action};
use crate::entities::{enterprises, people, units, users};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging, ensure_writable, find_visible};
use crate::perm;
use crate::text::{clean, like_pattern};

pub const OWNERSHIPS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "enterprise.ownership",
    "经济类型",
    "Ownership",
    &[
        ("state_owned", "国有", "State-owned"),
        ("collective", "集体", "Collective"),
        ("private", "民营", "Private"),
        ("foreign", "外资", "Foreign-funded"),
        ("hk_macau_taiwan", "港澳台资", "HK/Macau/Taiwan-funded"),
        ("individual", "个体", "Individual business"),
    ],
);

/// Industries: the sections (门类) of GB/T 4754-2017 to begin with; a district adds its own
/// (the demo its 36 task forces' industries) in 字典管理.
pub const INDUSTRIES: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::open(
    "enterprise.industry",
    "行业",
    "Industry",
    &[
        (
            "A",
            "农、林、牧、渔业",
            "Agriculture, forestry, animal husbandry and fishery",
        ),
        ("B", "采矿业", "Mining"),
        ("C", "制造业", "Manufacturing"),
        (
            "D",
            "电力、热力、燃气及水生产和供应业",
            "Electricity, heat, gas and water supply",
        ),
        ("E", "建筑业", "Construction"),
        ("F", "批发和零售业", "Wholesale and retail"),
        ("G", "交通运输、仓储和邮政业", "Transport, storage and post"),
        ("H", "住宿和餐饮业", "Accommodation and catering"),
        (
            "I",
            "信息传输、软件和信息技术服务业",
            "Information transmission, software and IT services",
        ),
        ("J", "金融业", "Finance"),
        ("K", "房地产业", "Real estate"),
        ("L", "租赁和商务服务业", "Leasing and business services"),
        (
            "M",
            "科学研究和技术服务业",
            "Scientific research and technical services",
        ),
        (
            "N",
            "水利、环境和公共设施管理业",
            "Water, environment and public facilities",
        ),
        (
            "O",
            "居民服务、修理和其他服务业",
            "Resident, repair and other services",
        ),
        ("P", "教育", "Education"),
        ("Q", "卫生和社会工作", "Health and social work"),
        (
            "R",
            "文化、体育和娱乐业",
            "Culture, sports and entertainment",
        ),
        (
            "S",
            "公共管理、社会保障和社会组织",
            "Public administration and social organisations",
        ),
        ("T", "国际组织", "International organisations"),
    ],
);

/// Unit kinds an enterprise may belong to.
pub const HOME_KINDS: &[&str] = &["subdistrict", "town"];

/// Create/replace payload: `name`, `uscc` and `unit_id` are required.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct EnterpriseInput {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub name: Option<String>,
    /// Unified social credit code, 18 characters (GB 32100).
    #[schema(required = true, nullable = false, min_length = 18, max_length = 18)]
    pub uscc: Option<String>,
    /// The sub-district or town: one the caller may place records in (on an edit, the
    /// current one is always accepted; an enterprise's contact cannot move its enterprise).
    #[schema(required = true, nullable = false, minimum = 1)]
    pub unit_id: Option<i64>,
    pub industry: Option<String>,
    /// state_owned, collective, private (default), foreign, hk_macau_taiwan, individual
    pub ownership: Option<String>,
    pub address: Option<String>,
    pub legal_rep: Option<String>,
    pub contact_name: Option<String>,
    /// On an edit, left out or sent back in its masked form (as read) it keeps the stored
    /// number; empty clears it.
    pub contact_phone: Option<String>,
    #[schema(minimum = 0)]
    pub employee_count: Option<i64>,
    pub has_party_org: Option<bool>,
    /// Read-only: whether the firm has a project in the key projects registry (a differing
    /// value sent is a 422).
    pub key_project: Option<bool>,
    /// The Party-member service team stationed with the firm (驻企; a unit of kind
    /// service_team or task_force), placed as `unit_id` is; changing it needs `pairing:edit`.
    pub service_team_id: Option<i64>,
    /// Accept a credit code whose check character fails, with this written reason
    /// (needs the `data:override` permission; audited and flagged).
    pub override_reason: Option<String>,
    /// The version the change was made from (required on `PUT`; a stale one is a 409 with
    /// the current record).
    pub version: Option<i32>,
}

/// The same fields as typed into a web form or a spreadsheet row: all text.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct EnterpriseForm {
    pub name: Option<String>,
    pub uscc: Option<String>,
    pub unit_id: Option<String>,
    pub industry: Option<String>,
    pub ownership: Option<String>,
    pub address: Option<String>,
    pub legal_rep: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub employee_count: Option<String>,
    pub has_party_org: Option<String>,
    pub key_project: Option<String>,
    pub service_team_id: Option<String>,
    pub override_reason: Option<String>,
    pub version: Option<String>,
}

impl EnterpriseForm {
    /// Text → typed input plus the fields that could not be parsed (left empty in the input).
    pub fn parse(self) -> (EnterpriseInput, Vec<FieldError>) {
        let mut e = Vec::new();
        let unit_id = crate::text::parse_int(
            &mut e,
            "unit_id",
            self.unit_id.as_deref(),
            "所属街道",
            "sub-district",
        );
        let employee_count = crate::text::parse_int(
            &mut e,
            "employee_count",
            self.employee_count.as_deref(),
            "职工人数",
            "employee count",
        );
        let has_party_org = crate::text::parse_bool(
            &mut e,
            "has_party_org",
            self.has_party_org.as_deref(),
            "有党组织",
            "Party organisation",
        );
        let key_project = crate::text::parse_bool(
            &mut e,
            "key_project",
            self.key_project.as_deref(),
            "重点项目",
            "key project",
        );
        let service_team_id = crate::text::parse_int(
            &mut e,
            "service_team_id",
            self.service_team_id.as_deref(),
            "结对服务队",
            "service team",
        );
        let input = EnterpriseInput {
            name: self.name,
            uscc: self.uscc,
            unit_id,
            industry: self.industry,
            ownership: self.ownership,
            address: self.address,
            legal_rep: self.legal_rep,
            contact_name: self.contact_name,
            contact_phone: self.contact_phone,
            employee_count,
            has_party_org: Some(has_party_org.unwrap_or(false)),
            // Derived from the key projects registry: a sheet may carry it back unchanged, a
            // form does not offer it.
            key_project,
            service_team_id,
            override_reason: self.override_reason,
            version: self.version.as_deref().and_then(|v| v.trim().parse().ok()),
        };
        (input, e)
    }

    /// Text → typed input; unparsable numbers and flags become field errors.
    /// Absent checkboxes mean "no".
    pub fn into_input(self) -> Result<EnterpriseInput, Vec<FieldError>> {
        match self.parse() {
            (input, e) if e.is_empty() => Ok(input),
            (_, e) => Err(e),
        }
    }

    pub fn from_model(m: &enterprises::Model) -> Self {
        EnterpriseForm {
            name: Some(m.name.clone()),
            uscc: Some(m.uscc.clone()),
            unit_id: Some(m.unit_id.to_string()),
            industry: m.industry.clone(),
            ownership: Some(m.ownership.clone()),
            address: m.address.clone(),
            legal_rep: m.legal_rep.clone(),
            contact_name: m.contact_name.clone(),
            contact_phone: m.contact_phone.clone(),
            employee_count: Some(m.employee_count.to_string()),
            has_party_org: m.has_party_org.then(|| "on".to_owned()),
            key_project: m.key_project.then(|| "on".to_owned()),
            service_team_id: m.service_team_id.map(|i| i.to_string()),
            override_reason: m.uscc_override_reason.clone(),
            version: Some(m.version.to_string()),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnterpriseView {
    pub id: i64,
    pub name: String,
    pub uscc: String,
    /// Set when the credit code was accepted despite a failing check character.
    pub uscc_override_reason: Option<String>,
    pub industry: Option<String>,
    pub unit_id: i64,
    pub unit_name: Option<String>,
    pub ownership: String,
    pub address: Option<String>,
    pub legal_rep: Option<String>,
    pub contact_name: Option<String>,
    /// Masked (138****1234) unless the caller may see personal data.
    pub contact_phone: Option<String>,
    /// True when `contact_phone` is shown in full.
    pub contact_phone_unmasked: bool,
    pub employee_count: i32,
    pub has_party_org: bool,
    pub key_project: bool,
    pub service_team_id: Option<i64>,
    pub service_team_name: Option<String>,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// Name it in the next `PUT`.
    pub version: i32,
}

/// Views of many enterprises for `who` with their unit names, in two queries (no N+1); the
/// contact phone masked unless the caller holds `person:sensitive`, an unmasked read audited
/// under `purpose` (`None`: the phone is not shown, so it stays masked and nothing is read).
pub async fn views(
    db: &impl ConnectionTrait,
    who: &Principal,
    rows: Vec<enterprises::Model>,
    purpose: Option<&str>,
) -> AppResult<Vec<EnterpriseView>> {
    let unmasked = purpose.is_some() && who.can(perm::PERSON_SENSITIVE);
    let purpose = purpose.unwrap_or_default();
    let phones: Vec<i64> = rows
        .iter()
        .filter(|r| r.contact_phone.is_some())
        .map(|r| r.id)
        .collect();
    if unmasked && !phones.is_empty() {
        let (id, summary) = if phones.len() == 1 {
            (Some(phones[0]), format!("{purpose}: unmasked"))
        } else {
            (None, format!("{purpose}: unmasked ids {:?}", phones))
        };
        audit::record_event(
            db,
            who,
            Action::ReadSensitive,
            "enterprise",
            id,
            summary,
            audit::Event::new(
                "enterprise.unmask",
                serde_json::json!({ "n": phones.len(), "ids": phones }),
            ),
        )
        .await?;
    }
    let mut ids: Vec<i64> = rows.iter().map(|r| r.unit_id).collect();
    ids.extend(rows.iter().filter_map(|r| r.service_team_id));
    ids.sort_unstable();
    ids.dedup();
    let names: HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    Ok(rows
        .into_iter()
        .map(|m| EnterpriseView {
            unit_name: names.get(&m.unit_id).cloned(),
            service_team_name: m.service_team_id.and_then(|i| names.get(&i).cloned()),
            id: m.id,
            name: m.name,
            uscc: m.uscc,
            uscc_override_reason: m.uscc_override_reason,
            industry: m.industry,
            unit_id: m.unit_id,
            ownership: m.ownership,
            address: m.address,
            legal_rep: m.legal_rep,
            contact_name: m.contact_name,
            contact_phone: m.contact_phone.map(|p| {
                if unmasked {
                    p
                } else {
                    crate::people::mask_phone(&p)
                }
            }),
            contact_phone_unmasked: unmasked,
            employee_count: m.employee_count,
            has_party_org: m.has_party_org,
            key_project: m.key_project,
            service_team_id: m.service_team_id,
            created_at: m.created_at,
            updated_at: m.updated_at,
            version: m.version,
        })
        .collect())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseFilter {
    /// Name or credit code contains.
    pub q: Option<String>,
    /// This unit and the units below it (a sub-district, or the district: every sub-district in it).
    pub unit_id: Option<i64>,
    pub ownership: Option<String>,
    pub industry: Option<String>,
    pub key_project: Option<bool>,
    pub has_party_org: Option<bool>,
    pub service_team_id: Option<i64>,
    /// Sort by one of the list's columns (`order` gives the direction).
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these records: ids separated by commas (the rows ticked on a list), at most 500.
    pub ids: Option<String>,
}

/// The columns the list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &[
    "name",
    "uscc",
    "industry",
    "ownership",
    "employee_count",
    "has_party_org",
    "key_project",
    "updated_at",
];

fn sort_column(key: &str) -> Option<enterprises::Column> {
    match key {
        "name" => Some(enterprises::Column::Name),
        "uscc" => Some(enterprises::Column::Uscc),
        "industry" => Some(enterprises::Column::Industry),
        "ownership" => Some(enterprises::Column::Ownership),
        "employee_count" => Some(enterprises::Column::EmployeeCount),
        "has_party_org" => Some(enterprises::Column::HasPartyOrg),
        "key_project" => Some(enterprises::Column::KeyProject),
        "updated_at" => Some(enterprises::Column::UpdatedAt),
        _ => None,
    }
}

/// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
pub fn sort_of(f: &EnterpriseFilter) -> AppResult<Option<crate::paging::Sort>> {
    crate::paging::checked_sort(
        f.sort.as_deref(),
        f.order.as_deref(),
        f.ids.as_deref(),
        SORT_KEYS,
    )
}

fn filtered(who: &Principal, f: &EnterpriseFilter) -> sea_orm::Select<enterprises::Entity> {
    let mut q = scoped::<enterprises::Entity>(&who.scope);
    if let Some(text) = clean(f.q.clone()) {
        let mut c = sea_orm::Condition::any()
            .add(enterprises::Column::Name.like(LikeExpr::new(like_pattern(&text)).escape('\\')));
        // Only text that could be part of a credit code is looked for there: a Chinese search
        // then scans one column, not two (half the time over 100,000 rows).
        if text.chars().all(|ch| ch.is_ascii_alphanumeric()) {
            let code = like_pattern(&text.to_uppercase());
            c = c.add(enterprises::Column::Uscc.like(LikeExpr::new(code).escape('\\')));
        }
        q = q.filter(c);
    }
    if let Some(u) = f.unit_id {
        q = q.filter(enterprises::Column::UnitId.in_subquery(crate::units::subtree_of(u)));
    }
    if let Some(o) = clean(f.ownership.clone()) {
        q = q.filter(enterprises::Column::Ownership.eq(o));
    }
    if let Some(i) = clean(f.industry.clone()) {
        q = q.filter(enterprises::Column::Industry.eq(i));
    }
    if let Some(k) = f.key_project {
        q = q.filter(enterprises::Column::KeyProject.eq(k));
    }
    if let Some(p) = f.has_party_org {
        q = q.filter(enterprises::Column::HasPartyOrg.eq(p));
    }
    if let Some(t) = f.service_team_id {
        q = q.filter(enterprises::Column::ServiceTeamId.eq(t));
    }
    if let Some(ids) = crate::paging::ids_filter(f.ids.as_deref()) {
        q = q.filter(enterprises::Column::Id.is_in(ids));
    }
    q
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &EnterpriseFilter,
    paging: Paging,
) -> AppResult<Page<enterprises::Model>> {
    who.require(perm::ENTERPRISE_LIST)?;
    let sort = sort_of(f)?;
    let q = crate::paging::sorted(
        filtered(who, f),
        sort.as_ref(),
        sort_column,
        (enterprises::Column::Id, true),
        enterprises::Column::Id,
    );
    crate::paging::paged_in_order(db, q, paging).await
}

/// The filtered rows in id order, a chunk at a time after `after_id` (streaming exports).
pub async fn chunk(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &EnterpriseFilter,
    after_id: i64,
    offset: u64,
    size: u64,
) -> AppResult<Vec<enterprises::Model>> {
    // A sorted export comes in the list's order (by the column, then the id); otherwise
    // in id order, a chunk after the last id.
    if let Some(sort) = sort_of(f)? {
        return Ok(crate::paging::sorted(
            filtered(who, f),
            Some(&sort),
            sort_column,
            (enterprises::Column::Id, false),
            enterprises::Column::Id,
        )
        .offset(offset)
        .limit(size)
        .all(db)
        .await?);
    }
    Ok(filtered(who, f)
        .filter(enterprises::Column::Id.gt(after_id))
        .order_by_asc(enterprises::Column::Id)
        .limit(size)
        .all(db)
        .await?)
}

pub async fn get(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<enterprises::Model> {
    who.require(perm::ENTERPRISE_LIST)?;
    find_visible::<enterprises::Entity>(db, &who.scope, id).await
}

pub async fn by_uscc(
    db: &impl ConnectionTrait,
    uscc: &str,
) -> AppResult<Option<enterprises::Model>> {
    Ok(enterprises::Entity::find()
        .filter(enterprises::Column::Uscc.eq(uscc.trim().to_uppercase()))
        .one(db)
        .await?)
}

struct Valid {
    name: String,
    uscc: String,
    override_reason: Option<String>,
    industry: Option<String>,
    unit_id: i64,
    ownership: String,
    address: Option<String>,
    legal_rep: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    employee_count: i32,
    has_party_org: bool,
    key_project: bool,
    service_team_id: Option<i64>,
}

/// Validates a credit code; a failing check character may be overridden by a permitted user
/// with a reason (legacy codes exist).
pub fn check_uscc(
    errors: &mut Vec<FieldError>,
    who: &Principal,
    raw: Option<String>,
    reason: Option<String>,
) -> (String, Option<String>) {
    let Some(raw) = clean(raw) else {
        errors.push(FieldError::required(
            "uscc",
            "统一社会信用代码",
            "unified social credit code",
        ));
        return (String::new(), None);
    };
    match Uscc::parse(&raw) {
        Ok(u) => (u.as_str().to_owned(), None),
        Err(e) if e.is_check_char() && reason.is_some() && who.can(perm::DATA_OVERRIDE) => {
            match Uscc::parse_allow_bad_check(&raw) {
                Ok(u) => (u.as_str().to_owned(), reason),
                Err(e) => {
                    errors.push(FieldError::from_validation(
                        "uscc",
                        &e,
                        "统一社会信用代码",
                        "unified social credit code",
                    ));
                    (raw, None)
                }
            }
        }
        Err(e) => {
            errors.push(FieldError::from_validation(
                "uscc",
                &e,
                "统一社会信用代码",
                "unified social credit code",
            ));
            (raw, None)
        }
    }
}

/// The refusal of a placement the caller may not make: the same for a unit that does not
/// exist and one out of reach.
fn out_of_reach(field: &str) -> FieldError {
    FieldError::new(
        field,
        "out_of_reach",
        "该单位不存在或不在您的管辖范围内，不能把企业放到那里",
        "the unit does not exist or is outside your reach; the enterprise cannot be placed there",
    )
}

async fn validate(
    db: &impl ConnectionTrait,
    who: &Principal,
    input: EnterpriseInput,
    current: Option<&enterprises::Model>,
) -> AppResult<Valid> {
    let editing = current.map(|c| c.id);
    // Which team is stationed with the firm (驻企) is the pairing's business: changing it
    // takes the permission that writes pairings.
    if input.service_team_id != current.and_then(|c| c.service_team_id)
        && !who.can(perm::PAIRING_EDIT)
    {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    // Whether the firm has a key project is read off the key projects registry.
    let key_project = current.is_some_and(|c| c.key_project);
    if input.key_project.is_some_and(|k| k != key_project) {
        errors.push(FieldError::new(
            "key_project",
            "derived",
            "是否重点项目由重点项目登记得出，不能在此修改",
            "key_project is derived from the key projects registry and cannot be set here",
        ));
    }
    let name = crate::text::required_text(&mut errors, "name", input.name, 200, "企业名称", "name");
    let reason = clean(input.override_reason);
    let (uscc, override_reason) = check_uscc(&mut errors, who, input.uscc, reason);
    // An industry is a value of the dictionary's open list (its code, or a label as people
    // type it and sheets carry it).
    let industry = crate::text::parse_code(
        &mut errors,
        "industry",
        input.industry.as_deref(),
        INDUSTRIES,
        "行业",
        "industry",
    );
    let ownership = crate::text::parse_code(
        &mut errors,
        "ownership",
        Some(
            input
                .ownership
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or("private"),
        ),
        OWNERSHIPS,
        "经济类型",
        "ownership",
    );
    let address = crate::text::optional_text(
        &mut errors,
        "address",
        input.address,
        300,
        "地址",
        "address",
    );
    let legal_rep = crate::text::optional_text(
        &mut errors,
        "legal_rep",
        input.legal_rep,
        50,
        "法定代表人",
        "legal representative",
    );
    let contact_name = crate::text::optional_text(
        &mut errors,
        "contact_name",
        input.contact_name,
        50,
        "联系人",
        "contact person",
    );
    let contact_phone = match crate::people::sent_number(
        input.contact_phone,
        current.and_then(|c| c.contact_phone.as_deref()),
        crate::people::mask_phone,
    ) {
        crate::people::Sent::Keep => current.and_then(|c| c.contact_phone.clone()),
        crate::people::Sent::New(None) => None,
        crate::people::Sent::New(Some(p)) => match lianxin_types::Phone::parse(&p) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::from_validation(
                    "contact_phone",
                    &e,
                    "联系电话",
                    "contact phone",
                ));
                None
            }
        },
    };
    let employee_count = match input.employee_count {
        None => 0,
        Some(n) if (0..=1_000_000).contains(&n) => n as i32,
        Some(_) => {
            errors.push(FieldError::new(
                "employee_count",
                "range",
                "职工人数应在 0 到 1000000 之间",
                "employee count must be between 0 and 1,000,000",
            ));
            0
        }
    };
    let unit_id = match input.unit_id {
        None => {
            errors.push(FieldError::required(
                "unit_id",
                "所属街道（镇）",
                "sub-district",
            ));
            0
        }
        Some(id)
            if current.map(|c| c.unit_id) != Some(id)
                && !crate::paging::may_place_in(db, &who.scope, id).await? =>
        {
            errors.push(out_of_reach("unit_id"));
            0
        }
        Some(id) => match units::Entity::find_by_id(id).one(db).await? {
            Some(u) if HOME_KINDS.contains(&u.kind.as_str()) => id,
            _ => {
                errors.push(FieldError::new(
                    "unit_id",
                    "unknown",
                    "所属街道（镇）不存在或不是街道、镇",
                    "the sub-district does not exist or is not a sub-district or town",
                ));
                0
            }
        },
    };
    let service_team_id = match input.service_team_id {
        None => None,
        Some(id)
            if current.and_then(|c| c.service_team_id) != Some(id)
                && !crate::paging::may_place_in(db, &who.scope, id).await? =>
        {
            errors.push(out_of_reach("service_team_id"));
            None
        }
        Some(id) => match units::Entity::find_by_id(id).one(db).await? {
            Some(u) if u.kind == "service_team" || u.kind == "task_force" => Some(id),
            _ => {
                errors.push(FieldError::new(
                    "service_team_id",
                    "unknown",
                    "结对服务队不存在",
                    "the service team does not exist",
                ));
                None
            }
        },
    };
    if !uscc.is_empty() && errors.iter().all(|e| e.field != "uscc") {
        let dup = enterprises::Entity::find()
            .filter(enterprises::Column::Uscc.eq(uscc.as_str()))
            .filter(enterprises::Column::Id.ne(editing.unwrap_or(0)))
            .one(db)
            .await?;
        if let Some(d) = dup {
            errors.push(FieldError::new(
                "uscc",
                "duplicate",
                format!("统一社会信用代码 {uscc} 已登记（{}）", d.name),
                format!("credit code {uscc} is already registered ({})", d.name),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid {
        name,
        uscc,
        override_reason,
        industry,
        unit_id,
        ownership: ownership.unwrap_or_else(|| "private".to_owned()),
        address,
        legal_rep,
        contact_name,
        contact_phone,
        employee_count,
        has_party_org: input.has_party_org.unwrap_or(false),
        key_project,
        service_team_id,
    })
}

fn apply(am: &mut enterprises::ActiveModel, v: Valid) {
    am.name = Set(v.name);
    am.uscc = Set(v.uscc);
    am.uscc_override_reason = Set(v.override_reason);
    am.industry = Set(v.industry);
    am.unit_id = Set(v.unit_id);
    am.ownership = Set(v.ownership.to_owned());
    am.address = Set(v.address);
    am.legal_rep = Set(v.legal_rep);
    am.contact_name = Set(v.contact_name);
    am.contact_phone = Set(v.contact_phone);
    am.employee_count = Set(v.employee_count);
    am.has_party_org = Set(v.has_party_org);
    am.key_project = Set(v.key_project);
    am.service_team_id = Set(v.service_team_id);
    am.updated_at = Set(Utc::now());
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: EnterpriseInput,
) -> AppResult<enterprises::Model> {
    who.require(perm::ENTERPRISE_ADD)?;
    let v = validate(db, who, input, None).await?;
    let overridden = v.override_reason.clone();
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let mut am = enterprises::ActiveModel {
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(&mut am, v);
    let e = am.insert(&txn).await?;
    ensure_writable::<enterprises::Entity>(&txn, who, e.id).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "enterprise",
        Some(e.id),
        format!("{} {}", e.uscc, e.name),
    )
    .await?;
    if let Some(reason) = overridden {
        audit::record(
            &txn,
            who,
            Action::Override,
            "enterprise",
            Some(e.id),
            format!("uscc {}: {reason}", e.uscc),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(e)
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: EnterpriseInput,
) -> AppResult<enterprises::Model> {
    who.require(perm::ENTERPRISE_EDIT)?;
    find_visible::<enterprises::Entity>(db, &who.scope, id).await?;
    // Who may not write the record hears so before anything about its version.
    ensure_writable::<enterprises::Entity>(db, who, id).await?;
    let expected = lianxin_kernel::paging::version_required(input.version)?;
    // Read, check the version and write in one transaction, the row locked first.
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "enterprises", id).await?;
    let current = find_visible::<enterprises::Entity>(&txn, &who.scope, id).await?;
    if expected != current.version {
        txn.rollback().await?;
        let now = views(db, who, vec![current], Some("stale edit"))
            .await?
            .pop();
        return Err(lianxin_kernel::paging::stale(now));
    }
    let v = validate(&txn, who, input, Some(&current)).await?;
    let newly_overridden = v
        .override_reason
        .clone()
        .filter(|_| current.uscc_override_reason.is_none() || current.uscc != v.uscc);
    let version = current.version + 1;
    let mut am: enterprises::ActiveModel = current.into();
    apply(&mut am, v);
    am.version = Set(version);
    let e = am.update(&txn).await?;
    ensure_writable::<enterprises::Entity>(&txn, who, e.id).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "enterprise",
        Some(e.id),
        format!("{} {}", e.uscc, e.name),
    )
    .await?;
    if let Some(reason) = newly_overridden {
        audit::record(
            &txn,
            who,
            Action::Override,
            "enterprise",
            Some(e.id),
            format!("uscc {}: {reason}", e.uscc),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(e)
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<()> {
    who.require(perm::ENTERPRISE_REMOVE)?;
    let e = find_visible::<enterprises::Entity>(db, &who.scope, id).await?;
    ensure_writable::<enterprises::Entity>(db, who, id).await?;
    let refs = people::Entity::find()
        .filter(people::Column::EnterpriseId.eq(id))
        .count(db)
        .await?
        + users::Entity::find()
            .filter(users::Column::EnterpriseId.eq(id))
            .count(db)
            .await?;
    if refs > 0 {
        return Err(AppError::conflict(
            format!("企业“{}”还有 {refs} 名登记人员或账号，不能删除", e.name),
            format!(
                "enterprise '{}' still has {refs} people or user accounts; it cannot be deleted",
                e.name
            ),
        ));
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    enterprises::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        who,
        Action::Delete,
        "enterprise",
        Some(id),
        format!("{} {}", e.uscc, e.name),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Writes the derived `key_project` flag (the enterprise service area's key projects
/// registry decides it, in its own transaction); not an edit: the version stays.
pub async fn set_key_project(db: &impl ConnectionTrait, id: i64, value: bool) -> AppResult<()> {
    enterprises::Entity::update_many()
        .col_expr(
            enterprises::Column::KeyProject,
            sea_orm::sea_query::Expr::value(value),
        )
        .filter(enterprises::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Stations a team with the firm (驻企: `service_team_id`, `None` to end it): an edit of the
/// record (its version moves), needing `pairing:edit` and the firm writable in scope.
pub async fn station<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    team: Option<i64>,
) -> AppResult<enterprises::Model> {
    who.require(perm::PAIRING_EDIT)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "enterprises", id).await?;
    let current = find_visible::<enterprises::Entity>(&txn, &who.scope, id).await?;
    if let Some(t) = team {
        match units::Entity::find_by_id(t).one(&txn).await? {
            Some(u) if u.kind == "service_team" || u.kind == "task_force" => {}
            _ => {
                return Err(AppError::invalid(FieldError::new(
                    "team_id",
                    "unknown",
                    "服务队或专班不存在",
                    "no such service team or task force",
                )));
            }
        }
    }
    if current.service_team_id == team {
        return Ok(current);
    }
    let version = current.version + 1;
    let name = current.name.clone();
    let mut am: enterprises::ActiveModel = current.into();
    am.service_team_id = Set(team);
    am.version = Set(version);
    am.updated_at = Set(Utc::now());
    let e = am.update(&txn).await?;
    ensure_writable::<enterprises::Entity>(&txn, who, e.id).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "enterprise",
        Some(e.id),
        format!("{name}: service team {team:?}"),
    )
    .await?;
    txn.commit().await?;
    Ok(e)
}
