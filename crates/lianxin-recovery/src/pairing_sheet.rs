//! Pairing in bulk from a sheet (on the kernel's sheet mechanism): one row per firm, by credit
//! code, with the three cadres' identity numbers and the start date. An empty cadre cell keeps
//! the role, `无` clears it, an empty date is today. All or nothing: every bad row is reported
//! and nothing is written unless the whole sheet is valid.

use std::collections::HashMap;

use chrono::NaiveDate;
use lianxin_kernel::sheet::{Col, ImportReport, RowError, col, read_rows, write_header, xlsx_err};
use rust_xlsxwriter::Workbook;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionSession, TransactionTrait,
};

use crate::access::Principal;
use crate::audit::{self, Action, Event};
use crate::entities::{enterprises, people};
use crate::error::{AppError, AppResult, FieldError};
use crate::pairing::{self, PairingInput};
use crate::perm;

/// The most rows a pairing sheet may have.
pub const MAX_ROWS: usize = 20_000;

const fn text(c: Col) -> Col {
    Col { text: true, ..c }
}

pub static COLS: &[Col] = &[
    Col {
        required: true,
        ..text(col("uscc", "uscc", "统一社会信用代码", "Credit code"))
    },
    text(col(
        "leader",
        "leader_person_id",
        "分包领导身份证号",
        "Leading cadre's identity number",
    )),
    text(col(
        "instructor",
        "instructor_person_id",
        "党建指导员身份证号",
        "Instructor's identity number",
    )),
    text(col(
        "specialist",
        "specialist_person_id",
        "服务专员身份证号",
        "Specialist's identity number",
    )),
    col("from", "from", "起始日期", "From"),
];

/// The template: the header and an example row.
pub fn template() -> AppResult<Vec<u8>> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("三对一包联").map_err(xlsx_err)?;
    write_header(ws, COLS, true)?;
    for (i, v) in [
        "91410106MA44XXXX82",
        "410106197001011234",
        "410106197102022345",
        "无",
        "2020-02-03",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, i as u16, *v).map_err(xlsx_err)?;
    }
    wb.save_to_buffer().map_err(xlsx_err)
}

fn field_error(field: &str, zh: impl Into<String>, en: impl Into<String>) -> FieldError {
    FieldError::new(field, "invalid", zh, en)
}

/// Imports a pairing sheet (`pairing:edit`; each firm writable in the caller's scope).
pub async fn import<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    filename: &str,
    bytes: Vec<u8>,
    today: NaiveDate,
) -> AppResult<ImportReport> {
    who.require(perm::PAIRING_EDIT)?;
    let rows = read_rows(COLS, filename, bytes, MAX_ROWS).await?.rows;
    let mut report = ImportReport {
        rows: rows.len(),
        created: 0,
        updated: 0,
        errors: Vec::new(),
        message: String::new(),
    };
    // Checked first, all rows, without writing.
    let mut planned = Vec::new();
    let mut seen: HashMap<(i64, NaiveDate), usize> = HashMap::new();
    for (row, m) in &rows {
        let mut errors = Vec::new();
        let uscc = m
            .get("uscc")
            .map(|s| s.trim().to_uppercase())
            .unwrap_or_default();
        let firm = if uscc.is_empty() {
            errors.push(FieldError::required(
                "uscc",
                "统一社会信用代码",
                "Credit code",
            ));
            None
        } else {
            let f = enterprises::Entity::find()
                .filter(who.scope.enterprises_writable())
                .filter(enterprises::Column::Uscc.eq(uscc.as_str()))
                .one(db)
                .await?;
            if f.is_none() {
                errors.push(field_error(
                    "uscc",
                    "企业不存在或不在您的数据权限范围内",
                    "no such enterprise within your data scope",
                ));
            }
            f
        };
        let mut input = PairingInput::default();
        for (key, field) in [
            ("leader", "leader_person_id"),
            ("instructor", "instructor_person_id"),
            ("specialist", "specialist_person_id"),
        ] {
            let cell = m
                .get(key)
                .map(|s| s.trim().to_uppercase())
                .unwrap_or_default();
            let value = if cell.is_empty() {
                None
            } else if cell == "无" {
                Some(None)
            } else {
                match people::Entity::find()
                    .filter(people::Column::IdNumber.eq(cell.as_str()))
                    .one(db)
                    .await?
                {
                    Some(p) => Some(Some(p.id)),
                    None => {
                        errors.push(field_error(
                            field,
                            format!("未找到身份证号为 {cell} 的人员"),
                            format!("no person with identity number {cell}"),
                        ));
                        None
                    }
                }
            };
            match key {
                "leader" => input.leader_person_id = value,
                "instructor" => input.instructor_person_id = value,
                _ => input.specialist_person_id = value,
            }
        }
        if let Some(d) = m.get("from").map(|s| s.trim()).filter(|s| !s.is_empty()) {
            match NaiveDate::parse_from_str(d.get(..10).unwrap_or(d), "%Y-%m-%d") {
                Ok(d) => input.from = Some(d),
                Err(_) => errors.push(field_error(
                    "from",
                    "起始日期格式应为 YYYY-MM-DD",
                    "from must be a date (YYYY-MM-DD)",
                )),
            }
        }
        // The service's own checks (cadres, the date's range) on what parsed.
        match pairing::validate(db, &input, today).await {
            Ok(valid) => {
                if let Some(f) = &firm {
                    if let Some(first) = seen.insert((f.id, valid.from), *row) {
                        errors.push(field_error(
                            "uscc",
                            format!("与第 {first} 行是同一企业、同一起始日期"),
                            format!("the same firm and date as row {first}"),
                        ));
                    }
                    if errors.is_empty() {
                        planned.push((f.id, valid));
                    }
                }
            }
            Err(AppError::Validation(more)) => {
                let have: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
                errors.extend(more.into_iter().filter(|e| !have.contains(&e.field)));
            }
            Err(e) => return Err(e),
        }
        for f in errors {
            let c = COLS.iter().find(|c| c.field == f.field || c.key == f.field);
            report.errors.push(RowError {
                row: *row,
                column: c.map(|c| c.zh.to_owned()).unwrap_or_default(),
                column_en: c.map(|c| c.en.to_owned()).unwrap_or_default(),
                message: String::new(),
                message_zh: f.message_zh,
                message_en: f.message_en,
            });
        }
    }
    if !report.errors.is_empty() {
        return Ok(report);
    }
    let txn = lianxin_kernel::db::begin_write(db).await?;
    for (firm, valid) in &planned {
        if pairing::apply(&txn, who, *firm, valid).await? > 0 {
            report.updated += 1;
        }
    }
    audit::record_event(
        &txn,
        who,
        Action::Import,
        "pairing",
        None,
        format!("{filename}: {} rows", report.rows),
        Event::new("pairing.import", serde_json::json!({"n": planned.len()})),
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}
