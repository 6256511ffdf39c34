//! The JSON API under `/api/v1`, documented with utoipa: the document's frame and the
//! assembly of every area's routes. Handlers are thin and live with their areas: parse, call
//! the area's service function with the caller's `Principal`, shape the answer.

pub mod dicts;
pub mod system;

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Lianxin (连心) API",
        description = "District platform for epidemic control and enterprise recovery. \
Errors are RFC 9457 problem+json; messages in Chinese, English with `Accept-Language: en`. \
Lists take `page` and `page_size` (default 20, max 500) and answer `{items, total}`.",
        version = "1"
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::ProblemBody, crate::error::ProblemFieldBody))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = openapi.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(system::router())
        .merge(dicts::router())
        .merge(lianxin_registries::api_router())
        .merge(lianxin_cases::api_router())
        .merge(lianxin_screening::api_router())
        .merge(lianxin_recovery::api_router())
        .merge(lianxin_jobs::api_router())
}

/// A change (`PUT`) of a versioned record requires the `version` it was made from, though the
/// records' shared body (also used to create them) leaves it optional: the document says so
/// on each such `PUT`, as `allOf` of the body and `{required: [version]}`.
pub fn require_versions(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder, Schema, Type};
    for path in [
        "/api/v1/units/{id}",
        "/api/v1/people/{id}",
        "/api/v1/enterprises/{id}",
        "/api/v1/projects/{id}",
    ] {
        let Some(put) = doc.paths.paths.get_mut(path).and_then(|i| i.put.as_mut()) else {
            continue;
        };
        let Some(content) = put
            .request_body
            .as_mut()
            .and_then(|b| b.content.get_mut("application/json"))
        else {
            continue;
        };
        let Some(body) = content.schema.take() else {
            continue;
        };
        let version = ObjectBuilder::new()
            .property(
                "version",
                ObjectBuilder::new().schema_type(Type::Integer).format(Some(
                    utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int32),
                )),
            )
            .required("version");
        content.schema = Some(RefOr::T(Schema::AllOf(
            AllOfBuilder::new().item(body).item(version).build(),
        )));
    }
}

/// A case kind's change (`PUT /api/v1/case-kinds/{id}`) takes the fields of a new kind, none
/// required (what is left out stays; a `code` must be the kind's own): the document gives it
/// `KindChange`, `KindInput` without its required list.
pub fn relax_kind_change(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::{Ref, RefOr};
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let Some(RefOr::T(Schema::Object(mut change))) = components.schemas.get("KindInput").cloned()
    else {
        return;
    };
    change.required.clear();
    change.description = Some(
        "A change of a case kind: any fields of a new kind; what is left out stays, and a \
         `code` must be the kind's own."
            .to_owned(),
    );
    components
        .schemas
        .insert("KindChange".to_owned(), RefOr::T(Schema::Object(change)));
    if let Some(content) = doc
        .paths
        .paths
        .get_mut("/api/v1/case-kinds/{id}")
        .and_then(|i| i.put.as_mut())
        .and_then(|op| op.request_body.as_mut())
        .and_then(|b| b.content.get_mut("application/json"))
    {
        content.schema = Some(RefOr::Ref(Ref::from_schema_name("KindChange")));
    }
}

/// Every operation documents the problems any request to it may meet, so a client generated
/// from the document knows them: 401 and 403 where a caller is needed, 422 for input that does
/// not validate, 400 for a request that cannot be read, 404 for a record that is missing or
/// outside the caller's scope, 409 for a write that conflicts with a record's state. What an operation
/// documents itself stays as it says.
pub fn document_problems(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let problem = |description: &str| {
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ProblemBody")))
                    .build(),
            )
            .build()
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        // A write may meet the record's state: a stale version, a state that refuses the
        // action, a duplicate, a delete of what others still refer to.
        for op in [item.put.as_mut(), item.post.as_mut(), item.delete.as_mut()]
            .into_iter()
            .flatten()
        {
            op.responses
                .responses
                .entry("409".to_owned())
                .or_insert_with(|| {
                    problem("Conflicts with the record's state or another record (状态冲突)").into()
                });
        }
        let ops = [
            item.get.as_mut(),
            item.put.as_mut(),
            item.post.as_mut(),
            item.delete.as_mut(),
            item.patch.as_mut(),
        ];
        for op in ops.into_iter().flatten() {
            // `security(())`: an operation anyone may call (signing in).
            let public = op.security.as_ref().is_some_and(|reqs| {
                reqs.iter()
                    .all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({})))
            });
            let responses = &mut op.responses.responses;
            let mut add = |code: &str, text: &str| {
                responses
                    .entry(code.to_owned())
                    .or_insert_with(|| problem(text).into());
            };
            if !public {
                add(
                    "401",
                    "Not signed in, or the token is not valid (未登录或凭据无效)",
                );
                add("403", "The caller's roles do not allow this (无权限)");
            }
            add(
                "422",
                "The input does not validate; `errors` names each field (输入有误)",
            );
            add(
                "400",
                "The request cannot be read, or asks what the record's state refuses (请求有误)",
            );
            // A record named in the path, or by a `…_id` filter, may be missing or out of scope.
            let names_record = path.contains('{')
                || op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.name.ends_with("_id"));
            if names_record {
                add(
                    "404",
                    "No such record, or one outside the caller's data scope (记录不存在)",
                );
            }
        }
    }
}
