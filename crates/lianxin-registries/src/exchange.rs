//! Import and export of the registries (.xlsx and .csv), the habits Chinese admin users have:
//! a template with drop-downs for coded columns, an import that lists every bad row with its
//! reason and imports nothing until the file is clean, an "update existing" switch, and exports
//! that stream in constant memory.
//!
//! Import rows go through the registries' own create/update functions inside one transaction,
//! so the rules are exactly those of the API and the forms; any bad row rolls everything back.

use std::collections::HashMap;
use std::path::Path;

use axum::Router;
use axum::extract::{Multipart, Path as UrlPath, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use lianxin_kernel::http::ApiQuery;
use rust_xlsxwriter::Workbook;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::enterprises::{self, EnterpriseFilter, EnterpriseForm, OWNERSHIPS};
use crate::entities::{enterprises as ent_entity, people as person_entity, units as unit_entity};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::pages::{EnterpriseQuery, PersonQuery, UnitForm, UnitQuery};
use crate::people::{self, PersonFilter, PersonForm, mask_id_number, mask_phone};
use crate::perm;
use crate::units::{self, KINDS, UnitFilter};
use axum::extract::FromRef;
use lianxin_kernel::sheet::*;
use lianxin_kernel::state::Core;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Units,
    People,
    Enterprises,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "units" | "unit" => Some(Kind::Units),
            "people" | "person" => Some(Kind::People),
            "enterprises" | "enterprise" => Some(Kind::Enterprises),
            _ => None,
        }
    }
    pub fn path(self) -> &'static str {
        match self {
            Kind::Units => "units",
            Kind::People => "people",
            Kind::Enterprises => "enterprises",
        }
    }
    fn entity(self) -> &'static str {
        match self {
            Kind::Units => "unit",
            Kind::People => "person",
            Kind::Enterprises => "enterprise",
        }
    }
    fn label(self, lang: Lang) -> &'static str {
        match self {
            Kind::Units => lang.pick("单位", "units"),
            Kind::People => lang.pick("人员", "people"),
            Kind::Enterprises => lang.pick("企业", "enterprises"),
        }
    }
    fn perms(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Kind::Units => (perm::UNIT_IMPORT, perm::UNIT_EXPORT, perm::UNIT_LIST),
            Kind::People => (perm::PERSON_IMPORT, perm::PERSON_EXPORT, perm::PERSON_LIST),
            Kind::Enterprises => (
                perm::ENTERPRISE_IMPORT,
                perm::ENTERPRISE_EXPORT,
                perm::ENTERPRISE_LIST,
            ),
        }
    }
}

pub const UNIT_COLS: &[Col] = &[
    Col {
        text: true,
        ..col("code", "code", "单位编码", "Code")
    },
    Col {
        required: true,
        ..col("name", "name", "单位名称", "Name")
    },
    Col {
        required: true,
        codes: Some(KINDS),
        ..col("kind", "kind", "单位类型", "Kind")
    },
    Col {
        text: true,
        ..col(
            "parent",
            "parent_id",
            "上级单位（编码或名称）",
            "Parent (code or name)",
        )
    },
    col("sort", "sort", "排序", "Sort"),
    col("leader", "leader", "负责人", "Leader"),
    Col {
        text: true,
        ..col("phone", "phone", "联系电话", "Phone")
    },
];

pub const ENTERPRISE_COLS: &[Col] = &[
    Col {
        required: true,
        ..col("name", "name", "企业名称", "Name")
    },
    Col {
        required: true,
        text: true,
        ..col("uscc", "uscc", "统一社会信用代码", "Credit code")
    },
    Col {
        required: true,
        ..col("unit", "unit_id", "所属街道（镇）", "Sub-district")
    },
    Col {
        codes: Some(enterprises::INDUSTRIES),
        ..col("industry", "industry", "行业", "Industry")
    },
    Col {
        codes: Some(OWNERSHIPS),
        ..col("ownership", "ownership", "经济类型", "Ownership")
    },
    col("address", "address", "地址", "Address"),
    col(
        "legal_rep",
        "legal_rep",
        "法定代表人",
        "Legal representative",
    ),
    col("contact_name", "contact_name", "联系人", "Contact person"),
    Col {
        text: true,
        ..col(
            "contact_phone",
            "contact_phone",
            "联系电话",
            "Contact phone",
        )
    },
    col("employee_count", "employee_count", "职工人数", "Employees"),
    Col {
        codes: Some(&YES_NO),
        ..col(
            "has_party_org",
            "has_party_org",
            "有党组织",
            "Party organisation",
        )
    },
    Col {
        codes: Some(&YES_NO),
        ..col("key_project", "key_project", "重点项目", "Key project")
    },
    col(
        "service_team",
        "service_team_id",
        "结对服务队（编码或名称）",
        "Service team (code or name)",
    ),
    col(
        "override_reason",
        "override_reason",
        "校验例外说明",
        "Check override reason",
    ),
];

