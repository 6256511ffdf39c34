//! The key projects' pages: the list (late ones marked), a project with its milestones and
//! linked cases, the form, and the form that raises a meeting issue.

use axum::Router;
use axum::extract::{Form, FromRef, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::NaiveDate;
use lianxin_kernel::http::{ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, render, saved_or_form};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use crate::access::Principal;
use crate::entities::{enterprises, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::perm;
use crate::projects::{self, IssueInput, ProjectFilter, ProjectInput, ProjectView};
use crate::text::clean;

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/recovery/projects", get(list).post(create))
        .route("/recovery/projects/new", get(new))
        .route("/recovery/projects/{id}", get(detail).post(update))
        .route("/recovery/projects/{id}/edit", get(edit))
        .route(
            "/recovery/projects/{id}/issue",
            get(issue_form).post(issue_submit),
        )
}

#[derive(Deserialize, Default)]
struct Query {
    q: Option<String>,
    enterprise_id: Option<String>,
    late: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

/// Fen as 万元, exactly (1 万元 = 1,000,000 fen): `2591.5`, `0.0035`.
fn wan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let (whole, rest) = (abs / 1_000_000, abs % 1_000_000);
    if rest == 0 {
        return format!("{sign}{whole}");
    }
    let frac = format!("{rest:06}");
    format!("{sign}{whole}.{}", frac.trim_end_matches('0'))
}

/// 万元 as typed (`2591.5`, up to six decimals) → fen: the decimal point moved four places and
/// the rest left to the one parser of money.
fn fen_of_wan(text: &str) -> Result<i64, lianxin_types::ValidationError> {
    let text = text.trim();
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = format!("{frac:0<4}");
    let (into_yuan, cents) = frac.split_at(4);
    let yuan = if cents.is_empty() {
        format!("{whole}{into_yuan}")
    } else {
        format!("{whole}{into_yuan}.{cents}")
    };
    lianxin_types::Fen::from_yuan_str(&yuan).map(|f| f.0)
}

fn date_text(d: Option<NaiveDate>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}

fn milestone_label(code: &str, lang: Lang) -> &'static str {
    projects::MILESTONES
        .iter()
        .find(|m| m.0 == code)
        .map(|m| lang.pick(m.1, m.2))
        .unwrap_or("")
}

