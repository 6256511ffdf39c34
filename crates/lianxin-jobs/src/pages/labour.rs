//! `/labour` (用工余缺调剂): the offers and asks of the firms in scope with what each has left,
//! forms to offer or ask (for a firm the caller writes for), for the district's staff the
//! suggested offers of an ask each with its "撮合" form, and the matches with the 确认 buttons
//! of the firms the caller acts for. Stacked sections, phone-first.

use axum::Router;
use axum::extract::{Form, FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use lianxin_kernel::http::ApiQuery;
use lianxin_kernel::i18n::Lang;
use lianxin_kernel::state::Core;
use lianxin_kernel::web::PageCtx;
use sea_orm::{EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::access::Principal;
use crate::entities::enterprises;
use crate::error::{AppError, AppResult, FieldError};
use crate::labour::{
    self, ConfirmInput, MatchFilter, MatchInput, MatchView, PostFilter, PostInput, PostView, Side,
    Suggestion, WithdrawInput,
};
use crate::paging::Paging;
use crate::perm;
use crate::text::clean;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/labour", get(page))
        .route("/labour/offers", post(offer))
        .route("/labour/asks", post(ask))
        .route("/labour/{kind}/{id}/withdraw", post(withdraw))
        .route("/labour/matches", post(propose))
        .route("/labour/matches/{id}/confirm", post(confirm))
        .route("/labour/matches/{id}/cancel", post(cancel))
}

/// A match as a row, with the sides the caller may still confirm.
struct MatchRow {
    m: MatchView,
    confirm: Vec<&'static str>,
}

#[derive(askama::Template)]
#[template(path = "jobs/labour_page.html")]
struct LabourPage {
    ctx: PageCtx,
    error: Option<String>,
    can_post: bool,
    can_match: bool,
    /// The firms the caller may offer or ask for (empty for an enterprise contact: their own).
    firms: Vec<(i64, String)>,
    offers: Vec<PostView>,
    offers_total: u64,
    asks: Vec<PostView>,
    asks_total: u64,
    matches: Vec<MatchRow>,
    /// The ask whose suggestions are shown, and them.
    suggest: Option<(PostView, Vec<Suggestion>)>,
    today: NaiveDate,
}

impl LabourPage {
    fn status(&self, s: &str) -> &'static str {
        let l = self.ctx.lang;
        match s {
            labour::OPEN => l.pick("开放", "Open"),
            labour::WITHDRAWN => l.pick("已撤回", "Withdrawn"),
            "ended" => l.pick("已到期", "Ended"),
            labour::PROPOSED => l.pick("待确认", "Awaiting confirmation"),
            labour::CONFIRMED => l.pick("双方已确认", "Confirmed by both"),
            labour::CANCELLED => l.pick("已取消", "Cancelled"),
            _ => "",
        }
    }
    fn side_label(&self, side: &str) -> &'static str {
        if side == "offer" {
            self.ctx
                .lang
                .pick("确认（富余方）", "Confirm (offering firm)")
        } else {
            self.ctx
                .lang
                .pick("确认（需求方）", "Confirm (asking firm)")
        }
    }
    /// The two registration forms: (kind, action, label).
    fn forms(&self) -> [(&'static str, &'static str, &'static str); 2] {
        let l = self.ctx.lang;
        [
            (
                "offer",
                "/labour/offers",
                l.pick("登记富余用工", "Offer workers"),
            ),
            (
                "ask",
                "/labour/asks",
                l.pick("登记用工需求", "Ask for workers"),
            ),
        ]
    }
    /// The two lists: (kind, title, rows).
    fn sections(&self) -> [(&'static str, &'static str, &Vec<PostView>); 2] {
        let l = self.ctx.lang;
        [
            (
                "offers",
                l.pick("富余用工（开放中）", "Offers (open)"),
                &self.offers,
            ),
            (
                "asks",
                l.pick("用工需求（开放中）", "Asks (open)"),
                &self.asks,
            ),
        ]
    }
    /// Which firms have confirmed a waiting match, in words.
    fn confirmations(&self, m: &MatchView) -> String {
        let l = self.ctx.lang;
        let said = |b: bool| {
            if b {
                l.pick("已确认", "confirmed")
            } else {
                l.pick("未确认", "not yet")
            }
        };
        match l {
            Lang::Zh => format!(
                "富余方{}，需求方{}",
                said(m.offer_confirmed),
                said(m.ask_confirmed)
            ),
            _ => format!(
                "offering firm {}, asking firm {}",
                said(m.offer_confirmed),
                said(m.ask_confirmed)
            ),
        }
    }
}

