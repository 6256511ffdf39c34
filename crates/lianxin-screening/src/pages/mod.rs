//! Screening screens: checkpoints and their devices, the passages list, and personnel
//! screening (人员排查). The volunteer's offline entry page and the dashboard come with the
//! rest of issue 4.

pub mod duty;
pub mod health;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum_extra::extract::Form;
use serde::Deserialize;

use crate::access::Principal;
use crate::checkpoints::{self, CheckpointInput, CheckpointView, DeviceInput};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::passages::{self, ContactsPage, ContactsQuery, PassageFilter, PassageView};
use crate::perm;
use crate::text::query_value;
use axum::extract::FromRef;
use lianxin_kernel::http::ApiQuery;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::{PageCtx, render, render_status};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
    crate::Screening: FromRef<S>,
{
    Router::new()
        .route(
            "/checkpoints",
            get(checkpoints_page).post(checkpoint_submit),
        )
        .route("/checkpoints/devices", axum::routing::post(device_submit))
        .route("/checkpoints/export.xlsx", get(checkpoints_export))
        .route("/passages", get(passages_page))
        .route("/passages/export.xlsx", get(passages_export))
        .route(
            "/disinfections",
            get(disinfections_page).post(disinfection_submit),
        )
        .route("/screening", get(screening_page))
        .route("/screening/contacts.xlsx", get(screening_export))
        .route(
            "/screening/followups",
            axum::routing::post(screening_followups_submit),
        )
        .route("/screening/entry", get(entry_page))
        .route("/screening/sw.js", get(service_worker))
        .route("/screening/dashboard", get(dashboard_page))
}

#[derive(Template)]
#[template(path = "entry.html")]
struct EntryPage {
    lang: Lang,
    csrf: String,
    user_name: String,
    /// The page's messages and the caller's shifts, as JSON for entry.js.
    boot: String,
    /// The volunteer's unread notices (通知公告).
    notices: lianxin_kernel::notices::NoticesBlock,
}

/// The volunteer's phone page: sign in to a shift, then record passages; it keeps working
/// offline (assets/entry.js queues passages in IndexedDB, assets/sw.js serves the page).
async fn entry_page(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::PASSAGE_ADD)?;
    let shifts = crate::duty::mine(&s.db, &who, lang).await?;
    let threshold = crate::privacy::fever_threshold(&s.db).await?;
    let t = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    let boot = serde_json::json!({
        "user_id": who.user_id,
        "shifts": shifts,
        "fever_threshold": threshold,
        "i18n": {
            "online": t("在线", "Online"),
            "offline": t("离线：登记照常保存，联网后自动发送", "Offline: entries are kept and sent when the network returns"),
            "pending": t("待发送", "Waiting to send"),
            "sent": t("已发送", "Sent"),
            "rejected": t("被退回", "Refused"),
            "queued": t("已保存，待发送", "Saved, waiting to send"),
            "saved": t("已保存", "Saved"),
            "fever": t("体温异常！请引导至临时留观点复测，系统已生成发热随访事项", "Fever! Take the person aside for a retest; a fever follow-up case has been raised"),
            "sign_in": t("签到上岗", "Sign in"),
            "sign_out": t("签退", "Sign out"),
            "no_shift": t("您目前没有排班。请联系卡点负责人排班。", "You have no shift. Ask the checkpoint's organiser to book you."),
            "not_on_duty": t("请先签到上岗，再登记通行", "Sign in to your shift before recording passages"),
            "bad_id": t("身份证号不正确（18 位，末位校验码）", "The identity number is not valid (18 characters, check character)"),
            "need_person": t("请输入身份证号，或查找并选择人员", "Enter an identity number, or find and choose the person"),
            "bad_temp": t("体温应在 34.0 到 43.0 ℃ 之间", "The temperature must be 34.0-43.0 °C"),
            "chosen": t("已选", "Chosen"),
            "clear": t("改为手工录入", "Enter by hand instead"),
            "none_found": t("没有找到，可按访客登记", "Nobody found; record as a visitor"),
            "session": t("登录已过期，请重新登录后发送", "Your session expired; log in again to send"),
            "in": t("进", "In"),
            "out": t("出", "Out"),
        },
    });
    // Inside <script>: keep "</script>" and friends from closing the element.
    let boot = boot.to_string().replace('<', "\\u003c");
    Ok(render(&EntryPage {
        notices: lianxin_kernel::notices::block(&s.db, &who, lang).await?,
        lang,
        csrf: who.csrf_token.clone(),
        user_name: who.display_name.clone(),
        boot,
    }))
}

