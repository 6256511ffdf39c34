//! The application: state, router and server. `build` is what `lianxin serve` and the tests run.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use lianxin_kernel::state::Core;
use lianxin_kernel::web::guard::{self, WebSettings};
use lianxin_screening::Screening;

/// The application's state. Areas never name it: their handlers take the kernel's `Core` or
/// their own state (`Screening`), which this state provides through `FromRef`.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub metrics: PrometheusHandle,
    pub started: Arc<Instant>,
    /// Screening's state: the passages' group-commit writer (`screening::writer`).
    pub screening: Screening,
    /// How long an API token lives when `serve --api-token-days` says so; otherwise the
    /// setting `auth.api_token_days` (参数设置) does.
    pub api_token_days: Option<i64>,
    /// How the server is reached: trusted proxies, HTTPS (`web::guard`).
    pub web: Arc<WebSettings>,
    /// The dictionary (字典管理) as this server last read it, made each request's by
    /// `dict::scope`.
    pub dict: lianxin_kernel::dict::Dictionary,
}

impl AppState {
    /// Needs a tokio runtime: it starts the passage writer task.
    pub fn new(db: DatabaseConnection) -> Self {
        install_areas();
        AppState {
            screening: Screening::start(db.clone()),
            dict: lianxin_kernel::dict::Dictionary::new(db.clone()),
            db,
            metrics: metrics_handle(),
            started: Arc::new(Instant::now()),
            api_token_days: None,
            web: Arc::new(WebSettings::default()),
        }
    }

    /// The same state, reached through `web` (trusted proxies, HTTPS).
    pub fn with_web(mut self, web: WebSettings) -> Self {
        self.web = Arc::new(web);
        self
    }
}

impl FromRef<AppState> for Core {
    fn from_ref(s: &AppState) -> Core {
        Core { db: s.db.clone() }
    }
}

impl FromRef<AppState> for Screening {
    fn from_ref(s: &AppState) -> Screening {
        s.screening.clone()
    }
}

/// Plugs the areas into the kernel's mechanisms (permissions, built-in roles, menu, strings,
/// grants, assets), in menu order. Every entry point calls it first; the first call wins.
pub fn install_areas() {
    lianxin_kernel::area::install(|| {
        vec![
            crate::web::home_area(),
            lianxin_registries::area(),
            lianxin_cases::area(),
            lianxin_screening::area(),
            lianxin_recovery::area(),
            lianxin_jobs::area(),
            crate::web::system_area(),
        ]
    });
}

/// The process-wide Prometheus recorder (installed once; tests start many apps in one process).
fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (e.g. by an embedding program); then
            // our counters go there and /metrics shows what this recorder saw.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub fn router(state: AppState) -> Router {
    let (api, mut openapi) = crate::api::router().split_for_parts();
    crate::api::document_problems(&mut openapi);
    crate::api::require_versions(&mut openapi);
    crate::api::relax_kind_change(&mut openapi);
    let openapi = Arc::new(openapi);
    let request_id = HeaderName::from_static("x-request-id");
    let web = state.web.clone();
    Router::new()
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi.clone();
                // Public and the same for everyone: it may be cached (every other answer is
                // `no-store`, see `web::guard`).
                async move {
                    (
                        [(axum::http::header::CACHE_CONTROL, "no-cache")],
                        axum::Json(doc.as_ref().clone()),
                    )
                }
            }),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .merge(lianxin_kernel::web::router())
        .merge(lianxin_registries::router())
        .merge(lianxin_cases::router())
        .merge(lianxin_screening::router())
        .merge(lianxin_recovery::router())
        .merge(lianxin_jobs::router())
        .merge(crate::web::router())
        .fallback(|| async { crate::error::AppError::NotFound })
        .layer(middleware::from_fn_with_state(
            state.dict.clone(),
            lianxin_kernel::dict::scope,
        ))
        .layer(middleware::from_fn(crate::access::extract::csrf_from_form))
        .layer(middleware::from_fn(reject_nul))
        .layer(middleware::from_fn(crate::i18n::localize_errors))
        .layer(middleware::from_fn(track_metrics))
        .layer(DefaultBodyLimit::max(32 * 1024 * 1024))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(120),
        ))
        .layer(middleware::from_fn_with_state(web, guard::guard))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// No text in this system has a use for the NUL character, and PostgreSQL refuses it: a query
/// string, form or JSON body carrying one is refused with a 422 before any handler sees it.
async fn reject_nul(req: Request, next: Next) -> Response {
    let open311 = req.uri().path().starts_with("/open311/");
    let refuse = |field: &str| {
        if open311 {
            // The GeoReport error format.
            return (
                StatusCode::BAD_REQUEST,
                [(
                    axum::http::header::CONTENT_TYPE,
                    "application/json; charset=utf-8",
                )],
                format!(r#"[{{"code":400,"description":"{field} contains a NUL character"}}]"#),
            )
                .into_response();
        }
        crate::error::AppError::invalid(crate::error::FieldError::new(
            field,
            "nul",
            "输入中含有空字符（NUL），请删除后重试",
            "the input contains a NUL character",
        ))
        .into_response()
    };
    if req
        .uri()
        .query()
        .is_some_and(|q| q.to_ascii_lowercase().contains("%00"))
    {
        return refuse("query");
    }
    let ct = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (needle, field): (&[u8], &str) = if ct.starts_with("application/json") {
        (b"\\u0000", "body")
    } else if ct.starts_with("application/x-www-form-urlencoded") {
        (b"%00", "form")
    } else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, 32 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return crate::error::AppError::bad_request("请求体过大", "the body is too large")
                .into_response();
        }
    };
    if bytes
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
    {
        return refuse(field);
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

async fn healthz(State(s): State<AppState>) -> Response {
    match s.db.execute_unprepared("SELECT 1").await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

async fn metrics_text(State(s): State<AppState>) -> Response {
    metrics::gauge!("lianxin_uptime_seconds").set(s.started.elapsed().as_secs_f64());
    (
        [("content-type", "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
        .into_response()
}

async fn track_metrics(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "other".to_owned());
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("lianxin_http_requests_total", "method" => method.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("lianxin_http_request_duration_seconds", "method" => method, "route" => route)
        .record(start.elapsed().as_secs_f64());
    resp
}

/// Serves until the future `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Connects, migrates, makes sure built-in roles and case kinds exist, loads the shipped
/// holiday arrangements into years that have none (`calendar::load_shipped`), and loads the
/// installation key
/// (`lianxin_kernel::secret`: from the environment or the key file, never the database; a key
/// the database kept is moved out once, and a key that does not match the database's is
/// refused).
pub async fn prepare_database(url: &str) -> Result<DatabaseConnection, sea_orm::DbErr> {
    install_areas();
    let db = crate::db::connect_and_migrate(url).await?;
    crate::access::roles::ensure_builtin_roles(&db).await?;
    crate::cases::kinds::ensure_builtin_kinds(&db).await?;
    lianxin_kernel::dict::ensure_builtin(&db).await?;
    let loaded = crate::calendar::load_shipped(&db)
        .await
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    if !loaded.is_empty() {
        tracing::info!(years = ?loaded, "loaded the State Council holiday arrangements");
    }
    lianxin_kernel::secret::load(&db, url)
        .await
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
    Ok(db)
}