#[derive(Deserialize, Default)]
struct Query {
    /// The ask whose suggested offers are shown.
    ask: Option<String>,
}

async fn view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    ask: Option<i64>,
    error: Option<(StatusCode, String)>,
) -> AppResult<Response> {
    who.require(perm::LABOUR_LIST)?;
    let can_post = who.can(perm::LABOUR_POST);
    let can_match = who.can(perm::LABOUR_MATCH);
    let firms = if can_post && who.enterprise_id.is_none() {
        enterprises::Entity::find()
            .filter(who.scope.enterprises_writable())
            .order_by_asc(enterprises::Column::Name)
            .limit(500)
            .all(&s.db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect()
    } else {
        Vec::new()
    };
    let paging = Paging {
        page: Some(1),
        page_size: Some(50),
    };
    let open = PostFilter {
        open: Some(true),
        ..Default::default()
    };
    let offers = labour::list(&s.db, who, Side::Offer, &open, paging).await?;
    let asks = labour::list(&s.db, who, Side::Ask, &open, paging).await?;
    let listed = labour::matches(&s.db, who, &MatchFilter::default(), paging)
        .await?
        .items;
    let writable = labour::writable_firms(
        &s.db,
        who,
        listed
            .iter()
            .filter(|m| m.status == labour::PROPOSED)
            .flat_map(|m| [m.offer_enterprise_id, m.ask_enterprise_id]),
    )
    .await?;
    let mut matches = Vec::new();
    for m in listed {
        let mut confirm = Vec::new();
        if m.status == labour::PROPOSED {
            for side in labour::sides_of(who, &m, &writable) {
                let done = match side {
                    Side::Offer => m.offer_confirmed,
                    Side::Ask => m.ask_confirmed,
                };
                if !done {
                    confirm.push(side.code());
                }
            }
        }
        matches.push(MatchRow { m, confirm });
    }
    let suggest = match (ask, can_match) {
        (Some(id), true) => {
            let a = labour::get(&s.db, who, Side::Ask, id).await?;
            let list = labour::suggestions(&s.db, who, id).await?;
            Some((a, list))
        }
        _ => None,
    };
    let (status, error) = match error {
        Some((st, e)) => (st, Some(e)),
        None => (StatusCode::OK, None),
    };
    Ok(lianxin_kernel::web::render_status(
        status,
        &LabourPage {
            ctx: PageCtx::new(
                who,
                lang,
                "labour",
                lang.pick("用工余缺调剂", "Labour sharing"),
            ),
            error,
            can_post,
            can_match,
            firms,
            offers_total: offers.total,
            offers: offers.items,
            asks_total: asks.total,
            asks: asks.items,
            matches,
            suggest,
            today: crate::jobs::today(),
        },
    ))
}

async fn page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<Query>,
) -> AppResult<Response> {
    let ask = q.ask.as_deref().and_then(|v| v.trim().parse().ok());
    view(&s, &who, lang, ask, None).await
}

/// After a form: back to the page, or the page again with the refusal (a field error or a
/// conflict) above it; anything else goes on to the error page.
async fn done<T>(
    s: &Core,
    who: &Principal,
    lang: Lang,
    result: AppResult<T>,
    to: &str,
    ask: Option<i64>,
) -> AppResult<Response> {
    match result {
        Ok(_) => Ok(Redirect::to(to).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let t = lianxin_kernel::web::refusal_text(&e, lang);
            view(
                s,
                who,
                lang,
                ask,
                Some((StatusCode::UNPROCESSABLE_ENTITY, t)),
            )
            .await
        }
        Err(e @ (AppError::Conflict { .. } | AppError::ConflictWith { .. })) => {
            let t = lianxin_kernel::web::refusal_text(&e, lang);
            view(s, who, lang, ask, Some((StatusCode::CONFLICT, t))).await
        }
        Err(e) => Err(e),
    }
}

