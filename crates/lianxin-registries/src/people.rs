//! People (人员): cadres, Party members, volunteers, enterprise employees and contacts.
//! Identity numbers and phones are personal data: masked in every view unless the caller holds
//! `person:sensitive`, and each unmasked read is audited (see `PersonView::build`). Cadre
//! details (position, rank, career, expertise, traits) are shown and written only with
//! `person:cadre`, and each read of them is audited the same way. An edit that leaves a
//! number out, or sends back its masked form, keeps the stored number (`sent_number`).

use std::collections::HashMap;

use chrono::Utc;
use lianxin_types::{IdNumber, Phone};
use sea_orm::sea_query::LikeExpr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::{Scoped, scoped};
use crate::audit::{self, Action};
use crate::entities::{enterprises, people, units, users};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::{Page, Paging, ensure_writable, find_visible};
use crate::perm;
use crate::text::{clean, like_pattern};

pub const GENDERS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "person.gender",
    "性别",
    "Gender",
    &[("male", "男", "Male"), ("female", "女", "Female")],
);

/// Person kinds, stored as flags so each is an indexable column.
pub const KINDS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "person.kind",
    "人员类别",
    "Person kind",
    &[
        ("cadre", "干部", "Cadre"),
        ("volunteer", "志愿者", "Volunteer"),
        ("employee", "企业职工", "Enterprise employee"),
        ("contact", "企业联络员", "Enterprise contact"),
    ],
);

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PersonInput {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 50,
        pattern = r"\S"
    )]
    pub name: Option<String>,
    /// A unit the caller may place records in (an enterprise's contact: its enterprise's
    /// sub-district or below); on an edit, the current unit is always accepted.
    #[schema(required = true, nullable = false, minimum = 1)]
    pub unit_id: Option<i64>,
    /// Resident identity number (GB 11643), 18 characters. On an edit, left out or sent back
    /// in its masked form (as read) it keeps the stored number; empty clears it.
    pub id_number: Option<String>,
    /// As `id_number`: left out or masked as read keeps the stored phone.
    pub phone: Option<String>,
    /// male | female; derived from the identity number when absent.
    pub gender: Option<String>,
    /// An enterprise the caller may write to (one outside their reach is refused as one that
    /// does not exist); on an edit, the current one is always accepted.
    pub enterprise_id: Option<i64>,
    pub party_member: Option<bool>,
    /// Any of: cadre, volunteer, employee, contact.
    pub kinds: Option<Vec<String>>,
    /// Cadre details (this and the next four) need `person:cadre`; without it they must be
    /// left out, and the stored ones stay.
    pub position: Option<String>,
    pub rank: Option<String>,
    /// 工作履历
    pub career: Option<String>,
    /// 专长
    pub expertise: Option<String>,
    /// 个性特点
    pub traits: Option<String>,
    /// Accept an identity number whose check character fails, with a reason (`data:override`).
    pub override_reason: Option<String>,
    /// The version the change was made from (required on `PUT`; a stale one is a 409 with
    /// the current record).
    pub version: Option<i32>,
}

/// The same fields as text (web form, spreadsheet row). `kinds` is a list of codes or labels
/// separated by commas.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PersonForm {
    pub name: Option<String>,
    pub unit_id: Option<String>,
    pub id_number: Option<String>,
    pub phone: Option<String>,
    pub gender: Option<String>,
    pub enterprise_id: Option<String>,
    pub party_member: Option<String>,
    pub kind_cadre: Option<String>,
    pub kind_volunteer: Option<String>,
    pub kind_employee: Option<String>,
    pub kind_contact: Option<String>,
    pub kinds: Option<String>,
    pub position: Option<String>,
    pub rank: Option<String>,
    pub career: Option<String>,
    pub expertise: Option<String>,
    pub traits: Option<String>,
    pub override_reason: Option<String>,
    pub version: Option<String>,
}

