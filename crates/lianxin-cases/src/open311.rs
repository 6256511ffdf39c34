//! Open311 GeoReport v2 (`/open311/v2`), so that existing civic apps can file and follow
//! enterprise appeals. Services are the categories of the `enterprise_appeal` kind; a request
//! is an appeal raised through the case engine like any other (source `open311`). JSON and XML
//! by the path's extension; errors in the specification's format (`[{code, description}]`).
//!
//! Identity of the enterprise: the service attribute `uscc` (or `account_id`), its unified
//! social credit code. Privacy: filing needs an `api_key`. Reading needs none, as GeoReport v2
//! allows: anyone reads the public part of a request filed through Open311 (status, service,
//! dates, agency responsible, expected date), and the client app that filed it reads the whole
//! request (description, address, place, status notes), since appeals carry enterprises'
//! business. Requests raised inside the district are not Open311's to show.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use chrono_tz::Asia::Shanghai;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use std::collections::HashMap;

use crate::access::Principal;
use crate::access::apikeys;
use crate::entities::{api_clients, case_categories, cases};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::kinds;
use crate::service::{self, CaseInput, CaseView};
use axum::extract::FromRef;
use lianxin_kernel::entities::{settings, units};
use lianxin_kernel::state::Core;

const APPEAL_KIND: &str = "enterprise_appeal";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xml,
}

impl Format {
    fn of(name: &str) -> Option<(Format, &str)> {
        if let Some(stem) = name.strip_suffix(".json") {
            Some((Format::Json, stem))
        } else {
            name.strip_suffix(".xml").map(|stem| (Format::Xml, stem))
        }
    }
}

/// An Open311 error answer.
struct Failure {
    status: StatusCode,
    description: String,
}

fn fail(status: StatusCode, description: impl Into<String>) -> Failure {
    Failure {
        status,
        description: description.into(),
    }
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        let p = e.problem();
        let mut d = p.detail_en.clone();
        for f in &p.errors {
            d.push_str(&format!("; {}: {}", f.field, f.message_en));
        }
        Failure {
            status: e.status(),
            description: d,
        }
    }
}

fn render(format: Format, status: StatusCode, root: &str, item: &str, v: &Value) -> Response {
    let (ct, body) = match format {
        Format::Json => ("application/json; charset=utf-8", v.to_string()),
        Format::Xml => {
            let mut s = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
            xml(&mut s, root, item, v);
            ("text/xml; charset=utf-8", s)
        }
    };
    let mut resp = (status, body).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    resp
}

fn render_failure(format: Format, f: Failure) -> Response {
    let v = json!([{"code": f.status.as_u16(), "description": f.description}]);
    render(format, f.status, "errors", "error", &v)
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

/// The specification's XML: arrays are repeated `item` elements, objects nested elements.
fn xml(out: &mut String, name: &str, item: &str, v: &Value) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&escape(s)),
        Value::Array(a) => {
            for e in a {
                xml(out, item, child_item(item), e);
            }
        }
        Value::Object(o) => {
            for (k, e) in o {
                xml(out, k, child_item(k), e);
            }
        }
    }
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Element names of nested lists (`attributes` → `attribute`, `formats` → `format`...).
fn child_item(name: &str) -> &str {
    match name {
        "attributes" => "attribute",
        "values" => "value",
        "endpoints" => "endpoint",
        "formats" => "format",
        "keywords" => "keyword",
        _ => "item",
    }
}

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/open311/v2/{file}", get(top_get).post(top_post))
        .route("/open311/v2/services/{file}", get(service_definition))
        .route("/open311/v2/requests/{file}", get(one_request))
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Shanghai).to_rfc3339()
}

async fn client(s: &Core, key: Option<&str>) -> Result<api_clients::Model, Failure> {
    client_if_any(s, key)
        .await?
        .ok_or_else(|| fail(StatusCode::FORBIDDEN, "api_key is required"))
}

