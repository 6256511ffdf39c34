//! Supervision bulletins (督查通报, B3/B4): 通报批评 (criticism) or 情况通报 (circular) about
//! cases and units; drafted, then issued with the next number of the year by the configured
//! pattern (e.g. 上街督〔2020〕3号). An issued bulletin is never edited. Exports: .docx, .xlsx.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{bulletin_items, bulletins, cases, settings, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Page;
use crate::paging::Paging;
use crate::paging::find_visible;
use crate::perm;
use crate::text::parse_code;
use crate::text::required_text;

pub const KINDS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "bulletin.kind",
    "通报类型",
    "Bulletin kind",
    &[
        ("criticism", "通报批评", "Public criticism"),
        ("circular", "情况通报", "Circular"),
    ],
);

pub const PATTERN_KEY: &str = "bulletin.number_pattern";
pub const DEFAULT_PATTERN: &str = "上街督〔{year}〕{seq}号";

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BulletinItemInput {
    /// A case concerned (its lead department is the unit, unless `unit_id` is given).
    pub case_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BulletinInput {
    /// criticism (通报批评) or circular (情况通报)
    pub kind: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub title: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 20000,
        pattern = r"\S"
    )]
    pub body: Option<String>,
    /// Required when replacing a draft: the version you edited.
    pub version: Option<i32>,
    #[serde(default)]
    pub items: Vec<BulletinItemInput>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulletinItemView {
    pub case_id: Option<i64>,
    pub case_number: Option<String>,
    pub case_title: Option<String>,
    pub unit: super::service::Named,
    pub note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BulletinView {
    pub id: i64,
    pub year: i32,
    pub number: Option<String>,
    pub kind: String,
    pub kind_label: String,
    /// Who issues it, as printed in the heading (e.g. 上街区监督检查通报).
    pub issuer: String,
    pub title: String,
    pub body: String,
    /// draft or issued
    pub status: String,
    pub version: i32,
    pub issued_at: Option<DateTime<Utc>>,
    pub issued_by: Option<String>,
    pub items: Vec<BulletinItemView>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

struct Valid {
    kind: String,
    title: String,
    body: String,
    items: Vec<(Option<i64>, i64, String)>,
}

async fn validate(
    db: &impl ConnectionTrait,
    who: &Principal,
    input: BulletinInput,
) -> AppResult<Valid> {
    let mut errors = Vec::new();
    let kind = parse_code(
        &mut errors,
        "kind",
        Some(input.kind.as_deref().unwrap_or("criticism")),
        KINDS,
        "通报类型",
        "Kind",
    );
    let title = required_text(&mut errors, "title", input.title, 200, "标题", "Title");
    let body = required_text(&mut errors, "body", input.body, 20000, "正文", "Body");
    if input.items.len() > 200 {
        errors.push(FieldError::new(
            "items",
            "length",
            "最多 200 项",
            "at most 200 items",
        ));
    }
    let mut items = Vec::new();
    for (i, it) in input.items.into_iter().enumerate() {
        let field = |f: &str| format!("items[{i}].{f}");
        let mut unit = it.unit_id;
        if let Some(cid) = it.case_id {
            match find_visible::<cases::Entity>(db, &who.scope, cid).await {
                Ok(c) => unit = unit.or(c.lead_unit_id).or(c.subject_unit_id),
                Err(AppError::NotFound) => {
                    errors.push(FieldError::new(
                        &field("case_id"),
                        "unknown",
                        "事项不存在",
                        "no such case",
                    ));
                    continue;
                }
                Err(e) => return Err(e),
            }
        }
        let Some(u) = unit else {
            errors.push(FieldError::required(
                &field("unit_id"),
                "被通报单位",
                "The unit concerned",
            ));
            continue;
        };
        if units::Entity::find_by_id(u).one(db).await?.is_none() {
            errors.push(FieldError::new(
                &field("unit_id"),
                "unknown",
                "单位不存在",
                "no such unit",
            ));
            continue;
        }
        let note = crate::text::clean(it.note).unwrap_or_default();
        if note.chars().count() > 2000 {
            errors.push(FieldError::new(
                &field("note"),
                "length",
                "说明不能超过 2000 个字",
                "note must be at most 2000 characters",
            ));
        }
        items.push((it.case_id, u, note));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(Valid {
        kind: kind.unwrap_or_else(|| "criticism".to_owned()),
        title,
        body,
        items,
    })
}

async fn write_items(
    db: &impl ConnectionTrait,
    id: i64,
    items: &[(Option<i64>, i64, String)],
) -> AppResult<()> {
    bulletin_items::Entity::delete_many()
        .filter(bulletin_items::Column::BulletinId.eq(id))
        .exec(db)
        .await?;
    for (case_id, unit_id, note) in items {
        bulletin_items::ActiveModel {
            bulletin_id: Set(id),
            case_id: Set(*case_id),
            unit_id: Set(*unit_id),
            note: Set(note.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: BulletinInput,
    at: DateTime<Utc>,
) -> AppResult<bulletins::Model> {
    who.require(perm::BULLETIN_EDIT)?;
    let v = validate(db, who, input).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let row = bulletins::ActiveModel {
        year: Set(at.with_timezone(&Shanghai).year()),
        seq: Set(None),
        number: Set(None),
        kind: Set(v.kind.to_owned()),
        title: Set(v.title),
        body: Set(v.body),
        status: Set("draft".into()),
        version: Set(1),
        issued_at: Set(None),
        issued_by: Set(None),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    write_items(&txn, row.id, &v.items).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "bulletin",
        Some(row.id),
        row.title.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

fn check_editable(b: &bulletins::Model, version: Option<i32>) -> AppResult<()> {
    if b.status == "issued" {
        return Err(AppError::conflict(
            format!(
                "通报已签发（{}），不能修改",
                b.number.clone().unwrap_or_default()
            ),
            "an issued bulletin cannot be changed",
        ));
    }
    match version {
        None => Err(AppError::invalid(FieldError::required(
            "version",
            "版本号",
            "Version",
        ))),
        Some(v) if v != b.version => Err(AppError::conflict(
            "通报已被他人修改，请刷新后重试",
            "the bulletin has changed since you loaded it; reload and retry",
        )),
        Some(_) => Ok(()),
    }
}

async fn locked(db: &impl ConnectionTrait, id: i64) -> AppResult<bulletins::Model> {
    crate::db::lock_row(db, "bulletins", id).await?;
    bulletins::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: BulletinInput,
    at: DateTime<Utc>,
) -> AppResult<bulletins::Model> {
    who.require(perm::BULLETIN_EDIT)?;
    let version = input.version;
    let v = validate(db, who, input).await?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let b = locked(&txn, id).await?;
    check_editable(&b, version)?;
    let mut am = b.into_active_model();
    am.kind = Set(v.kind.to_owned());
    am.title = Set(v.title);
    am.body = Set(v.body);
    am.version = Set(version.unwrap_or(0) + 1);
    am.updated_at = Set(at);
    let row = am.update(&txn).await?;
    write_items(&txn, id, &v.items).await?;
    audit::record(
        &txn,
        who,
        Action::Update,
        "bulletin",
        Some(id),
        row.title.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

pub async fn delete<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    version: Option<i32>,
) -> AppResult<()> {
    who.require(perm::BULLETIN_EDIT)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let b = locked(&txn, id).await?;
    check_editable(&b, version.or(Some(b.version)))?;
    bulletin_items::Entity::delete_many()
        .filter(bulletin_items::Column::BulletinId.eq(id))
        .exec(&txn)
        .await?;
    bulletins::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(&txn, who, Action::Delete, "bulletin", Some(id), b.title).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn number_pattern(db: &impl ConnectionTrait) -> AppResult<String> {
    Ok(settings::Entity::find_by_id(PATTERN_KEY.to_owned())
        .one(db)
        .await?
        .map(|s| s.value)
        .unwrap_or_else(|| DEFAULT_PATTERN.to_owned()))
}

/// A pattern must hold the sequence number (and may hold the year), at most 60 characters.
pub fn check_pattern(p: &str) -> Result<(), FieldError> {
    if !p.contains("{seq}") || p.trim().is_empty() || p.chars().count() > 60 {
        return Err(FieldError::new(
            "value",
            "format",
            "编号格式须含有顺序号“{seq}”（可含年份“{year}”），不超过 60 个字，例如 上街督〔{year}〕{seq}号",
            "the pattern must contain the sequence number “{seq}” (and may contain the year “{year}”), at most 60 characters, e.g. 上街督〔{year}〕{seq}号",
        ));
    }
    Ok(())
}

/// The number the first bulletin of this year would get under a pattern, in words.
pub fn pattern_example(p: &str, lang: lianxin_kernel::i18n::Lang) -> Option<String> {
    let year = lianxin_kernel::settings::this_year();
    Some(format!(
        "{}{}",
        lang.pick(
            "例：今年第 1 份通报编号为 ",
            "e.g. this year's first bulletin is numbered "
        ),
        format_number(p, year, 1)
    ))
}

pub async fn set_number_pattern<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    pattern: &str,
) -> AppResult<()> {
    who.require(perm::BULLETIN_ISSUE)?;
    let p = pattern.trim();
    if let Err(mut e) = check_pattern(p) {
        e.field = "pattern".into();
        return Err(AppError::invalid(e));
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::settings::write(&txn, who, PATTERN_KEY, p).await?;
    txn.commit().await?;
    lianxin_kernel::settings::changed();
    Ok(())
}

/// The sequence number the next bulletin issued in `year` gets.
async fn next_seq(db: &impl ConnectionTrait, year: i32) -> AppResult<i32> {
    let last: Option<Option<i32>> = bulletins::Entity::find()
        .select_only()
        .column_as(bulletins::Column::Seq.max(), "m")
        .filter(bulletins::Column::Year.eq(year))
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.flatten().unwrap_or(0) + 1)
}

/// The number the next bulletin issued today would get (上街督〔2026〕3号): what the
/// pattern produces, for pages that show it to users instead of the raw pattern.
pub async fn next_number(db: &impl ConnectionTrait) -> AppResult<String> {
    let year = Utc::now().with_timezone(&Shanghai).year();
    let seq = next_seq(db, year).await?;
    Ok(format_number(&number_pattern(db).await?, year, seq))
}

pub fn format_number(pattern: &str, year: i32, seq: i32) -> String {
    pattern
        .replace("{year}", &year.to_string())
        .replace("{seq}", &seq.to_string())
}

/// Issues a draft: the next number of its year, then it is final.
pub async fn issue<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    version: Option<i32>,
    at: DateTime<Utc>,
) -> AppResult<bulletins::Model> {
    who.require(perm::BULLETIN_ISSUE)?;
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let b = locked(&txn, id).await?;
    check_editable(&b, version)?;
    let items = bulletin_items::Entity::find()
        .filter(bulletin_items::Column::BulletinId.eq(id))
        .count(&txn)
        .await?;
    if items == 0 {
        return Err(AppError::conflict(
            "通报至少要列出一个被通报的单位或事项",
            "a bulletin must name at least one unit or case",
        ));
    }
    let year = at.with_timezone(&Shanghai).year();
    let seq = next_seq(&txn, year).await?;
    let number = format_number(&number_pattern(&txn).await?, year, seq);
    let mut am = b.into_active_model();
    am.year = Set(year);
    am.seq = Set(Some(seq));
    am.number = Set(Some(number.clone()));
    am.status = Set("issued".into());
    am.version = Set(version.unwrap_or(0) + 1);
    am.issued_at = Set(Some(at));
    am.issued_by = Set(Some(if who.display_name.is_empty() {
        who.username.clone()
    } else {
        who.display_name.clone()
    }));
    am.updated_at = Set(at);
    let row = am.update(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "bulletin",
        Some(id),
        format!("issued {number}"),
        audit::Event::new(
            "bulletin.issue",
            serde_json::json!({ "number": number.clone() }),
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(row)
}

/// Who may read: editors see drafts too; anyone with `case:list` sees issued bulletins.
fn visible(who: &Principal) -> AppResult<Option<&'static str>> {
    if who.can(perm::BULLETIN_EDIT) || who.can(perm::BULLETIN_ISSUE) {
        Ok(None)
    } else if who.can(perm::CASE_LIST) && who.enterprise_id.is_none() {
        // Bulletins are the government's internal documents: not for enterprise accounts.
        Ok(Some("issued"))
    } else {
        Err(AppError::Forbidden)
    }
}

/// `?q=&kind=&status=&year=&sort=&order=&ids=`: what the bulletin list shows, its order and
/// the rows ticked on it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BulletinFilter {
    /// Part of the title or the number.
    pub q: Option<String>,
    /// criticism (通报批评) or circular (情况通报).
    pub kind: Option<String>,
    /// draft or issued.
    pub status: Option<String>,
    /// The year it is numbered in (drafts: the year they were drafted in).
    #[param(minimum = 1900, maximum = 2200)]
    pub year: Option<i32>,
    /// Sort by `number` (year, then sequence), `title`, `status` or `issued_at` (`order`
    /// gives the direction; drafts, without a number or a time, come last either way);
    /// without it newest first.
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these bulletins: ids separated by commas (the rows ticked on a list), at most 500.
    pub ids: Option<String>,
}

/// The columns the bulletin list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &["number", "title", "status", "issued_at"];

/// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
pub fn sort_of(f: &BulletinFilter) -> AppResult<Option<crate::paging::Sort>> {
    crate::paging::checked_sort(
        f.sort.as_deref(),
        f.order.as_deref(),
        f.ids.as_deref(),
        SORT_KEYS,
    )
}

/// The bulletins the caller may read that the filter matches, in the list's order.
fn ordered(who: &Principal, f: &BulletinFilter) -> AppResult<sea_orm::Select<bulletins::Entity>> {
    use sea_orm::Order;
    use sea_orm::sea_query::NullOrdering;
    let only = visible(who)?;
    let sort = sort_of(f)?;
    let mut q = bulletins::Entity::find();
    if let Some(s) = only {
        q = q.filter(bulletins::Column::Status.eq(s));
    }
    if let Some(ids) = crate::paging::ids_filter(f.ids.as_deref()) {
        q = q.filter(bulletins::Column::Id.is_in(ids));
    }
    if let Some(text) = crate::text::clean(f.q.clone()) {
        q = q.filter(crate::text::contains_any(
            &[bulletins::Column::Title, bulletins::Column::Number],
            &text,
        ));
    }
    if let Some(kind) = crate::text::clean(f.kind.clone()) {
        q = q.filter(bulletins::Column::Kind.eq(kind));
    }
    if let Some(status) = crate::text::clean(f.status.clone()) {
        q = q.filter(bulletins::Column::Status.eq(status));
    }
    if let Some(year) = f.year {
        q = q.filter(bulletins::Column::Year.eq(year));
    }
    let Some(sort) = sort else {
        return Ok(q.order_by_desc(bulletins::Column::Id));
    };
    let o = || if sort.desc { Order::Desc } else { Order::Asc };
    // Both databases put the drafts' missing numbers and times last (their defaults differ).
    let q = match sort.key.as_str() {
        "number" => q
            .order_by(bulletins::Column::Seq.is_null(), Order::Asc)
            .order_by(bulletins::Column::Year, o())
            .order_by(bulletins::Column::Seq, o()),
        "title" => q.order_by(bulletins::Column::Title, o()),
        "status" => q.order_by(bulletins::Column::Status, o()),
        _ => q.order_by_with_nulls(bulletins::Column::IssuedAt, o(), NullOrdering::Last),
    };
    Ok(q.order_by(bulletins::Column::Id, o()))
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &BulletinFilter,
    paging: Paging,
    lang: Lang,
) -> AppResult<Page<BulletinView>> {
    let page = crate::paging::paged_in_order(db, ordered(who, f)?, paging).await?;
    let issuer = issuer(db, lang).await?;
    let mut items = Vec::new();
    for b in page.items {
        items.push(view(db, b, &issuer, lang).await?);
    }
    Ok(Page {
        items,
        total: page.total,
    })
}

/// A bulletin's status in words (草稿, 已签发).
pub fn status_label(status: &str, lang: Lang) -> &'static str {
    if status == "issued" {
        lang.pick("已签发", "Issued")
    } else {
        lang.pick("草稿", "Draft")
    }
}

/// The bulletins the list's filter shows (or the ticked `ids`) as an .xlsx, in its order,
/// with labels and names rather than codes.
pub async fn export(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &BulletinFilter,
    lang: Lang,
) -> AppResult<axum::response::Response> {
    use lianxin_kernel::sheet::{ExportRows, TableSheet};
    let q = ordered(who, f)?;
    let headers = [
        ("文号", "Number"),
        ("标题", "Title"),
        ("类型", "Kind"),
        ("状态", "Status"),
        ("签发时间", "Issued"),
        ("签发人", "Issued by"),
        ("被通报单位", "Units"),
        ("涉及事项", "Cases"),
    ];
    let title = lang.pick("督查通报", "Bulletins");
    let sep = lang.pick("、", ", ");
    let issuer = issuer(db, lang).await?;
    let mut sheet = TableSheet::labeled(title, &headers, lang)?;
    let mut rows = ExportRows::new(q, 200);
    while let Some(chunk) = rows.next(db).await? {
        for b in chunk {
            let b = view(db, b, &issuer, lang).await?;
            let mut units: Vec<&str> = Vec::new();
            for i in &b.items {
                if !units.contains(&i.unit.name.as_str()) {
                    units.push(&i.unit.name);
                }
            }
            let cases: Vec<&str> = b
                .items
                .iter()
                .filter_map(|i| i.case_number.as_deref())
                .collect();
            sheet.row(&[
                b.number.clone().unwrap_or_default(),
                b.title.clone(),
                b.kind_label.clone(),
                status_label(&b.status, lang).to_owned(),
                b.issued_at
                    .map(|t| crate::web::time::local_time(&t))
                    .unwrap_or_default(),
                b.issued_by.clone().unwrap_or_default(),
                units.join(sep),
                cases.join(sep),
            ])?;
        }
    }
    audit::record_export(db, who, "bulletin", sheet.len()).await?;
    sheet.download(title).await
}

/// Deletes the drafts `ids`, all or none: an issued bulletin among them refuses the lot (409).
pub async fn delete_many<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    ids: &[i64],
) -> AppResult<()> {
    let txn = lianxin_kernel::db::begin_write(db).await?;
    for id in ids {
        delete(&txn, who, *id, None).await?;
    }
    txn.commit().await?;
    Ok(())
}

pub async fn get(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
    lang: Lang,
) -> AppResult<BulletinView> {
    let only = visible(who)?;
    let b = bulletins::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|b| only.is_none_or(|s| b.status == s))
        .ok_or(AppError::NotFound)?;
    view(db, b, &issuer(db, lang).await?, lang).await
}

/// The heading of the district's bulletins.
async fn issuer(db: &impl ConnectionTrait, lang: Lang) -> AppResult<String> {
    let district = crate::registries::units::district_name(db)
        .await?
        .unwrap_or_default();
    Ok(if lang.is_en() {
        format!("{district} supervision bulletin").trim().to_owned()
    } else {
        format!("{district}监督检查通报")
    })
}

async fn view(
    db: &impl ConnectionTrait,
    b: bulletins::Model,
    issuer: &str,
    lang: Lang,
) -> AppResult<BulletinView> {
    let items = bulletin_items::Entity::find()
        .filter(bulletin_items::Column::BulletinId.eq(b.id))
        .order_by_asc(bulletin_items::Column::Id)
        .all(db)
        .await?;
    let unit_ids: Vec<i64> = items.iter().map(|i| i.unit_id).collect();
    let case_ids: Vec<i64> = items.iter().filter_map(|i| i.case_id).collect();
    let unit_names = crate::registries::units::names(db, unit_ids).await?;
    let cases: std::collections::HashMap<i64, cases::Model> = cases::Entity::find()
        .filter(cases::Column::Id.is_in(case_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(BulletinView {
        id: b.id,
        year: b.year,
        number: b.number,
        kind_label: super::label(KINDS, &b.kind, lang),
        issuer: issuer.to_owned(),
        kind: b.kind,
        title: b.title,
        body: b.body,
        status: b.status,
        version: b.version,
        issued_at: b.issued_at,
        issued_by: b.issued_by,
        items: items
            .into_iter()
            .map(|i| {
                let c = i.case_id.and_then(|id| cases.get(&id));
                BulletinItemView {
                    case_id: i.case_id,
                    case_number: c.map(|c| c.number.clone()),
                    case_title: c.map(|c| c.title.clone()),
                    unit: super::service::Named {
                        id: i.unit_id,
                        name: unit_names.get(&i.unit_id).cloned().unwrap_or_default(),
                    },
                    note: i.note,
                }
            })
            .collect(),
        created_at: b.created_at,
        updated_at: b.updated_at,
    })
}

/// The bulletin as a Word document, laid out like a government notice.
pub fn to_docx(b: &BulletinView) -> Result<Vec<u8>, AppError> {
    use docx_rs::{AlignmentType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableRow};
    let font = RunFonts::new().east_asia("仿宋").ascii("FangSong");
    let heading_font = RunFonts::new().east_asia("方正小标宋简体").ascii("SimHei");
    let p = |text: &str| {
        Paragraph::new().add_run(Run::new().add_text(text).size(32).fonts(font.clone()))
    };
    let mut doc = Docx::new()
        .add_paragraph(
            Paragraph::new().align(AlignmentType::Center).add_run(
                Run::new()
                    .add_text(&b.issuer)
                    .size(44)
                    .bold()
                    .color("C00000")
                    .fonts(heading_font.clone()),
            ),
        )
        .add_paragraph(
            Paragraph::new().align(AlignmentType::Center).add_run(
                Run::new()
                    .add_text(b.number.clone().unwrap_or_else(|| "（草稿）".into()))
                    .size(32)
                    .fonts(font.clone()),
            ),
        )
        .add_paragraph(
            Paragraph::new().align(AlignmentType::Center).add_run(
                Run::new()
                    .add_text(&b.title)
                    .size(40)
                    .bold()
                    .fonts(heading_font),
            ),
        )
        .add_paragraph(p(&format!("【{}】", b.kind_label)));
    for line in b.body.lines().filter(|l| !l.trim().is_empty()) {
        doc = doc.add_paragraph(p(&format!("　　{}", line.trim())));
    }
    if !b.items.is_empty() {
        doc = doc.add_paragraph(p("附：被通报单位及事项"));
        let cell = |t: &str| {
            TableCell::new().add_paragraph(
                Paragraph::new().add_run(Run::new().add_text(t).size(24).fonts(font.clone())),
            )
        };
        let mut rows = vec![TableRow::new(vec![
            cell("序号"),
            cell("单位"),
            cell("事项"),
            cell("情况说明"),
        ])];
        for (i, it) in b.items.iter().enumerate() {
            let case = match (&it.case_number, &it.case_title) {
                (Some(n), Some(t)) => format!("{n} {t}"),
                _ => String::new(),
            };
            rows.push(TableRow::new(vec![
                cell(&(i + 1).to_string()),
                cell(&it.unit.name),
                cell(&case),
                cell(&it.note),
            ]));
        }
        doc = doc.add_table(Table::new(rows));
    }
    if let Some(at) = b.issued_at {
        doc = doc.add_paragraph(
            Paragraph::new().align(AlignmentType::Right).add_run(
                Run::new()
                    .add_text(
                        at.with_timezone(&Shanghai)
                            .format("%Y年%-m月%-d日")
                            .to_string(),
                    )
                    .size(32)
                    .fonts(font),
            ),
        );
    }
    let mut buf = std::io::Cursor::new(Vec::new());
    doc.build().pack(&mut buf).map_err(AppError::internal)?;
    Ok(buf.into_inner())
}

pub fn to_xlsx(b: &BulletinView) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("通报")?;
    let bold = Format::new().set_bold();
    ws.write_with_format(0, 0, b.number.as_deref().unwrap_or("（草稿）"), &bold)?;
    ws.write_with_format(0, 1, b.title.as_str(), &bold)?;
    ws.write(1, 0, b.kind_label.as_str())?;
    for (c, h) in ["序号", "单位", "事项编号", "事项", "情况说明"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(3, c as u16, *h, &bold)?;
    }
    for (i, it) in b.items.iter().enumerate() {
        let r = i as u32 + 4;
        ws.write(r, 0, (i + 1) as f64)?;
        ws.write(r, 1, it.unit.name.as_str())?;
        ws.write(r, 2, it.case_number.as_deref().unwrap_or(""))?;
        ws.write(r, 3, it.case_title.as_deref().unwrap_or(""))?;
        ws.write(r, 4, it.note.as_str())?;
    }
    ws.set_column_width(1, 24)?;
    ws.set_column_width(3, 40)?;
    ws.set_column_width(4, 50)?;
    wb.save_to_buffer()
}
