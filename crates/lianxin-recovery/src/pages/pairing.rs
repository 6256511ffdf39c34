//! The 三对一 pairing pages: `/recovery/pairing` with two tabs (我的包联企业: the firms paired
//! with the login's person; 包联缺口: firms missing a role), and a firm's pairing with its
//! history and, for `pairing:edit`, the form that changes it.

use axum::Router;
use axum::extract::{Form, FromRef, Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use lianxin_kernel::http::{ApiQuery, IdPath};
use lianxin_kernel::sheet::{ImportPage, XLSX, file_response, read_upload};
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, render};
use serde::Deserialize;

use crate::access::Principal;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::pairing::{self, PairingInput, PairingView};
use crate::perm;
use crate::text::clean;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/recovery/pairing", get(index))
        .route("/recovery/pairing/{id}", get(detail).post(save))
        .route(
            "/recovery/pairing/import",
            get(import_form).post(import_upload),
        )
        .route("/recovery/pairing/batch", post(batch))
        .route("/recovery/pairing/template.xlsx", get(template))
}

#[derive(Deserialize, Default)]
struct Query {
    tab: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

pub fn role_text(role: &str, lang: Lang) -> &'static str {
    let (zh, en) = pairing::role_label(role);
    lang.pick(zh, en)
}

fn tab_button(id: &'static str, current: bool, href: &str, label: &str) -> Button {
    Button {
        id,
        class: if current { "btn btn-primary" } else { "btn" },
        href: href.into(),
        label: label.into(),
    }
}

async fn index(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<Query>,
) -> AppResult<Response> {
    let can_list = who.can(perm::PAIRING_LIST);
    let has_person = who.person_id.is_some();
    if !can_list && !has_person {
        return Err(AppError::Forbidden);
    }
    let tab = match clean(q.tab.clone()).as_deref() {
        Some("mine") if has_person => "mine",
        Some("gaps") if can_list => "gaps",
        Some("mine" | "gaps") => return Err(AppError::Forbidden),
        Some(_) => {
            return Err(AppError::invalid(FieldError::new(
                "tab",
                "unknown",
                "tab 须为 mine 或 gaps",
                "tab must be mine or gaps",
            )));
        }
        None if has_person => "mine",
        None => "gaps",
    };
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let mut buttons = Vec::new();
    if has_person {
        buttons.push(tab_button(
            "tab-mine",
            tab == "mine",
            "/recovery/pairing?tab=mine",
            lang.pick("我的包联企业", "My paired firms"),
        ));
    }
    if who.can(perm::PAIRING_EDIT) {
        buttons.push(Button {
            id: "btn-import",
            class: "btn btn-light",
            href: "/recovery/pairing/import".into(),
            label: lang.pick("批量导入", "Import").into(),
        });
    }
    if can_list {
        buttons.push(tab_button(
            "tab-gaps",
            tab == "gaps",
            "/recovery/pairing?tab=gaps",
            lang.pick("包联缺口", "Pairing gaps"),
        ));
    }
    let link = |id: i64, name: String| Cell::link(name, format!("/recovery/pairing/{id}"));
    let roles_text = |roles: &[String]| {
        roles
            .iter()
            .map(|r| role_text(r, lang))
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", "))
    };
    let (columns, rows, total, paging) = if tab == "mine" {
        let firms = pairing::mine(&s.db, &who).await?;
        let rows = firms
            .iter()
            .map(|f| {
                vec![
                    link(f.enterprise_id, f.name.clone()),
                    Cell::text(roles_text(&f.roles)),
                    if f.open_appeals > 0 {
                        Cell::link(
                            f.open_appeals.to_string(),
                            format!("/cases?scope=all&enterprise_id={}", f.enterprise_id),
                        )
                    } else {
                        Cell::num(0)
                    },
                ]
            })
            .collect();
        let n = firms.len() as u64;
        (
            vec![
                Column::new("name", lang.pick("企业", "Enterprise")),
                Column::new("roles", lang.pick("我的包联角色", "My role")),
                Column::new("open", lang.pick("未办结诉求", "Open appeals")).numeric(),
            ],
            rows,
            n,
            Paging::new(1, n.clamp(1, 500)),
        )
    } else {
        let page = pairing::gaps(&s.db, &who, paging).await?;
        let rows = page
            .items
            .into_iter()
            .map(|g| {
                vec![
                    link(g.enterprise_id, g.name),
                    Cell::text(roles_text(&g.missing)),
                ]
            })
            .collect();
        (
            vec![
                Column::new("name", lang.pick("企业", "Enterprise")),
                Column::new("missing", lang.pick("缺少", "Missing")),
            ],
            rows,
            page.total,
            paging,
        )
    };
    let list_id = if tab == "mine" {
        "pairing_mine"
    } else {
        "pairing_gaps"
    };
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, list_id).await?;
    let tpl = ListPage {
        ctx: PageCtx::new(&who, lang, "pairing", lang.pick("三对一包联", "Pairing")),
        action: "/recovery/pairing".into(),
        buttons,
        filters: Vec::new(),
        columns,
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            list_id,
            "/recovery/pairing",
            query_string(&[("tab", Some(tab.to_owned()))]),
            None,
            paging,
            total,
            hidden,
        ),
        tree: Vec::new(),
    };
    Ok(render(&tpl))
}

