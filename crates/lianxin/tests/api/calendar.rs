//! The working-day calendar as shipped: the State Council's holiday arrangements for 2020 to
//! 2026 are there from the first start, an administrator's edits of them outlive restarts, and
//! every answer that counts a deadline across a year with no days says so.

use lianxin::entities::{calendar_days, settings};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp, ok};

async fn year(app: &TestApp, token: &str, y: i32) -> Vec<Value> {
    ok(app.get(token, &format!("/api/v1/calendar?year={y}")).await)
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn day<'a>(days: &'a [Value], d: &str) -> Option<&'a Value> {
    days.iter().find(|v| v["day"] == d)
}

async fn delete_year(app: &TestApp, y: i32) {
    calendar_days::Entity::delete_many()
        .filter(calendar_days::Column::Day.between(
            chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap(),
            chrono::NaiveDate::from_ymd_opt(y, 12, 31).unwrap(),
        ))
        .exec(&app.db)
        .await
        .expect("delete year");
}

#[tokio::test]
async fn the_shipped_calendar_is_there_from_the_first_start() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // Every shipped year, with the days the notices list (days off and weekend days worked).
    for (y, n) in [
        (2020, 36),
        (2021, 38),
        (2022, 39),
        (2023, 33),
        (2024, 36),
        (2025, 33),
        (2026, 39),
    ] {
        assert_eq!(year(&app, &admin, y).await.len(), n, "{y}");
    }
    let y2020 = year(&app, &admin, 2020).await;
    let feb2 = day(&y2020, "2020-02-02").expect("2 February 2020");
    assert_eq!(feb2["kind"], "holiday");
    assert_eq!(feb2["note"], "春节（延长假期）");
    assert_eq!(day(&y2020, "2020-02-01").expect("1 Feb")["kind"], "holiday");
    assert_eq!(
        day(&y2020, "2020-01-19").expect("19 Jan")["note"],
        "春节调休上班"
    );
    let y2021 = year(&app, &admin, 2021).await;
    for d in ["2021-02-07", "2021-02-20"] {
        assert_eq!(day(&y2021, d).expect(d)["kind"], "workday", "{d}");
    }

    // Wednesday 30 September 2026 + 1 working day: National Day runs to 7 October.
    let d = ok(app
        .get(
            &admin,
            "/api/v1/calendar/deadline?from=2026-09-30T10:00:00%2B08:00&working_days=1",
        )
        .await)
    .await;
    assert_eq!(d["deadline"], "2026-10-08T16:00:00Z");
    assert_eq!(d["calendar_missing_years"], json!([]));
    assert_eq!(d["warning"], Value::Null);
    // Monday 28 December 2026 + 5 runs into 2027, which has no days yet: 1 January 2027
    // counts as a working day, and the answer says so.
    let d = ok(app
        .get(
            &admin,
            "/api/v1/calendar/deadline?from=2026-12-28T10:00:00%2B08:00&working_days=5",
        )
        .await)
    .await;
    assert_eq!(d["deadline"], "2027-01-04T16:00:00Z");
    assert_eq!(d["calendar_missing_years"], json!([2027]));
    assert_eq!(
        d["warning"],
        "2027 年尚未录入节假日安排，期限按周一至周五为工作日计算。"
    );
    let en = ok(app
        .get_en(
            &admin,
            "/api/v1/calendar/deadline?from=2026-12-28T10:00:00%2B08:00&working_days=5",
        )
        .await)
    .await;
    assert!(
        en["warning"]
            .as_str()
            .is_some_and(|w| w.starts_with("No holidays are recorded for 2027")),
        "{en}"
    );
}