#[derive(Template)]
#[template(path = "screening_dashboard_body.html")]
struct DashboardBody {
    lang: Lang,
    d: crate::dashboard::ScreeningDashboard,
    charts: Vec<lianxin_kernel::web::widgets::Chart>,
    refreshed: String,
}

impl DashboardBody {
    fn health_percent(&self) -> i64 {
        if self.d.health_roster == 0 {
            0
        } else {
            self.d.health_reported * 100 / self.d.health_roster
        }
    }
    fn percent(&self, a: &i64, b: &i64) -> i64 {
        if *b == 0 { 0 } else { a * 100 / b }
    }
}

#[derive(Template)]
#[template(path = "screening_dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    body: DashboardBody,
}

#[derive(Debug, Default, Deserialize)]
struct DashboardQuery {
    /// Only the refreshed part (htmx polls it).
    fragment: Option<String>,
}

async fn dashboard_body(s: &Core, who: &Principal, lang: Lang) -> AppResult<DashboardBody> {
    use serde_json::json;
    let d = crate::dashboard::build(&s.db, who, lang).await?;
    let mut charts = Vec::new();
    let t = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    // The trend starts on the first day with a passage (a new district's chart is not twelve
    // empty days and two with data); fevers, a hundredth of the passages, get their own axis,
    // named and coloured like their bars so that each axis reads.
    let first = d
        .trend
        .iter()
        .position(|x| x.passages > 0 || x.fevers > 0)
        .unwrap_or(0);
    let trend = &d.trend[first..];
    charts.push(lianxin_kernel::web::widgets::Chart {
        title: t("近 14 天通行与发热", "Passages and fevers, 14 days"),
        option: json!({
            "animation": false,
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 8, "top": 32, "bottom": 32, "containLabel": true},
            "xAxis": {"type": "category", "data": trend.iter().map(|x| x.day.format("%m-%d").to_string()).collect::<Vec<_>>()},
            "yAxis": [
                {"type": "value", "minInterval": 1, "name": t("通行（人次）", "Passages"), "nameTextStyle": {"color": "#1677ff", "align": "left"}, "axisLabel": {"color": "#1677ff"}},
                {"type": "value", "minInterval": 1, "splitLine": {"show": false}, "name": t("发热（人次）", "Fevers"), "nameTextStyle": {"color": "#d4380d", "align": "right"}, "axisLabel": {"color": "#d4380d"}}
            ],
            "series": [
                {"name": t("通行", "Passages"), "type": "line", "smooth": true, "areaStyle": {}, "itemStyle": {"color": "#1677ff"}, "data": trend.iter().map(|x| x.passages).collect::<Vec<_>>()},
                {"name": t("发热", "Fevers"), "type": "bar", "yAxisIndex": 1, "itemStyle": {"color": "#d4380d"}, "data": trend.iter().map(|x| x.fevers).collect::<Vec<_>>()}
            ]
        })
        .to_string(),
    });
    let bars = |rows: &[crate::dashboard::Count]| {
        let rows: Vec<_> = rows.iter().take(15).collect();
        json!({
            "animation": false,
            "tooltip": {"trigger": "axis"},
            "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 16, "top": 16, "bottom": 32, "containLabel": true},
            "xAxis": {"type": "category", "data": rows.iter().map(|r| r.name.clone()).collect::<Vec<_>>(), "axisLabel": {"interval": 0, "rotate": 30}},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [
                {"name": t("通行", "Passages"), "type": "bar", "data": rows.iter().map(|r| r.passages).collect::<Vec<_>>(), "itemStyle": {"color": "#1677ff"}},
                {"name": t("发热", "Fevers"), "type": "bar", "data": rows.iter().map(|r| r.fevers).collect::<Vec<_>>(), "itemStyle": {"color": "#d4380d"}}
            ]
        })
        .to_string()
    };
    charts.push(lianxin_kernel::web::widgets::Chart {
        title: t("今日各街道通行", "Today by sub-district"),
        option: bars(&d.by_subdistrict),
    });
    charts.push(lianxin_kernel::web::widgets::Chart {
        title: t("今日通行最多的卡点", "Today's busiest checkpoints"),
        option: bars(&d.by_checkpoint),
    });
    charts.push(lianxin_kernel::web::widgets::Chart {
        title: t("当前值守", "Duty now"),
        option: json!({
            "animation": false,
            "tooltip": {"trigger": "item"},
            "legend": {"bottom": 0},
            "series": [{"type": "pie", "radius": ["35%", "65%"], "data": [
                {"name": t("在岗", "On duty"), "value": d.coverage.on_duty, "itemStyle": {"color": "#52c41a"}},
                {"name": t("未到岗", "Nobody signed in"), "value": d.coverage.unsigned, "itemStyle": {"color": "#faad14"}},
                {"name": t("空岗", "Nobody booked"), "value": d.coverage.gap, "itemStyle": {"color": "#d4380d"}},
                {"name": t("非值守时段", "Off hours"), "value": d.coverage.closed, "itemStyle": {"color": "#bfbfbf"}}
            ]}]
        })
        .to_string(),
    });
    Ok(DashboardBody {
        lang,
        d,
        charts,
        refreshed: chrono::Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%H:%M:%S")
            .to_string(),
    })
}

