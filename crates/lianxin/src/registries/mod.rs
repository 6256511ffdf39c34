//! Registries: units (one tree), people and enterprises. Each module owns its validation,
//! reads (always through `access::scope`) and writes (always audited, in one transaction).

pub mod enterprises;
pub mod people;
pub mod units;

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::{Deserialize, Serialize};

use crate::access::scope::{Scoped, scoped};
use crate::access::{Principal, Scope};
use crate::error::{AppError, AppResult, FieldError};

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 500;

/// `?page=&page_size=` (1-based page; default 20, max 500).
#[derive(Debug, Clone, Copy, Deserialize, utoipa::IntoParams)]
pub struct Paging {
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl Default for Paging {
    fn default() -> Self {
        Paging {
            page: Some(1),
            page_size: Some(DEFAULT_PAGE_SIZE),
        }
    }
}

impl Paging {
    pub fn new(page: u64, page_size: u64) -> Self {
        Paging {
            page: Some(page),
            page_size: Some(page_size),
        }
    }
    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1).max(1)
    }
    pub fn limit(&self) -> u64 {
        self.page_size
            .unwrap_or(DEFAULT_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE)
    }
    pub fn offset(&self) -> u64 {
        (self.page() - 1) * self.limit()
    }
    pub fn pages(&self, total: u64) -> u64 {
        total.div_ceil(self.limit()).max(1)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// One page of a filtered query and the total, the two queries run side by side (each on its
/// own pooled connection; SQLite in WAL mode reads concurrently).
pub async fn paged<E>(
    db: &impl ConnectionTrait,
    q: sea_orm::Select<E>,
    order: impl sea_orm::ColumnTrait,
    desc: bool,
    paging: Paging,
) -> AppResult<Page<<E as EntityTrait>::Model>>
where
    E: EntityTrait,
    <E as EntityTrait>::Model: Send + Sync,
{
    use sea_orm::{QueryOrder, QuerySelect};
    let rows = if desc {
        q.clone().order_by_desc(order)
    } else {
        q.clone().order_by_asc(order)
    }
    .offset(paging.offset())
    .limit(paging.limit());
    let (total, items) = tokio::try_join!(q.count(db), rows.all(db))?;
    Ok(Page { items, total })
}

/// 404 unless row `id` exists and is inside the caller's scope. Used before every single-record
/// read and write, and after every write (a write may not move a record out of reach).
pub async fn find_visible<E>(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: i64,
) -> AppResult<<E as EntityTrait>::Model>
where
    E: Scoped,
    <E as EntityTrait>::Model: Send + Sync,
{
    scoped::<E>(scope)
        .filter(id_eq::<E>(id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

fn id_eq<E: EntityTrait>(id: i64) -> sea_orm::Condition {
    use sea_orm::sea_query::{Expr, ExprTrait, IntoColumnRef};
    let col = (E::default().table_name().to_owned(), "id".to_owned()).into_column_ref();
    sea_orm::Condition::all().add(Expr::col(col).eq(id))
}

/// After a write: the record must still be inside the writer's scope, else the write is refused
/// (the caller rolls back). An enterprise contact cannot file a person under another enterprise.
pub async fn ensure_writable<E>(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<()>
where
    E: Scoped,
    <E as EntityTrait>::Model: Send + Sync,
{
    let n = scoped::<E>(&who.scope)
        .filter(id_eq::<E>(id))
        .count(db)
        .await?;
    if n == 0 {
        Err(AppError::Forbidden)
    } else {
        Ok(())
    }
}

/// Trimmed, without control characters other than tab and line breaks (PostgreSQL refuses
/// NUL in text; none has a meaning in a name or a note), empty → None.
pub fn clean(s: Option<String>) -> Option<String> {
    s.map(|v| {
        v.chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
            .collect::<String>()
            .trim()
            .to_owned()
    })
    .filter(|v| !v.is_empty())
}

/// A required text field with a maximum length in characters.
pub fn required_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    max: usize,
    label_zh: &str,
    label_en: &str,
) -> String {
    match clean(value) {
        None => {
            errors.push(FieldError::required(field, label_zh, label_en));
            String::new()
        }
        Some(v) => {
            check_len(errors, field, &v, max, label_zh, label_en);
            v
        }
    }
}

pub fn optional_text(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<String>,
    max: usize,
    label_zh: &str,
    label_en: &str,
) -> Option<String> {
    let v = clean(value)?;
    check_len(errors, field, &v, max, label_zh, label_en);
    Some(v)
}

fn check_len(errors: &mut Vec<FieldError>, field: &str, v: &str, max: usize, zh: &str, en: &str) {
    if v.chars().count() > max {
        errors.push(FieldError::new(
            field,
            "length",
            format!("{zh}不能超过 {max} 个字"),
            format!("{en} must be at most {max} characters"),
        ));
    }
}

/// Parses an integer typed into a form or a spreadsheet cell.
pub fn parse_int(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    label_zh: &str,
    label_en: &str,
) -> Option<i64> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    // Spreadsheets hand numbers over as "12.0".
    let v = v.strip_suffix(".0").unwrap_or(v);
    match v.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "format",
                format!("{label_zh}必须是整数"),
                format!("{label_en} must be a whole number"),
            ));
            None
        }
    }
}

/// Parses a yes/no cell or checkbox: 是/否, true/false, 1/0, on.
pub fn parse_bool(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    label_zh: &str,
    label_en: &str,
) -> Option<bool> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    match v.to_ascii_lowercase().as_str() {
        "是" | "true" | "1" | "on" | "yes" | "y" => Some(true),
        "否" | "false" | "0" | "off" | "no" | "n" => Some(false),
        _ => {
            errors.push(FieldError::new(
                field,
                "format",
                format!("{label_zh}只能填“是”或“否”"),
                format!("{label_en} must be yes or no"),
            ));
            None
        }
    }
}

/// A coded value (kind, ownership...) from a fixed list of (code, zh, en).
pub fn parse_code(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<&str>,
    codes: &[(&'static str, &'static str, &'static str)],
    label_zh: &str,
    label_en: &str,
) -> Option<&'static str> {
    let v = value.map(str::trim).filter(|v| !v.is_empty())?;
    match codes
        .iter()
        .find(|(code, zh, en)| *code == v || *zh == v || en.eq_ignore_ascii_case(v))
    {
        Some((code, _, _)) => Some(code),
        None => {
            let allowed_zh: Vec<&str> = codes.iter().map(|c| c.1).collect();
            let allowed_en: Vec<&str> = codes.iter().map(|c| c.0).collect();
            errors.push(FieldError::new(
                field,
                "unknown",
                format!("{label_zh}“{v}”无效，可选：{}", allowed_zh.join("、")),
                format!("{label_en} '{v}' is not one of: {}", allowed_en.join(", ")),
            ));
            None
        }
    }
}

pub fn code_label(
    codes: &[(&'static str, &'static str, &'static str)],
    code: &str,
    lang: crate::i18n::Lang,
) -> String {
    codes
        .iter()
        .find(|c| c.0 == code)
        .map(|c| lang.pick(c.1, c.2).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// Escapes `%` and `_` for a LIKE pattern (with `ESCAPE '\'`).
pub fn like_pattern(q: &str) -> String {
    let mut s = String::with_capacity(q.len() + 2);
    s.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s.push('%');
    s
}