impl PersonForm {
    /// Text → typed input plus the fields that could not be parsed (left empty in the input).
    pub fn parse(self) -> (PersonInput, Vec<FieldError>) {
        let mut e = Vec::new();
        let unit_id = crate::text::parse_int(
            &mut e,
            "unit_id",
            self.unit_id.as_deref(),
            "所属单位",
            "unit",
        );
        let enterprise_id = crate::text::parse_int(
            &mut e,
            "enterprise_id",
            self.enterprise_id.as_deref(),
            "所在企业",
            "enterprise",
        );
        let party_member = crate::text::parse_bool(
            &mut e,
            "party_member",
            self.party_member.as_deref(),
            "党员",
            "Party member",
        );
        let mut kinds = Vec::new();
        for (flag, code) in [
            (&self.kind_cadre, "cadre"),
            (&self.kind_volunteer, "volunteer"),
            (&self.kind_employee, "employee"),
            (&self.kind_contact, "contact"),
        ] {
            if crate::text::parse_bool(
                &mut e,
                &format!("kind_{code}"),
                flag.as_deref(),
                "人员类别",
                "kind",
            ) == Some(true)
            {
                kinds.push(code.to_owned());
            }
        }
        if let Some(list) = clean(self.kinds) {
            for part in list
                .split([',', '，', '、', ';', ' '])
                .filter(|s| !s.is_empty())
            {
                if let Some(code) =
                    crate::text::parse_code(&mut e, "kinds", Some(part), KINDS, "人员类别", "kinds")
                {
                    kinds.push(code.to_owned());
                }
            }
        }
        let input = PersonInput {
            name: self.name,
            unit_id,
            id_number: self.id_number,
            phone: self.phone,
            gender: self.gender,
            enterprise_id,
            party_member: Some(party_member.unwrap_or(false)),
            kinds: Some(kinds),
            position: self.position,
            rank: self.rank,
            career: self.career,
            expertise: self.expertise,
            traits: self.traits,
            override_reason: self.override_reason,
            version: self.version.as_deref().and_then(|v| v.trim().parse().ok()),
        };
        (input, e)
    }

    pub fn into_input(self) -> Result<PersonInput, Vec<FieldError>> {
        match self.parse() {
            (input, e) if e.is_empty() => Ok(input),
            (_, e) => Err(e),
        }
    }

    pub fn from_model(m: &people::Model) -> Self {
        let on = |b: bool| b.then(|| "on".to_owned());
        PersonForm {
            name: Some(m.name.clone()),
            unit_id: Some(m.unit_id.to_string()),
            id_number: m.id_number.clone(),
            phone: m.phone.clone(),
            gender: m.gender.clone(),
            enterprise_id: m.enterprise_id.map(|i| i.to_string()),
            party_member: on(m.party_member),
            kind_cadre: on(m.is_cadre),
            kind_volunteer: on(m.is_volunteer),
            kind_employee: on(m.is_employee),
            kind_contact: on(m.is_contact),
            kinds: None,
            position: m.position.clone(),
            rank: m.rank.clone(),
            career: m.career.clone(),
            expertise: m.expertise.clone(),
            traits: m.traits.clone(),
            override_reason: m.id_number_override_reason.clone(),
            version: Some(m.version.to_string()),
        }
    }
}