/// A firm's pairing with its history and, for `pairing:edit`, the form.
#[derive(askama::Template)]
#[template(path = "recovery/pairing_detail.html")]
struct DetailPage {
    ctx: PageCtx,
    p: PairingView,
    can_edit: bool,
    /// Cadres in scope (id, label), for the pickers.
    cadres: Vec<(i64, String)>,
    today: NaiveDate,
    error: Option<String>,
}

impl DetailPage {
    fn role(&self, role: &str) -> &'static str {
        role_text(role, self.ctx.lang)
    }
    fn roles(&self) -> [&'static str; 3] {
        pairing::ROLES
    }
    fn holder_name(&self, role: &str) -> String {
        let h = self.p.holder(role);
        h.name
            .clone()
            .unwrap_or_else(|| self.ctx.lang.pick("（空缺）", "(none)").to_owned())
    }
    fn since(&self, role: &str) -> String {
        self.p
            .holder(role)
            .since
            .map(|d| d.to_string())
            .unwrap_or_else(|| "—".into())
    }
    fn selected(&self, role: &str, id: &i64) -> bool {
        self.p.holder(role).person_id == Some(*id)
    }
    fn entry_name(&self, e: &pairing::HistoryEntry) -> String {
        e.name
            .clone()
            .unwrap_or_else(|| self.ctx.lang.pick("（空缺）", "(none)").to_owned())
    }
}

