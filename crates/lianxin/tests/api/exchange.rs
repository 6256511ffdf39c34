//! Import and export: templates, row-by-row error reports, all-or-nothing imports, the
//! "update existing" switch, and exports that honour filters, scope and masking.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::*;

async fn upload(
    app: &TestApp,
    t: &str,
    kind: &str,
    name: &str,
    bytes: Vec<u8>,
    update: bool,
) -> (StatusCode, Value) {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    if update {
        form = form.text("update_existing", "true");
    }
    let r = app
        .client
        .post(app.url(&format!("/api/v1/import/{kind}")))
        .bearer_auth(t)
        .multipart(form)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap())
}

#[tokio::test]
async fn csv_import_lists_every_bad_row_and_imports_nothing_until_clean() {
    let (app, _f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let (a, b, c) = (uscc("MA47KMP1"), uscc("MA47KMP2"), uscc("MA47KMP3"));
    let bad_c = format!("{}{}", &c[..17], if c.ends_with('0') { '1' } else { '0' });
    let before = app.count("enterprises").await;
    let csv = format!(
        "企业名称,统一社会信用代码,所属街道（镇）,经济类型,职工人数,重点项目\n\
         郑州导入一号有限公司,{a},济源路街道,民营,12,否\n\
         郑州导入二号有限公司,{bad_c},410106005,国有,abc,否\n\
         郑州导入三号有限公司,{b},不存在的街道,民营,5,否\n"
    );
    let (status, report) =
        upload(&app, &t, "enterprises", "企业.csv", csv.into_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert!(
        report["message"]
            .as_str()
            .unwrap()
            .starts_with("导入失败！共 2 条数据格式不正确"),
        "{report}"
    );
    let errors = report["errors"].as_array().unwrap();
    let rows: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert!(rows.contains(&(3, "统一社会信用代码")), "{report}");
    assert!(rows.contains(&(3, "职工人数")), "{report}");
    assert!(rows.contains(&(4, "所属街道（镇）")), "{report}");
    assert!(
        errors
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("校验位"))
    );
    assert_eq!(
        app.count("enterprises").await,
        before,
        "nothing imported from a file with bad rows"
    );

    // The clean file imports all rows.
    let csv = format!(
        "企业名称,统一社会信用代码,所属街道（镇）,经济类型,职工人数,重点项目\n\
         郑州导入一号有限公司,{a},济源路街道,民营,12,否\n\
         郑州导入二号有限公司,{c},410106005,国有,30,否\n\
         郑州导入三号有限公司,{b},矿山街道,民营,5,否\n"
    );
    let (status, report) = upload(
        &app,
        &t,
        "enterprises",
        "企业.csv",
        csv.clone().into_bytes(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 3);
    assert_eq!(app.count("enterprises").await, before + 3);
    // Importing again: existing records are errors unless "update existing" is on.
    let (status, report) = upload(
        &app,
        &t,
        "enterprises",
        "企业.csv",
        csv.clone().into_bytes(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("已存在")
    );
    let updated = csv.replace(",12,否", ",99,否");
    let (status, report) = upload(
        &app,
        &t,
        "enterprises",
        "企业.csv",
        updated.into_bytes(),
        true,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["updated"], 3);
    let found: Value = app
        .get(&t, "/api/v1/enterprises?q=导入一号")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["items"][0]["employee_count"], 99);
    // The import is in the audit log.
    let audit: Value = app
        .get(&t, "/api/v1/audit?action=import")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 2);
    // A file without the required columns is refused with the names of the missing ones.
    let (status, report) = upload(
        &app,
        &t,
        "enterprises",
        "x.csv",
        "名称\n甲\n".as_bytes().to_vec(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(report.to_string().contains("统一社会信用代码"), "{report}");
}

#[tokio::test]
async fn xlsx_template_round_trip_and_people_import() {
    let (app, _f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    // The template is a real workbook with the headers.
    let r = app
        .client
        .get(app.url("/people/template.xlsx"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    let header: Vec<String> = range
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[0], "姓名*");
    assert!(header.iter().any(|h| h == "身份证号"));
    // A sheet as a user would fill it in Excel.
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (j, h) in [
        "姓名",
        "身份证号",
        "手机号码",
        "所属单位（编码或名称）",
        "人员类别（干部、志愿者、企业职工、企业联络员）",
        "党员",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, j as u16, *h).unwrap();
    }
    let rows = [
        [
            "周杰",
            &id_number("41010619870101771") as &str,
            "13903710001",
            "甲社区",
            "志愿者",
            "是",
        ],
        [
            "吴敏",
            &id_number("41010619910202882"),
            "13903710002",
            "410106005",
            "干部、志愿者",
            "否",
        ],
    ];
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            ws.write_string(i as u32 + 1, j as u16, *v).unwrap();
        }
    }
    let xlsx = book.save_to_buffer().unwrap();
    let before = app.count("people").await;
    let (status, report) = upload(&app, &t, "people", "人员.xlsx", xlsx, false).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["created"], 2);
    assert_eq!(app.count("people").await, before + 2);
    let found: Value = app
        .get(&t, "/api/v1/people?q=吴敏")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        found["items"][0]["kinds"],
        serde_json::json!(["cadre", "volunteer"])
    );
    assert_eq!(found["items"][0]["unit_name"], "矿山街道");
}