/// The client app of a read: none without a key; a key that is not valid is still refused.
async fn client_if_any(s: &Core, key: Option<&str>) -> Result<Option<api_clients::Model>, Failure> {
    let key = key.unwrap_or("").trim();
    if key.is_empty() {
        return Ok(None);
    }
    apikeys::authenticate(&s.db, key)
        .await?
        .map(Some)
        .ok_or_else(|| fail(StatusCode::FORBIDDEN, "Invalid api_key"))
}

async fn top_get(
    State(s): State<Core>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some((format, stem)) = Format::of(&file) else {
        return render_failure(Format::Json, fail(StatusCode::NOT_FOUND, "not found"));
    };
    let result = match stem {
        "discovery" => discovery(&s, format).await,
        "services" => services(&s, format).await,
        "requests" => list_requests(&s, format, &q).await,
        _ => Err(fail(StatusCode::NOT_FOUND, "not found")),
    };
    result.unwrap_or_else(|f| render_failure(format, f))
}

async fn top_post(
    State(s): State<Core>,
    Path(file): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some((format, "requests")) = Format::of(&file) else {
        let format = Format::of(&file).map(|f| f.0).unwrap_or(Format::Json);
        return render_failure(
            format,
            fail(
                StatusCode::METHOD_NOT_ALLOWED,
                "only requests can be posted",
            ),
        );
    };
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let params: HashMap<String, String> = if is_json {
        match serde_json::from_slice::<HashMap<String, Value>>(&body) {
            Ok(m) => m
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Null => None,
                    other => Some((k, other.to_string())),
                })
                .collect(),
            Err(e) => {
                return render_failure(
                    format,
                    fail(StatusCode::BAD_REQUEST, format!("invalid JSON: {e}")),
                );
            }
        }
    } else {
        url::form_urlencoded::parse(&body).into_owned().collect()
    };
    create_request(&s, format, &params)
        .await
        .unwrap_or_else(|f| render_failure(format, f))
}

/// When the content of the discovery document last changed (not the time of the request).
const DISCOVERY_CHANGESET: &str = "2026-11-26T00:00:00+08:00";

async fn discovery(s: &Core, format: Format) -> Result<Response, Failure> {
    let district = crate::registries::units::district_name(&s.db)
        .await?
        .unwrap_or_default();
    let v = json!({
        "changeset": DISCOVERY_CHANGESET,
        "contact": format!("{district}营商环境服务中心"),
        "key_service": "API keys are issued by the district's administrators (lianxin apikey add).",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": "/open311/v2",
            "changeset": DISCOVERY_CHANGESET,
            "type": "production",
            "formats": ["application/json", "text/xml"],
        }],
    });
    Ok(render(format, StatusCode::OK, "discovery", "item", &v))
}

async fn appeal_categories(s: &Core) -> Result<(String, Vec<case_categories::Model>), Failure> {
    let kind = kinds::by_code(&s.db, APPEAL_KIND)
        .await?
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, "no appeal services"))?;
    let cats = case_categories::Entity::find()
        .filter(case_categories::Column::KindId.eq(kind.id))
        .filter(case_categories::Column::Active.eq(true))
        .order_by_asc(case_categories::Column::Sort)
        .all(&s.db)
        .await
        .map_err(AppError::from)?;
    Ok((kind.name_zh, cats))
}

async fn services(s: &Core, format: Format) -> Result<Response, Failure> {
    let (group, cats) = appeal_categories(s).await?;
    let items: Vec<Value> = cats
        .into_iter()
        .map(|c| {
            json!({
                "service_code": c.code,
                "service_name": c.name_zh,
                "description": c.description.unwrap_or_else(|| format!("{} / {}", c.name_zh, c.name_en)),
                "metadata": true,
                "type": "realtime",
                "keywords": c.name_en,
                "group": group,
            })
        })
        .collect();
    Ok(render(
        format,
        StatusCode::OK,
        "services",
        "service",
        &Value::Array(items),
    ))
}

