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
use std::io::Read as _;

use calamine::Reader;
use futures::StreamExt;
use rust_xlsxwriter::{DataValidation, Format};
use serde::Serialize;

use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;

/// One column of a sheet: its key (also the form field it feeds), headers, and coded values.
#[derive(Clone, Copy)]
pub struct Col {
    pub key: &'static str,
    /// The form field whose errors belong to this column.
    pub field: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub required: bool,
    pub codes: Option<crate::dict::Codes>,
    /// Keep as text in Excel (long digit strings lose digits as numbers).
    pub text: bool,
}

pub static YES_NO: crate::dict::CodeList = crate::dict::CodeList::fixed(
    "yes_no",
    "是否",
    "Yes or no",
    &[("true", "是", "yes"), ("false", "否", "no")],
);

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

/// The most a sheet upload may weigh, compressed (.xlsx) or not (.csv).
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;
/// The most an .xlsx may unpack to, all its parts together, checked before it is parsed.
pub const MAX_UNPACKED: u64 = 48 * 1024 * 1024;
/// The most the shared strings of an .xlsx may unpack to (they are held in memory).
const MAX_STRINGS_PART: u64 = 16 * 1024 * 1024;
/// The most any other part but a worksheet may unpack to (styles, workbook, relationships…).
const MAX_OTHER_PART: u64 = 4 * 1024 * 1024;
/// The most parts an .xlsx may have.
const MAX_PARTS: usize = 1_000;
/// The data rows a sheet may have unless its kind says otherwise.
pub const MAX_ROWS: usize = 20_000;
/// Columns beyond a kind's own that a sheet may carry (a user's notes); cells further right
/// are never read.
const EXTRA_COLS: usize = 32;

/// A sheet as read: the columns its header names, and each non-empty row by its spreadsheet
/// row number (the header is row 1) with the kind's keys.
#[derive(Debug, Default)]
pub struct Rows {
    pub columns: Vec<&'static str>,
    pub rows: Vec<(usize, HashMap<&'static str, String>)>,
}

impl Rows {
    pub fn has(&self, key: &str) -> bool {
        self.columns.contains(&key)
    }
}

/// Reads the first sheet of an .xlsx, or a CSV, into rows by header, for any sheet kind.
/// The file is bounded before it is parsed (its size; an archive's parts, unpacked, before it
/// is opened), cells are read one by one and only at the rows and columns the kind can have,
/// and the parsing runs on a blocking thread, so no file, however built, costs the server
/// more than a bounded amount of memory or stalls the async threads. A file that breaks a
/// bound or cannot be read is a 422 saying why.
pub async fn read_rows(
    spec: &'static [Col],
    filename: &str,
    bytes: Vec<u8>,
    max_rows: usize,
) -> AppResult<Rows> {
    let csv = filename.to_ascii_lowercase().ends_with(".csv");
    match tokio::task::spawn_blocking(move || read_rows_now(spec, csv, &bytes, max_rows)).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => Err(file_error(
            "文件无法读取（格式已损坏）",
            "the file cannot be read (it is malformed)",
        )),
        Err(e) => Err(AppError::internal(e)),
    }
}

fn too_many_rows(max_rows: usize) -> AppError {
    file_error(
        format!("文件超过 {max_rows} 行数据，请分批导入"),
        format!("the file has more than {max_rows} data rows; import it in parts"),
    )
}

/// The same as `read_rows`, on the calling thread.
pub fn read_rows_now(
    spec: &'static [Col],
    csv: bool,
    bytes: &[u8],
    max_rows: usize,
) -> AppResult<Rows> {
    if bytes.len() > MAX_UPLOAD {
        return Err(file_error(
            format!("文件过大（最多 {} MB）", MAX_UPLOAD / 1024 / 1024),
            format!(
                "the file is too large (at most {} MB)",
                MAX_UPLOAD / 1024 / 1024
            ),
        ));
    }
    let max_cols = spec.len() + EXTRA_COLS;
    // Row index 0 is the header; data rows are 1..=max_rows.
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, max_rows, max_cols)?
    } else if csv {
        read_csv(bytes, max_rows, max_cols)?
    } else {
        return Err(file_error(
            "只能导入 .xlsx 或 .csv 文件（.xls 文件请在 Excel 中另存为 .xlsx）",
            "only .xlsx and .csv files can be imported (save an .xls file as .xlsx in Excel)",
        ));
    };
    let mut it = grid.into_iter();
    let header = match it.next() {
        Some((0, header)) => header,
        _ => {
            return Err(file_error(
                "文件是空的（第 1 行应为表头）",
                "the file is empty (row 1 is the header)",
            ));
        }
    };
    let mut map: Vec<Option<&'static str>> = Vec::new();
    for h in &header {
        let h = h.trim().trim_end_matches('*').trim();
        // A header whose note in brackets changed (所在企业（统一社会信用代码）, now
        // 所在企业（名称或统一社会信用代码）) still names its column: files keep importing.
        fn base(s: &str) -> &str {
            s.split('（').next().unwrap_or(s).trim()
        }
        let h_base = base(h);
        map.push(
            spec.iter()
                .find(|c| c.zh == h || c.en.eq_ignore_ascii_case(h) || c.key == h)
                .or_else(|| {
                    spec.iter()
                        .find(|c| !h_base.is_empty() && base(c.zh) == h_base)
                })
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
        let mut m = HashMap::new();
        for (j, v) in r.into_iter().enumerate() {
            if let Some(Some(key)) = map.get(j) {
                let v = v.trim();
                if !v.is_empty() {
                    m.insert(*key, v.to_owned());
                }
            }
        }
        if !m.is_empty() {
            rows.push((i + 1, m));
        }
    }
    Ok(Rows {
        columns: map.into_iter().flatten().collect(),
        rows,
    })
}

