//! `/api/v1/units`, `/api/v1/people`, `/api/v1/enterprises`: list (search, filters, paging),
//! create, read, replace, delete. Import and export live in `exchange`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::enterprises::{self, EnterpriseFilter, EnterpriseInput, EnterpriseView};
use crate::error::{AppResult, ProblemBody};
use crate::paging::Page;
use crate::paging::Paging;
use crate::people::{self, PersonFilter, PersonInput, PersonView};
use crate::units::{self, TreeNode, TreeQuery, UnitFilter, UnitInput, UnitView};
use axum::extract::FromRef;
use lianxin_kernel::http::IdPath;
use lianxin_kernel::http::{ApiJson, ApiQuery};
use lianxin_kernel::state::Core;

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(unit_tree))
        .routes(routes!(get_unit, update_unit, delete_unit))
        .routes(routes!(list_people, create_person))
        .routes(routes!(get_person, update_person, delete_person))
        .routes(routes!(list_enterprises, create_enterprise))
        .routes(routes!(
            get_enterprise,
            update_enterprise,
            delete_enterprise
        ))
}

// --- units ----------------------------------------------------------------------------------

/// Units in the caller's scope.
#[utoipa::path(get, path = "/api/v1/units", tag = "registries", params(UnitFilter, Paging),
    responses((status = 200, body = Page<UnitView>)))]
