//! Labour sharing (用工余缺调剂): a firm with idle workers offers them, a firm short of workers
//! asks, the district matches them and both firms confirm; a match never exceeds what is left.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn day(offset: i64) -> String {
    (lianxin::jobs::jobs::today() + chrono::Duration::days(offset)).to_string()
}

fn post(workers: i64, from: i64, to: i64) -> Value {
    json!({"workers": workers, "skills": "数控车工", "from": day(from), "to": day(to)})
}

/// A firm with its enterprise contact (username `user`).
async fn firm_with_contact(
    app: &TestApp,
    admin: &str,
    user: &str,
    org: &str,
    unit: i64,
    unit_code: &str,
    industry: Option<&str>,
) -> i64 {
    let code = uscc(org);
    let v = ok(app
        .post(
            admin,
            "/api/v1/enterprises",
            &json!({"name": format!("{user}有限公司"), "uscc": code, "unit_id": unit, "industry": industry}),
        )
        .await)
    .await;
    add_user(
        app,
        user,
        "enterprise_contact",
        Some(unit_code),
        Some(&code),
        None,
    )
    .await;
    v["id"].as_i64().expect("id")
}

async fn id_of(r: reqwest::Response) -> i64 {
    let status = r.status();
    let v: Value = r.json().await.expect("json");
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_i64().expect("id")
}

/// The `left` of offer or ask `id` as the list shows it.
async fn left(app: &TestApp, token: &str, kind: &str, id: i64) -> i64 {
    let v = ok(app
        .get(token, &format!("/api/v1/labour/{kind}?page_size=500"))
        .await)
    .await;
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("{kind} {id} not listed: {v}"))["left"]
        .as_i64()
        .expect("left")
}