/// A sparse grid: (row index, the row's cells up to its last non-empty one), rows in order,
/// only rows with some text.
type Grid = Vec<(usize, Vec<String>)>;

fn put(
    grid: &mut std::collections::BTreeMap<usize, Vec<String>>,
    row: usize,
    col: usize,
    v: String,
) {
    let cells = grid.entry(row).or_default();
    if cells.len() <= col {
        cells.resize(col + 1, String::new());
    }
    cells[col] = v;
}

fn read_csv(bytes: &[u8], max_rows: usize, max_cols: usize) -> AppResult<Grid> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| file_error("CSV 文件须为 UTF-8 编码", "the CSV file must be UTF-8"))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| {
            file_error(
                "CSV 格式错误：请检查分隔符和引号是否成对".to_owned(),
                format!("malformed CSV: {e}"),
            )
        })?;
        let cells: Vec<String> = rec
            .iter()
            .take(max_cols)
            .map(|s| csv_uncell(s.to_owned()))
            .collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if i > max_rows {
            return Err(too_many_rows(max_rows));
        }
        out.push((i, cells));
    }
    Ok(out)
}

/// Checks an .xlsx archive's parts, unpacking each one to nowhere, so that what calamine then
/// opens is known to be small whatever its headers claim.
fn check_archive(bytes: &[u8]) -> AppResult<()> {
    let bad = |e: zip::result::ZipError| {
        file_error(
            "无法读取 Excel 文件：文件已损坏或不是 .xlsx 表格".to_owned(),
            format!("cannot read the Excel file: {e}"),
        )
    };
    let too_big = || {
        file_error(
            format!(
                "Excel 文件解压后过大（最多 {} MB），不是正常的表格",
                MAX_UNPACKED / 1024 / 1024
            ),
            format!(
                "the Excel file unpacks to too much (at most {} MB); it is not an ordinary sheet",
                MAX_UNPACKED / 1024 / 1024
            ),
        )
    };
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(bad)?;
    if zip.len() > MAX_PARTS {
        return Err(too_big());
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(bad)?;
        let name = part
            .name()
            .map(|n| n.to_ascii_lowercase())
            .unwrap_or_default();
        let limit = if name.starts_with("xl/worksheets/") {
            MAX_UNPACKED
        } else if name.ends_with("sharedstrings.xml") {
            MAX_STRINGS_PART
        } else {
            MAX_OTHER_PART
        };
        let room = limit.min(MAX_UNPACKED - total);
        let n =
            std::io::copy(&mut (&mut part).take(room + 1), &mut std::io::sink()).map_err(|e| {
                file_error(
                    "无法读取 Excel 文件：文件已损坏或不是 .xlsx 表格".to_owned(),
                    format!("cannot read the Excel file: {e}"),
                )
            })?;
        if n > room {
            return Err(too_big());
        }
        total += n;
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], max_rows: usize, max_cols: usize) -> AppResult<Grid> {
    check_archive(bytes)?;
    let cannot = |e: calamine::XlsxError| {
        file_error(
            "无法读取 Excel 文件：文件已损坏或不是 .xlsx 表格".to_owned(),
            format!("cannot read the Excel file: {e}"),
        )
    };
    let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(Cursor::new(bytes)).map_err(cannot)?;
    let first = wb
        .sheet_names()
        .into_iter()
        .next()
        .ok_or_else(|| file_error("Excel 文件没有工作表", "the workbook has no sheet"))?;
    let mut cells = wb.worksheet_cells_reader(&first).map_err(cannot)?;
    let mut grid = std::collections::BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(cannot)? {
        let (row, col) = cell.get_position();
        let (row, col) = (row as usize, col as usize);
        let text = cell_text(cell.get_value());
        if text.trim().is_empty() {
            continue;
        }
        if row > max_rows {
            return Err(too_many_rows(max_rows));
        }
        if col < max_cols {
            put(&mut grid, row, col, text);
        }
    }
    Ok(grid.into_iter().collect())
}