/// The screening dashboard; the body refreshes itself every 15 seconds (htmx).
async fn dashboard_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<DashboardQuery>,
) -> AppResult<Response> {
    let body = dashboard_body(&s, &who, lang).await?;
    if q.fragment.is_some() {
        return Ok(render(&body));
    }
    Ok(render(&DashboardPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "screening_dashboard",
            lang.pick("防控看板", "Screening dashboard"),
        ),
        body,
    }))
}

use lianxin_kernel::web::widgets::SelectOption as Opt;

/// The units in the caller's scope a checkpoint or a disinfection can belong to.
async fn own_units(s: &Core, who: &Principal) -> AppResult<Vec<Opt>> {
    Ok(
        crate::access::scope::scoped::<crate::entities::units::Entity>(&who.scope)
            .all(&s.db)
            .await?
            .into_iter()
            .filter(|u| {
                matches!(
                    u.kind.as_str(),
                    "community" | "village" | "subdistrict" | "town" | "department"
                )
            })
            .map(|u| Opt {
                value: u.id.to_string(),
                label: u.name,
            })
            .collect(),
    )
}

/// `/checkpoints?q=&kind=&unit_id=&sort=&order=&page=&page_size=` (and `ids=` for the export).
#[derive(Debug, Default, Deserialize)]
struct CheckpointsQuery {
    q: Option<String>,
    kind: Option<String>,
    unit_id: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    ids: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

impl CheckpointsQuery {
    /// The list's filter; a unit that is not a number is a 422 naming `unit_id`.
    fn filter(&self) -> AppResult<checkpoints::CheckpointFilter> {
        Ok(checkpoints::CheckpointFilter {
            q: self.q.clone().filter(|s| !s.trim().is_empty()),
            kind: self.kind.clone().filter(|s| !s.is_empty()),
            unit_id: crate::text::query_value::<i64>("unit_id", self.unit_id.as_deref())?,
            sort: self.sort.clone().filter(|s| !s.is_empty()),
            order: self.order.clone().filter(|s| !s.is_empty()),
            ids: self.ids.clone().filter(|s| !s.is_empty()),
        })
    }

