//! `/api/v1/labour`: labour sharing (用工余缺调剂): offers and asks of the firms in scope, the
//! district's matches of them and each firm's confirmation.

use axum::Json;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use lianxin_kernel::http::{ApiJson, ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::access::Principal;
use crate::error::{AppResult, ProblemBody};
use crate::labour::{
    self, ConfirmInput, MatchFilter, MatchInput, MatchView, PostFilter, PostInput, PostView, Side,
    Suggestion, WithdrawInput,
};
use crate::paging::{Page, Paging};

pub fn router<S>() -> OpenApiRouter<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    OpenApiRouter::new()
        .routes(routes!(list_offers, create_offer))
        .routes(routes!(list_asks, create_ask))
        .routes(routes!(get_offer))
        .routes(routes!(get_ask))
        .routes(routes!(withdraw_offer))
        .routes(routes!(withdraw_ask))
        .routes(routes!(suggestions))
        .routes(routes!(list_matches, propose))
        .routes(routes!(get_match))
        .routes(routes!(confirm))
        .routes(routes!(cancel))
}

/// Offers of idle workers (余) of the firms in scope, newest first, each with what it has
/// `left` (its workers less those of its matches not cancelled).
#[utoipa::path(get, path = "/api/v1/labour/offers", tag = "labour", params(PostFilter, Paging),
    responses((status = 200, body = Page<PostView>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn list_offers(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<PostFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<PostView>>> {
    Ok(Json(labour::list(&s.db, &who, Side::Offer, &f, p).await?))
}

/// Offer idle workers for a period (`labour:post`): an enterprise contact for their own firm
/// (the default), staff for a firm they may write for.
#[utoipa::path(post, path = "/api/v1/labour/offers", tag = "labour", request_body = PostInput,
    responses((status = 201, body = PostView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_offer(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<PostInput>,
) -> AppResult<(StatusCode, Json<PostView>)> {
    let id = labour::create(&s.db, &who, Side::Offer, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(labour::get(&s.db, &who, Side::Offer, id).await?),
    ))
}

/// Asks for workers (缺) of the firms in scope, newest first, each with what it still needs
/// (`left`).
#[utoipa::path(get, path = "/api/v1/labour/asks", tag = "labour", params(PostFilter, Paging),
    responses((status = 200, body = Page<PostView>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn list_asks(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<PostFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<PostView>>> {
    Ok(Json(labour::list(&s.db, &who, Side::Ask, &f, p).await?))
}

/// Ask for workers for a period (`labour:post`), as for an offer.
#[utoipa::path(post, path = "/api/v1/labour/asks", tag = "labour", request_body = PostInput,
    responses((status = 201, body = PostView),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn create_ask(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<PostInput>,
) -> AppResult<(StatusCode, Json<PostView>)> {
    let id = labour::create(&s.db, &who, Side::Ask, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(labour::get(&s.db, &who, Side::Ask, id).await?),
    ))
}

/// One offer of a firm in scope, with what it has left.
#[utoipa::path(get, path = "/api/v1/labour/offers/{id}", tag = "labour",
    params(("id" = i64, Path)),
    responses((status = 200, body = PostView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_offer(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<PostView>> {
    Ok(Json(labour::get(&s.db, &who, Side::Offer, id).await?))
}

/// One ask of a firm in scope, with what it still needs.
#[utoipa::path(get, path = "/api/v1/labour/asks/{id}", tag = "labour",
    params(("id" = i64, Path)),
    responses((status = 200, body = PostView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_ask(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<PostView>> {
    Ok(Json(labour::get(&s.db, &who, Side::Ask, id).await?))
}

/// Withdraw an offer (`labour:post`, for its firm): no further matches; its proposed matches
/// are cancelled, the confirmed ones stand. A stale `version` is a 409 with the current record.
#[utoipa::path(post, path = "/api/v1/labour/offers/{id}/withdraw", tag = "labour",
    params(("id" = i64, Path)), request_body = WithdrawInput,
    responses((status = 200, body = PostView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn withdraw_offer(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<WithdrawInput>,
) -> AppResult<Json<PostView>> {
    Ok(Json(
        labour::withdraw(&s.db, &who, Side::Offer, id, input).await?,
    ))
}

/// Withdraw an ask, as for an offer.
#[utoipa::path(post, path = "/api/v1/labour/asks/{id}/withdraw", tag = "labour",
    params(("id" = i64, Path)), request_body = WithdrawInput,
    responses((status = 200, body = PostView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn withdraw_ask(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<WithdrawInput>,
) -> AppResult<Json<PostView>> {
    Ok(Json(
        labour::withdraw(&s.db, &who, Side::Ask, id, input).await?,
    ))
}

/// For an ask (`labour:match`): open offers of other firms in scope with workers left, their
/// periods overlapping, whose firm shares the industry or the sub-district; same industry and
/// sub-district first. At most 50.
#[utoipa::path(get, path = "/api/v1/labour/asks/{id}/suggestions", tag = "labour",
    params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Suggestion>),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn suggestions(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<Vec<Suggestion>>> {
    Ok(Json(labour::suggestions(&s.db, &who, id).await?))
}

/// The matches whose offer or ask the caller sees, newest first.
#[utoipa::path(get, path = "/api/v1/labour/matches", tag = "labour", params(MatchFilter, Paging),
    responses((status = 200, body = Page<MatchView>),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn list_matches(
    State(s): State<Core>,
    who: Principal,
    ApiQuery(f): ApiQuery<MatchFilter>,
    ApiQuery(p): ApiQuery<Paging>,
) -> AppResult<Json<Page<MatchView>>> {
    Ok(Json(labour::matches(&s.db, &who, &f, p).await?))
}

/// Propose a match (`labour:match`): the offer and the ask open, of different firms, periods
/// overlapping; `workers` no more than the offer has left (409) nor than the ask still needs
/// (409). Both firms then confirm it.
#[utoipa::path(post, path = "/api/v1/labour/matches", tag = "labour", request_body = MatchInput,
    responses((status = 201, body = MatchView),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn propose(
    State(s): State<Core>,
    who: Principal,
    ApiJson(input): ApiJson<MatchInput>,
) -> AppResult<(StatusCode, Json<MatchView>)> {
    Ok((
        StatusCode::CREATED,
        Json(labour::propose(&s.db, &who, input).await?),
    ))
}

/// One match whose offer or ask the caller sees.
#[utoipa::path(get, path = "/api/v1/labour/matches/{id}", tag = "labour",
    params(("id" = i64, Path)),
    responses((status = 200, body = MatchView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json")))]
async fn get_match(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<MatchView>> {
    Ok(Json(labour::get_match(&s.db, &who, id).await?))
}

/// Confirm a match for one of its firms (`labour:post`: the firm's contact, or staff who may
/// write for it; `side` names which when the caller acts for both). When both firms have
/// confirmed, the match is `confirmed`. A cancelled or confirmed match is a 409.
#[utoipa::path(post, path = "/api/v1/labour/matches/{id}/confirm", tag = "labour",
    params(("id" = i64, Path)), request_body = ConfirmInput,
    responses((status = 200, body = MatchView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json"),
        (status = 422, body = ProblemBody, content_type = "application/problem+json")))]
async fn confirm(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    ApiJson(input): ApiJson<ConfirmInput>,
) -> AppResult<Json<MatchView>> {
    Ok(Json(labour::confirm(&s.db, &who, id, input).await?))
}

/// Cancel a match before both firms confirmed it (`labour:match`); otherwise a 409.
#[utoipa::path(post, path = "/api/v1/labour/matches/{id}/cancel", tag = "labour",
    params(("id" = i64, Path)),
    responses((status = 200, body = MatchView),
        (status = 404, body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, body = ProblemBody, content_type = "application/problem+json")))]
async fn cancel(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Json<MatchView>> {
    Ok(Json(labour::cancel(&s.db, &who, id).await?))
}