/// A cell as the text a form field would carry: whole numbers without a decimal point (long
/// digit strings typed as numbers), dates as YYYY-MM-DD (with the time when there is one).
fn cell_text(v: &calamine::DataRef<'_>) -> String {
    use calamine::DataRef;
    match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => format!("{f}"),
        DataRef::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        DataRef::DateTime(d) => excel_serial_text(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

/// An Excel date serial (days since 1899-12-30) as YYYY-MM-DD, or YYYY-MM-DD HH:MM.
fn excel_serial_text(serial: f64) -> String {
    if !serial.is_finite() || serial.abs() > 3_000_000.0 {
        return String::new();
    }
    let day = serial.floor();
    let minutes = ((serial - day) * 24.0 * 60.0).round() as i64;
    let Some(date) = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
        .and_then(|d| d.checked_add_signed(chrono::Duration::days(day as i64)))
    else {
        return String::new();
    };
    if minutes == 0 || minutes >= 24 * 60 {
        date.to_string()
    } else {
        format!("{date} {:02}:{:02}", minutes / 60, minutes % 60)
    }
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
            // Excel holds a list of at most 255 characters: a longer one (an open list
            // grown in 字典管理) is checked on import instead.
            let list: Vec<String> = c
                .codes
                .map(|l| l.offered().into_iter().map(|e| e.label_zh).collect())
                .unwrap_or_default();
            if !list.is_empty() && list.iter().map(|v| v.chars().count() + 1).sum::<usize>() < 255 {
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

/// The most rows a list's export writes (a sheet holds 1,048,576; a filter that matches more
/// is narrowed first).
pub const MAX_EXPORT_ROWS: u64 = 200_000;

/// A list exported as it is shown: a header row of the shown labels, then the rows as text
/// (names and labels, never codes), in the list's order, written a row at a time to a
/// temporary .xlsx in constant memory and then streamed (`download`).
pub struct TableSheet {
    wb: rust_xlsxwriter::Workbook,
    rows: u32,
}

/// A list's rows for its export: the list's select read a chunk at a time, in its order, up
/// to `MAX_EXPORT_ROWS` in all.
pub struct ExportRows<E: sea_orm::EntityTrait> {
    q: sea_orm::Select<E>,
    chunk: u64,
    offset: u64,
}

impl<E: sea_orm::EntityTrait> ExportRows<E> {
    /// Reads `chunk` rows at a time.
    pub fn new(q: sea_orm::Select<E>, chunk: u64) -> Self {
        ExportRows {
            q,
            chunk: chunk.max(1),
            offset: 0,
        }
    }
    /// The next chunk, or `None` when the rows or the export's limit are through.
    pub async fn next(
        &mut self,
        db: &impl sea_orm::ConnectionTrait,
    ) -> AppResult<Option<Vec<E::Model>>> {
        use sea_orm::QuerySelect;
        if self.offset >= MAX_EXPORT_ROWS {
            return Ok(None);
        }
        let rows = self
            .q
            .clone()
            .offset(self.offset)
            .limit(self.chunk.min(MAX_EXPORT_ROWS - self.offset))
            .all(db)
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        self.offset += rows.len() as u64;
        Ok(Some(rows))
    }
}

impl TableSheet {
    /// `new` with each header given in Chinese and English, shown in `lang`.
    pub fn labeled(sheet_name: &str, headers: &[(&str, &str)], lang: Lang) -> AppResult<Self> {
        let shown: Vec<String> = headers
            .iter()
            .map(|(zh, en)| lang.pick(zh, en).to_owned())
            .collect();
        Self::new(sheet_name, &shown)
    }

    pub fn new(sheet_name: &str, headers: &[String]) -> AppResult<Self> {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet_with_constant_memory().map_err(xlsx_err)?;
        ws.set_name(sheet_name).map_err(xlsx_err)?;
        let bold = Format::new().set_bold().set_background_color("#FDE9D9");
        for (i, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, i as u16, h, &bold)
                .map_err(xlsx_err)?;
            ws.set_column_width(i as u16, (h.chars().count() as f64 * 2.2).max(12.0))
                .map_err(xlsx_err)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_err)?;
        Ok(TableSheet { wb, rows: 0 })
    }
    /// Appends a row (empty cells are left blank).
    pub fn row<S: AsRef<str>>(&mut self, cells: &[S]) -> AppResult<()> {
        self.rows += 1;
        let ws = self.wb.worksheet_from_index(0).map_err(xlsx_err)?;
        for (j, v) in cells.iter().enumerate() {
            let v = v.as_ref();
            if !v.is_empty() {
                ws.write_string(self.rows, j as u16, v).map_err(xlsx_err)?;
            }
        }
        Ok(())
    }
    /// The data rows written so far.
    pub fn len(&self) -> u64 {
        u64::from(self.rows)
    }
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }
    /// The workbook as a download named `{stem}-{YYYYMMDD}.xlsx` (the date in Beijing time).
    pub async fn download(mut self, stem: &str) -> AppResult<Response> {
        let tmp = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
        self.wb.save(tmp.path()).map_err(xlsx_err)?;
        let reopened = tmp.reopen().map_err(AppError::internal)?;
        let (_, path) = tmp.into_parts();
        let file = tempfile::NamedTempFile::from_parts(reopened, path);
        let date = chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y%m%d");
        stream_file(file, XLSX, format!("{stem}-{date}.xlsx")).await
    }
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
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// The types an uploaded file is served with as itself; any other file, SVG and HTML above
/// all (they run scripts on our origin when shown), is served as bytes.
const SHOWN_TYPES: [&str; 5] = [
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
];

/// An uploaded file as an answer, always as a download (`attachment`) with `nosniff`: its
/// stored type only when it is an allowed image or a PDF, else `application/octet-stream`.
pub fn uploaded_file_response(bytes: Vec<u8>, stored_type: &str, name: &str) -> Response {
    let essence = stored_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let shown = SHOWN_TYPES.iter().find(|t| **t == essence);
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(shown.copied().unwrap_or("application/octet-stream")),
    );
    h.insert(header::CONTENT_DISPOSITION, attachment(name));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    resp
}

pub fn attachment(name: &str) -> HeaderValue {
    disposition("attachment", name)
}

/// `Content-Disposition` with a plain ASCII `filename` for old clients and the real name in
/// `filename*` (RFC 6266/8187: UTF-8, percent-encoded); control characters are dropped.
pub fn disposition(kind: &'static str, name: &str) -> HeaderValue {
    let name: String = name.chars().filter(|c| !c.is_control()).collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{}\"; filename*=UTF-8''{encoded}",
        ascii_filename(&name)
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// The name's ASCII letters, digits and harmless punctuation (others become `_`); `file`
/// when nothing of the name's stem is left, with its extension when that is plain.
fn ascii_filename(name: &str) -> String {
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e))
            if !e.is_empty() && e.len() <= 10 && e.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            (s, Some(e))
        }
        _ => (name, None),
    };
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.()[] ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let stem = stem.trim();
    let stem = if stem.chars().any(|c| c.is_ascii_alphanumeric()) {
        stem
    } else {
        "file"
    };
    match ext {
        Some(e) => format!("{stem}.{e}"),
        None => stem.to_owned(),
    }
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
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
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
    /// Offer "update existing records" (imports keyed on a record's natural key); an import
    /// that always replaces what it names (pairings) leaves it out.
    pub updates_existing: bool,
}