async fn service_definition(State(s): State<Core>, Path(file): Path<String>) -> Response {
    let Some((format, code)) = Format::of(&file) else {
        return render_failure(Format::Json, fail(StatusCode::NOT_FOUND, "not found"));
    };
    let result = async {
        let (_, cats) = appeal_categories(&s).await?;
        let c = cats
            .into_iter()
            .find(|c| c.code == code)
            .ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("no service '{code}'")))?;
        let v = json!({
            "service_code": c.code,
            "attributes": [{
                "variable": true,
                "code": "uscc",
                "datatype": "string",
                "required": true,
                "datatype_description": "18 位统一社会信用代码 / 18-character unified social credit code",
                "order": 1,
                "description": "企业统一社会信用代码 / The enterprise's unified social credit code",
                "values": [],
            }],
        });
        Ok::<_, Failure>(render(format, StatusCode::OK, "service_definition", "item", &v))
    }
    .await;
    result.unwrap_or_else(|f| render_failure(format, f))
}

/// A request as GeoReport shows it; `whole` for the client app that filed it, otherwise the
/// public part (no description, address, place or solution text).
fn request_json(v: &CaseView, service_code: &str, whole: bool) -> Value {
    let open = v.status != crate::engine::Status::Closed;
    let mut notes = v.status_label.clone();
    if let Some(sol) = v.solution.as_ref().filter(|_| whole) {
        notes.push('：');
        notes.push_str(sol);
    }
    if !whole {
        return json!({
            "service_request_id": v.id.to_string(),
            "status": if open { "open" } else { "closed" },
            "status_notes": notes,
            "service_name": v.category_name.clone().unwrap_or_else(|| v.kind_name.clone()),
            "service_code": service_code,
            "description": Value::Null,
            "agency_responsible": v.lead_unit.as_ref().map(|u| u.name.clone()),
            "service_notice": format!("受理编号 {}", v.number),
            "requested_datetime": local(v.created_at),
            "updated_datetime": local(v.updated_at),
            "expected_datetime": v.deadline.map(local),
            "address": Value::Null,
            "address_id": Value::Null,
            "zipcode": Value::Null,
            "lat": Value::Null,
            "long": Value::Null,
            "media_url": Value::Null,
        });
    }
    json!({
        "service_request_id": v.id.to_string(),
        "status": if open { "open" } else { "closed" },
        "status_notes": notes,
        "service_name": v.category_name.clone().unwrap_or_else(|| v.kind_name.clone()),
        "service_code": service_code,
        "description": v.description,
        "agency_responsible": v.lead_unit.as_ref().map(|u| u.name.clone()),
        "service_notice": format!("受理编号 {}", v.number),
        "requested_datetime": local(v.created_at),
        "updated_datetime": local(v.updated_at),
        "expected_datetime": v.deadline.map(local),
        "address": v.address,
        "address_id": Value::Null,
        "zipcode": Value::Null,
        "lat": Value::Null,
        "long": Value::Null,
        "media_url": Value::Null,
    })
}

/// The requests as `client` may read them: whole if it filed them, else their public part.
async fn views_of(
    s: &Core,
    client: Option<&api_clients::Model>,
    rows: Vec<cases::Model>,
) -> Result<Vec<Value>, Failure> {
    let own: HashMap<i64, (Option<f64>, Option<f64>)> = rows
        .iter()
        .filter(|c| client.is_some_and(|k| c.api_client_id == Some(k.id)))
        .map(|c| (c.id, (c.lat, c.lon)))
        .collect();
    let views = service::views(&s.db, rows, Lang::Zh).await?;
    Ok(views
        .iter()
        .map(|v| {
            let whole = own.get(&v.id);
            let mut j = request_json(v, v.category.as_deref().unwrap_or(""), whole.is_some());
            if let Some((lat, lon)) = whole {
                j["lat"] = json!(lat);
                j["long"] = json!(lon);
            }
            j
        })
        .collect())
}