/// "签约 2020-03-01 ✓ · 开工 计划 2020-04-01（逾期）": each milestone in words.
fn milestones_text(p: &ProjectView, lang: Lang) -> String {
    p.milestones
        .iter()
        .map(|m| {
            let label = milestone_label(m.code, lang);
            match (m.actual, m.planned) {
                (Some(a), _) => format!("{label} {a}"),
                (None, Some(pl)) if m.late => {
                    format!(
                        "{label} {} {pl}{}",
                        lang.pick("计划", "planned"),
                        lang.pick("（逾期）", " (late)")
                    )
                }
                (None, Some(pl)) => format!("{label} {} {pl}", lang.pick("计划", "planned")),
                (None, None) => format!("{label} —"),
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
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
    let late = match q.late.as_deref().map(str::trim) {
        None | Some("") => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(AppError::invalid(FieldError::new(
                "late",
                "format",
                "“逾期”须为是或否",
                "late must be true or false",
            )));
        }
    };
    let enterprise_id = match clean(q.enterprise_id.clone()) {
        None => None,
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            AppError::invalid(FieldError::new(
                "enterprise_id",
                "format",
                "企业编号须为整数",
                "enterprise_id must be a whole number",
            ))
        })?),
    };
    let f = ProjectFilter {
        q: clean(q.q.clone()),
        enterprise_id,
        late,
        ..Default::default()
    };
    let page = projects::list(&s.db, &who, &f, paging).await?;
    let qs = query_string(&[
        ("q", q.q.clone()),
        ("enterprise_id", q.enterprise_id.clone()),
        ("late", q.late.clone()),
    ]);
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "key_projects").await?;
    let rows = page
        .items
        .iter()
        .map(|p| {
            vec![
                Cell::link(p.name.clone(), format!("/recovery/projects/{}", p.id))
                    .with_badge(p.late.then(|| lang.pick("逾期", "Late").to_owned())),
                Cell::link(
                    p.enterprise_name.clone(),
                    format!("/enterprises/{}", p.enterprise_id),
                ),
                Cell::num(wan(p.investment_fen)),
                Cell::text(p.team_name.clone().unwrap_or_else(|| "—".into())),
                Cell::text(milestones_text(p, lang)),
            ]
        })
        .collect();
    let mut buttons = Vec::new();
    if who.can(perm::PROJECT_EDIT) {
        buttons.push(Button {
            id: "new",
            class: "btn-primary",
            href: "/recovery/projects/new".into(),
            label: lang.pick("登记重点项目", "New key project").into(),
        });
    }
    let tpl = ListPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "projects",
            lang.pick("重点项目", "Key projects"),
        ),
        action: "/recovery/projects".into(),
        buttons,
        filters: vec![
            FilterField::text(
                "q",
                lang.pick("项目名称", "Project name").into(),
                q.q.clone(),
            ),
            FilterField::select(
                "late",
                lang.pick("里程碑逾期", "Late on a milestone").into(),
                q.late.clone(),
                yes_no(lang),
            ),
        ],
        columns: vec![
            Column::new("name", lang.pick("项目名称", "Project")),
            Column::new("enterprise", lang.pick("企业", "Enterprise")),
            Column::new(
                "investment",
                lang.pick("投资额（万元）", "Investment (10,000 yuan)"),
            )
            .numeric(),
            Column::new("team", lang.pick("驻点服务队", "Stationed team")),
            Column::new("milestones", lang.pick("里程碑", "Milestones")),
        ],
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            "key_projects",
            "/recovery/projects",
            qs,
            None,
            paging,
            page.total,
            hidden,
        ),
        tree: Vec::new(),
    };
    Ok(render(&tpl))
}

async fn detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let p = projects::get(&s.db, &who, id).await?;
    let cases = projects::linked_cases(&s.db, &who, id).await?;
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    let prop = |label: String, value: String| Prop {
        label,
        value,
        href: None,
        class: "",
    };
    let mut sections = vec![Section {
        title: pick("项目信息", "Project"),
        rows: vec![
            prop(pick("企业", "Enterprise"), p.enterprise_name.clone())
                .link(Some(format!("/enterprises/{}", p.enterprise_id))),
            prop(
                pick("投资额（元）", "Investment (yuan)"),
                wan(p.investment_fen),
            ),
            prop(
                pick("驻点服务队", "Stationed team"),
                p.team_name.clone().unwrap_or_else(|| "—".into()),
            )
            .link(p.team_id.map(|t| format!("/recovery/teams/{t}"))),
            prop(
                pick("备注", "Note"),
                p.note.clone().unwrap_or_else(|| "—".into()),
            ),
        ],
    }];
    sections.push(Section {
        title: pick("里程碑", "Milestones"),
        rows: p
            .milestones
            .iter()
            .map(|m| {
                let value = format!(
                    "{} {} · {} {}{}",
                    lang.pick("计划", "planned"),
                    date_text(m.planned),
                    lang.pick("实际", "actual"),
                    date_text(m.actual),
                    if m.late {
                        lang.pick("（已过计划日期，逾期）", " (past the planned date: late)")
                    } else {
                        ""
                    }
                );
                let row = prop(milestone_label(m.code, lang).to_owned(), value);
                if m.late { row.class("warn") } else { row }
            })
            .collect(),
    });
    sections.push(Section {
        title: pick("重大项目推进会交办事项", "Issues from project meetings"),
        rows: if cases.is_empty() {
            vec![prop(pick("事项", "Cases"), pick("暂无", "None yet"))]
        } else {
            cases
                .iter()
                .map(|c| {
                    prop(
                        c.number.clone(),
                        format!("{} · {}", c.title, status_label(&c.status, lang)),
                    )
                    .link(Some(format!("/cases/{}", c.id)))
                })
                .collect()
        },
    });
    let mut buttons = vec![Button {
        id: "issue",
        class: "btn-primary",
        href: format!("/recovery/projects/{id}/issue"),
        label: pick("登记推进会交办事项", "Raise a meeting issue"),
    }];
    if who.can(perm::PROJECT_EDIT) {
        buttons.push(Button {
            id: "edit",
            class: "",
            href: format!("/recovery/projects/{id}/edit"),
            label: pick("修改", "Edit"),
        });
    }
    let warnings = if p.late {
        vec![pick(
            "有里程碑已过计划日期仍未完成",
            "A milestone is past its planned date and not reached",
        )]
    } else {
        Vec::new()
    };
    Ok(render(&DetailPage {
        ctx: PageCtx::new(&who, lang, "projects", p.name.clone()),
        heading: p.name,
        buttons,
        actions: Vec::new(),
        delete_action: None,
        warnings,
        sections,
    }))
}

