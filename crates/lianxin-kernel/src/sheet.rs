//! The sheet mechanism every import and export goes through: columns with their headers and
//! coded values, reading an uploaded .xlsx or .csv into rows by header, the all-or-nothing
//! report with every bad row, headers and drop-downs for templates, and files as downloads.
//! Each sheet kind (its columns, its rows) is defined by the area that owns the records.

use std::collections::HashMap;
use std::io::Cursor;

use axum::body::Body;
use axum::extract::Multipart;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use calamine::Reader;
use futures::StreamExt;
use rust_xlsxwriter::{DataValidation, Format};
use serde::Serialize;

use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;

/// One column of a sheet: its key (also the form field it feeds), headers, and coded values.
pub struct Col {
    pub key: &'static str,
    /// The form field whose errors belong to this column.
    pub field: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub required: bool,
    pub codes: Option<&'static [(&'static str, &'static str, &'static str)]>,
    /// Keep as text in Excel (long digit strings lose digits as numbers).
    pub text: bool,
}

pub const YES_NO: &[(&str, &str, &str)] = &[("true", "是", "yes"), ("false", "否", "no")];

pub const fn col(
    key: &'static str,
    field: &'static str,
    zh: &'static str,
    en: &'static str,
) -> Col {
    Col {
        key,
        field,
        zh,
        en,
        required: false,
        codes: None,
        text: false,
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// Spreadsheet row number (the header is row 1).
    pub row: usize,
    /// Column header, or empty for a whole-row problem.
    pub column: String,
    pub message: String,
    #[serde(skip)]
    pub message_zh: String,
    #[serde(skip)]
    pub message_en: String,
    #[serde(skip)]
    pub column_en: String,
}

impl RowError {
    pub fn line_zh(&self) -> String {
        if self.column.is_empty() {
            format!("第 {} 行：{}", self.row, self.message_zh)
        } else {
            format!("第 {} 行 [{}]：{}", self.row, self.column, self.message_zh)
        }
    }
    pub fn line_en(&self) -> String {
        if self.column_en.is_empty() {
            format!("row {}: {}", self.row, self.message_en)
        } else {
            format!("row {} [{}]: {}", self.row, self.column_en, self.message_en)
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    /// Every bad row with its reason; when not empty, nothing was imported.
    pub errors: Vec<RowError>,
    pub message: String,
}

impl ImportReport {
    pub fn summary_zh(&self) -> String {
        if self.errors.is_empty() {
            format!(
                "导入成功！共 {} 条数据，新增 {} 条，更新 {} 条。",
                self.rows, self.created, self.updated
            )
        } else {
            let bad: std::collections::BTreeSet<usize> =
                self.errors.iter().map(|e| e.row).collect();
            format!(
                "导入失败！共 {} 条数据格式不正确，未导入任何数据，错误如下：",
                bad.len()
            )
        }
    }
    pub fn summary_en(&self) -> String {
        if self.errors.is_empty() {
            format!(
                "Import done: {} rows, {} created, {} updated.",
                self.rows, self.created, self.updated
            )
        } else {
            let bad: std::collections::BTreeSet<usize> =
                self.errors.iter().map(|e| e.row).collect();
            format!(
                "Import failed: {} rows are invalid; nothing was imported.",
                bad.len()
            )
        }
    }
    pub fn localize(mut self, lang: Lang) -> Self {
        self.message = if lang.is_en() {
            self.summary_en()
        } else {
            self.summary_zh()
        };
        for e in &mut self.errors {
            e.message = if lang.is_en() {
                e.message_en.clone()
            } else {
                e.message_zh.clone()
            };
            if lang.is_en() {
                e.column = e.column_en.clone();
            }
        }
        self
    }
}

/// A cell as a CSV export writes it: text that a spreadsheet program would run as a formula
/// (it begins with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, so an
/// address such as `=HYPERLINK(…)` typed by one user is shown, never run, in another's Excel.
pub fn csv_cell(v: &str) -> std::borrow::Cow<'_, str> {
    if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{v}"))
    } else {
        std::borrow::Cow::Borrowed(v)
    }
}

/// The reverse of `csv_cell` for a CSV import, so that an exported file imports unchanged.
fn csv_uncell(v: String) -> String {
    match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
        _ => v,
    }
}