    /// The filter as the list's links and export carry it.
    fn filter_query(&self) -> String {
        lianxin_kernel::web::widgets::query_string(&[
            ("q", self.q.clone().filter(|s| !s.trim().is_empty())),
            ("kind", self.kind.clone().filter(|s| !s.is_empty())),
            ("unit_id", self.unit_id.clone().filter(|s| !s.is_empty())),
        ])
    }
}

#[derive(Template)]
#[template(path = "checkpoints.html")]
struct CheckpointsPage {
    ctx: PageCtx,
    rows: Vec<CheckpointView>,
    columns: Vec<lianxin_kernel::web::widgets::Column>,
    list: lianxin_kernel::web::widgets::ListCtl,
    export_href: String,
    can_edit: bool,
    kinds: Vec<Opt>,
    units: Vec<Opt>,
    /// The filter as shown: the text, the kind and the unit chosen.
    q: String,
    kind: String,
    unit_id: String,
    error: Option<String>,
    /// A device just registered: its name and token (shown once).
    new_device: Option<(String, String)>,
    /// For administrators: the fever threshold (°C) and retention (days), read-only here (they
    /// are changed on the settings page, 参数设置).
    settings: Option<(String, i64)>,
}

impl CheckpointsPage {
    fn shown_columns(&self) -> usize {
        self.columns.iter().filter(|c| self.list.shows(c)).count()
            + usize::from(self.list.has_batch())
    }
}

async fn checkpoints_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    q: &CheckpointsQuery,
    error: Option<String>,
    new_device: Option<(String, String)>,
    status: StatusCode,
) -> AppResult<Response> {
    use lianxin_kernel::web::widgets::{BatchAction, Column, ListCtl};
    let f = q.filter()?;
    let sort = checkpoints::sort_of(&f)?;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let page = checkpoints::list_sorted(&s.db, who, &f, paging).await?;
    let rows = checkpoints::views(&s.db, page.items, lang).await?;
    let units = own_units(s, who).await?;
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "checkpoints").await?;
    let list = ListCtl::new(
        "checkpoints",
        "/checkpoints",
        q.filter_query(),
        sort,
        paging,
        page.total,
        hidden,
    );
    let export_href = list.export_href("/checkpoints/export.xlsx");
    let list = list.with_batch(vec![BatchAction::export(lang, export_href.clone())]);
    let can_edit = who.can(perm::CHECKPOINT_EDIT);
    let mut columns = vec![
        Column::new("name", lang.pick("卡点", "Checkpoint")).sorts("name"),
        Column::new("kind", lang.pick("类型", "Kind")).sorts("kind"),
        Column::new("unit", lang.pick("所属单位", "Unit")).sorts("unit"),
        Column::new("responsible", lang.pick("责任党员", "Responsible")),
    ];
    if can_edit {
        columns.push(Column::new("devices", lang.pick("设备", "Devices")));
    }
    Ok(render_status(
        status,
        &CheckpointsPage {
            ctx: PageCtx::new(
                who,
                lang,
                "checkpoints",
                lang.pick("卡点与设备", "Checkpoints and devices"),
            ),
            rows,
            columns,
            list,
            export_href,
            can_edit,
            kinds: crate::CHECKPOINT_KINDS
                .offered()
                .into_iter()
                .map(|e| Opt {
                    label: e.label(lang).to_owned(),
                    value: e.code,
                })
                .collect(),
            units,
            q: q.q.clone().unwrap_or_default(),
            kind: q.kind.clone().unwrap_or_default(),
            unit_id: q.unit_id.clone().unwrap_or_default(),
            error,
            new_device,
            settings: if who.can(perm::ALL) {
                let st = crate::privacy::settings_of(&s.db).await?;
                let t = st
                    .fever_threshold
                    .and_then(|t| i16::try_from(t).ok())
                    .map(lianxin_types::DeciCelsius)
                    .unwrap_or(lianxin_types::DeciCelsius::FEVER_DEFAULT);
                Some((
                    t.degrees(),
                    st.retention_days.unwrap_or(crate::retention::DEFAULT_DAYS),
                ))
            } else {
                None
            },
        },
    ))
}

/// The checkpoints page after one of its forms: as it now stands (with a new device's token),
/// or re-shown with the refusal (422).
async fn checkpoints_after(
    s: &Core,
    who: &Principal,
    lang: Lang,
    r: AppResult<Option<(String, String)>>,
) -> AppResult<Response> {
    let q = CheckpointsQuery::default();
    match r {
        Ok(new_device) => {
            checkpoints_view(s, who, lang, &q, None, new_device, StatusCode::OK).await
        }
        Err(e) => {
            let msg = lianxin_kernel::web::shown_refusal(e, lang)?;
            checkpoints_view(
                s,
                who,
                lang,
                &q,
                Some(msg),
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn checkpoints_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<CheckpointsQuery>,
) -> AppResult<Response> {
    checkpoints_view(&s, &who, lang, &q, None, None, StatusCode::OK).await
}

/// `/checkpoints/export.xlsx`: the checkpoints the list shows with the same address (its
/// order, or the ticked `ids`).
async fn checkpoints_export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<CheckpointsQuery>,
) -> AppResult<Response> {
    checkpoints::export(&s.db, &who, &q.filter()?, lang).await
}

#[derive(Debug, Default, Deserialize)]
struct CheckpointForm {
    name: Option<String>,
    kind: Option<String>,
    unit_id: Option<String>,
    place: Option<String>,
    responsible: Option<String>,
}

async fn checkpoint_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<CheckpointForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let unit_id = crate::text::parse_int(
        &mut errors,
        "unit_id",
        f.unit_id.as_deref(),
        "所属单位",
        "Unit",
    );
    let r = if errors.is_empty() {
        checkpoints::create(
            &s.db,
            &who,
            CheckpointInput {
                name: f.name,
                kind: f.kind,
                unit_id,
                place: f.place,
                responsible: f.responsible,
                enterprise_id: None,
            },
        )
        .await
    } else {
        Err(AppError::Validation(errors))
    };
    checkpoints_after(&s, &who, lang, r.map(|_| None)).await
}

#[derive(Debug, Default, Deserialize)]
struct DeviceForm {
    checkpoint_id: Option<String>,
    name: Option<String>,
}

async fn device_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<DeviceForm>,
) -> AppResult<Response> {
    let mut errors: Vec<FieldError> = Vec::new();
    let checkpoint_id = crate::text::parse_int(
        &mut errors,
        "checkpoint_id",
        f.checkpoint_id.as_deref(),
        "卡点",
        "Checkpoint",
    );
    let r = if errors.is_empty() {
        checkpoints::add_device(
            &s.db,
            &who,
            DeviceInput {
                checkpoint_id,
                name: f.name,
            },
        )
        .await
    } else {
        Err(AppError::Validation(errors))
    };
    checkpoints_after(&s, &who, lang, r.map(|(d, token)| Some((d.name, token)))).await
}