fn status_label(code: &str, lang: Lang) -> String {
    crate::cases::STATUSES.label(code, lang).to_string()
}

#[derive(Deserialize, Default, Clone)]
struct ProjectForm {
    name: Option<String>,
    enterprise_id: Option<String>,
    investment: Option<String>,
    team_id: Option<String>,
    signed_planned: Option<String>,
    signed_on: Option<String>,
    started_planned: Option<String>,
    started_on: Option<String>,
    producing_planned: Option<String>,
    producing_on: Option<String>,
    note: Option<String>,
    version: Option<String>,
}

impl ProjectForm {
    fn of(p: &ProjectView) -> Self {
        let d = |i: usize, actual: bool| {
            p.milestones
                .get(i)
                .and_then(|m| if actual { m.actual } else { m.planned })
                .map(|d| d.to_string())
        };
        ProjectForm {
            name: Some(p.name.clone()),
            enterprise_id: Some(p.enterprise_id.to_string()),
            investment: Some(wan(p.investment_fen)),
            team_id: p.team_id.map(|t| t.to_string()),
            signed_planned: d(0, false),
            signed_on: d(0, true),
            started_planned: d(1, false),
            started_on: d(1, true),
            producing_planned: d(2, false),
            producing_on: d(2, true),
            note: p.note.clone(),
            version: Some(p.version.to_string()),
        }
    }

    fn input(&self) -> Result<ProjectInput, Vec<FieldError>> {
        let mut e = Vec::new();
        let id = |e: &mut Vec<FieldError>, field: &str, v: &Option<String>| {
            clean(v.clone()).and_then(|v| match v.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    e.push(FieldError::new(field, "format", "请选择", "choose one"));
                    None
                }
            })
        };
        let date = |e: &mut Vec<FieldError>, field: &str, v: &Option<String>| {
            clean(v.clone()).and_then(|v| match NaiveDate::parse_from_str(&v, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    e.push(FieldError::new(
                        field,
                        "format",
                        "日期格式应为 2020-03-01",
                        "the date should look like 2020-03-01",
                    ));
                    None
                }
            })
        };
        let investment_fen = clean(self.investment.clone()).and_then(|v| match fen_of_wan(&v) {
            Ok(f) => Some(f),
            Err(err) => {
                e.push(FieldError::from_validation(
                    "investment",
                    &err,
                    "投资额（万元）",
                    "Investment (10,000 yuan)",
                ));
                None
            }
        });
        let input = ProjectInput {
            name: self.name.clone(),
            enterprise_id: id(&mut e, "enterprise_id", &self.enterprise_id),
            investment_fen,
            team_id: id(&mut e, "team_id", &self.team_id),
            signed_planned: date(&mut e, "signed_planned", &self.signed_planned),
            signed_on: date(&mut e, "signed_on", &self.signed_on),
            started_planned: date(&mut e, "started_planned", &self.started_planned),
            started_on: date(&mut e, "started_on", &self.started_on),
            producing_planned: date(&mut e, "producing_planned", &self.producing_planned),
            producing_on: date(&mut e, "producing_on", &self.producing_on),
            note: self.note.clone(),
            version: self.version.as_deref().and_then(|v| v.trim().parse().ok()),
        };
        if e.is_empty() { Ok(input) } else { Err(e) }
    }
}