/// The workers of the matches of offer `id` that are not cancelled, from the matches list.
async fn matched(app: &TestApp, token: &str, offer: i64) -> i64 {
    let v = ok(app
        .get(
            token,
            &format!("/api/v1/labour/matches?offer_id={offer}&page_size=500"),
        )
        .await)
    .await;
    v["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|m| m["status"] != "cancelled")
        .map(|m| m["workers"].as_i64().expect("workers"))
        .sum()
}

#[tokio::test]
async fn idle_workers_go_to_a_firm_short_of_them_once_both_firms_confirm() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    // Firm B's contact.
    add_user(
        &app,
        "contact_b",
        "enterprise_contact",
        Some("410106005"),
        Some(&uscc("MA44BBB2")),
        None,
    )
    .await;
    let contact_a = app.token("enterprise_contact").await;
    let leader = app.token("leader").await;

    // Firm A (the contact's own, by default) offers ten idle workers for a month.
    let r = app
        .post(&contact_a, "/api/v1/labour/offers", &post(10, 0, 30))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let offer = ok(r).await;
    assert_eq!(offer["enterprise_id"], f.ent_a);
    assert_eq!(offer["left"], 10);
    let offer = offer["id"].as_i64().expect("id");
    // Firm B, short of workers, asks the district (staff post for it) for six.
    let ask = id_of(
        app.post(
            &leader,
            "/api/v1/labour/asks",
            &json!({"enterprise_id": f.ent_b, "workers": 6, "skills": "装配工", "from": day(5), "to": day(60)}),
        )
        .await,
    )
    .await;

    // The district matches four of them.
    let m = ok(app
        .post(
            &leader,
            "/api/v1/labour/matches",
            &json!({"offer_id": offer, "ask_id": ask, "workers": 4}),
        )
        .await)
    .await;
    assert_eq!(m["status"], "proposed");
    assert_eq!(m["from"], day(5), "the days both periods share");
    let id = m["id"].as_i64().expect("id");

    // A third firm's contact sees nothing of it.
    let uscc_c = uscc("MA44CCC3");
    ok(app
        .post(
            &admin,
            "/api/v1/enterprises",
            &json!({"name": "第三方有限公司", "uscc": uscc_c, "unit_id": f.sub_a}),
        )
        .await)
    .await;
    add_user(
        &app,
        "contact_c",
        "enterprise_contact",
        Some("410106001"),
        Some(&uscc_c),
        None,
    )
    .await;
    let outsider = app.token("contact_c").await;
    let (status, _) = problem(
        app.post(
            &outsider,
            &format!("/api/v1/labour/matches/{id}/confirm"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let v = ok(app.get(&outsider, "/api/v1/labour/matches").await).await;
    assert_eq!(v["total"], 0);
    for path in [
        format!("/api/v1/labour/matches/{id}"),
        format!("/api/v1/labour/offers/{offer}"),
        format!("/api/v1/labour/asks/{ask}"),
    ] {
        let (status, _) = problem(app.get(&outsider, &path).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // Firm A's contact sees the match and its own offer, not firm B's ask.
    ok(app
        .get(&contact_a, &format!("/api/v1/labour/matches/{id}"))
        .await)
    .await;
    ok(app
        .get(&contact_a, &format!("/api/v1/labour/offers/{offer}"))
        .await)
    .await;
    let (status, _) = problem(
        app.get(&contact_a, &format!("/api/v1/labour/asks/{ask}"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Firm A confirms: still waiting for firm B.
    let v = ok(app
        .post(
            &contact_a,
            &format!("/api/v1/labour/matches/{id}/confirm"),
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(v["offer_confirmed"], true);
    assert_eq!(v["ask_confirmed"], false);
    assert_eq!(v["status"], "proposed");
    // Firm B's contact confirms: the match is made.
    let contact_b = app.token("contact_b").await;
    let v = ok(app
        .post(
            &contact_b,
            &format!("/api/v1/labour/matches/{id}/confirm"),
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(v["status"], "confirmed");
    // Made, it can no longer be cancelled.
    let (status, _) = problem(
        app.post(
            &leader,
            &format!("/api/v1/labour/matches/{id}/cancel"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(left(&app, &leader, "offers", offer).await, 6);
    assert_eq!(left(&app, &leader, "asks", ask).await, 2);
    // The leader acts for both firms: it must say which side it confirms for.
    let ask2 = id_of(
        app.post(&leader, "/api/v1/labour/asks", &json!({"enterprise_id": f.ent_b, "workers": 1, "skills": "叉车", "from": day(0), "to": day(10)}))
            .await,
    )
    .await;
    let m2 = id_of(
        app.post(
            &leader,
            "/api/v1/labour/matches",
            &json!({"offer_id": offer, "ask_id": ask2, "workers": 1}),
        )
        .await,
    )
    .await;
    let (status, body) = problem(
        app.post(
            &leader,
            &format!("/api/v1/labour/matches/{m2}/confirm"),
            &json!({}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "side", "{body}");
}

#[tokio::test]
async fn a_match_never_exceeds_what_is_left_and_left_is_recomputed_from_the_matches() {
    let (app, f) = TestApp::with_fixture().await;
    let leader = app.token("leader").await;
    let contact_a = app.token("enterprise_contact").await;
    let offer = id_of(
        app.post(&contact_a, "/api/v1/labour/offers", &post(5, 0, 30))
            .await,
    )
    .await;
    let ask = id_of(
        app.post(&leader, "/api/v1/labour/asks", &json!({"enterprise_id": f.ent_b, "workers": 10, "skills": "普工", "from": day(0), "to": day(20)}))
            .await,
    )
    .await;
    let propose = |workers: i64, ask: i64| {
        let app = &app;
        let leader = &leader;
        async move {
            app.post(
                leader,
                "/api/v1/labour/matches",
                &json!({"offer_id": offer, "ask_id": ask, "workers": workers}),
            )
            .await
        }
    };

    // More than the offer has: refused with the reason, nothing recorded.
    let (status, body) = problem(propose(6, ask).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["detail"].as_str().unwrap_or("").contains('5'),
        "{body}"
    );
    let (status, body) = problem(propose(0, ask).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "workers");
    // An ask of the same firm, and an ask whose period does not overlap, are no matches.
    let own = id_of(
        app.post(&contact_a, "/api/v1/labour/asks", &post(2, 0, 10))
            .await,
    )
    .await;
    let (status, body) = problem(propose(1, own).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "ask_id");
    let later = id_of(
        app.post(&leader, "/api/v1/labour/asks", &json!({"enterprise_id": f.ent_b, "workers": 2, "skills": "普工", "from": day(40), "to": day(50)}))
            .await,
    )
    .await;
    let (status, body) = problem(propose(1, later).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["errors"][0]["field"], "ask_id");
    assert_eq!(app.count("labour_matches").await, 0);

    // Three, then two: the offer is used up; one more is refused.
    let m3 = id_of(propose(3, ask).await).await;
    let m2 = id_of(propose(2, ask).await).await;
    let (status, _) = problem(propose(1, ask).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(left(&app, &leader, "offers", offer).await, 0);
    // Cancelling the two gives them back: left is the ledger of the matches.
    ok(app
        .post(
            &leader,
            &format!("/api/v1/labour/matches/{m2}/cancel"),
            &json!({}),
        )
        .await)
    .await;
    assert_eq!(left(&app, &leader, "offers", offer).await, 2);
    assert_eq!(
        left(&app, &leader, "offers", offer).await,
        5 - matched(&app, &leader, offer).await
    );
    assert_eq!(left(&app, &leader, "asks", ask).await, 7);

    // The three are confirmed by both firms; one more proposal of two waits.
    for side in ["offer", "ask"] {
        ok(app
            .post(
                &leader,
                &format!("/api/v1/labour/matches/{m3}/confirm"),
                &json!({"side": side}),
            )
            .await)
        .await;
    }
    let waiting = id_of(propose(2, ask).await).await;

    // Withdrawing the offer: a stale version is refused; then the waiting match is cancelled
    // and the confirmed one stands.
    let (status, _) = problem(
        app.post(
            &contact_a,
            &format!("/api/v1/labour/offers/{offer}/withdraw"),
            &json!({"version": 9}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let v = ok(app
        .post(
            &contact_a,
            &format!("/api/v1/labour/offers/{offer}/withdraw"),
            &json!({"version": 1}),
        )
        .await)
    .await;
    assert_eq!(v["status"], "withdrawn");
    assert_eq!(v["left"], 2);
    let all = ok(app
        .get(&leader, &format!("/api/v1/labour/matches?offer_id={offer}"))
        .await)
    .await;
    let status_of = |id: i64| {
        all["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|m| m["id"] == id)
            .map(|m| m["status"].clone())
    };
    assert_eq!(status_of(waiting), Some(json!("cancelled")));
    assert_eq!(status_of(m3), Some(json!("confirmed")));
    // A withdrawn offer takes no more matches; the open lists no longer show it.
    let (status, _) = problem(propose(1, ask).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let open = ok(app.get(&leader, "/api/v1/labour/offers?open=true").await).await;
    assert_eq!(open["total"], 0);
}

#[tokio::test]
async fn offers_and_asks_with_bad_figures_are_refused_naming_the_field() {
    let (app, f) = TestApp::with_fixture().await;
    let contact_a = app.token("enterprise_contact").await;
    for (body, field) in [
        (post(0, 0, 10), "workers"),
        (post(10001, 0, 10), "workers"),
        (post(3, 10, 5), "from"),
        (post(3, -5, -1), "to"),
        (post(3, 0, 400), "to"),
        (
            json!({"workers": 3, "skills": " ", "from": day(0), "to": day(1)}),
            "skills",
        ),
        (
            json!({"workers": 3, "skills": "x".repeat(501), "from": day(0), "to": day(1)}),
            "skills",
        ),
        (
            json!({"enterprise_id": f.ent_b, "workers": 3, "skills": "普工", "from": day(0), "to": day(1)}),
            "enterprise_id",
        ),
    ] {
        let (status, v) = problem(app.post(&contact_a, "/api/v1/labour/offers", &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(
            v["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .any(|e| e["field"] == field),
            "{body}: {v}"
        );
    }
    assert_eq!(app.count("labour_offers").await, 0);

    // A service-team cadre posts for the team's firm (A), not for firm B, and lists A's only.
    let cadre = app.token("service_cadre").await;
    let body = |firm: i64| json!({"enterprise_id": firm, "workers": 2, "skills": "普工", "from": day(0), "to": day(5)});
    ok(app
        .post(&cadre, "/api/v1/labour/offers", &body(f.ent_a))
        .await)
    .await;
    let (status, v) = problem(
        app.post(&cadre, "/api/v1/labour/offers", &body(f.ent_b))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["errors"][0]["field"], "enterprise_id");
    let leader = app.token("leader").await;
    ok(app
        .post(&leader, "/api/v1/labour/offers", &body(f.ent_b))
        .await)
    .await;
    let mine = ok(app.get(&cadre, "/api/v1/labour/offers").await).await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["enterprise_id"], f.ent_a);
    let all = ok(app.get(&leader, "/api/v1/labour/offers").await).await;
    assert_eq!(all["total"], 2);
    // Filters: the firm's sub-district narrows the district's list.
    let b = ok(app
        .get(
            &leader,
            &format!("/api/v1/labour/offers?unit_id={}", f.sub_b),
        )
        .await)
    .await;
    assert_eq!(b["total"], 1);
    assert_eq!(b["items"][0]["enterprise_id"], f.ent_b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_proposals_never_exceed_what_the_offer_has_left() {
    let (app, f) = TestApp::with_fixture().await;
    let leader = app.token("leader").await;
    let contact_a = app.token("enterprise_contact").await;
    let offer = id_of(
        app.post(&contact_a, "/api/v1/labour/offers", &post(5, 0, 30))
            .await,
    )
    .await;
    let ask = id_of(
        app.post(&leader, "/api/v1/labour/asks", &json!({"enterprise_id": f.ent_b, "workers": 100, "skills": "普工", "from": day(0), "to": day(20)}))
            .await,
    )
    .await;
    // Twelve proposals of one worker each at once, for an offer of five.
    let body = json!({"offer_id": offer, "ask_id": ask, "workers": 1});
    let answers = futures::future::join_all(
        (0..12).map(|_| app.post(&leader, "/api/v1/labour/matches", &body)),
    )
    .await;
    let statuses: Vec<StatusCode> = answers.iter().map(|r| r.status()).collect();
    let made = statuses
        .iter()
        .filter(|s| **s == StatusCode::CREATED)
        .count();
    assert_eq!(made, 5, "five of one fit in five: {statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(matched(&app, &leader, offer).await, 5);
    assert_eq!(left(&app, &leader, "offers", offer).await, 0);
}

#[tokio::test]
async fn the_district_is_shown_fitting_offers_same_industry_and_place_first() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let leader = app.token("leader").await;
    let asking = firm_with_contact(
        &app,
        &admin,
        "asking",
        "MA44DDD4",
        f.sub_a,
        "410106001",
        Some("C"),
    )
    .await;
    let both = firm_with_contact(
        &app,
        &admin,
        "both",
        "MA44EEE5",
        f.sub_a,
        "410106001",
        Some("C"),
    )
    .await;
    let industry = firm_with_contact(
        &app,
        &admin,
        "industry",
        "MA44FFF6",
        f.sub_b,
        "410106005",
        Some("C"),
    )
    .await;
    let neither = firm_with_contact(
        &app,
        &admin,
        "neither",
        "MA44GGG7",
        f.sub_b,
        "410106005",
        Some("E"),
    )
    .await;
    let offer_of = |firm: i64, workers: i64, from: i64, to: i64| {
        let app = &app;
        let leader = &leader;
        async move {
            id_of(
                app.post(leader, "/api/v1/labour/offers", &json!({"enterprise_id": firm, "workers": workers, "skills": "普工", "from": day(from), "to": day(to)}))
                    .await,
            )
            .await
        }
    };
    let place = offer_of(f.ent_a, 9, 0, 30).await; // sub-district A, no industry
    let best = offer_of(both, 2, 0, 30).await;
    let same_industry = offer_of(industry, 3, 0, 30).await;
    offer_of(neither, 3, 0, 30).await; // neither industry nor place
    offer_of(both, 3, 50, 60).await; // does not overlap
    let ask = id_of(
        app.post(&leader, "/api/v1/labour/asks", &json!({"enterprise_id": asking, "workers": 4, "skills": "普工", "from": day(0), "to": day(20)}))
            .await,
    )
    .await;
    let v = ok(app
        .get(&leader, &format!("/api/v1/labour/asks/{ask}/suggestions"))
        .await)
    .await;
    let ids: Vec<i64> = v
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["offer"]["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids, vec![best, same_industry, place], "{v}");
    assert_eq!(v[0]["same_industry"], true);
    assert_eq!(v[0]["same_subdistrict"], true);
    assert_eq!(v[2]["workers"], 4, "at most what the ask needs");
    // An enterprise contact has no suggestions to ask for.
    let contact = app.token("asking").await;
    let (status, _) = problem(
        app.get(&contact, &format!("/api/v1/labour/asks/{ask}/suggestions"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn on_the_labour_page_a_firm_offers_the_district_matches_and_the_firm_confirms() {
    let (app, f) = TestApp::with_fixture().await;
    let admin = app.token("admin").await;
    let x = firm_with_contact(
        &app,
        &admin,
        "contact_x",
        "MA44HHH8",
        f.sub_b,
        "410106005",
        None,
    )
    .await;
    let contact = Browser::login(&app, "enterprise_contact").await;
    let csrf = contact.csrf().await;
    let r = contact
        .post(
            "/labour/offers",
            &[
                ("_csrf", &csrf),
                ("workers", "3"),
                ("skills", "焊工"),
                ("from", &day(0)),
                ("to", &day(9)),
            ],
        )
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let (status, html) = contact.get("/labour").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("焊工"), "the offer is listed");
    assert!(html.contains("用工余缺调剂"), "the menu and title");
    // A bad figure: the page again with the reason.
    let r = contact
        .post(
            "/labour/asks",
            &[
                ("_csrf", &csrf),
                ("workers", "0"),
                ("skills", "焊工"),
                ("from", &day(0)),
                ("to", &day(9)),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The district asks for firm X, and matches from the suggestions' form.
    let leader = app.token("leader").await;
    let ask = id_of(
        app.post(&leader, "/api/v1/labour/asks", &json!({"enterprise_id": x, "workers": 2, "skills": "焊工", "from": day(0), "to": day(5)}))
            .await,
    )
    .await;
    let offer = ok(app.get(&leader, "/api/v1/labour/offers").await).await["items"][0]["id"]
        .as_i64()
        .expect("offer");
    let staff = Browser::login(&app, "leader").await;
    let staff_csrf = staff.csrf().await;
    let (status, html) = staff.get(&format!("/labour?ask={ask}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"suggestions\""));
    let r = staff
        .post(
            "/labour/matches",
            &[
                ("_csrf", &staff_csrf),
                ("offer_id", &offer.to_string()),
                ("ask_id", &ask.to_string()),
                ("workers", "2"),
            ],
        )
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    // The offering firm's contact sees the match with its 确认 button, and confirms.
    let (_, html) = contact.get("/labour").await;
    assert!(html.contains("确认（富余方）"), "the confirm button");
    let m = ok(app.get(&leader, "/api/v1/labour/matches").await).await["items"][0]["id"]
        .as_i64()
        .expect("match");
    let r = contact
        .post(
            &format!("/labour/matches/{m}/confirm"),
            &[("_csrf", &csrf), ("side", "offer")],
        )
        .await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    let v = ok(app.get(&leader, "/api/v1/labour/matches").await).await;
    assert_eq!(v["items"][0]["offer_confirmed"], true);
}