#[derive(Debug, Default, Deserialize)]
struct PassagesQuery {
    checkpoint_id: Option<String>,
    fever: Option<String>,
    /// `YYYY-MM-DDTHH:MM` in Asia/Shanghai (a datetime-local input).
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    ids: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

impl PassagesQuery {
    /// The passage filter the page (and its export) shows.
    fn filter(&self) -> AppResult<PassageFilter> {
        let fever = self.fever.as_deref().is_some_and(|v| !v.is_empty());
        Ok(PassageFilter {
            checkpoint_id: query_value("checkpoint_id", self.checkpoint_id.as_deref())?,
            fever: fever.then_some(true),
            from: local_input("from", self.from.as_deref())?,
            to: local_input("to", self.to.as_deref())?,
            sort: self.sort.clone().filter(|s| !s.is_empty()),
            order: self.order.clone().filter(|s| !s.is_empty()),
            ids: self.ids.clone().filter(|s| !s.is_empty()),
        })
    }
}

/// `/passages/export.xlsx`: the passages the list shows with the same address, in its order.
async fn passages_export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<PassagesQuery>,
) -> AppResult<Response> {
    passages::export(&s.db, &who, &q.filter()?, lang).await
}

/// A `datetime-local` value, read in Asia/Shanghai; empty is none, anything else a 422.
fn local_input(field: &str, v: Option<&str>) -> AppResult<Option<chrono::DateTime<chrono::Utc>>> {
    use chrono::TimeZone;
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|n| chrono_tz::Asia::Shanghai.from_local_datetime(&n).single())
        .map(|d| Some(d.with_timezone(&chrono::Utc)))
        .ok_or_else(|| {
            AppError::invalid(FieldError::new(
                field,
                "format",
                format!("时间“{v}”应为 年-月-日T时:分"),
                format!("the time '{v}' must be YYYY-MM-DDTHH:MM"),
            ))
        })
}

#[derive(Template)]
#[template(path = "passages.html")]
struct PassagesPage {
    ctx: PageCtx,
    rows: Vec<PassageView>,
    checkpoints: Vec<Opt>,
    checkpoint_id: String,
    fever: bool,
    from: String,
    to: String,
    columns: Vec<lianxin_kernel::web::widgets::Column>,
    list: lianxin_kernel::web::widgets::ListCtl,
    export_href: String,
}

impl PassagesPage {
    fn shown_columns(&self) -> usize {
        self.columns.iter().filter(|c| self.list.shows(c)).count()
            + usize::from(self.list.has_batch())
    }
}

async fn passages_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<PassagesQuery>,
) -> AppResult<Response> {
    let filter = q.filter()?;
    let sort = passages::sort_of(&filter)?;
    let fever = filter.fever == Some(true);
    let checkpoint_id = filter.checkpoint_id;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    // For a checkpoint and a time window: everyone who passed.
    let page = passages::list(&s.db, &who, &filter, paging).await?;
    let filter_qs = lianxin_kernel::web::widgets::query_string(&[
        ("checkpoint_id", q.checkpoint_id.clone()),
        ("fever", fever.then(|| "1".to_owned())),
        ("from", q.from.clone()),
        ("to", q.to.clone()),
    ]);
    use lianxin_kernel::web::widgets::{BatchAction, Column, ListCtl};
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "passages").await?;
    let list = ListCtl::new(
        "passages",
        "/passages",
        filter_qs,
        sort,
        paging,
        page.total,
        hidden,
    );
    let export_href = list.export_href("/passages/export.xlsx");
    let list = list.with_batch(vec![BatchAction::export(lang, export_href.clone())]);
    let columns = vec![
        Column::new("at", lang.pick("时间", "Time")).sorts("at"),
        Column::new("checkpoint", lang.pick("卡点", "Checkpoint")),
        Column::new("name", lang.pick("姓名", "Name")),
        Column::new("id_number", lang.pick("身份证号", "ID")),
        Column::new("phone", lang.pick("电话", "Phone")),
        Column::new("temperature", lang.pick("体温", "Temp."))
            .numeric()
            .sorts("temperature"),
        Column::new("direction", lang.pick("方向", "Dir.")),
    ];
    let cps = checkpoints::list(&s.db, &who, Paging::new(1, 500))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    Ok(render(&PassagesPage {
        ctx: PageCtx::new(&who, lang, "passages", lang.pick("通行记录", "Passages")),
        rows: page.items,
        checkpoints: cps
            .into_iter()
            .map(|c| Opt {
                value: c.id.to_string(),
                label: c.name,
            })
            .collect(),
        checkpoint_id: checkpoint_id
            .map(|v: i64| v.to_string())
            .unwrap_or_default(),
        fever,
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        columns,
        list,
        export_href,
    }))
}