impl ImportPage {
    /// The page again with an import's outcome: the report's message and every bad row (200
    /// when all went in, 422 otherwise); a file that could not be read says why; any other
    /// error goes on to the error page.
    pub fn answer(mut self, outcome: AppResult<ImportReport>) -> AppResult<Response> {
        let lang = self.ctx.lang;
        match outcome {
            Ok(report) => {
                let report = report.localize(lang);
                self.ok = report.errors.is_empty();
                self.result = Some(report.message.clone());
                self.row_errors = report
                    .errors
                    .iter()
                    .map(|e| {
                        if lang.is_en() {
                            e.line_en()
                        } else {
                            e.line_zh()
                        }
                    })
                    .collect();
            }
            Err(AppError::Validation(errs)) => {
                self.result = Some(
                    errs.iter()
                        .map(|e| e.message(lang).to_owned())
                        .collect::<Vec<_>>()
                        .join(lang.pick("；", "; ")),
                );
            }
            Err(e) => return Err(e),
        }
        let status = if self.ok {
            axum::http::StatusCode::OK
        } else {
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        };
        Ok(crate::web::render_status(status, &self))
    }
}

/// Reads the file and `update_existing` of an import form (the one multipart reader).
pub async fn read_upload(mp: Multipart) -> AppResult<(String, Vec<u8>, bool)> {
    let (fields, files) = crate::http::read_upload(mp).await?;
    let update = fields
        .get("update_existing")
        .is_some_and(|v| matches!(v.as_str(), "on" | "true" | "1"));
    let file = files
        .into_iter()
        .next()
        .ok_or_else(|| file_error("请选择要导入的文件", "choose a file to import"))?;
    let name = if file.filename.is_empty() {
        "upload.xlsx".to_owned()
    } else {
        file.filename
    };
    Ok((name, file.bytes, update))
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