async fn list_requests(
    s: &Core,
    format: Format,
    q: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let c = client_if_any(s, q.get("api_key").map(String::as_str)).await?;
    let mut sel = cases::Entity::find().filter(cases::Column::ApiClientId.is_not_null());
    if let Some(ids) = q.get("service_request_id").filter(|v| !v.is_empty()) {
        let ids: Vec<i64> = ids
            .split(',')
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        sel = sel.filter(cases::Column::Id.is_in(ids));
    } else {
        let parse = |k: &str| -> Result<Option<DateTime<Utc>>, Failure> {
            match q.get(k).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => DateTime::parse_from_rfc3339(v)
                    .map(|d| Some(d.with_timezone(&Utc)))
                    .map_err(|_| {
                        fail(
                            StatusCode::BAD_REQUEST,
                            format!("{k} must be a w3c (RFC 3339) datetime"),
                        )
                    }),
            }
        };
        let end = parse("end_date")?.unwrap_or_else(Utc::now);
        let start = parse("start_date")?.unwrap_or(end - chrono::Duration::days(90));
        sel = sel
            .filter(cases::Column::CreatedAt.gte(start))
            .filter(cases::Column::CreatedAt.lt(end));
        if let Some(code) = q.get("service_code").filter(|v| !v.is_empty()) {
            let cat = kinds::find_category(&s.db, code).await?;
            sel = sel.filter(cases::Column::CategoryId.eq(cat.map(|c| c.id).unwrap_or(-1)));
        }
        if let Some(st) = q.get("status").filter(|v| !v.is_empty()) {
            let wanted: Vec<&str> = st.split(',').map(str::trim).collect();
            match (wanted.contains(&"open"), wanted.contains(&"closed")) {
                (true, false) => sel = sel.filter(cases::Column::Status.ne("closed")),
                (false, true) => sel = sel.filter(cases::Column::Status.eq("closed")),
                (true, true) => {}
                (false, false) => {
                    return Err(fail(
                        StatusCode::BAD_REQUEST,
                        "status must be open or closed",
                    ));
                }
            }
        }
    }
    let rows = sel
        .order_by_desc(cases::Column::Id)
        .limit(1000)
        .all(&s.db)
        .await
        .map_err(AppError::from)?;
    let items = views_of(s, c.as_ref(), rows).await?;
    Ok(render(
        format,
        StatusCode::OK,
        "service_requests",
        "request",
        &Value::Array(items),
    ))
}

async fn one_request(
    State(s): State<Core>,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some((format, id)) = Format::of(&file) else {
        return render_failure(Format::Json, fail(StatusCode::NOT_FOUND, "not found"));
    };
    let result = async {
        let c = client_if_any(&s, q.get("api_key").map(String::as_str)).await?;
        let not_found = || fail(StatusCode::NOT_FOUND, format!("no service request '{id}'"));
        let id: i64 = id.parse().map_err(|_| not_found())?;
        let row = cases::Entity::find_by_id(id)
            .filter(cases::Column::ApiClientId.is_not_null())
            .one(&s.db)
            .await
            .map_err(AppError::from)?
            .ok_or_else(not_found)?;
        let items = views_of(&s, c.as_ref(), vec![row]).await?;
        Ok::<_, Failure>(render(
            format,
            StatusCode::OK,
            "service_requests",
            "request",
            &Value::Array(items),
        ))
    }
    .await;
    result.unwrap_or_else(|f| render_failure(format, f))
}

/// The setting naming the unit that receives appeals for enterprises not in the registry.
pub const INTAKE_SETTING: &str = "open311.intake_unit_id";

/// The unit appeals for unregistered enterprises are filed against: the setting
/// `open311.intake_unit_id` when it names a unit, else the district (the root of the tree).
pub async fn intake_unit(db: &impl sea_orm::ConnectionTrait) -> Result<units::Model, AppError> {
    let named = settings::Entity::find_by_id(INTAKE_SETTING.to_owned())
        .one(db)
        .await?
        .and_then(|v| v.value.trim().parse::<i64>().ok());
    if let Some(id) = named
        && let Some(u) = units::Entity::find_by_id(id).one(db).await?
    {
        return Ok(u);
    }
    units::Entity::find()
        .filter(units::Column::ParentId.is_null())
        .order_by_asc(units::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("no district unit"))
}

