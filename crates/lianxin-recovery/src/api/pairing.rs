//! `/api/v1/enterprises/{id}/pairing` and `/api/v1/pairing/*`: 三对一 pairing, its gaps and
//! the caller's own paired firms.

use axum::Json;
use axum::extract::{FromRef, State};
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppResult, ProblemBody};
use crate::paging::{Page, Paging};
use crate::pairing::{self, Gap, MyFirm, PairingInput, PairingView};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(get, set))
        .routes(routes!(gaps))
        .routes(routes!(mine))
}

/// A firm's 三对一 pairing: the three roles in force and the history (`pairing:list`).
#[utoipa::path(get, path = "/api/v1/enterprises/{id}/pairing", tag = "recovery",
    params(("id" = i64, Path)), responses((status = 200, body = PairingView)))]
async fn get(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<PairingView>> {
    Ok(Json(pairing::get(&s.db, &who, id).await?))
}

/// Change a firm's pairing from a date (`pairing:edit`): a person id sets a role, `null`
/// clears it, an omitted field keeps it; each person must be a cadre.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}/pairing", tag = "recovery",
    params(("id" = i64, Path)), request_body = PairingInput,
    responses((status = 200, body = PairingView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn set(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<PairingInput>,
) -> AppResult<Json<PairingView>> {
    Ok(Json(
        pairing::set(&s.db, &who, id, input, pairing::today()).await?,
    ))
}

/// Firms in scope missing any of the three roles, by id (`pairing:list`).
#[utoipa::path(get, path = "/api/v1/pairing/gaps", tag = "recovery", params(Paging),
    responses((status = 200, body = Page<Gap>)))]
async fn gaps(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<Gap>>> {
    Ok(Json(pairing::gaps(&s.db, &who, p).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
struct Mine {
    items: Vec<MyFirm>,
    total: u64,
}

/// The firms paired with the caller's person, with the caller's roles and each firm's open
/// appeals (empty for a login not linked to a person).
#[utoipa::path(get, path = "/api/v1/pairing/mine", tag = "recovery",
    responses((status = 200, body = Mine)))]
async fn mine(State(s): State<Core>, who: Principal) -> AppResult<Json<Mine>> {
    let items = pairing::mine(&s.db, &who).await?;
    Ok(Json(Mine {
        total: items.len() as u64,
        items,
    }))
}
