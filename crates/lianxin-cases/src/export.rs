//! The case list as an .xlsx: exactly the cases its filter shows (a to-do tab, the overdue
//! board, the ticked rows), in its order, with names and labels where the records hold ids
//! and codes. The page's export button and `GET /api/v1/cases/export` both come here.

use axum::response::Response;
use sea_orm::ConnectionTrait;

use crate::access::Principal;
use crate::audit;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::perm;
use crate::service::{self, CaseFilter, CaseView};
use crate::web::time::{local_deadline, local_time};
use lianxin_kernel::sheet::{ExportRows, TableSheet};
use lianxin_kernel::text::code_label;

const CHUNK: u64 = 500;

/// The header row, each column's label in both languages.
const HEADERS: &[(&str, &str)] = &[
    ("编号", "Number"),
    ("标题", "Title"),
    ("类型", "Kind"),
    ("类别", "Category"),
    ("来源", "Source"),
    ("紧急程度", "Priority"),
    ("企业/单位", "Enterprise/unit"),
    ("牵头单位", "Lead department"),
    ("协办单位", "Assisting departments"),
    ("状态", "Status"),
    ("登记时间", "Raised"),
    ("办理期限", "Deadline"),
    ("超期", "Overdue"),
    ("办结时间", "Closed"),
];

fn row(c: &CaseView, lang: Lang) -> Vec<String> {
    let yes_no = |b: bool| lang.pick(if b { "是" } else { "否" }, if b { "yes" } else { "no" });
    let assisting: Vec<&str> = c
        .assignments
        .iter()
        .filter(|a| c.lead_unit.as_ref().is_none_or(|l| l.id != a.unit.id))
        .map(|a| a.unit.name.as_str())
        .collect();
    vec![
        c.number.clone(),
        c.title.clone(),
        c.kind_name.clone(),
        c.category_name.clone().unwrap_or_default(),
        code_label(crate::SOURCES, &c.source, lang),
        code_label(crate::PRIORITIES, &c.priority, lang),
        c.enterprise
            .as_ref()
            .or(c.subject_unit.as_ref())
            .map(|n| n.name.clone())
            .or_else(|| c.enterprise_to_link.clone())
            .unwrap_or_default(),
        c.lead_unit
            .as_ref()
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        assisting.join("、"),
        c.status_label.clone(),
        local_time(&c.created_at),
        c.deadline.as_ref().map(local_deadline).unwrap_or_default(),
        yes_no(c.overdue).to_owned(),
        c.closed_at.as_ref().map(local_time).unwrap_or_default(),
    ]
}

/// The cases `f` shows the caller, as an .xlsx download named after `title` (事项, 超期督办…).
pub async fn export(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &CaseFilter,
    lang: Lang,
    title: &str,
) -> AppResult<Response> {
    who.require(perm::CASE_LIST)?;
    let q = service::ordered(who, f)?;
    let mut sheet = TableSheet::labeled(title, HEADERS, lang)?;
    let mut rows = ExportRows::new(q, CHUNK);
    while let Some(chunk) = rows.next(db).await? {
        for c in service::views(db, chunk, lang).await? {
            sheet.row(&row(&c, lang))?;
        }
    }
    audit::record_export(db, who, "case", sheet.len()).await?;
    sheet.download(title).await
}