/// Names the intake unit (maintainers of case kinds; audited).
pub async fn set_intake_unit(
    db: &sea_orm::DatabaseConnection,
    who: &Principal,
    unit_id: Option<i64>,
) -> Result<units::Model, AppError> {
    who.require(crate::perm::CASE_KINDS)?;
    let Some(id) = unit_id else {
        return Err(AppError::invalid(crate::error::FieldError::required(
            "unit_id",
            "受理单位",
            "The intake unit",
        )));
    };
    let Some(unit) = units::Entity::find_by_id(id).one(db).await? else {
        return Err(AppError::invalid(crate::error::FieldError::new(
            "unit_id",
            "unknown",
            "单位不存在",
            "no such unit",
        )));
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    lianxin_kernel::settings::write(&txn, who, INTAKE_SETTING, &unit.id.to_string()).await?;
    txn.commit().await?;
    lianxin_kernel::settings::changed();
    Ok(unit)
}

async fn create_request(
    s: &Core,
    format: Format,
    p: &HashMap<String, String>,
) -> Result<Response, Failure> {
    let c = client(s, p.get("api_key").map(String::as_str)).await?;
    let get = |k: &str| p.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let code = get("service_code")
        .ok_or_else(|| fail(StatusCode::BAD_REQUEST, "service_code is required"))?;
    let (_, cats) = appeal_categories(s).await?;
    let cat = cats
        .iter()
        .find(|c| c.code == code)
        .ok_or_else(|| fail(StatusCode::NOT_FOUND, format!("no service '{code}'")))?;
    let uscc = get("attribute[uscc]")
        .or_else(|| get("account_id"))
        .ok_or_else(|| {
            fail(
                StatusCode::BAD_REQUEST,
                "attribute[uscc] (the enterprise's credit code) is required",
            )
        })?;
    let uscc = lianxin_types::Uscc::parse(uscc)
        .map_err(|e| fail(StatusCode::BAD_REQUEST, e.message_en("attribute[uscc]")))?;
    let who = Principal::system(&format!("open311:{}", c.name));
    // An enterprise not in the registry is accepted for triage, filed against the intake
    // unit; the answer is the same either way, so it never tells whether a code is registered.
    let ent = crate::registries::enterprises::by_uscc(&s.db, uscc.as_str()).await?;
    let (enterprise_id, unit_id, pending_uscc) = match ent {
        Some(e) => (Some(e.id), None, None),
        None => (
            None,
            Some(intake_unit(&s.db).await?.id),
            Some(uscc.as_str().to_owned()),
        ),
    };
    let description = get("description")
        .ok_or_else(|| fail(StatusCode::BAD_REQUEST, "description is required"))?
        .to_owned();
    let title: String = description.chars().take(40).collect();
    let parse_f = |k: &str| -> Result<Option<f64>, Failure> {
        match get(k) {
            None => Ok(None),
            Some(v) => v
                .parse::<f64>()
                .map(Some)
                .map_err(|_| fail(StatusCode::BAD_REQUEST, format!("{k} must be a number"))),
        }
    };
    let contact_name = match (get("last_name"), get("first_name")) {
        (Some(l), Some(f)) => Some(format!("{l}{f}")),
        (Some(n), None) | (None, Some(n)) => Some(n.to_owned()),
        _ => None,
    };
    let input = CaseInput {
        kind: Some(APPEAL_KIND.into()),
        category: Some(cat.code.clone()),
        title: Some(format!("{}：{title}", cat.name_zh)),
        description: Some(description),
        enterprise_id,
        unit_id,
        pending_uscc,
        source: Some("open311".into()),
        contact_name,
        contact_phone: get("phone").map(str::to_owned),
        address: get("address_string").map(str::to_owned),
        lat: parse_f("lat")?,
        lon: parse_f("long")?,
        api_client_id: Some(c.id),
        ..Default::default()
    };
    let row = service::create(&s.db, &who, input, Utc::now()).await?;
    let v = json!([{
        "service_request_id": row.id.to_string(),
        "service_notice": format!("诉求已受理，受理编号 {}，将在规定时限内交办处理", row.number),
        "account_id": Value::Null,
    }]);
    Ok(render(
        format,
        StatusCode::CREATED,
        "service_requests",
        "request",
        &v,
    ))
}