#[derive(Debug, Default, Deserialize)]
struct ScreeningForm {
    /// One field: an identity number, a phone or a name.
    q: Option<String>,
    /// The older link form (an identity number).
    id_number: Option<String>,
    /// A person chosen among several matches.
    person_id: Option<String>,
    /// The search `person_id` was chosen for: once the field says something else, it is a
    /// new search.
    for_q: Option<String>,
    days: Option<String>,
    window_minutes: Option<String>,
    fever_only: Option<String>,
    page: Option<String>,
    /// After a batch of follow-ups: how many cases were raised and linked.
    raised: Option<u64>,
    linked: Option<u64>,
    /// 发起随访 with nothing ticked.
    none_chosen: Option<String>,
}

#[derive(Template)]
#[template(path = "screening.html")]
struct ScreeningPage {
    ctx: PageCtx,
    q: String,
    days: String,
    window_minutes: String,
    fever_only: bool,
    result: Option<ContactsPage>,
    /// Several people matched the search: the caller picks one.
    matches: Vec<crate::contacts::PersonMatch>,
    /// The search, for the links that pick one of the matches.
    q_qs: String,
    error: Option<String>,
    /// The query string of the screening (for the pager, the filter and the export).
    filter_qs: String,
    /// The screening's own fields (hidden in the follow-up form).
    screen_fields: Vec<(String, String)>,
    page: u64,
    pages: u64,
    /// The most own passages a screening considers (for the truncation notice).
    own_cap: u64,
    can_follow_up: bool,
    notice: Option<String>,
}

/// What the one search field holds once looked up: a screening, several people, or nobody.
enum Target {
    None,
    Screen(Vec<(String, String)>),
    Choose(Vec<crate::contacts::PersonMatch>),
}

fn looks_like_id(v: &str) -> bool {
    v.len() == 18
        && v[..17].bytes().all(|b| b.is_ascii_digit())
        && v[17..]
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'X' || b == b'x')
}