async fn form_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: &ProjectForm,
    editing: Option<i64>,
) -> AppResult<FormPage> {
    who.require(perm::PROJECT_EDIT)?;
    let firms = enterprises::Entity::find()
        .filter(who.scope.enterprises_writable())
        .order_by_asc(enterprises::Column::Name)
        .limit(5000)
        .all(&s.db)
        .await?;
    let teams = units::Entity::find()
        .filter(units::Column::Kind.is_in(crate::teams::TEAM_KINDS.to_vec()))
        .order_by_asc(units::Column::Id)
        .all(&s.db)
        .await?;
    let opt = |value: i64, label: String| SelectOption {
        value: value.to_string(),
        label,
    };
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    let mut fields = vec![
        FormField::new(
            "name",
            pick("项目名称", "Project name"),
            "text",
            form.name.as_ref(),
        )
        .required(),
        FormField::new(
            "enterprise_id",
            pick("企业", "Enterprise"),
            "select",
            form.enterprise_id.as_ref(),
        )
        .required()
        .options(firms.into_iter().map(|e| opt(e.id, e.name)).collect()),
        FormField::new(
            "investment",
            pick("投资额（万元）", "Investment (10,000 yuan)"),
            "text",
            form.investment.as_ref(),
        ),
        FormField::new(
            "team_id",
            pick("驻点服务队", "Stationed team"),
            "select",
            form.team_id.as_ref(),
        )
        .options(teams.into_iter().map(|u| opt(u.id, u.name)).collect()),
    ];
    for (name, zh, en, v) in [
        (
            "signed_planned",
            "签约（计划）",
            "Signing (planned)",
            &form.signed_planned,
        ),
        ("signed_on", "签约（实际）", "Signed on", &form.signed_on),
        (
            "started_planned",
            "开工（计划）",
            "Start (planned)",
            &form.started_planned,
        ),
        ("started_on", "开工（实际）", "Started on", &form.started_on),
        (
            "producing_planned",
            "投产（计划）",
            "Production (planned)",
            &form.producing_planned,
        ),
        (
            "producing_on",
            "投产（实际）",
            "In production on",
            &form.producing_on,
        ),
    ] {
        fields.push(FormField::new(name, pick(zh, en), "date", v.as_ref()));
    }
    fields.push(FormField::new(
        "note",
        pick("备注", "Note"),
        "textarea",
        form.note.as_ref(),
    ));
    fields.push(FormField::new(
        "version",
        String::new(),
        "hidden",
        form.version.as_ref(),
    ));
    let (title, action, cancel) = match editing {
        Some(id) => (
            pick("修改重点项目", "Edit key project"),
            format!("/recovery/projects/{id}"),
            format!("/recovery/projects/{id}"),
        ),
        None => (
            pick("登记重点项目", "New key project"),
            "/recovery/projects".to_owned(),
            "/recovery/projects".to_owned(),
        ),
    };
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "projects", title),
        action,
        cancel,
        fields,
        errors: Vec::new(),
    })
}

async fn new(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    Ok(render(
        &form_page(&s, &who, lang, &ProjectForm::default(), None).await?,
    ))
}

async fn create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<ProjectForm>,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => projects::create(&s.db, &who, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |p| format!("/recovery/projects/{}", p.id),
        || form_page(&s, &who, lang, &form, None),
    )
    .await
}

async fn edit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let p = projects::get(&s.db, &who, id).await?;
    Ok(render(
        &form_page(&s, &who, lang, &ProjectForm::of(&p), Some(id)).await?,
    ))
}