#[tokio::test]
async fn exports_follow_filters_scope_and_masking() {
    let (app, f) = TestApp::with_fixture().await;
    // CSV for a filtered list.
    let t = app.token("admin").await;
    let r = app
        .client
        .get(app.url(&format!(
            "/api/v1/export/enterprises?format=csv&unit_id={}",
            f.sub_b
        )))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = r.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'), "UTF-8 with BOM for Excel");
    let lines: Vec<&str> = text.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].contains("郑州矿山机械有限公司"));
    // xlsx of everything.
    let r = app
        .client
        .get(app.url("/api/v1/export/enterprises"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let bytes = r.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"PK"));
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    use calamine::Reader;
    assert_eq!(wb.worksheet_range_at(0).unwrap().unwrap().rows().count(), 3);
    // A leader's people export is masked; the organisation department's is not, and audited.
    let leader = app.token("leader").await;
    let text = app
        .client
        .get(app.url("/people/export.csv"))
        .bearer_auth(&leader)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains(&id_number("41010619850312101")));
    assert!(text.contains("410***********"));
    let org = app.token("organization").await;
    let text = app
        .client
        .get(app.url("/people/export.csv"))
        .bearer_auth(&org)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains(&id_number("41010619850312101")));
    let audit: Value = app
        .get(
            &t,
            "/api/v1/audit?action=read_sensitive&username=organization",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["total"], 1);
    // The contact's export holds its own enterprise only; a volunteer may not export at all.
    let contact = app.token("enterprise_contact").await;
    let r = app
        .client
        .get(app.url("/api/v1/export/enterprises?format=csv"))
        .bearer_auth(&contact)
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "contacts have no export permission for enterprises"
    );
    let text = app
        .client
        .get(app.url("/people/export.csv"))
        .bearer_auth(&contact)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        text.trim_end().lines().count(),
        3,
        "header, the contact and its employee: {text}"
    );
    let vol = app.token("volunteer").await;
    assert_eq!(
        app.client
            .get(app.url("/people/export.csv"))
            .bearer_auth(&vol)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_csv_export_shows_formulas_as_text_never_runs_them() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let r = app
        .post(
            &t,
            "/api/v1/enterprises",
            &serde_json::json!({"name": "郑州公式测试有限公司", "uscc": uscc("MA44FFF9"),
                                "unit_id": f.sub_b, "address": "=1+2", "legal_rep": "@SUM(A1)"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let path = format!("/api/v1/export/enterprises?format=csv&unit_id={}", f.sub_b);
    let text = app.get(&t, &path).await.text().await.unwrap();
    let row = text
        .lines()
        .find(|l| l.contains("郑州公式测试有限公司"))
        .expect("the new enterprise is exported");
    assert!(row.contains(",'=1+2,"), "{row}");
    assert!(row.contains(",'@SUM(A1),"), "{row}");
    assert!(!row.contains(",=1+2,"), "{row}");
}

/// A workbook with a header cell at A1 and one cell at the far corner, XFD1048576: 4.8 KB that
/// a dense reader turns into 17 billion cells.
fn far_cell_workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "姓名").unwrap();
    ws.write_string(1_048_575, 16_383, "远处").unwrap();
    book.save_to_buffer().unwrap()
}

/// A people sheet whose worksheet part unpacks to 64 MB of blanks from a few hundred KB.
fn compressed_bomb() -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let parts: [(&str, &str); 4] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        z.start_file(name, opts).unwrap();
        z.write_all(text.as_bytes()).unwrap();
    }
    z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
    z.write_all(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>"#
            .as_bytes(),
    )
    .unwrap();
    let blanks = vec![b' '; 1024 * 1024];
    for _ in 0..64 {
        z.write_all(&blanks).unwrap();
    }
    z.write_all(b"</sheetData></worksheet>").unwrap();
    z.finish().unwrap().into_inner()
}