async fn detail_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    error: Option<String>,
) -> AppResult<Response> {
    let p = pairing::get(&s.db, who, id).await?;
    let can_edit = who.can(perm::PAIRING_EDIT);
    let cadres = if can_edit {
        pairing::cadres(&s.db, who).await?
    } else {
        Vec::new()
    };
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok(lianxin_kernel::web::render_status(
        status,
        &DetailPage {
            ctx: PageCtx::new(who, lang, "pairing", p.enterprise_name.clone()),
            p,
            can_edit,
            cadres,
            today: pairing::today(),
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
    detail_view(&s, &who, lang, id, None).await
}

/// The form: each role's picker (empty: nobody) and the date (empty: today).
#[derive(Deserialize, Default)]
pub struct PairingForm {
    /// The ticked firms of the enterprise list (the batch form).
    pub ids: Option<String>,
    /// Set by the batch page's own form: apply (else the page is shown).
    pub apply: Option<String>,
    pub leader_person_id: Option<String>,
    pub instructor_person_id: Option<String>,
    pub specialist_person_id: Option<String>,
    pub from: Option<String>,
}

impl PairingForm {
    /// The form as an input. On a firm's page every role is sent (an empty picker clears
    /// it); on the batch page (`keep_empty`) an empty picker keeps each firm's holder and
    /// `none` clears the role.
    pub fn input(&self, keep_empty: bool) -> AppResult<PairingInput> {
        let mut errors = Vec::new();
        let mut person = |field: &str, v: &Option<String>| match clean(v.clone()) {
            None if keep_empty => None,
            None => Some(None),
            Some(t) if t == "none" => Some(None),
            Some(t) => match t.parse::<i64>() {
                Ok(id) => Some(Some(id)),
                Err(_) => {
                    errors.push(FieldError::new(
                        field,
                        "format",
                        "请选择干部",
                        "choose a cadre",
                    ));
                    None
                }
            },
        };
        let leader_person_id = person("leader_person_id", &self.leader_person_id);
        let instructor_person_id = person("instructor_person_id", &self.instructor_person_id);
        let specialist_person_id = person("specialist_person_id", &self.specialist_person_id);
        let from = match clean(self.from.clone()) {
            None => None,
            Some(t) => match NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.push(FieldError::new(
                        "from",
                        "format",
                        "起始日期格式应为 YYYY-MM-DD",
                        "from must be a date (YYYY-MM-DD)",
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(PairingInput {
            leader_person_id,
            instructor_person_id,
            specialist_person_id,
            from,
        })
    }
}

async fn save(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<PairingForm>,
) -> AppResult<Response> {
    let r = async {
        let input = f.input(false)?;
        pairing::set(&s.db, &who, id, input, pairing::today()).await
    }
    .await;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/recovery/pairing/{id}")).into_response()),
        Err(e) => {
            let text = lianxin_kernel::web::shown_refusal(e, lang)?;
            detail_view(&s, &who, lang, id, Some(text)).await
        }
    }
}

fn import_page(who: &Principal, lang: Lang) -> ImportPage {
    ImportPage {
        ctx: PageCtx::new(
            who,
            lang,
            "pairing",
            lang.pick("批量导入三对一包联", "Import pairings"),
        ),
        action: "/recovery/pairing/import".into(),
        back: "/recovery/pairing".into(),
        template_href: "/recovery/pairing/template.xlsx".into(),
        result: None,
        ok: false,
        row_errors: Vec::new(),
        updates_existing: false,
    }
}

async fn import_form(who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::PAIRING_EDIT)?;
    Ok(render(&import_page(&who, lang)))
}

async fn template(who: Principal) -> AppResult<Response> {
    who.require(perm::PAIRING_EDIT)?;
    Ok(file_response(
        crate::pairing_sheet::template()?,
        XLSX,
        "三对一包联导入模板.xlsx",
    ))
}

async fn import_upload(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    mp: Multipart,
) -> AppResult<Response> {
    who.require(perm::PAIRING_EDIT)?;
    let outcome = match read_upload(mp).await {
        Ok((name, bytes, _)) => {
            crate::pairing_sheet::import(&s.db, &who, &name, bytes, pairing::today()).await
        }
        Err(e) => Err(e),
    };
    import_page(&who, lang).answer(outcome)
}

/// The batch page: the pairing form for the firms ticked on the enterprise list.
#[derive(askama::Template)]
#[template(path = "recovery/pairing_batch.html")]
struct BatchPage {
    ctx: PageCtx,
    ids: String,
    firms: Vec<(i64, String)>,
    cadres: Vec<(i64, String)>,
    today: NaiveDate,
    error: Option<String>,
    done: Option<String>,
}

impl BatchPage {
    fn role(&self, role: &str) -> &'static str {
        role_text(role, self.ctx.lang)
    }
    fn roles(&self) -> [&'static str; 3] {
        pairing::ROLES
    }
}

/// `POST /recovery/pairing/batch`: from the enterprise list (the ticked `ids`) it shows the
/// form; the form itself (`apply`) applies one pairing to every firm in one transaction.
async fn batch(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<PairingForm>,
) -> AppResult<Response> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    who.require(perm::PAIRING_EDIT)?;
    let mut errors = Vec::new();
    let ids = crate::paging::parse_ids(&mut errors, "ids", f.ids.as_deref()).unwrap_or_default();
    if !errors.is_empty() || ids.is_empty() {
        return Err(AppError::invalid(FieldError::new(
            "ids",
            "required",
            "请先在企业列表中勾选企业",
            "tick the firms on the enterprise list first",
        )));
    }
    let firms: Vec<(i64, String)> = crate::entities::enterprises::Entity::find()
        .filter(who.scope.enterprises_writable())
        .filter(crate::entities::enterprises::Column::Id.is_in(ids.clone()))
        .order_by_asc(crate::entities::enterprises::Column::Id)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    let (mut error, mut done) = (None, None);
    let mut status = axum::http::StatusCode::OK;
    if f.apply.is_some() {
        let r = async {
            let input = f.input(true)?;
            pairing::set_many(&s.db, &who, &ids, input, pairing::today()).await
        }
        .await;
        match r {
            Ok(n) => {
                done = Some(if lang.is_en() {
                    format!("The pairing of {n} firms changed.")
                } else {
                    format!("已调整 {n} 家企业的包联。")
                })
            }
            Err(e) => {
                error = Some(lianxin_kernel::web::shown_refusal(e, lang)?);
                status = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            }
        }
    }
    let page = BatchPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "pairing",
            lang.pick("设定包联", "Set the pairing"),
        ),
        ids: ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
        firms,
        cadres: pairing::cadres(&s.db, &who).await?,
        today: pairing::today(),
        error,
        done,
    };
    Ok(lianxin_kernel::web::render_status(status, &page))
}