pub const PERSON_COLS: &[Col] = &[
    Col {
        required: true,
        ..col("name", "name", "姓名", "Name")
    },
    Col {
        codes: Some(people::GENDERS),
        ..col("gender", "gender", "性别", "Gender")
    },
    Col {
        text: true,
        ..col("id_number", "id_number", "身份证号", "Identity number")
    },
    Col {
        text: true,
        ..col("phone", "phone", "手机号码", "Phone")
    },
    Col {
        required: true,
        text: true,
        ..col(
            "unit",
            "unit_id",
            "所属单位（编码或名称）",
            "Unit (code or name)",
        )
    },
    Col {
        text: true,
        ..col(
            "enterprise",
            "enterprise_id",
            "所在企业（名称或统一社会信用代码）",
            "Enterprise (name or credit code)",
        )
    },
    Col {
        codes: Some(&YES_NO),
        ..col("party_member", "party_member", "党员", "Party member")
    },
    col(
        "kinds",
        "kinds",
        "人员类别（干部、志愿者、企业职工、企业联络员）",
        "Kinds",
    ),
    col("position", "position", "职务", "Position"),
    col("rank", "rank", "职级", "Rank"),
    col("career", "career", "工作履历", "Career history"),
    col("expertise", "expertise", "专长", "Expertise"),
    col("traits", "traits", "个性特点", "Traits"),
    col(
        "override_reason",
        "override_reason",
        "校验例外说明",
        "Check override reason",
    ),
];

/// The cadre details' columns: exported only to callers holding `person:cadre`.
const CADRE_KEYS: &[&str] = &["position", "rank", "career", "expertise", "traits"];

/// Whether `who` gets column `c` of an export.
fn exported(who: &Principal, c: &Col) -> bool {
    !CADRE_KEYS.contains(&c.key) || who.can(perm::PERSON_CADRE)
}

/// The columns of an export for `who` (no cadre details without `person:cadre`).
fn export_cols(kind: Kind, who: &Principal) -> Vec<Col> {
    cols(kind)
        .iter()
        .copied()
        .filter(|c| exported(who, c))
        .collect()
}

pub fn cols(kind: Kind) -> &'static [Col] {
    match kind {
        Kind::Units => UNIT_COLS,
        Kind::People => PERSON_COLS,
        Kind::Enterprises => ENTERPRISE_COLS,
    }
}

// --- import ---------------------------------------------------------------------------------

/// Resolves a unit reference by code, then by exact name (which must be unique).
async fn unit_ref(db: &impl ConnectionTrait, v: &str) -> AppResult<Result<i64, (String, String)>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if let Some(u) = units::by_code(db, v).await? {
        return Ok(Ok(u.id));
    }
    let by_name = unit_entity::Entity::find()
        .filter(unit_entity::Column::Name.eq(v))
        .all(db)
        .await?;
    Ok(match by_name.len() {
        1 => Ok(by_name[0].id),
        0 => Err((format!("找不到单位“{v}”"), format!("no unit '{v}'"))),
        _ => Err((
            format!("有多个名为“{v}”的单位，请填编码"),
            format!("several units are named '{v}'; use the code"),
        )),
    })
}

/// Resolves an enterprise reference by credit code, then by exact name (which must be unique).
async fn enterprise_ref(
    db: &impl ConnectionTrait,
    v: &str,
) -> AppResult<Result<i64, (String, String)>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    if let Some(e) = enterprises::by_uscc(db, v).await? {
        return Ok(Ok(e.id));
    }
    let by_name = ent_entity::Entity::find()
        .filter(ent_entity::Column::Name.eq(v))
        .all(db)
        .await?;
    Ok(match by_name.len() {
        1 => Ok(by_name[0].id),
        0 => Err((
            format!("找不到名称或统一社会信用代码为“{v}”的企业"),
            format!("no enterprise named '{v}' or with that credit code"),
        )),
        _ => Err((
            format!("有多个名为“{v}”的企业，请填统一社会信用代码"),
            format!("several enterprises are named '{v}'; use the credit code"),
        )),
    })
}