pub fn file_error(zh: impl Into<String>, en: impl Into<String>) -> AppError {
    AppError::invalid(FieldError::new("file", "format", zh, en))
}

/// Reads the first sheet (xlsx) or the CSV into (row number, key → text) using the headers.
pub fn read_rows(
    spec: &'static [Col],
    filename: &str,
    bytes: &[u8],
) -> AppResult<Vec<(usize, HashMap<&'static str, String>)>> {
    let grid: Vec<Vec<String>> = if filename.to_ascii_lowercase().ends_with(".csv") {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| file_error("CSV 文件须为 UTF-8 编码", "the CSV file must be UTF-8"))?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut out = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| {
                file_error(format!("CSV 格式错误：{e}"), format!("malformed CSV: {e}"))
            })?;
            out.push(rec.iter().map(|s| csv_uncell(s.to_owned())).collect());
        }
        out
    } else {
        let mut wb =
            calamine::open_workbook_auto_from_rs(Cursor::new(bytes.to_vec())).map_err(|e| {
                file_error(
                    format!("无法读取 Excel 文件：{e}"),
                    format!("cannot read the Excel file: {e}"),
                )
            })?;
        let range = wb
            .worksheet_range_at(0)
            .ok_or_else(|| file_error("Excel 文件没有工作表", "the workbook has no sheet"))?
            .map_err(|e| {
                file_error(
                    format!("无法读取工作表：{e}"),
                    format!("cannot read the sheet: {e}"),
                )
            })?;
        range
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                            format!("{}", *f as i64)
                        }
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect()
    };
    let mut it = grid.into_iter().enumerate();
    let Some((_, header)) = it.next() else {
        return Err(file_error("文件是空的", "the file is empty"));
    };
    let mut map: Vec<Option<&'static str>> = Vec::new();
    for h in &header {
        let h = h.trim().trim_end_matches('*').trim();
        map.push(
            spec.iter()
                .find(|c| c.zh == h || c.en.eq_ignore_ascii_case(h) || c.key == h)
                .map(|c| c.key),
        );
    }
    let missing: Vec<&str> = spec
        .iter()
        .filter(|c| c.required && !map.contains(&Some(c.key)))
        .map(|c| c.zh)
        .collect();
    if !missing.is_empty() {
        return Err(file_error(
            format!("缺少必填列：{}（请下载导入模板）", missing.join("、")),
            format!(
                "required columns missing: {} (download the template)",
                missing.join(", ")
            ),
        ));
    }
    let mut rows = Vec::new();
    for (i, r) in it {
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut m = HashMap::new();
        for (j, v) in r.into_iter().enumerate() {
            if let Some(Some(key)) = map.get(j) {
                let v = v.trim().to_owned();
                if !v.is_empty() {
                    m.insert(*key, v);
                }
            }
        }
        rows.push((i + 1, m));
    }
    Ok(rows)
}

/// A row's unparsable cells and the registry's own verdict on the rest, reported together (a
/// user fixes a row once). Only used inside the import transaction, which is rolled back
/// whenever any row has errors, so a write made despite parse errors never lands.
pub fn merge_parse_errors(
    parse_errors: Vec<FieldError>,
    result: AppResult<bool>,
) -> AppResult<bool> {
    if parse_errors.is_empty() {
        return result;
    }
    let unparsed: Vec<String> = parse_errors.iter().map(|e| e.field.clone()).collect();
    let mut all = parse_errors;
    if let Err(AppError::Validation(more)) = result {
        all.extend(more.into_iter().filter(|m| !unparsed.contains(&m.field)));
    }
    Err(AppError::Validation(all))
}

pub fn exists_error(field: &str) -> AppError {
    AppError::invalid(FieldError::new(
        field,
        "exists",
        "该记录已存在；如需更新，请勾选“更新已存在的数据”",
        "the record already exists; tick 'update existing' to update it",
    ))
}