async fn screening_page(
    State(s): State<crate::Screening>,
    who: Principal,
    lang: Lang,
    Query(f): Query<ScreeningForm>,
) -> AppResult<Response> {
    who.require(perm::SCREENING_QUERY)?;
    let q =
        f.q.clone()
            .filter(|v| !v.trim().is_empty())
            .or(f.id_number.clone())
            .unwrap_or_default();
    let days = f
        .days
        .clone()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "14".into());
    let window = f
        .window_minutes
        .clone()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "30".into());
    let fever_only = f
        .fever_only
        .as_deref()
        .is_some_and(|v| !v.is_empty() && v != "0");
    let paging = Paging::new(query_value("page", f.page.as_deref())?.unwrap_or(1), 50).checked()?;
    let person_id: Option<i64> = query_value("person_id", f.person_id.as_deref())?
        .filter(|_| f.for_q.as_deref().is_none_or(|v| v.trim() == q.trim()));
    let mut error = None;
    let target = match person_id {
        Some(pid) => Target::Screen(vec![("person_id".into(), pid.to_string())]),
        None if q.trim().is_empty() => Target::None,
        // The older links name an identity number: screened as given (422 when invalid).
        None if f.q.as_deref().is_none_or(|v| v.trim().is_empty()) => {
            Target::Screen(vec![("id_number".into(), q.trim().to_owned())])
        }
        // An identity number, or what is plainly meant as one (a wrong check character is
        // said as such, not searched for as a name).
        None if lianxin_types::IdNumber::parse(q.trim()).is_ok() || looks_like_id(q.trim()) => {
            Target::Screen(vec![("id_number".into(), q.trim().to_owned())])
        }
        None => {
            let found = crate::contacts::search_people(
                &s.db,
                &who,
                &crate::contacts::PeopleQuery { q: Some(q.clone()) },
            )
            .await;
            match found {
                Ok(m) if m.len() == 1 => {
                    Target::Screen(vec![("person_id".into(), m[0].person_id.to_string())])
                }
                Ok(m) if m.is_empty() => {
                    error = Some(
                        lang.pick(
                            "在您的数据范围内没有找到此人（可输入身份证号、手机号或姓名）",
                            "Nobody found in your data scope (enter an identity number, a phone or a name)",
                        )
                        .to_owned(),
                    );
                    Target::None
                }
                Ok(m) => Target::Choose(m),
                Err(e @ AppError::Validation(_)) => {
                    error = Some(lianxin_kernel::web::refusal_text(&e, lang));
                    Target::None
                }
                Err(e) => return Err(e),
            }
        }
    };
    let mut screen_fields = Vec::new();
    let mut matches = Vec::new();
    let mut result = None;
    let mut status = StatusCode::OK;
    match target {
        Target::None => {}
        Target::Choose(m) => matches = m,
        Target::Screen(fields) => {
            let by_person = fields
                .iter()
                .find(|(k, _)| k == "person_id")
                .map(|(_, v)| v.clone());
            let qry = query_value("days", Some(&days)).and_then(|days| {
                Ok(ContactsQuery {
                    id_number: fields
                        .iter()
                        .find(|(k, _)| k == "id_number")
                        .map(|(_, v)| v.clone()),
                    person_id: match &by_person {
                        Some(v) => v.parse().ok(),
                        None => None,
                    },
                    days,
                    window_minutes: query_value("window_minutes", Some(&window))?,
                    fever_only: Some(fever_only),
                })
            });
            match async { passages::contacts(&s.db, &s.contacts, &who, &qry?, paging).await }.await
            {
                Ok(p) => {
                    result = Some(p);
                    screen_fields = fields;
                }
                Err(e @ (AppError::Validation(_) | AppError::NotFound)) => {
                    error = Some(lianxin_kernel::web::refusal_text(&e, lang));
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                }
                Err(e) => return Err(e),
            }
        }
    }
    screen_fields.push(("days".into(), days.clone()));
    screen_fields.push(("window_minutes".into(), window.clone()));
    let mut qs: Vec<(String, String)> = vec![("q".into(), q.clone())];
    qs.extend(screen_fields.iter().cloned());
    if fever_only {
        qs.push(("fever_only".into(), "1".into()));
    }
    let notice = f.raised.map(|raised| {
        let linked = f.linked.unwrap_or(0);
        lang.pick(
            &format!("已发起随访：新建 {raised} 件，并入当天已有随访 {linked} 件。"),
            &format!(
                "Follow-ups raised: {raised} new cases, {linked} added to the day's existing ones."
            ),
        )
        .to_owned()
    });
    if f.none_chosen.is_some() && error.is_none() {
        error = Some(
            lang.pick(
                "请先勾选要发起随访的人员",
                "Tick the people to follow up first",
            )
            .to_owned(),
        );
    }
    Ok(render_status(
        status,
        &ScreeningPage {
            ctx: PageCtx::new(
                &who,
                lang,
                "screening",
                lang.pick("人员排查", "Personnel screening"),
            ),
            filter_qs: serde_urlencoded::to_string(&qs).unwrap_or_default(),
            pages: paging.pages(result.as_ref().map_or(0, |r| r.total)),
            page: paging.page(),
            own_cap: crate::contacts::MAX_OWN_PASSAGES,
            can_follow_up: who.can(perm::CASE_RAISE),
            q_qs: serde_urlencoded::to_string([("q", q.as_str())]).unwrap_or_default(),
            q,
            days,
            window_minutes: window,
            fever_only,
            result,
            matches,
            error,
            screen_fields,
            notice,
        },
    ))
}

#[derive(Debug, Default, Deserialize)]
struct FollowupForm {
    id_number: Option<String>,
    person_id: Option<String>,
    days: Option<String>,
    window_minutes: Option<String>,
    q: Option<String>,
    #[serde(default)]
    contact_ids: Vec<String>,
    note: Option<String>,
}