#[tokio::test]
async fn an_administrators_edits_of_shipped_days_survive_a_restart() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // A district-wide extra day off, a renamed day, a removed adjusted Saturday, and a whole
    // shipped year cleared.
    for (d, body) in [
        ("2026-10-08", json!({"kind": "holiday", "note": "区内延休"})),
        ("2026-10-01", json!({"kind": "holiday", "note": "国庆"})),
    ] {
        let r = app
            .put(&admin, &format!("/api/v1/calendar/{d}"), &body)
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{d}");
    }
    assert_eq!(
        app.delete(&admin, "/api/v1/calendar/2026-10-10")
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    delete_year(&app, 2025).await;
    let before = app.count("calendar_days").await;

    // The next start loads nothing over them.
    let db = lianxin::app::prepare_database(&app.db_url)
        .await
        .expect("restart");
    assert_eq!(
        lianxin::calendar::load_shipped(&db).await.expect("again"),
        Vec::<i32>::new()
    );
    assert_eq!(app.count("calendar_days").await, before);
    let y2026 = year(&app, &admin, 2026).await;
    assert_eq!(
        day(&y2026, "2026-10-08").expect("8 Oct")["note"],
        "区内延休"
    );
    assert_eq!(day(&y2026, "2026-10-01").expect("1 Oct")["note"], "国庆");
    assert!(day(&y2026, "2026-10-10").is_none());
    assert!(year(&app, &admin, 2025).await.is_empty());
}

#[tokio::test]
async fn a_shipped_year_loads_only_where_the_year_has_no_day() {
    let (app, _f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // As if 2023 and 2024 had not been offered yet: 2024 is empty, 2023 has a day of the
    // administrator's own.
    delete_year(&app, 2023).await;
    delete_year(&app, 2024).await;
    let r = app
        .put(
            &admin,
            "/api/v1/calendar/2023-06-01",
            &json!({"kind": "holiday", "note": "本区自定"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    settings::Entity::delete_by_id(lianxin::calendar::SHIPPED_YEARS_KEY.to_owned())
        .exec(&app.db)
        .await
        .expect("forget the offered years");
    assert_eq!(
        lianxin::calendar::load_shipped(&app.db)
            .await
            .expect("load"),
        vec![2024]
    );
    assert_eq!(year(&app, &admin, 2023).await.len(), 1);
    assert_eq!(year(&app, &admin, 2024).await.len(), 36);
    let stored = settings::Entity::find_by_id(lianxin::calendar::SHIPPED_YEARS_KEY.to_owned())
        .one(&app.db)
        .await
        .expect("read")
        .expect("the offered years are remembered");
    assert_eq!(stored.value, "2020,2021,2022,2023,2024,2025,2026");
}

#[tokio::test]
async fn the_calendar_page_names_the_years_without_days() {
    let (app, _f) = TestApp::with_fixture().await;
    let b = Browser::login(&app, "admin").await;
    // A year the project ships nothing for, shown: the page says it has no days.
    let (status, html) = b.get("/system/calendar?year=2030").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("2030 年尚未录入节假日安排"),
        "the notice names 2030"
    );
    // A shipped year lists its days with their names.
    let (_, html) = b.get("/system/calendar?year=2024").await;
    assert!(html.contains("2024-10-07") && html.contains("国庆节"));
    assert!(!html.contains("2024 年尚未录入"));
}

#[tokio::test]
async fn a_case_says_when_its_deadline_runs_into_a_year_without_days() {
    let (app, f) = TestApp::with_fixture().await;
    let contact = app.token("enterprise_contact").await;
    let leader = app.token("leader").await;
    let r = app
        .post(
            &contact,
            "/api/v1/cases",
            &json!({"kind": "enterprise_appeal", "category": "permits",
                    "title": "施工许可证办理受阻", "description": "复工需要的施工许可证迟迟办不下来"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let case: Value = r.json().await.expect("json");
    let id = case["id"].as_i64().expect("id");
    let r = app
        .post(
            &leader,
            &format!("/api/v1/cases/{id}/actions"),
            &json!({"action": "dispatch", "version": case["version"], "lead_unit_id": f.dept,
                    "deadline": "2031-03-03T18:00:00+08:00"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let detail = ok(app.get(&leader, &format!("/api/v1/cases/{id}")).await).await;
    let missing: Vec<i64> = detail["calendar_missing_years"]
        .as_array()
        .expect("calendar_missing_years")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    assert!(missing.contains(&2031), "{missing:?}");
    assert!(!missing.contains(&2026), "2026 has its days: {missing:?}");
    let b = Browser::login(&app, "leader").await;
    let (status, html) = b.get(&format!("/cases/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("尚未录入节假日安排") && html.contains("2031"));
}