fn number<T: std::str::FromStr>(
    errors: &mut Vec<FieldError>,
    field: &str,
    v: &Option<String>,
) -> Option<T> {
    clean(v.clone()).and_then(|v| match v.parse::<T>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "format",
                "请填写整数",
                "a whole number",
            ));
            None
        }
    })
}

fn date(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<NaiveDate> {
    clean(v.clone()).and_then(|v| match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "format",
                "日期格式应为 2020-03-01",
                "the date should look like 2020-03-01",
            ));
            None
        }
    })
}

#[derive(Deserialize, Default)]
struct PostForm {
    enterprise_id: Option<String>,
    workers: Option<String>,
    skills: Option<String>,
    from: Option<String>,
    to: Option<String>,
    note: Option<String>,
}

impl PostForm {
    fn input(&self) -> AppResult<PostInput> {
        let mut e = Vec::new();
        let input = PostInput {
            enterprise_id: number(&mut e, "enterprise_id", &self.enterprise_id),
            workers: number(&mut e, "workers", &self.workers),
            skills: self.skills.clone(),
            from: date(&mut e, "from", &self.from),
            to: date(&mut e, "to", &self.to),
            note: self.note.clone(),
        };
        if e.is_empty() {
            Ok(input)
        } else {
            Err(AppError::Validation(e))
        }
    }
}

async fn create(
    s: &Core,
    who: &Principal,
    lang: Lang,
    side: Side,
    form: PostForm,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => labour::create(&s.db, who, side, input).await,
        Err(e) => Err(e),
    };
    let to = if side == Side::Offer {
        "/labour#offers"
    } else {
        "/labour#asks"
    };
    done(s, who, lang, result, to, None).await
}

async fn offer(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    create(&s, &who, lang, Side::Offer, form).await
}

async fn ask(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<PostForm>,
) -> AppResult<Response> {
    create(&s, &who, lang, Side::Ask, form).await
}

#[derive(Deserialize, Default)]
struct VersionForm {
    version: Option<String>,
}

async fn withdraw(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    path: Result<Path<(String, i64)>, axum::extract::rejection::PathRejection>,
    Form(form): Form<VersionForm>,
) -> AppResult<Response> {
    let Ok(Path((kind, id))) = path else {
        return Err(AppError::NotFound);
    };
    let side = match kind.as_str() {
        "offers" => Side::Offer,
        "asks" => Side::Ask,
        _ => return Err(AppError::NotFound),
    };
    let input = WithdrawInput {
        version: form.version.as_deref().and_then(|v| v.trim().parse().ok()),
    };
    let result = labour::withdraw(&s.db, &who, side, id, input).await;
    done(&s, &who, lang, result, "/labour", None).await
}

#[derive(Deserialize, Default)]
struct MatchForm {
    offer_id: Option<String>,
    ask_id: Option<String>,
    workers: Option<String>,
}

async fn propose(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<MatchForm>,
) -> AppResult<Response> {
    let mut e = Vec::new();
    let input = MatchInput {
        offer_id: number(&mut e, "offer_id", &form.offer_id),
        ask_id: number(&mut e, "ask_id", &form.ask_id),
        workers: number(&mut e, "workers", &form.workers),
    };
    let ask = input.ask_id;
    let result = if e.is_empty() {
        labour::propose(&s.db, &who, input).await
    } else {
        Err(AppError::Validation(e))
    };
    done(&s, &who, lang, result, "/labour#matches", ask).await
}

#[derive(Deserialize, Default)]
struct ConfirmForm {
    side: Option<String>,
}

fn match_id(path: Result<Path<i64>, axum::extract::rejection::PathRejection>) -> AppResult<i64> {
    path.map(|Path(id)| id).map_err(|_| AppError::NotFound)
}

async fn confirm(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
    Form(form): Form<ConfirmForm>,
) -> AppResult<Response> {
    let id = match_id(path)?;
    let result = labour::confirm(
        &s.db,
        &who,
        id,
        ConfirmInput {
            side: clean(form.side),
        },
    )
    .await;
    done(&s, &who, lang, result, "/labour#matches", None).await
}

async fn cancel(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    path: Result<Path<i64>, axum::extract::rejection::PathRejection>,
) -> AppResult<Response> {
    let id = match_id(path)?;
    let result = labour::cancel(&s.db, &who, id).await;
    done(&s, &who, lang, result, "/labour#matches", None).await
}