#[tokio::test]
async fn a_hostile_workbook_is_a_422_and_the_server_carries_on() {
    let (app, _f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let far = far_cell_workbook();
    assert!(far.len() < 10_000, "{} bytes", far.len());
    let bomb = compressed_bomb();
    assert!(bomb.len() < 1_000_000, "{} bytes", bomb.len());
    for (name, bytes, says) in [
        ("远.xlsx", far, "行数据"),
        ("炸弹.xlsx", bomb, "解压后过大"),
        (
            "旧格式.xls",
            b"\xD0\xCF\x11\xE0 not really".to_vec(),
            ".xlsx",
        ),
        ("坏.xlsx", b"PK\x03\x04 broken".to_vec(), "无法读取"),
    ] {
        let before = app.count("people").await;
        let (status, p) = upload(&app, &t, "people", name, bytes, false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {p}");
        assert_eq!(p["errors"][0]["field"], "file", "{name}: {p}");
        let detail = p["detail"].as_str().unwrap_or_default().to_owned()
            + p["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(detail.contains(says), "{name}: {p}");
        assert_eq!(app.count("people").await, before);
    }
    // A health sheet goes through the same reader.
    let contact = app.token("enterprise_contact").await;
    let r = app
        .client
        .post(app.url("/api/v1/health-reports/import"))
        .bearer_auth(&contact)
        .multipart(Form::new().part(
            "file",
            Part::bytes(far_cell_workbook()).file_name("健康.xlsx"),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // And the server still answers.
    assert_eq!(app.get(&t, "/api/v1/units").await.status(), StatusCode::OK);
}

/// The real binary, watched from outside: hostile workbooks cost it a bounded amount of memory.
#[tokio::test]
async fn hostile_workbooks_leave_the_servers_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("sheets.db").display());
    add_root_with_cli(&db_url);
    let (mut child, base) = start_server(&db_url);
    let c = reqwest::Client::new();
    let token = token_at(&base, "root").await;
    let before = peak_memory_kib(child.id());
    for (name, bytes) in [
        ("远.xlsx", far_cell_workbook()),
        ("炸弹.xlsx", compressed_bomb()),
    ] {
        let r = c
            .post(format!("{base}/api/v1/import/people"))
            .bearer_auth(&token)
            .multipart(Form::new().part("file", Part::bytes(bytes).file_name(name)))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name}");
    }
    let r = c
        .get(format!("{base}/api/v1/units"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the server carries on");
    let after = peak_memory_kib(child.id());
    child.kill().ok();
    child.wait().ok();
    assert!(
        after < before + 128 * 1024,
        "peak memory grew from {before} KiB to {after} KiB"
    );
}

#[tokio::test]
async fn a_row_shows_all_its_errors_in_one_answer() {
    let (app, _f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let existing = uscc("MA44AAA1");
    // A row naming an enterprise that exists (without "update existing"), with a bad head
    // count and an unknown sub-district: all three at once, so the user fixes it once.
    let csv = format!(
        "企业名称,统一社会信用代码,所属街道（镇）,职工人数\n\
         郑州长城科工贸有限公司,{existing},不存在的街道,很多\n"
    );
    let (status, report) =
        upload(&app, &t, "enterprises", "企业.csv", csv.into_bytes(), false).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    let columns: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["column"].as_str().unwrap())
        .collect();
    for c in ["统一社会信用代码", "所属街道（镇）", "职工人数"] {
        assert!(columns.contains(&c), "{c} missing: {report}");
    }
}

#[tokio::test]
async fn every_templates_example_row_imports_as_it_is() {
    let (app, _f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    for (page, kind) in [
        ("/units/template.xlsx", "units"),
        ("/enterprises/template.xlsx", "enterprises"),
        ("/people/template.xlsx", "people"),
    ] {
        let r = app
            .client
            .get(app.url(page))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{page}");
        let bytes = r.bytes().await.unwrap().to_vec();
        let (status, report) = upload(&app, &t, kind, "模板.xlsx", bytes, false).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {report}");
        assert_eq!(report["created"], 1, "{kind}: {report}");
    }
}

/// The people export names a person's enterprise (所在企业), not its credit code, and such a
/// file imports back: the import reads a name or a credit code, under the column's old header
/// too.
#[tokio::test]
async fn the_people_export_names_the_enterprise_and_a_name_imports_back() {
    let (app, f) = TestApp::with_fixture().await;
    let t = app.token("admin").await;
    let text = app
        .client
        .get(app.url("/people/export.csv"))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let i = header
        .iter()
        .position(|h| h.trim_start_matches('\u{feff}') == "所在企业（名称或统一社会信用代码）")
        .unwrap_or_else(|| panic!("{header:?}"));
    let shown: Vec<String> = lines
        .map(|l| l.split(',').nth(i).unwrap_or_default().to_owned())
        .filter(|e| !e.is_empty())
        .collect();
    assert!(
        shown.contains(&"郑州长城科工贸有限公司".to_owned()),
        "{text}"
    );
    assert!(
        shown.iter().all(|e| !e.starts_with("914101")),
        "names, not credit codes: {shown:?}"
    );

    let id = id_number("41010619880808606");
    let csv = format!(
        "姓名,身份证号,所属单位（编码或名称）,所在企业（统一社会信用代码）\n\
         冯导回,{id},410106001,郑州长城科工贸有限公司\n"
    );
    let (status, report) = upload(&app, &t, "people", "人员.csv", csv.into_bytes(), false).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    let found = ok(app.get(&t, "/api/v1/people?q=冯导回").await).await;
    assert_eq!(found["items"][0]["enterprise_id"], f.ent_a, "{found}");
    let csv = "姓名,所属单位（编码或名称）,所在企业（名称或统一社会信用代码）\n\
               卫无企,410106001,没有这家企业\n";
    let (status, report) = upload(
        &app,
        &t,
        "people",
        "人员.csv",
        csv.as_bytes().to_vec(),
        false,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("没有这家企业"),
        "{report}"
    );
}