async fn list_units(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<UnitFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<UnitView>>> {
    let page = units::list(&s.db, &who, &f, p).await?;
    Ok(Json(Page {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
    }))
}

/// The unit tree within the caller's scope, loaded a level at a time: the children of
/// `parent` (the top of the caller's tree without it), the units whose name or code contains
/// `q` (each with the path that opens the tree to it), or the unit `id` with its path.
#[utoipa::path(get, path = "/api/v1/units/tree", tag = "registries", params(TreeQuery),
    responses((status = 200, body = Page<TreeNode>),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn unit_tree(
    State(s): State<Core>,
    who: Principal,
    lang: crate::i18n::Lang,
    ApiQuery(q): ApiQuery<TreeQuery>,
) -> AppResult<Json<Page<TreeNode>>> {
    Ok(Json(units::tree(&s.db, &who, &q, lang).await?))
}

/// Create a unit: `name`, `kind` and `parent_id` (none for a district).
#[utoipa::path(post, path = "/api/v1/units", tag = "registries", request_body = UnitInput,
    responses((status = 201, body = UnitView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_unit(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<UnitInput>,
) -> AppResult<(StatusCode, Json<UnitView>)> {
    let u = units::create(&s.db, &who, input).await?;
    Ok((StatusCode::CREATED, Json(u.into())))
}

#[utoipa::path(get, path = "/api/v1/units/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries",
    responses((status = 200, body = UnitView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_unit(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<UnitView>> {
    Ok(Json(units::get(&s.db, &who, id).await?.into()))
}

/// Replace a unit; moving it under another parent moves its whole subtree.
#[utoipa::path(put, path = "/api/v1/units/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries", request_body = UnitInput,
    responses((status = 200, body = UnitView)))]
async fn update_unit(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<UnitInput>,
) -> AppResult<Json<UnitView>> {
    Ok(Json(units::update(&s.db, &who, id, input).await?.into()))
}

/// Delete a unit without children or linked records (409 otherwise).
#[utoipa::path(delete, path = "/api/v1/units/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries",
    responses((status = 204), (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn delete_unit(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<StatusCode> {
    units::delete(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- people ---------------------------------------------------------------------------------

/// People in the caller's scope; identity numbers and phones masked unless permitted.
#[utoipa::path(get, path = "/api/v1/people", tag = "registries", params(PersonFilter, Paging),
    responses((status = 200, body = Page<PersonView>)))]
async fn list_people(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<PersonFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<PersonView>>> {
    let page = people::list(&s.db, &who, &f, p).await?;
    Ok(Json(Page {
        items: PersonView::build(&s.db, &who, page.items, "api list people", true).await?,
        total: page.total,
    }))
}

/// Create a person: `name` and `unit_id`; `id_number` and `phone` are validated when given.
#[utoipa::path(post, path = "/api/v1/people", tag = "registries", request_body = PersonInput,
    responses((status = 201, body = PersonView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_person(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<PersonInput>,
) -> AppResult<(StatusCode, Json<PersonView>)> {
    let p = people::create(&s.db, &who, input).await?;
    let mut v = PersonView::build(&s.db, &who, vec![p], "api create person", true).await?;
    Ok((StatusCode::CREATED, Json(v.remove(0))))
}

#[utoipa::path(get, path = "/api/v1/people/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries",
    responses((status = 200, body = PersonView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_person(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<PersonView>> {
    let p = people::get(&s.db, &who, id).await?;
    let mut v = PersonView::build(&s.db, &who, vec![p], "api get person", true).await?;
    Ok(Json(v.remove(0)))
}

#[utoipa::path(put, path = "/api/v1/people/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries", request_body = PersonInput,
    responses((status = 200, body = PersonView)))]
async fn update_person(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<PersonInput>,
) -> AppResult<Json<PersonView>> {
    let p = people::update(&s.db, &who, id, input).await?;
    let mut v = PersonView::build(&s.db, &who, vec![p], "api update person", true).await?;
    Ok(Json(v.remove(0)))
}

#[utoipa::path(delete, path = "/api/v1/people/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries", responses((status = 204)))]
async fn delete_person(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<StatusCode> {
    people::delete(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- enterprises ----------------------------------------------------------------------------

/// Enterprises in the caller's scope; contact phones masked unless permitted.
#[utoipa::path(get, path = "/api/v1/enterprises", tag = "registries", params(EnterpriseFilter, Paging),
    responses((status = 200, body = Page<EnterpriseView>)))]
async fn list_enterprises(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<EnterpriseFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<EnterpriseView>>> {
    let page = enterprises::list(&s.db, &who, &f, p).await?;
    Ok(Json(Page {
        items: enterprises::views(&s.db, &who, page.items, Some("api list enterprises")).await?,
        total: page.total,
    }))
}

/// Create an enterprise: `name`, `uscc` (checked with its check characters) and `unit_id`.
#[utoipa::path(post, path = "/api/v1/enterprises", tag = "registries", request_body = EnterpriseInput,
    responses((status = 201, body = EnterpriseView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_enterprise(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> AppResult<(StatusCode, Json<EnterpriseView>)> {
    let e = enterprises::create(&s.db, &who, input).await?;
    let mut v = enterprises::views(&s.db, &who, vec![e], Some("api create enterprise")).await?;
    Ok((StatusCode::CREATED, Json(v.remove(0))))
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries",
    responses((status = 200, body = EnterpriseView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_enterprise(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<EnterpriseView>> {
    let e = enterprises::get(&s.db, &who, id).await?;
    let mut v = enterprises::views(&s.db, &who, vec![e], Some("api get enterprise")).await?;
    Ok(Json(v.remove(0)))
}

#[utoipa::path(put, path = "/api/v1/enterprises/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries", request_body = EnterpriseInput,
    responses((status = 200, body = EnterpriseView)))]
async fn update_enterprise(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> AppResult<Json<EnterpriseView>> {
    let e = enterprises::update(&s.db, &who, id, input).await?;
    let mut v = enterprises::views(&s.db, &who, vec![e], Some("api update enterprise")).await?;
    Ok(Json(v.remove(0)))
}

#[utoipa::path(delete, path = "/api/v1/enterprises/{id}", params(("id" = i64, Path, description = "record id")), tag = "registries", responses((status = 204)))]
async fn delete_enterprise(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<StatusCode> {
    enterprises::delete(&s.db, &who, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