async fn update(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(form): Form<ProjectForm>,
) -> AppResult<Response> {
    let result = match form.input() {
        Ok(input) => projects::update(&s.db, &who, id, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |p| format!("/recovery/projects/{}", p.id),
        || form_page(&s, &who, lang, &form, Some(id)),
    )
    .await
}

#[derive(Deserialize, Default, Clone)]
struct IssueForm {
    title: Option<String>,
    description: Option<String>,
    lead_unit_id: Option<String>,
    working_days: Option<String>,
}

async fn issue_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    form: &IssueForm,
) -> AppResult<FormPage> {
    let p = projects::get(&s.db, who, id).await?;
    let departments = units::Entity::find()
        .filter(units::Column::Kind.eq("department"))
        .order_by_asc(units::Column::Id)
        .all(&s.db)
        .await?;
    let pick = |zh: &str, en: &str| lang.pick(zh, en).to_owned();
    let mut fields = vec![
        FormField::new(
            "title",
            pick("事项标题", "Title"),
            "text",
            form.title.as_ref(),
        )
        .required(),
        FormField::new(
            "description",
            pick("内容", "Description"),
            "textarea",
            form.description.as_ref(),
        ),
    ];
    if who.can(perm::CASE_DISPATCH) {
        fields.push(
            FormField::new(
                "lead_unit_id",
                pick(
                    "当场交办给（牵头单位）",
                    "Dispatch at once to (lead department)",
                ),
                "select",
                form.lead_unit_id.as_ref(),
            )
            .options(
                departments
                    .into_iter()
                    .map(|u| SelectOption {
                        value: u.id.to_string(),
                        label: u.name,
                    })
                    .collect(),
            ),
        );
        fields.push(FormField::new(
            "working_days",
            pick("办理时限（工作日）", "Working days"),
            "number",
            form.working_days.as_ref(),
        ));
    }
    Ok(FormPage {
        ctx: PageCtx::new(
            who,
            lang,
            "projects",
            format!(
                "{}：{}",
                p.name,
                lang.pick("推进会交办事项", "meeting issue")
            ),
        ),
        action: format!("/recovery/projects/{id}/issue"),
        cancel: format!("/recovery/projects/{id}"),
        fields,
        errors: Vec::new(),
    })
}

async fn issue_form(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    Ok(render(
        &issue_page(&s, &who, lang, id, &IssueForm::default()).await?,
    ))
}

async fn issue_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(form): Form<IssueForm>,
) -> AppResult<Response> {
    let mut errs = Vec::new();
    let mut int = |field: &str, v: &Option<String>| {
        clean(v.clone()).and_then(|v| match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errs.push(FieldError::new(
                    field,
                    "format",
                    "请填写整数",
                    "a whole number",
                ));
                None
            }
        })
    };
    let input = IssueInput {
        title: form.title.clone(),
        description: form.description.clone(),
        category: None,
        lead_unit_id: int("lead_unit_id", &form.lead_unit_id),
        working_days: int("working_days", &form.working_days),
    };
    let result = if errs.is_empty() {
        projects::raise_issue(&s.db, &who, id, input).await
    } else {
        Err(AppError::Validation(errs))
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/recovery/projects/{id}")).into_response()),
        Err(e) => {
            saved_or_form(
                Err::<(), _>(e),
                |_| String::new(),
                || issue_page(&s, &who, lang, id, &form),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{fen_of_wan, wan};

    #[test]
    fn ten_thousand_yuan_round_trip_exactly() {
        assert_eq!(wan(2_591_000_000), "2591");
        assert_eq!(wan(2_591_500_000), "2591.5");
        assert_eq!(wan(3_500), "0.0035");
        assert_eq!(fen_of_wan("2591.5"), Ok(2_591_500_000));
        assert_eq!(fen_of_wan("0.01"), Ok(10_000));
        assert!(fen_of_wan("1,0").is_err());
        assert!(fen_of_wan("99999999999999999").is_err());
        for fen in [0, 1_000_000, 2_591_500_000, 3_500, 123_456_789_000] {
            assert_eq!(fen_of_wan(&wan(fen)), Ok(fen), "{fen}");
        }
    }
}