pub fn kinds_of(m: &people::Model) -> Vec<String> {
    let mut k = Vec::new();
    for (flag, code) in [
        (m.is_cadre, "cadre"),
        (m.is_volunteer, "volunteer"),
        (m.is_employee, "employee"),
        (m.is_contact, "contact"),
    ] {
        if flag {
            k.push(code.to_owned());
        }
    }
    k
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonView {
    pub id: i64,
    pub name: String,
    pub gender: Option<String>,
    /// Masked (410***********123X) unless the caller may see personal data.
    pub id_number: Option<String>,
    /// Masked (138****1234) unless the caller may see personal data.
    pub phone: Option<String>,
    /// True when `id_number` and `phone` are shown in full.
    pub unmasked: bool,
    /// Set when the identity number was accepted despite a failing check character.
    pub id_number_override_reason: Option<String>,
    pub unit_id: i64,
    pub unit_name: Option<String>,
    pub enterprise_id: Option<i64>,
    pub enterprise_name: Option<String>,
    pub party_member: bool,
    pub kinds: Vec<String>,
    /// Cadre details: null unless the caller holds `person:cadre` (see `cadre_details`).
    pub position: Option<String>,
    pub rank: Option<String>,
    pub career: Option<String>,
    pub expertise: Option<String>,
    pub traits: Option<String>,
    /// True when the cadre details are shown (the caller holds `person:cadre`).
    pub cadre_details: bool,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
    /// Name it in the next `PUT`.
    pub version: i32,
}

pub fn mask_id_number(s: &str) -> String {
    IdNumber::mask(s)
}

pub fn mask_phone(s: &str) -> String {
    Phone::mask(s)
}

/// Whether the stored record has any cadre detail.
fn has_cadre_details(m: &people::Model) -> bool {
    [&m.position, &m.rank, &m.career, &m.expertise, &m.traits]
        .iter()
        .any(|f| f.is_some())
}

/// What an edit sent for a number its caller may see masked.
pub(crate) enum Sent {
    /// Left out, or sent back as stored or as its masked form: the stored value stays.
    Keep,
    /// A new value (validated), or `None` to clear it.
    New(Option<String>),
}

/// Reads what was sent for a number against the stored one (`stored` is `None` when creating):
/// a caller who sees `138****1234` need not re-type it, and leaving it out erases nothing.
pub(crate) fn sent_number(
    sent: Option<String>,
    stored: Option<&str>,
    mask: fn(&str) -> String,
) -> Sent {
    let Some(stored) = stored else {
        return Sent::New(clean(sent));
    };
    match sent {
        None => Sent::Keep,
        Some(v) => {
            let v = v.trim();
            if v.eq_ignore_ascii_case(stored) || v.eq_ignore_ascii_case(&mask(stored)) {
                Sent::Keep
            } else {
                Sent::New(clean(Some(v.to_owned())))
            }
        }
    }
}

impl PersonView {
    /// Views for `who`, masked unless permitted, with the cadre details when `with_cadre` and
    /// permitted; an unmasked read and a read of cadre details are recorded in the audit log.
    pub async fn build(
        db: &impl ConnectionTrait,
        who: &Principal,
        rows: Vec<people::Model>,
        purpose: &str,
        with_cadre: bool,
    ) -> AppResult<Vec<PersonView>> {
        let unmasked = who.can(perm::PERSON_SENSITIVE);
        let cadre = with_cadre && who.can(perm::PERSON_CADRE);
        let mut unit_ids: Vec<i64> = rows.iter().map(|r| r.unit_id).collect();
        unit_ids.sort_unstable();
        unit_ids.dedup();
        let mut ent_ids: Vec<i64> = rows.iter().filter_map(|r| r.enterprise_id).collect();
        ent_ids.sort_unstable();
        ent_ids.dedup();
        let unit_names: HashMap<i64, String> = units::Entity::find()
            .filter(units::Column::Id.is_in(unit_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        let ent_names: HashMap<i64, String> = enterprises::Entity::find()
            .filter(enterprises::Column::Id.is_in(ent_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect();
        let sensitive: Vec<i64> = rows
            .iter()
            .filter(|r| r.id_number.is_some() || r.phone.is_some())
            .map(|r| r.id)
            .collect();
        if unmasked && !sensitive.is_empty() {
            let (id, summary) = if sensitive.len() == 1 {
                (Some(sensitive[0]), format!("{purpose}: unmasked"))
            } else {
                (None, format!("{purpose}: unmasked ids {:?}", sensitive))
            };
            audit::record_event(
                db,
                who,
                Action::ReadSensitive,
                "person",
                id,
                summary,
                audit::Event::new(
                    "person.unmask",
                    serde_json::json!({ "n": sensitive.len(), "ids": sensitive }),
                ),
            )
            .await?;
        }
        let cadres: Vec<i64> = rows
            .iter()
            .filter(|r| has_cadre_details(r))
            .map(|r| r.id)
            .collect();
        if cadre && !cadres.is_empty() {
            let (id, summary) = if cadres.len() == 1 {
                (Some(cadres[0]), format!("{purpose}: cadre details"))
            } else {
                (
                    None,
                    format!("{purpose}: cadre details of ids {:?}", cadres),
                )
            };
            audit::record_event(
                db,
                who,
                Action::ReadSensitive,
                "person",
                id,
                summary,
                audit::Event::new(
                    "person.cadre",
                    serde_json::json!({ "n": cadres.len(), "ids": cadres }),
                ),
            )
            .await?;
        }
        let shown = |v: Option<String>| if cadre { v } else { None };
        Ok(rows
            .into_iter()
            .map(|m| PersonView {
                kinds: kinds_of(&m),
                unit_name: unit_names.get(&m.unit_id).cloned(),
                enterprise_name: m.enterprise_id.and_then(|e| ent_names.get(&e).cloned()),
                id_number: m.id_number.as_deref().map(|s| {
                    if unmasked {
                        s.to_owned()
                    } else {
                        mask_id_number(s)
                    }
                }),
                phone: m.phone.as_deref().map(|s| {
                    if unmasked {
                        s.to_owned()
                    } else {
                        mask_phone(s)
                    }
                }),
                unmasked,
                id_number_override_reason: m.id_number_override_reason,
                id: m.id,
                name: m.name,
                gender: m.gender,
                unit_id: m.unit_id,
                enterprise_id: m.enterprise_id,
                party_member: m.party_member,
                position: shown(m.position),
                rank: shown(m.rank),
                career: shown(m.career),
                expertise: shown(m.expertise),
                traits: shown(m.traits),
                cadre_details: cadre,
                created_at: m.created_at,
                updated_at: m.updated_at,
                version: m.version,
            })
            .collect())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonFilter {
    /// Name contains; or a full identity number / phone (exact match).
    pub q: Option<String>,
    /// The unit and everything below it.
    pub unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    /// cadre, volunteer, employee or contact
    pub kind: Option<String>,
    pub party_member: Option<bool>,
    /// Sort by one of the list's columns (`order` gives the direction).
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these records: ids separated by commas (the rows ticked on a list), at most 500.
    pub ids: Option<String>,
}

/// The columns the list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &["name", "gender", "party_member", "updated_at"];

fn sort_column(key: &str) -> Option<people::Column> {
    match key {
        "name" => Some(people::Column::Name),
        "gender" => Some(people::Column::Gender),
        "party_member" => Some(people::Column::PartyMember),
        "updated_at" => Some(people::Column::UpdatedAt),
        _ => None,
    }
}

/// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
pub fn sort_of(f: &PersonFilter) -> AppResult<Option<crate::paging::Sort>> {
    crate::paging::checked_sort(
        f.sort.as_deref(),
        f.order.as_deref(),
        f.ids.as_deref(),
        SORT_KEYS,
    )
}

fn filtered(who: &Principal, f: &PersonFilter) -> sea_orm::Select<people::Entity> {
    let mut q = scoped::<people::Entity>(&who.scope);
    if let Some(text) = clean(f.q.clone()) {
        let mut c = sea_orm::Condition::any()
            .add(people::Column::Name.like(LikeExpr::new(like_pattern(&text)).escape('\\')));
        if text.len() == 18 {
            c = c.add(people::Column::IdNumber.eq(text.to_uppercase()));
        }
        if text.chars().all(|ch| ch.is_ascii_digit() || ch == '-') && text.len() >= 7 {
            c = c.add(people::Column::Phone.eq(text.clone()));
        }
        q = q.filter(c);
    }
    if let Some(u) = f.unit_id {
        q = q.filter(people::Column::UnitId.in_subquery(crate::units::subtree_of(u)));
    }
    if let Some(e) = f.enterprise_id {
        q = q.filter(people::Column::EnterpriseId.eq(e));
    }
    match f.kind.as_deref() {
        Some("cadre") => q = q.filter(people::Column::IsCadre.eq(true)),
        Some("volunteer") => q = q.filter(people::Column::IsVolunteer.eq(true)),
        Some("employee") => q = q.filter(people::Column::IsEmployee.eq(true)),
        Some("contact") => q = q.filter(people::Column::IsContact.eq(true)),
        _ => {}
    }
    if let Some(p) = f.party_member {
        q = q.filter(people::Column::PartyMember.eq(p));
    }
    if let Some(ids) = crate::paging::ids_filter(f.ids.as_deref()) {
        q = q.filter(people::Column::Id.is_in(ids));
    }
    q
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &PersonFilter,
    paging: Paging,
) -> AppResult<Page<people::Model>> {
    who.require(perm::PERSON_LIST)?;
    let sort = sort_of(f)?;
    let q = crate::paging::sorted(
        filtered(who, f),
        sort.as_ref(),
        sort_column,
        (people::Column::Id, true),
        people::Column::Id,
    );
    crate::paging::paged_in_order(db, q, paging).await
}

pub async fn chunk(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &PersonFilter,
    after_id: i64,
    offset: u64,
    size: u64,
) -> AppResult<Vec<people::Model>> {
    // A sorted export comes in the list's order (by the column, then the id); otherwise
    // in id order, a chunk after the last id.
    if let Some(sort) = sort_of(f)? {
        return Ok(crate::paging::sorted(
            filtered(who, f),
            Some(&sort),
            sort_column,
            (people::Column::Id, false),
            people::Column::Id,
        )
        .offset(offset)
        .limit(size)
        .all(db)
        .await?);
    }
    Ok(filtered(who, f)
        .filter(people::Column::Id.gt(after_id))
        .order_by_asc(people::Column::Id)
        .limit(size)
        .all(db)
        .await?)
}

pub async fn get(db: &impl ConnectionTrait, who: &Principal, id: i64) -> AppResult<people::Model> {
    who.require(perm::PERSON_LIST)?;
    find_visible::<people::Entity>(db, &who.scope, id).await
}

pub async fn by_id_number(
    db: &impl ConnectionTrait,
    id_number: &str,
) -> AppResult<Option<people::Model>> {
    Ok(people::Entity::find()
        .filter(people::Column::IdNumber.eq(id_number.trim().to_uppercase()))
        .one(db)
        .await?)
}

struct Valid {
    name: String,
    unit_id: i64,
    id_number: Option<String>,
    override_reason: Option<String>,
    phone: Option<String>,
    gender: Option<String>,
    enterprise_id: Option<i64>,
    party_member: bool,
    kinds: Vec<String>,
    position: Option<String>,
    rank: Option<String>,
    career: Option<String>,
    expertise: Option<String>,
    traits: Option<String>,
}

/// The cadre details' fields with their labels.
const CADRE_FIELDS: [(&str, usize, &str, &str); 5] = [
    ("position", 100, "职务", "position"),
    ("rank", 50, "职级", "rank"),
    ("career", 4000, "工作履历", "career history"),
    ("expertise", 1000, "专长", "expertise"),
    ("traits", 1000, "个性特点", "traits"),
];

/// May `who` file a person in `unit_id`? Within their own unit scope; and an enterprise's
/// contact files its employees under its enterprise's sub-district or a unit below it.
async fn may_place(
    db: &impl ConnectionTrait,
    who: &Principal,
    unit_id: i64,
    enterprise: Option<&enterprises::Model>,
) -> AppResult<bool> {
    if crate::paging::may_place_in(db, &who.scope, unit_id).await? {
        return Ok(true);
    }
    let Some(e) = enterprise.filter(|e| who.scope.enterprise_id == Some(e.id)) else {
        return Ok(false);
    };
    use crate::entities::unit_closure;
    Ok(unit_closure::Entity::find()
        .filter(unit_closure::Column::AncestorId.eq(e.unit_id))
        .filter(unit_closure::Column::DescendantId.eq(unit_id))
        .count(db)
        .await?
        > 0)
}

async fn validate(
    db: &impl ConnectionTrait,
    who: &Principal,
    input: PersonInput,
    current: Option<&people::Model>,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let name = crate::text::required_text(&mut errors, "name", input.name, 50, "姓名", "name");
    let reason = clean(input.override_reason);
    let mut override_reason = None;
    let id_number = match sent_number(
        input.id_number,
        current.and_then(|c| c.id_number.as_deref()),
        mask_id_number,
    ) {
        Sent::Keep => {
            override_reason = current.and_then(|c| c.id_number_override_reason.clone());
            current.and_then(|c| c.id_number.clone())
        }
        Sent::New(None) => None,
        Sent::New(Some(raw)) => match IdNumber::parse(&raw) {
            Ok(id) => Some(id.as_str().to_owned()),
            Err(e) if e.is_check_char() && reason.is_some() && who.can(perm::DATA_OVERRIDE) => {
                match IdNumber::parse_allow_bad_check(&raw) {
                    Ok(id) => {
                        override_reason = reason.clone();
                        Some(id.as_str().to_owned())
                    }
                    Err(e) => {
                        errors.push(FieldError::from_validation(
                            "id_number",
                            &e,
                            "身份证号",
                            "identity number",
                        ));
                        None
                    }
                }
            }
            Err(e) => {
                errors.push(FieldError::from_validation(
                    "id_number",
                    &e,
                    "身份证号",
                    "identity number",
                ));
                None
            }
        },
    };
    let phone = match sent_number(
        input.phone,
        current.and_then(|c| c.phone.as_deref()),
        mask_phone,
    ) {
        Sent::Keep => current.and_then(|c| c.phone.clone()),
        Sent::New(None) => None,
        Sent::New(Some(p)) => match Phone::parse(&p) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::from_validation(
                    "phone",
                    &e,
                    "手机号码",
                    "phone",
                ));
                None
            }
        },
    };
    let gender = match clean(input.gender) {
        Some(g) => {
            crate::text::parse_code(&mut errors, "gender", Some(&g), GENDERS, "性别", "gender")
        }
        None => id_number
            .as_deref()
            .and_then(|id| IdNumber::parse_allow_bad_check(id).ok())
            .map(|id| if id.is_male() { "male" } else { "female" }.to_owned()),
    };
    // A new enterprise must be one the caller may write to; one outside their reach reads
    // exactly as one that does not exist. An unchanged one stays whatever the caller's reach.
    let enterprise_changed = input.enterprise_id.is_some()
        && input.enterprise_id != current.and_then(|c| c.enterprise_id);
    let enterprise = match input.enterprise_id {
        Some(id) => {
            let mut q = enterprises::Entity::find_by_id(id);
            if enterprise_changed {
                q = q.filter(<enterprises::Entity as Scoped>::write_condition(&who.scope));
            }
            q.one(db).await?
        }
        None => None,
    };
    // An employee without a unit belongs to the enterprise's sub-district.
    let unit_id = match input.unit_id.or(enterprise.as_ref().map(|e| e.unit_id)) {
        None => {
            errors.push(FieldError::required("unit_id", "所属单位", "unit"));
            0
        }
        Some(id) => {
            let changed = current.map(|c| c.unit_id) != Some(id);
            if changed && !may_place(db, who, id, enterprise.as_ref()).await? {
                // The same answer for a unit that does not exist and one out of reach.
                errors.push(FieldError::new(
                    "unit_id",
                    "out_of_reach",
                    "所属单位不存在或不在您的管辖范围内",
                    "the unit does not exist or is outside your reach",
                ));
            } else if units::Entity::find_by_id(id).one(db).await?.is_none() {
                errors.push(FieldError::new(
                    "unit_id",
                    "unknown",
                    "所属单位不存在",
                    "the unit does not exist",
                ));
            }
            id
        }
    };
    let enterprise_id = match input.enterprise_id {
        None => None,
        Some(id) => {
            if enterprise.is_none() {
                errors.push(FieldError::new(
                    "enterprise_id",
                    "unknown",
                    "所在企业不存在",
                    "the enterprise does not exist",
                ));
            }
            Some(id)
        }
    };
    let mut kinds = Vec::new();
    for k in input.kinds.unwrap_or_default() {
        if let Some(code) =
            crate::text::parse_code(&mut errors, "kinds", Some(&k), KINDS, "人员类别", "kinds")
        {
            kinds.push(code.to_owned());
        }
    }
    if (kinds.iter().any(|k| k == "employee" || k == "contact")) && enterprise_id.is_none() {
        errors.push(FieldError::new(
            "enterprise_id",
            "required",
            "企业职工和联络员须填写所在企业",
            "employees and enterprise contacts need their enterprise",
        ));
    }
    // Cadre details: written with `person:cadre` only; without it they must be left out (or
    // empty) and the stored ones stay.
    let sent = [
        input.position,
        input.rank,
        input.career,
        input.expertise,
        input.traits,
    ];
    let stored = current.map(|c| {
        [
            c.position.clone(),
            c.rank.clone(),
            c.career.clone(),
            c.expertise.clone(),
            c.traits.clone(),
        ]
    });
    let cadre: Vec<Option<String>> = if who.can(perm::PERSON_CADRE) {
        sent.into_iter()
            .zip(CADRE_FIELDS)
            .map(|(v, (field, max, zh, en))| {
                crate::text::optional_text(&mut errors, field, v, max, zh, en)
            })
            .collect()
    } else {
        for (v, (field, _, zh, en)) in sent.into_iter().zip(CADRE_FIELDS) {
            if clean(v).is_some() {
                errors.push(FieldError::new(
                    field,
                    "forbidden",
                    format!("只有组织部门可以填写干部信息（{zh}）"),
                    format!("only the organisation department may write cadre details ({en})"),
                ));
            }
        }
        stored
            .map(Vec::from)
            .unwrap_or_else(|| vec![None; CADRE_FIELDS.len()])
    };
    let [position, rank, career, expertise, traits]: [Option<String>; 5] =
        cadre.try_into().unwrap_or_else(|_| Default::default());
    if let Some(id) = &id_number {
        let dup = people::Entity::find()
            .filter(people::Column::IdNumber.eq(id.as_str()))
            .filter(people::Column::Id.ne(current.map(|c| c.id).unwrap_or(0)))
            .count(db)
            .await?;
        if dup > 0 {
            errors.push(FieldError::new(
                "id_number",
                "duplicate",
                "该身份证号已登记",
                "this identity number is already registered",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid {
        name,
        unit_id,
        id_number,
        override_reason,
        phone,
        gender,
        enterprise_id,
        party_member: input.party_member.unwrap_or(false),
        kinds,
        position,
        rank,
        career,
        expertise,
        traits,
    })
}

fn apply(am: &mut people::ActiveModel, v: Valid) {
    let has = |k: &str| v.kinds.iter().any(|x| x == k);
    am.is_cadre = Set(has("cadre"));
    am.is_volunteer = Set(has("volunteer"));
    am.is_employee = Set(has("employee"));
    am.is_contact = Set(has("contact"));
    am.name = Set(v.name);
    am.unit_id = Set(v.unit_id);
    am.id_number = Set(v.id_number);
    am.id_number_override_reason = Set(v.override_reason);
    am.phone = Set(v.phone);
    am.gender = Set(v.gender);
    am.enterprise_id = Set(v.enterprise_id);
    am.party_member = Set(v.party_member);
    am.position = Set(v.position);
    am.rank = Set(v.rank);
    am.career = Set(v.career);
    am.expertise = Set(v.expertise);
    am.traits = Set(v.traits);
    am.updated_at = Set(Utc::now());
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: PersonInput,
) -> AppResult<people::Model> {
    who.require(perm::PERSON_ADD)?;
    let v = validate(db, who, input, None).await?;
    let overridden = v.override_reason.clone();
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let mut am = people::ActiveModel {
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(&mut am, v);
    let p = am.insert(&txn).await?;
    ensure_writable::<people::Entity>(&txn, who, p.id).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "person",
        Some(p.id),
        p.name.clone(),
    )
    .await?;
    if let Some(reason) = overridden {
        audit::record(
            &txn,
            who,
            Action::Override,
            "person",
            Some(p.id),
            format!("id_number: {reason}"),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(p)
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: PersonInput,
) -> AppResult<people::Model> {
    who.require(perm::PERSON_EDIT)?;
    find_visible::<people::Entity>(db, &who.scope, id).await?;
    // Who may not write the record hears so before anything about its version.
    ensure_writable::<people::Entity>(db, who, id).await?;
    let expected = lianxin_kernel::paging::version_required(input.version)?;
    // Read, check the version and write in one transaction, the row locked first.
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::db::lock_row(&txn, "people", id).await?;
    let current = find_visible::<people::Entity>(&txn, &who.scope, id).await?;
    if expected != current.version {
        txn.rollback().await?;
        let now = PersonView::build(db, who, vec![current], "stale edit", true)
            .await?
            .pop();
        return Err(lianxin_kernel::paging::stale(now));
    }
    let v = validate(&txn, who, input, Some(&current)).await?;
    let newly_overridden = v.override_reason.clone().filter(|_| {
        current.id_number_override_reason.is_none() || current.id_number != v.id_number
    });
    let version = current.version + 1;
    let mut am: people::ActiveModel = current.into();
    apply(&mut am, v);
    am.version = Set(version);
    let p = am.update(&txn).await?;
    ensure_writable::<people::Entity>(&txn, who, p.id).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "person",
        Some(p.id),
        p.name.clone(),
    )
    .await?;
    if let Some(reason) = newly_overridden {
        audit::record(
            &txn,
            who,
            Action::Override,
            "person",
            Some(p.id),
            format!("id_number: {reason}"),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(p)
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
) -> AppResult<()> {
    who.require(perm::PERSON_REMOVE)?;
    let p = find_visible::<people::Entity>(db, &who.scope, id).await?;
    let accounts = users::Entity::find()
        .filter(users::Column::PersonId.eq(id))
        .count(db)
        .await?;
    if accounts > 0 {
        return Err(AppError::conflict(
            format!("“{}”还关联着登录账号，请先停用或解除账号", p.name),
            format!("'{}' is linked to a user account; unlink it first", p.name),
        ));
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    people::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(&txn, who, Action::Delete, "person", Some(id), p.name).await?;
    txn.commit().await?;
    Ok(())
}