/// 发起随访 on the page: the ticked contacts, then back to the screening with what was done.
async fn screening_followups_submit(
    State(s): State<crate::Screening>,
    who: Principal,
    Form(f): Form<FollowupForm>,
) -> AppResult<Response> {
    let mut ids = Vec::with_capacity(f.contact_ids.len());
    for v in &f.contact_ids {
        if let Some(id) = query_value::<i64>("contact_ids", Some(v))? {
            ids.push(id);
        }
    }
    let input = crate::contacts::FollowupsInput {
        id_number: f.id_number.clone().filter(|v| !v.is_empty()),
        person_id: query_value("person_id", f.person_id.as_deref())?,
        days: query_value("days", f.days.as_deref())?,
        window_minutes: query_value("window_minutes", f.window_minutes.as_deref())?,
        contact_ids: Some(ids),
        note: f.note.clone(),
    };
    let none = input.contact_ids.as_ref().is_none_or(Vec::is_empty);
    let r = if none {
        None
    } else {
        Some(crate::contacts::raise_followups(&s.db, &s.contacts, &who, input).await?)
    };
    let mut back: Vec<(&str, String)> = vec![("q", f.q.clone().unwrap_or_default())];
    if let Some(v) = f.id_number.filter(|v| !v.is_empty()) {
        back.push(("id_number", v));
    }
    if let Some(v) = f.person_id.filter(|v| !v.is_empty()) {
        back.push(("person_id", v));
    }
    back.push(("days", f.days.unwrap_or_default()));
    back.push(("window_minutes", f.window_minutes.unwrap_or_default()));
    match r {
        Some(r) => {
            back.push(("raised", r.created.to_string()));
            back.push(("linked", r.linked.to_string()));
        }
        // Nothing ticked: back to the screening, which says so.
        None => back.push(("none_chosen", "1".into())),
    }
    Ok(axum::response::IntoResponse::into_response(
        axum::response::Redirect::to(&format!(
            "/screening?{}",
            serde_urlencoded::to_string(&back).unwrap_or_default()
        )),
    ))
}

async fn screening_export(
    State(s): State<crate::Screening>,
    who: Principal,
    lang: Lang,
    Query(f): Query<ScreeningForm>,
) -> AppResult<Response> {
    let q = ContactsQuery {
        id_number: f.id_number,
        person_id: query_value("person_id", f.person_id.as_deref())?,
        days: query_value("days", f.days.as_deref())?,
        window_minutes: query_value("window_minutes", f.window_minutes.as_deref())?,
        fever_only: Some(
            f.fever_only
                .as_deref()
                .is_some_and(|v| !v.is_empty() && v != "0"),
        ),
    };
    crate::api::contacts_file(&s, &who, lang, &q).await
}

#[derive(Template)]
#[template(path = "disinfections.html")]
struct DisinfectionsPage {
    ctx: PageCtx,
    rows: Vec<crate::disinfections::DisinfectionView>,
    total: u64,
    units: Vec<Opt>,
    can_add: bool,
    error: Option<String>,
}

async fn disinfections_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    let page = crate::disinfections::list(&s.db, who, Paging::new(1, 200)).await?;
    let units = own_units(s, who).await?;
    Ok(render_status(
        status,
        &DisinfectionsPage {
            ctx: PageCtx::new(
                who,
                lang,
                "disinfections",
                lang.pick("消杀记录", "Disinfection logs"),
            ),
            total: page.total,
            rows: page.items,
            units,
            can_add: who.can(perm::CHECKPOINT_EDIT) || who.can(perm::PASSAGE_ADD),
            error,
        },
    ))
}

async fn disinfections_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
) -> AppResult<Response> {
    disinfections_view(&s, &who, lang, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
struct DisinfectionForm {
    unit_id: Option<String>,
    place: Option<String>,
    agent: Option<String>,
    area: Option<String>,
    person: Option<String>,
    note: Option<String>,
}

async fn disinfection_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<DisinfectionForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let unit_id = crate::text::parse_int(
        &mut errors,
        "unit_id",
        f.unit_id.as_deref(),
        "所属单位",
        "Unit",
    );
    let r = if errors.is_empty() {
        crate::disinfections::create(
            &s.db,
            &who,
            crate::disinfections::DisinfectionInput {
                unit_id,
                place: f.place,
                agent: f.agent,
                area: f.area,
                person: f.person,
                note: f.note,
                ..Default::default()
            },
        )
        .await
        .map(|_| ())
    } else {
        Err(AppError::Validation(errors))
    };
    match r {
        Ok(()) => disinfections_view(&s, &who, lang, None, StatusCode::OK).await,
        Err(e @ AppError::Validation(_)) => {
            disinfections_view(
                &s,
                &who,
                lang,
                Some(lianxin_kernel::web::refusal_text(&e, lang)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

/// The entry page's service worker, served under `/screening/` so that its scope covers the
/// page; never cached by the browser's HTTP cache (a new version must reach the phones).
pub async fn service_worker() -> Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    match crate::Assets::get("sw.js") {
        Some(file) => (
            [
                (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            file.data.into_owned(),
        )
            .into_response(),
        None => AppError::NotFound.into_response(),
    }
}
