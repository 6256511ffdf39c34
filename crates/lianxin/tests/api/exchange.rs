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
         郑州导入一号有限公司,{a},济源路街道,民营,12,是\n\
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
         郑州导入一号有限公司,{a},济源路街道,民营,12,是\n\
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
    let updated = csv.replace(",12,是", ",99,是");
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
