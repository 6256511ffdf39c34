//! The task forces' and service teams' pages: the list with their counts, and a team with
//! its members, its stationed firms (open cases, latest stage) and its key projects, with the
//! forms that add a member and station the team with a firm (`pairing:edit`).

use axum::Router;
use axum::extract::{Form, FromRef, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use lianxin_kernel::http::{ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, render};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::access::Principal;
use crate::entities::{enterprises, people};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::perm;
use crate::teams::{self, MemberInput, TeamFilter};
use crate::text::clean;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/recovery/teams", get(list))
        .route("/recovery/teams/{id}", get(detail))
        .route("/recovery/teams/{id}/members", post(add_member))
        .route(
            "/recovery/teams/{id}/members/{person_id}/remove",
            post(remove_member),
        )
        .route("/recovery/teams/{id}/firms", post(station))
}

#[derive(Deserialize, Default)]
struct Query {
    q: Option<String>,
    kind: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

fn kind_label(kind: &str, lang: Lang) -> &'static str {
    match kind {
        "task_force" => lang.pick("行业服务专班", "Industry task force"),
        _ => lang.pick("党员服务队", "Party-member service team"),
    }
}

async fn list(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<Query>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let f = TeamFilter {
        q: clean(q.q.clone()),
        kind: clean(q.kind.clone()),
    };
    let page = teams::list(&s.db, &who, &f, paging).await?;
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "teams").await?;
    let rows = page
        .items
        .iter()
        .map(|t| {
            vec![
                Cell::link(t.name.clone(), format!("/recovery/teams/{}", t.id)),
                Cell::text(kind_label(&t.kind, lang)),
                Cell::num(t.members),
                Cell::num(t.firms),
                Cell::num(t.projects),
            ]
        })
        .collect();
    let kinds = vec![
        SelectOption {
            value: "task_force".into(),
            label: kind_label("task_force", lang).into(),
        },
        SelectOption {
            value: "service_team".into(),
            label: kind_label("service_team", lang).into(),
        },
    ];
    let tpl = ListPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "teams",
            lang.pick("专班与服务队", "Task forces and teams"),
        ),
        action: "/recovery/teams".into(),
        buttons: Vec::new(),
        filters: vec![
            FilterField::text("q", lang.pick("名称", "Name").into(), q.q.clone()),
            FilterField::select(
                "kind",
                lang.pick("类型", "Kind").into(),
                q.kind.clone(),
                kinds,
            ),
        ],
        columns: vec![
            Column::new("name", lang.pick("名称", "Name")),
            Column::new("kind", lang.pick("类型", "Kind")),
            Column::new("members", lang.pick("成员", "Members")).numeric(),
            Column::new("firms", lang.pick("驻点企业", "Stationed firms")).numeric(),
            Column::new("projects", lang.pick("重点项目", "Key projects")).numeric(),
        ],
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            "teams",
            "/recovery/teams",
            query_string(&[("q", q.q.clone()), ("kind", q.kind.clone())]),
            None,
            paging,
            page.total,
            hidden,
        ),
        tree: Vec::new(),
    };
    Ok(render(&tpl))
}

/// The team page; the forms to add a member and station a firm come as the page's sections
/// of links to the people and firm pickers (the detail widget has no inline forms).
#[derive(askama::Template)]
#[template(path = "recovery/team.html")]
struct TeamPage {
    ctx: PageCtx,
    team: teams::TeamView,
    kind: &'static str,
    can_edit: bool,
    /// Cadres and other people in scope to add (id, name).
    candidates: Vec<(i64, String)>,
    /// Firms in scope not stationed with this team (id, name).
    firms: Vec<(i64, String)>,
    error: Option<String>,
}

impl TeamPage {
    fn stage_text(&self, f: &teams::FirmView) -> String {
        let lang = self.ctx.lang;
        match &f.stage {
            None => lang.pick("未填报", "Not reported").to_owned(),
            Some(code) => {
                let label = crate::STAGES.label(code, lang);
                if f.stage_confirmed {
                    label
                } else {
                    format!("{label}{}", lang.pick("（待确认）", " (unconfirmed)"))
                }
            }
        }
    }
    fn role_text(&self, role: &str) -> &'static str {
        let lang = self.ctx.lang;
        teams::MEMBER_ROLES
            .iter()
            .find(|r| r.0 == role)
            .map(|r| lang.pick(r.1, r.2))
            .unwrap_or("")
    }
}

async fn team_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let team = teams::get(&s.db, who, id).await?;
    let can_edit = who.can(perm::PAIRING_EDIT);
    let (candidates, firms) = if can_edit {
        let members: Vec<i64> = team.members.iter().map(|m| m.person_id).collect();
        let candidates = people::Entity::find()
            .filter(who.scope.people_condition())
            .filter(people::Column::IsCadre.eq(true))
            .filter(people::Column::Id.is_not_in(members))
            .order_by_asc(people::Column::Name)
            .limit(2000)
            .all(&s.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect();
        let firms = enterprises::Entity::find()
            .filter(who.scope.enterprises_writable())
            .filter(
                sea_orm::Condition::any()
                    .add(enterprises::Column::ServiceTeamId.is_null())
                    .add(enterprises::Column::ServiceTeamId.ne(id)),
            )
            .order_by_asc(enterprises::Column::Name)
            .limit(5000)
            .all(&s.db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.name))
            .collect();
        (candidates, firms)
    } else {
        (Vec::new(), Vec::new())
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok(lianxin_kernel::web::render_status(
        status,
        &TeamPage {
            ctx: PageCtx::new(who, lang, "teams", team.name.clone()),
            kind: kind_label(&team.kind, lang),
            team,
            can_edit,
            candidates,
            firms,
            error,
        },
    ))
}

async fn detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    team_view(&s, &who, lang, id, None).await
}

#[derive(Deserialize)]
struct MemberForm {
    person_id: Option<String>,
    role: Option<String>,
}

fn id_of(v: &Option<String>, field: &str) -> Result<Option<i64>, AppError> {
    match clean(v.clone()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            AppError::invalid(FieldError::new(field, "format", "请选择", "choose one"))
        }),
    }
}

/// A refusal the page shows above its forms; anything else goes on to the error page.
async fn done_or_shown(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    r: AppResult<()>,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/recovery/teams/{id}")).into_response()),
        Err(e) => {
            let text = lianxin_kernel::web::shown_refusal(e, lang)?;
            team_view(s, who, lang, id, Some(text)).await
        }
    }
}

async fn add_member(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<MemberForm>,
) -> AppResult<Response> {
    let r = async {
        let input = MemberInput {
            person_id: id_of(&f.person_id, "person_id")?,
            role: clean(f.role.clone()),
            from: None,
        };
        teams::add_member(&s.db, &who, id, input).await.map(|_| ())
    }
    .await;
    done_or_shown(&s, &who, lang, id, r).await
}

async fn remove_member(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path((id, person_id)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let r = teams::remove_member(&s.db, &who, id, person_id).await;
    done_or_shown(&s, &who, lang, id, r).await
}

#[derive(Deserialize)]
struct StationForm {
    enterprise_id: Option<String>,
}

async fn station(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<StationForm>,
) -> AppResult<Response> {
    let r = async {
        let Some(e) = id_of(&f.enterprise_id, "enterprise_id")? else {
            return Err(AppError::invalid(FieldError::required(
                "enterprise_id",
                "企业",
                "Enterprise",
            )));
        };
        teams::station(&s.db, &who, id, &[e]).await.map(|_| ())
    }
    .await;
    done_or_shown(&s, &who, lang, id, r).await
}