/// A row naming a record that exists, without "update existing": the row is still checked as
/// an update would check it, so the user sees all of its errors at once, and the "exists"
/// error keeps the import from committing (any row error rolls the whole file back).
fn exists<T>(checked: AppResult<T>, field: &str) -> AppResult<bool> {
    let mut errors = match checked {
        Ok(_) => Vec::new(),
        Err(AppError::Validation(v)) => v,
        // Not the caller's to update: "exists" is all there is to say.
        Err(AppError::Forbidden | AppError::NotFound | AppError::Conflict { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    if let AppError::Validation(mut e) = exists_error(field) {
        errors.append(&mut e);
    }
    Err(AppError::Validation(errors))
}

/// Imports a file. With `commit` false (or any bad row) nothing is written.
pub async fn import(
    db: &DatabaseConnection,
    who: &Principal,
    kind: Kind,
    filename: &str,
    bytes: &[u8],
    update_existing: bool,
    progress: bool,
) -> AppResult<ImportReport> {
    who.require(kind.perms().0)?;
    let rows = read_rows(cols(kind), filename, bytes.to_vec(), MAX_ROWS)
        .await?
        .rows;
    let spec = cols(kind);
    let bar = if progress {
        indicatif::ProgressBar::new(rows.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let mut report = ImportReport {
        rows: rows.len(),
        created: 0,
        updated: 0,
        errors: Vec::new(),
        message: String::new(),
    };
    for (row, mut m) in rows {
        bar.inc(1);
        let mut errs: Vec<FieldError> = Vec::new();
        // Resolve references and find an existing record to update.
        let mut resolve = |field: &'static str,
                           r: AppResult<Result<i64, (String, String)>>|
         -> AppResult<Option<String>> {
            match r? {
                Ok(id) => Ok(Some(id.to_string())),
                Err((zh, en)) => {
                    errs.push(FieldError::new(field, "unknown", zh, en));
                    Ok(None)
                }
            }
        };
        let outcome: AppResult<bool> = match kind {
            Kind::Units => {
                let parent = match m.remove("parent") {
                    Some(p) => resolve("parent_id", unit_ref(&txn, &p).await)?,
                    None => None,
                };
                let existing = match m.get("code") {
                    Some(c) => units::by_code(&txn, c).await?,
                    None => None,
                };
                let form = UnitForm {
                    name: m.remove("name"),
                    kind: m.remove("kind"),
                    parent_id: parent,
                    code: m.remove("code"),
                    sort: m.remove("sort"),
                    leader: m.remove("leader"),
                    phone: m.remove("phone"),
                    version: None,
                };
                let (mut input, mut parse_errors) = form.parse();
                // "Update existing" updates by key, from the version it has just read.
                if let Some(found) = &existing {
                    input.version = Some(found.version);
                }
                parse_errors.append(&mut errs);
                let result = match existing {
                    Some(u) if !update_existing => {
                        exists(units::update(&txn, who, u.id, input).await, "code")
                    }
                    Some(u) => units::update(&txn, who, u.id, input).await.map(|_| false),
                    None => units::create(&txn, who, input).await.map(|_| true),
                };
                merge_parse_errors(parse_errors, result)
            }
            Kind::Enterprises => {
                let unit = match m.remove("unit") {
                    Some(v) => resolve("unit_id", unit_ref(&txn, &v).await)?,
                    None => None,
                };
                let team = match m.remove("service_team") {
                    Some(v) => resolve("service_team_id", unit_ref(&txn, &v).await)?,
                    None => None,
                };
                let existing = match m.get("uscc") {
                    Some(c) => enterprises::by_uscc(&txn, c).await?,
                    None => None,
                };
                let form = EnterpriseForm {
                    name: m.remove("name"),
                    uscc: m.remove("uscc"),
                    unit_id: unit,
                    industry: m.remove("industry"),
                    ownership: m.remove("ownership"),
                    address: m.remove("address"),
                    legal_rep: m.remove("legal_rep"),
                    contact_name: m.remove("contact_name"),
                    contact_phone: m.remove("contact_phone"),
                    employee_count: m.remove("employee_count"),
                    has_party_org: m.remove("has_party_org"),
                    key_project: m.remove("key_project"),
                    service_team_id: team,
                    override_reason: m.remove("override_reason"),
                    version: None,
                };
                let (mut input, mut parse_errors) = form.parse();
                // "Update existing" updates by key, from the version it has just read.
                if let Some(found) = &existing {
                    input.version = Some(found.version);
                }
                parse_errors.append(&mut errs);
                let result = match existing {
                    Some(e) if !update_existing => {
                        exists(enterprises::update(&txn, who, e.id, input).await, "uscc")
                    }
                    Some(e) => enterprises::update(&txn, who, e.id, input)
                        .await
                        .map(|_| false),
                    None => enterprises::create(&txn, who, input).await.map(|_| true),
                };
                merge_parse_errors(parse_errors, result)
            }
            Kind::People => {
                let unit = match m.remove("unit") {
                    Some(v) => resolve("unit_id", unit_ref(&txn, &v).await)?,
                    None => None,
                };
                let enterprise = match m.remove("enterprise") {
                    Some(v) => resolve("enterprise_id", enterprise_ref(&txn, &v).await)?,
                    None => None,
                };
                let existing = match m.get("id_number") {
                    Some(c) => people::by_id_number(&txn, c).await?,
                    None => None,
                };
                let form = PersonForm {
                    name: m.remove("name"),
                    unit_id: unit,
                    id_number: m.remove("id_number"),
                    phone: m.remove("phone"),
                    gender: m.remove("gender"),
                    enterprise_id: enterprise,
                    party_member: m.remove("party_member"),
                    kinds: m.remove("kinds"),
                    position: m.remove("position"),
                    rank: m.remove("rank"),
                    career: m.remove("career"),
                    expertise: m.remove("expertise"),
                    traits: m.remove("traits"),
                    override_reason: m.remove("override_reason"),
                    ..Default::default()
                };
                let (mut input, mut parse_errors) = form.parse();
                // "Update existing" updates by key, from the version it has just read.
                if let Some(found) = &existing {
                    input.version = Some(found.version);
                }
                parse_errors.append(&mut errs);
                let result = match existing {
                    Some(p) if !update_existing => {
                        exists(people::update(&txn, who, p.id, input).await, "id_number")
                    }
                    Some(p) => people::update(&txn, who, p.id, input).await.map(|_| false),
                    None => people::create(&txn, who, input).await.map(|_| true),
                };
                merge_parse_errors(parse_errors, result)
            }
        };
        match outcome {
            Ok(true) => report.created += 1,
            Ok(false) => report.updated += 1,
            Err(AppError::Validation(fields)) => {
                for f in fields {
                    let c = spec.iter().find(|c| c.field == f.field || c.key == f.field);
                    report.errors.push(RowError {
                        row,
                        column: c.map(|c| c.zh.to_owned()).unwrap_or_default(),
                        column_en: c.map(|c| c.en.to_owned()).unwrap_or_default(),
                        message: String::new(),
                        message_zh: f.message_zh,
                        message_en: f.message_en,
                    });
                }
            }
            Err(e @ (AppError::Forbidden | AppError::NotFound | AppError::Conflict { .. })) => {
                let p = e.problem();
                report.errors.push(RowError {
                    row,
                    column: String::new(),
                    column_en: String::new(),
                    message: String::new(),
                    message_zh: p.detail_zh,
                    message_en: p.detail_en,
                });
            }
            Err(e) => return Err(e),
        }
    }
    bar.finish_and_clear();
    if report.errors.is_empty() {
        audit::record_event(
            &txn,
            who,
            Action::Import,
            kind.entity(),
            None,
            format!(
                "{filename}: {} rows, {} created, {} updated",
                report.rows, report.created, report.updated
            ),
            audit::Event::new(
                "registry.import",
                serde_json::json!({
                    "kind": audit::both(kind.label(Lang::Zh), kind.label(Lang::En)),
                    "file": filename,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                }),
            ),
        )
        .await?;
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(report)
}

// --- export ---------------------------------------------------------------------------------

#[derive(Clone)]
pub enum Filter {
    Units(UnitFilter),
    People(PersonFilter),
    Enterprises(EnterpriseFilter),
}

impl Filter {
    fn all(kind: Kind) -> Self {
        match kind {
            Kind::Units => Filter::Units(UnitFilter::default()),
            Kind::People => Filter::People(PersonFilter::default()),
            Kind::Enterprises => Filter::Enterprises(EnterpriseFilter::default()),
        }
    }
    fn kind(&self) -> Kind {
        match self {
            Filter::Units(_) => Kind::Units,
            Filter::People(_) => Kind::People,
            Filter::Enterprises(_) => Kind::Enterprises,
        }
    }
}

const CHUNK: u64 = 1000;

/// Lookup tables for turning ids into what the sheet shows (units are few): a unit's name,
/// or its code when several units share the name (so that the file imports back unchanged:
/// the import reads a unit by code or by a unique name).
struct Names {
    unit: HashMap<i64, String>,
}

async fn names(db: &impl ConnectionTrait) -> AppResult<Names> {
    use sea_orm::EntityTrait;
    let all = unit_entity::Entity::find().all(db).await?;
    let mut uses: HashMap<&str, usize> = HashMap::new();
    for u in &all {
        *uses.entry(u.name.as_str()).or_default() += 1;
    }
    Ok(Names {
        unit: all
            .iter()
            .map(|u| {
                let shown = if uses.get(u.name.as_str()) == Some(&1) {
                    u.name.clone()
                } else {
                    u.code.clone()
                };
                (u.id, shown)
            })
            .collect(),
    })
}

fn yes(b: bool) -> String {
    if b { "是" } else { "否" }.to_owned()
}

fn code_zh(codes: crate::text::Codes, code: &str) -> String {
    codes.label(code, crate::i18n::Lang::Zh)
}

/// The next chunk of rows after `after`, as sheet cells; `None` when done.
async fn next_chunk(
    db: &impl ConnectionTrait,
    who: &Principal,
    filter: &Filter,
    names: &Names,
    ent_shown: &mut HashMap<i64, String>,
    after: i64,
    offset: u64,
) -> AppResult<Option<(i64, Vec<Vec<String>>)>> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
    let unit = |id: i64| names.unit.get(&id).cloned().unwrap_or_default();
    let (last, rows): (Option<i64>, Vec<Vec<String>>) = match filter {
        Filter::Units(f) => {
            let chunk: Vec<unit_entity::Model> =
                units::chunk(db, who, f, after, offset, CHUNK).await?;
            (
                chunk.last().map(|u| u.id),
                chunk
                    .iter()
                    .map(|u| {
                        vec![
                            u.code.clone(),
                            u.name.clone(),
                            code_zh(KINDS, &u.kind),
                            u.parent_id.map(unit).unwrap_or_default(),
                            u.sort.to_string(),
                            u.leader.clone().unwrap_or_default(),
                            u.phone.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )
        }
        Filter::Enterprises(f) => {
            let chunk: Vec<ent_entity::Model> =
                enterprises::chunk(db, who, f, after, offset, CHUNK).await?;
            let unmasked = who.can(perm::PERSON_SENSITIVE);
            (
                chunk.last().map(|e| e.id),
                chunk
                    .iter()
                    .map(|e| {
                        vec![
                            e.name.clone(),
                            e.uscc.clone(),
                            unit(e.unit_id),
                            e.industry
                                .as_deref()
                                .map(|i| code_zh(enterprises::INDUSTRIES, i))
                                .unwrap_or_default(),
                            code_zh(OWNERSHIPS, &e.ownership),
                            e.address.clone().unwrap_or_default(),
                            e.legal_rep.clone().unwrap_or_default(),
                            e.contact_name.clone().unwrap_or_default(),
                            shown(e.contact_phone.as_deref(), unmasked, mask_phone),
                            e.employee_count.to_string(),
                            yes(e.has_party_org),
                            yes(e.key_project),
                            e.service_team_id.map(unit).unwrap_or_default(),
                            e.uscc_override_reason.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            )
        }
        Filter::People(f) => {
            let chunk: Vec<person_entity::Model> =
                people::chunk(db, who, f, after, offset, CHUNK).await?;
            let unmasked = who.can(perm::PERSON_SENSITIVE);
            let missing: Vec<i64> = chunk
                .iter()
                .filter_map(|p| p.enterprise_id)
                .filter(|id| !ent_shown.contains_key(id))
                .collect();
            if !missing.is_empty() {
                // An enterprise by its name, or by its credit code where several share the
                // name (so that the file imports back: the import reads either).
                let found = ent_entity::Entity::find()
                    .filter(ent_entity::Column::Id.is_in(missing))
                    .all(db)
                    .await?;
                let shared: std::collections::HashSet<String> = ent_entity::Entity::find()
                    .select_only()
                    .column(ent_entity::Column::Name)
                    .filter(ent_entity::Column::Name.is_in(found.iter().map(|e| e.name.clone())))
                    .group_by(ent_entity::Column::Name)
                    .having({
                        use sea_orm::sea_query::ExprTrait;
                        ent_entity::Column::Id.count().gt(1)
                    })
                    .into_tuple::<String>()
                    .all(db)
                    .await?
                    .into_iter()
                    .collect();
                for e in found {
                    let shown = if shared.contains(&e.name) {
                        e.uscc
                    } else {
                        e.name
                    };
                    ent_shown.insert(e.id, shown);
                }
            }
            (
                chunk.last().map(|p| p.id),
                chunk
                    .iter()
                    .map(|p| {
                        let kinds: Vec<String> = people::kinds_of(p)
                            .iter()
                            .map(|k| code_zh(people::KINDS, k))
                            .collect();
                        vec![
                            p.name.clone(),
                            p.gender
                                .as_deref()
                                .map(|g| code_zh(people::GENDERS, g))
                                .unwrap_or_default(),
                            shown(p.id_number.as_deref(), unmasked, mask_id_number),
                            shown(p.phone.as_deref(), unmasked, mask_phone),
                            unit(p.unit_id),
                            p.enterprise_id
                                .and_then(|e| ent_shown.get(&e).cloned())
                                .unwrap_or_default(),
                            yes(p.party_member),
                            kinds.join("、"),
                            p.position.clone().unwrap_or_default(),
                            p.rank.clone().unwrap_or_default(),
                            p.career.clone().unwrap_or_default(),
                            p.expertise.clone().unwrap_or_default(),
                            p.traits.clone().unwrap_or_default(),
                            p.id_number_override_reason.clone().unwrap_or_default(),
                        ]
                        .into_iter()
                        .zip(PERSON_COLS)
                        .filter(|(_, c)| exported(who, c))
                        .map(|(v, _)| v)
                        .collect()
                    })
                    .collect(),
            )
        }
    };
    Ok(last.map(|l| (l, rows)))
}

/// The import template: headers, text columns, drop-downs, one example row.
pub fn template(kind: Kind) -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(kind.label(Lang::Zh)).map_err(xlsx_err)?;
    write_header(ws, cols(kind), true)?;
    let example: &[&str] = match kind {
        Kind::Units => &[
            "410106001099",
            "示例社区",
            "社区",
            "410106001",
            "0",
            "张三",
            "13800138000",
        ],
        Kind::Enterprises => &[
            "郑州示例科技有限公司",
            "91410106MA44XXXX82",
            "济源路街道",
            "制造业",
            "民营",
            "上街区示例路 1 号",
            "张三",
            "李四",
            "13800138000",
            "120",
            "是",
            "否",
            "",
            "",
        ],
        Kind::People => &[
            "王五",
            "男",
            "410106199003071236",
            "13800138000",
            "410106001",
            "",
            "是",
            "志愿者",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    };
    for (i, v) in example.iter().enumerate() {
        ws.write_string(1, i as u16, *v).map_err(xlsx_err)?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

/// Writes the export to `path` (xlsx in constant-memory mode or CSV), a chunk at a time.
pub async fn export_filtered(
    db: &DatabaseConnection,
    who: &Principal,
    filter: Filter,
    path: &Path,
    csv_format: bool,
) -> AppResult<u64> {
    let kind = filter.kind();
    who.require(kind.perms().1)?;
    who.require(kind.perms().2)?;
    let names = names(db).await?;
    let mut ent_shown = HashMap::new();
    let mut after = 0i64;
    let mut offset = 0u64;
    let mut n: u64 = 0;
    if csv_format {
        let file = std::fs::File::create(path).map_err(AppError::internal)?;
        let mut w = std::io::BufWriter::new(file);
        std::io::Write::write_all(&mut w, b"\xEF\xBB\xBF").map_err(AppError::internal)?;
        let mut wr = csv::Writer::from_writer(w);
        wr.write_record(export_cols(kind, who).iter().map(|c| c.zh))
            .map_err(AppError::internal)?;
        while let Some((last, rows)) =
            next_chunk(db, who, &filter, &names, &mut ent_shown, after, offset).await?
        {
            for r in rows {
                wr.write_record(r.iter().map(|c| csv_cell(c).into_owned()))
                    .map_err(AppError::internal)?;
                n += 1;
            }
            after = last;
            offset = n;
        }
        wr.flush().map_err(AppError::internal)?;
    } else {
        let mut wb = Workbook::new();
        let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?;
        ws.set_name(kind.label(Lang::Zh)).map_err(xlsx_err)?;
        write_header(ws, &export_cols(kind, who), false)?;
        while let Some((last, rows)) =
            next_chunk(db, who, &filter, &names, &mut ent_shown, after, offset).await?
        {
            for r in rows {
                n += 1;
                for (j, v) in r.iter().enumerate() {
                    if !v.is_empty() {
                        ws.write_string(n as u32, j as u16, v).map_err(xlsx_err)?;
                    }
                }
            }
            after = last;
            offset = n;
        }
        wb.save(path).map_err(xlsx_err)?;
    }
    // Unmasked numbers (people's, enterprises' contact phones) and cadre details are
    // personal data: such an export is recorded as their read.
    let unmasked = kind != Kind::Units && who.can(perm::PERSON_SENSITIVE);
    let cadre = kind == Kind::People && who.can(perm::PERSON_CADRE);
    let with = match (unmasked, cadre) {
        (true, true) => audit::both(
            "（含完整证件号、电话和干部信息）",
            " (with full numbers and cadre details)",
        ),
        (true, false) => audit::both("（含完整证件号和电话）", " (with full numbers)"),
        (false, true) => audit::both("（含干部信息）", " (with cadre details)"),
        (false, false) => audit::both("", ""),
    };
    audit::record_event(
        db,
        who,
        if unmasked || cadre {
            Action::ReadSensitive
        } else {
            Action::Export
        },
        kind.entity(),
        None,
        format!(
            "export {n} rows{}{}",
            if unmasked { " unmasked" } else { "" },
            if cadre { " with cadre details" } else { "" }
        ),
        audit::Event::new(
            "registry.export",
            serde_json::json!({
                "kind": audit::both(kind.label(Lang::Zh), kind.label(Lang::En)),
                "n": n,
                "with": with,
            }),
        ),
    )
    .await?;
    Ok(n)
}

pub async fn export_to_file(
    db: &DatabaseConnection,
    who: &Principal,
    kind: Kind,
    path: &Path,
    _progress: bool,
) -> AppResult<u64> {
    let csv_format = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    export_filtered(db, who, Filter::all(kind), path, csv_format).await
}

// --- HTTP -----------------------------------------------------------------------------------

/// Browser routes, spelled out per registry (`/enterprises/{id}` would otherwise swallow them).
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    let mut r = Router::new();
    for kind in [Kind::Units, Kind::People, Kind::Enterprises] {
        let base = format!("/{}", kind.path());
        r = r
            .route(
                &format!("{base}/export.xlsx"),
                get(move |s: State<Core>, who: Principal, uri: axum::http::Uri| async move {
                    export_any(s.0, who, kind, uri.query().unwrap_or("").to_owned(), false).await
                }),
            )
            .route(
                &format!("{base}/export.csv"),
                get(move |s: State<Core>, who: Principal, uri: axum::http::Uri| async move {
                    export_any(s.0, who, kind, uri.query().unwrap_or("").to_owned(), true).await
                }),
            )
            .route(
                &format!("{base}/template.xlsx"),
                get(move |who: Principal| async move { download_template(who, kind).await }),
            )
            .route(
                &format!("{base}/import"),
                get(move |who: Principal, lang: Lang| async move { import_page(who, lang, kind).await }).post(
                    move |s: State<Core>, who: Principal, lang: Lang, mp: Multipart| async move {
                        import_upload(s.0, who, lang, kind, mp).await
                    },
                ),
            );
    }
    r
}

fn kind_of(s: &str) -> AppResult<Kind> {
    Kind::parse(s).ok_or(AppError::NotFound)
}

/// The list's filters from an export's query string: a parameter that does not parse is a
/// 422, never an export of the whole scope.
fn filter_from_query(kind: Kind, raw: &str) -> AppResult<Filter> {
    fn parse<T: serde::de::DeserializeOwned>(raw: &str) -> AppResult<T> {
        serde_urlencoded::from_str::<T>(raw).map_err(|e| {
            AppError::invalid(FieldError::new(
                "query",
                "format",
                format!(
                    "查询参数有误：{}",
                    lianxin_kernel::http::decoding_error_zh(&e.to_string())
                ),
                format!("invalid query parameters: {e}"),
            ))
        })
    }
    Ok(match kind {
        Kind::Units => Filter::Units(parse::<UnitQuery>(raw)?.filter()?),
        Kind::People => Filter::People(parse::<PersonQuery>(raw)?.filter()?),
        Kind::Enterprises => Filter::Enterprises(parse::<EnterpriseQuery>(raw)?.filter()?),
    })
}

async fn export_any(
    s: Core,
    who: Principal,
    kind: Kind,
    raw: String,
    csv_format: bool,
) -> AppResult<Response> {
    let filter = filter_from_query(kind, &raw)?;
    let tmp = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
    export_filtered(&s.db, &who, filter, tmp.path(), csv_format).await?;
    let reopened = tmp.reopen().map_err(AppError::internal)?;
    let (_, path) = tmp.into_parts();
    let file = tempfile::NamedTempFile::from_parts(reopened, path);
    let date = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y%m%d");
    let name = format!(
        "{}-{date}.{}",
        kind.label(Lang::Zh),
        if csv_format { "csv" } else { "xlsx" }
    );
    let ct = if csv_format {
        "text/csv; charset=utf-8"
    } else {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    };
    stream_file(file, ct, name).await
}

async fn download_template(who: Principal, kind: Kind) -> AppResult<Response> {
    who.require(kind.perms().0)?;
    let bytes = template(kind)?;
    let mut resp = bytes.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        attachment(&format!("{}导入模板.xlsx", kind.label(Lang::Zh))),
    );
    Ok(resp)
}

fn import_page_for(who: &Principal, lang: Lang, kind: Kind) -> ImportPage {
    let active = match kind {
        Kind::Units => "units",
        Kind::People => "people",
        Kind::Enterprises => "enterprises",
    };
    ImportPage {
        ctx: lianxin_kernel::web::PageCtx::new(
            who,
            lang,
            active,
            format!("{} · {}", lang.t("app.import"), kind.label(lang)),
        ),
        action: format!("/{}/import", kind.path()),
        back: format!("/{}", kind.path()),
        template_href: format!("/{}/template.xlsx", kind.path()),
        result: None,
        ok: false,
        row_errors: Vec::new(),
        updates_existing: true,
    }
}

async fn import_page(who: Principal, lang: Lang, kind: Kind) -> AppResult<Response> {
    who.require(kind.perms().0)?;
    Ok(lianxin_kernel::web::render(&import_page_for(
        &who, lang, kind,
    )))
}

async fn import_upload(
    s: Core,
    who: Principal,
    lang: Lang,
    kind: Kind,
    mp: Multipart,
) -> AppResult<Response> {
    who.require(kind.perms().0)?;
    let outcome = match read_upload(mp).await {
        Ok((name, bytes, update)) => import(&s.db, &who, kind, &name, &bytes, update, false).await,
        Err(e) => Err(e),
    };
    import_page_for(&who, lang, kind).answer(outcome)
}

// --- API ------------------------------------------------------------------------------------

pub mod api {
    use super::*;
    use utoipa_axum::{router::OpenApiRouter, routes};

    pub fn router<S>() -> OpenApiRouter<S>
    where
        S: Clone + Send + Sync + 'static,
        Core: FromRef<S>,
    {
        OpenApiRouter::new()
            .routes(routes!(api_import))
            .routes(routes!(api_export))
    }

    #[derive(serde::Deserialize, utoipa::IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct ExportParams {
        /// xlsx (default) or csv; the registry's list filters apply as well.
        #[param(inline)]
        pub format: Option<ExportFormat>,
    }

    #[derive(serde::Deserialize, utoipa::ToSchema, Clone, Copy, PartialEq, Eq)]
    #[serde(rename_all = "lowercase")]
    pub enum ExportFormat {
        Xlsx,
        Csv,
    }

    /// Import a registry (`units`, `people`, `enterprises`) from a multipart upload with a `file`
    /// (.xlsx or .csv) and optional `update_existing=true`. 422 with every bad row, and nothing
    /// imported, unless the whole file is valid.
    #[utoipa::path(post, path = "/api/v1/import/{kind}", tag = "exchange",
        params(("kind" = String, Path, description = "units, people or enterprises")),
        request_body(content_type = "multipart/form-data", content = String),
        responses((status = 200, body = ImportReport), (status = 422, description = "Every bad row (ImportReport), or a file that cannot be read (problem)", content((ImportReport = "application/json"), (crate::error::ProblemBody = "application/problem+json")))))]
    async fn api_import(
        State(s): State<Core>,
        who: Principal,
        lang: Lang,
        UrlPath(kind): UrlPath<String>,
        mp: Multipart,
    ) -> AppResult<Response> {
        let kind = kind_of(&kind)?;
        who.require(kind.perms().0)?;
        let (name, bytes, update) = read_upload(mp).await?;
        let report = import(&s.db, &who, kind, &name, &bytes, update, false)
            .await?
            .localize(lang);
        let status = if report.errors.is_empty() {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        };
        Ok((status, axum::Json(report)).into_response())
    }

    /// Export a registry as .xlsx or .csv (streamed; the list filters apply).
    #[utoipa::path(get, path = "/api/v1/export/{kind}", tag = "exchange",
        params(("kind" = String, Path, description = "units, people or enterprises"), ExportParams),
        responses((status = 200, description = "the file: .xlsx, or .csv with `format=csv`",
            content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv")))))]
    async fn api_export(
        State(s): State<Core>,
        who: Principal,
        UrlPath(kind): UrlPath<String>,
        uri: axum::http::Uri,
        ApiQuery(p): ApiQuery<ExportParams>,
    ) -> AppResult<Response> {
        let kind = kind_of(&kind)?;
        let csv_format = p.format == Some(ExportFormat::Csv);
        export_any(
            s,
            who,
            kind,
            uri.query().unwrap_or("").to_owned(),
            csv_format,
        )
        .await
    }
}

/// A personal number as an export shows it: in full to who may see it, else masked.
fn shown(v: Option<&str>, unmasked: bool, mask: fn(&str) -> String) -> String {
    match v {
        Some(s) if unmasked => s.to_owned(),
        Some(s) => mask(s),
        None => String::new(),
    }
}