pub fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> AppError {
    AppError::internal(e)
}

/// Writes the header row; for a template also the drop-downs of coded columns.
pub fn write_header(
    ws: &mut rust_xlsxwriter::Worksheet,
    cols: &[Col],
    template: bool,
) -> AppResult<()> {
    let bold = Format::new().set_bold().set_background_color("#FDE9D9");
    let text = Format::new().set_num_format("@");
    for (i, c) in cols.iter().enumerate() {
        let col = i as u16;
        let head = if c.required {
            format!("{}*", c.zh)
        } else {
            c.zh.to_owned()
        };
        ws.write_string_with_format(0, col, &head, &bold)
            .map_err(xlsx_err)?;
        ws.set_column_width(col, (c.zh.chars().count() as f64 * 2.2).max(12.0))
            .map_err(xlsx_err)?;
        if template {
            if c.text {
                ws.set_column_format(col, &text).map_err(xlsx_err)?;
            }
            if let Some(codes) = c.codes {
                let list: Vec<&str> = codes.iter().map(|c| c.1).collect();
                let dv = DataValidation::new()
                    .allow_list_strings(&list)
                    .map_err(xlsx_err)?;
                ws.add_data_validation(1, col, 10_000, col, &dv)
                    .map_err(xlsx_err)?;
            }
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
    Ok(())
}

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// A small generated file (a report, a bulletin) as a download.
pub fn file_response(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let mut resp = bytes.into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp.headers_mut()
        .insert(header::CONTENT_DISPOSITION, attachment(name));
    resp
}

pub fn attachment(name: &str) -> HeaderValue {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes()).collect();
    HeaderValue::from_str(&format!(
        "attachment; filename=\"export\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Streams a finished temporary file to the client and deletes it afterwards.
pub async fn stream_file(
    file: tempfile::NamedTempFile,
    content_type: &'static str,
    name: String,
) -> AppResult<Response> {
    let (std_file, path) = file.into_parts();
    let f = tokio::fs::File::from_std(std_file);
    let stream = tokio_util::io::ReaderStream::new(f).map(move |chunk| {
        let _keep = &path; // the file lives until the body is dropped
        chunk
    });
    let mut resp = Body::from_stream(stream).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp.headers_mut()
        .insert(header::CONTENT_DISPOSITION, attachment(&name));
    Ok(resp)
}

#[derive(askama::Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub ctx: crate::web::PageCtx,
    pub action: String,
    pub back: String,
    pub template_href: String,
    pub result: Option<String>,
    pub ok: bool,
    pub row_errors: Vec<String>,
}

/// Reads `file` and `update_existing` from a multipart upload.
pub async fn read_upload(mut mp: Multipart) -> AppResult<(String, Vec<u8>, bool)> {
    let mut file = None;
    let mut update = false;
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| file_error(format!("上传失败：{e}"), format!("upload failed: {e}")))?
    {
        match field.name() {
            Some("file") => {
                let name = field.file_name().unwrap_or("upload.xlsx").to_owned();
                let bytes = field.bytes().await.map_err(|e| {
                    file_error(format!("上传失败：{e}"), format!("upload failed: {e}"))
                })?;
                file = Some((name, bytes.to_vec()));
            }
            Some("update_existing") => {
                let v = field.text().await.unwrap_or_default();
                update = matches!(v.as_str(), "on" | "true" | "1");
            }
            _ => {}
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| file_error("请选择要导入的文件", "choose a file to import"))?;
    Ok((name, bytes, update))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_quoted_and_read_back() {
        for v in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+1",
            "-2",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            let shown = csv_cell(v);
            assert_eq!(shown, format!("'{v}"));
            assert_eq!(csv_uncell(shown.into_owned()), v);
        }
        for v in [
            "上街区示例路 1 号",
            "13800138000",
            "'quoted by the user",
            "",
        ] {
            assert_eq!(csv_cell(v), v);
            assert_eq!(csv_uncell(v.to_owned()), v);
        }
    }
}
