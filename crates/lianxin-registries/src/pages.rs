//! Registry pages: list (search, filters, pagination, import/export buttons), detail, create and
//! edit forms with field errors, delete. Units also show their tree.

use axum::Router;
use axum::extract::{Form, State};

use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::access::Principal;
use crate::enterprises::{self, EnterpriseFilter, EnterpriseForm, OWNERSHIPS};
use crate::entities::units as unit_entity;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::people::{self, PersonFilter, PersonForm, PersonView};
use crate::perm;
use crate::text::clean;
use crate::units::{self, KINDS, UnitFilter, UnitInput};
use axum::extract::FromRef;
use lianxin_kernel::http::{ApiQuery, IdPath};
use lianxin_kernel::state::Core;
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, render, saved_or_form};

pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Core: FromRef<S>,
{
    Router::new()
        .route("/enterprises", get(enterprise_list).post(enterprise_create))
        .route("/enterprises/new", get(enterprise_new))
        .route(
            "/enterprises/{id}",
            get(enterprise_detail).post(enterprise_update),
        )
        .route("/enterprises/{id}/edit", get(enterprise_edit))
        .route("/enterprises/{id}/delete", post(enterprise_delete))
        .route("/people", get(person_list).post(person_create))
        .route("/people/new", get(person_new))
        .route("/people/batch-delete", post(person_batch_delete))
        .route("/enterprises/batch-delete", post(enterprise_batch_delete))
        .route("/units/batch-delete", post(unit_batch_delete))
        .route("/people/{id}", get(person_detail).post(person_update))
        .route("/people/{id}/edit", get(person_edit))
        .route("/people/{id}/delete", post(person_delete))
        .route("/units", get(unit_list).post(unit_create))
        .route("/units/new", get(unit_new))
        .route("/units/{id}", get(unit_detail).post(unit_update))
        .route("/units/{id}/edit", get(unit_edit))
        .route("/units/{id}/delete", post(unit_delete))
}

/// A filter's id parameter: empty is no filter, anything but a whole number is a 422 (a bad
/// filter never widens a list or an export to everything).
fn query_id(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<i64> {
    crate::text::parse_int(errors, field, v.as_deref(), field, field)
}
fn query_bool(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>) -> Option<bool> {
    crate::text::parse_bool(errors, field, v.as_deref(), field, field)
}
fn checked<T>(errors: Vec<FieldError>, v: T) -> AppResult<T> {
    if errors.is_empty() {
        Ok(v)
    } else {
        Err(AppError::Validation(errors))
    }
}

fn unit_options(list: &[unit_entity::Model]) -> Vec<SelectOption> {
    list.iter()
        .map(|u| SelectOption {
            value: u.id.to_string(),
            label: u.name.clone(),
        })
        .collect()
}

/// The list's filter query with its sort: what the export links carry, so that the file
/// comes in the order the list shows.
fn sorted_qs(qs: &str, sort: Option<&lianxin_kernel::paging::Sort>) -> String {
    let href = lianxin_kernel::web::widgets::export_href("", qs, sort);
    href.strip_prefix('?').unwrap_or(&href).to_owned()
}

fn export_buttons(
    lang: Lang,
    who: &Principal,
    base: &str,
    query: &str,
    add: &str,
    import: &str,
    export: &str,
) -> Vec<Button> {
    let mut b = Vec::new();
    if who.can(add) {
        b.push(Button {
            id: "btn-new",
            class: "btn-primary",
            href: format!("{base}/new"),
            label: lang.t("app.new").into_owned(),
        });
    }
    if who.can(import) {
        b.push(Button {
            id: "btn-import",
            class: "btn-light",
            href: format!("{base}/import"),
            label: lang.t("app.import").into_owned(),
        });
    }
    if who.can(export) {
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        b.push(Button {
            id: "btn-export-xlsx",
            class: "btn-light",
            href: format!("{base}/export.xlsx{q}"),
            label: lang.t("app.export_xlsx").into_owned(),
        });
        b.push(Button {
            id: "btn-export-csv",
            class: "btn-light",
            href: format!("{base}/export.csv{q}"),
            label: lang.t("app.export_csv").into_owned(),
        });
    }
    b
}

/// What the rows ticked on a registry list may have done to them: exported (as the list's
/// export, only those rows) and deleted (all or none), each for those who may.
fn batch_actions(
    lang: Lang,
    who: &Principal,
    base: &str,
    qs: &str,
    export: &str,
    remove: &str,
) -> Vec<BatchAction> {
    let mut b = Vec::new();
    if who.can(export) {
        let q = if qs.is_empty() {
            String::new()
        } else {
            format!("?{qs}")
        };
        b.push(BatchAction::export(lang, format!("{base}/export.xlsx{q}")));
    }
    if who.can(remove) {
        b.push(BatchAction::delete(lang, format!("{base}/batch-delete")));
    }
    b
}

/// The ticked rows of a list, posted by its batch form.
#[derive(Deserialize)]
struct BatchForm {
    ids: Option<String>,
}

fn batch_ids(f: &BatchForm) -> AppResult<Vec<i64>> {
    let mut e = Vec::new();
    let ids = crate::paging::parse_ids(&mut e, "ids", f.ids.as_deref());
    match ids {
        Some(ids) if e.is_empty() => Ok(ids),
        _ => {
            if e.is_empty() {
                e.push(FieldError::new(
                    "ids",
                    "required",
                    "请先勾选要处理的记录",
                    "tick the records first",
                ));
            }
            Err(AppError::Validation(e))
        }
    }
}

/// The registry a batch delete is on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Registry {
    People,
    Enterprises,
    Units,
}

/// Deletes the ticked records in one transaction: one that cannot go (in use, out of scope)
/// keeps them all. Units go children first, whatever order they were ticked in.
async fn batch_delete(
    s: &Core,
    who: &Principal,
    f: &BatchForm,
    registry: Registry,
) -> AppResult<Response> {
    let mut ids = batch_ids(f)?;
    if registry == Registry::Units {
        ids.reverse();
    }
    let txn = lianxin_kernel::db::begin_write(&s.db).await?;
    for id in ids {
        match registry {
            Registry::People => people::delete(&txn, who, id).await?,
            Registry::Enterprises => enterprises::delete(&txn, who, id).await?,
            Registry::Units => units::delete(&txn, who, id).await?,
        }
    }
    txn.commit().await?;
    let back = match registry {
        Registry::People => "/people",
        Registry::Enterprises => "/enterprises",
        Registry::Units => "/units",
    };
    Ok(Redirect::to(back).into_response())
}

async fn person_batch_delete(
    State(s): State<Core>,
    who: Principal,
    Form(f): Form<BatchForm>,
) -> AppResult<Response> {
    batch_delete(&s, &who, &f, Registry::People).await
}

async fn enterprise_batch_delete(
    State(s): State<Core>,
    who: Principal,
    Form(f): Form<BatchForm>,
) -> AppResult<Response> {
    batch_delete(&s, &who, &f, Registry::Enterprises).await
}

async fn unit_batch_delete(
    State(s): State<Core>,
    who: Principal,
    Form(f): Form<BatchForm>,
) -> AppResult<Response> {
    batch_delete(&s, &who, &f, Registry::Units).await
}

/// The unit filter of a list: kept as a hidden field beside the unit tree (the tree sets
/// it), a choice among `options` without one.
fn unit_filter(
    beside_tree: bool,
    label: String,
    value: Option<String>,
    options: Vec<SelectOption>,
) -> FilterField {
    if beside_tree {
        FilterField::hidden("unit_id", value)
    } else {
        FilterField::select("unit_id", label, value, options)
    }
}

// --- enterprises ----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct EnterpriseQuery {
    pub q: Option<String>,
    pub unit_id: Option<String>,
    pub ownership: Option<String>,
    pub industry: Option<String>,
    pub key_project: Option<String>,
    pub has_party_org: Option<String>,
    pub service_team_id: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub ids: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl EnterpriseQuery {
    pub fn filter(&self) -> AppResult<EnterpriseFilter> {
        let mut e = Vec::new();
        let f = EnterpriseFilter {
            q: clean(self.q.clone()),
            unit_id: query_id(&mut e, "unit_id", &self.unit_id),
            ownership: clean(self.ownership.clone()),
            industry: clean(self.industry.clone()),
            key_project: query_bool(&mut e, "key_project", &self.key_project),
            has_party_org: query_bool(&mut e, "has_party_org", &self.has_party_org),
            service_team_id: query_id(&mut e, "service_team_id", &self.service_team_id),
            sort: clean(self.sort.clone()),
            order: clean(self.order.clone()),
            ids: clean(self.ids.clone()),
        };
        checked(e, f)
    }
    pub fn query_string(&self) -> String {
        query_string(&[
            ("q", self.q.clone()),
            ("unit_id", self.unit_id.clone()),
            ("ownership", self.ownership.clone()),
            ("industry", self.industry.clone()),
            ("key_project", self.key_project.clone()),
            ("has_party_org", self.has_party_org.clone()),
            ("service_team_id", self.service_team_id.clone()),
        ])
    }
}

async fn enterprise_list(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<EnterpriseQuery>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let filter = q.filter()?;
    let sort = enterprises::sort_of(&filter)?;
    let page = enterprises::list(&s.db, &who, &filter, paging).await?;
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "enterprises").await?;
    let row_ids: Vec<i64> = page.items.iter().map(|e| e.id).collect();
    let views = enterprises::views(&s.db, &who, page.items, None).await?;
    let tree = units::tree_beside(&who, "unit_id", filter.unit_id);
    let homes = if tree.is_none() {
        units::visible_of_kinds(&s.db, &who, enterprises::HOME_KINDS).await?
    } else {
        Vec::new()
    };
    let qs = q.query_string();
    let rows = views
        .into_iter()
        .map(|e| {
            vec![
                Cell::link(e.name.clone(), format!("/enterprises/{}", e.id)),
                Cell::masked(e.uscc.clone()).with_badge(
                    e.uscc_override_reason
                        .as_ref()
                        .map(|_| lang.t("enterprise.override_flag").into_owned()),
                ),
                Cell::text(e.unit_name.unwrap_or_default()),
                Cell::text(
                    e.industry
                        .as_deref()
                        .map(|i| crate::text::code_label(enterprises::INDUSTRIES, i, lang))
                        .unwrap_or_default(),
                ),
                Cell::text(crate::text::code_label(OWNERSHIPS, &e.ownership, lang)),
                Cell::num(e.employee_count),
                Cell::text(yes_no_text(lang, e.has_party_org)),
                Cell::text(yes_no_text(lang, e.key_project)),
            ]
        })
        .collect();
    let page_tpl = ListPage {
        ctx: PageCtx::new(&who, lang, "enterprises", lang.t("menu.enterprises")),
        action: "/enterprises".into(),
        buttons: export_buttons(
            lang,
            &who,
            "/enterprises",
            &sorted_qs(&qs, sort.as_ref()),
            perm::ENTERPRISE_ADD,
            perm::ENTERPRISE_IMPORT,
            perm::ENTERPRISE_EXPORT,
        ),
        filters: vec![
            FilterField::text("q", lang.t("enterprise.search").into_owned(), q.q.clone()),
            unit_filter(
                tree.is_some(),
                lang.t("enterprise.unit").into_owned(),
                q.unit_id.clone(),
                unit_options(&homes),
            ),
            FilterField::select(
                "industry",
                lang.t("enterprise.industry").into_owned(),
                q.industry.clone(),
                options(enterprises::INDUSTRIES, lang),
            ),
            FilterField::select(
                "ownership",
                lang.t("enterprise.ownership").into_owned(),
                q.ownership.clone(),
                options(OWNERSHIPS, lang),
            ),
            FilterField::select(
                "key_project",
                lang.t("enterprise.key_project").into_owned(),
                q.key_project.clone(),
                yes_no(lang),
            ),
            FilterField::select(
                "has_party_org",
                lang.t("enterprise.has_party_org").into_owned(),
                q.has_party_org.clone(),
                yes_no(lang),
            ),
        ],
        columns: sortable_columns(
            lang,
            &[
                ("enterprise.name", "name"),
                ("enterprise.uscc", "uscc"),
                ("enterprise.unit", ""),
                ("enterprise.industry", "industry"),
                ("enterprise.ownership", "ownership"),
                ("enterprise.employee_count#", "employee_count"),
                ("enterprise.has_party_org", "has_party_org"),
                ("enterprise.key_project", "key_project"),
            ],
        ),
        rows,
        row_ids,
        list: ListCtl::new(
            "enterprises",
            "/enterprises",
            qs.clone(),
            sort.clone(),
            paging,
            page.total,
            hidden,
        )
        .with_batch({
            // The other areas' actions on firms (设定包联) after the registry's own.
            let mut b = batch_actions(
                lang,
                &who,
                "/enterprises",
                &sorted_qs(&qs, sort.as_ref()),
                perm::ENTERPRISE_EXPORT,
                perm::ENTERPRISE_REMOVE,
            );
            b.extend(lianxin_kernel::area::list_actions(
                "enterprises",
                &who,
                lang,
            ));
            b
        })
        .with_unit_tree(tree),
        tree: Vec::new(),
    };
    Ok(render(&page_tpl))
}

async fn enterprise_form_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: &EnterpriseForm,
    editing: Option<i64>,
) -> AppResult<FormPage> {
    let mut homes = units::visible_of_kinds(&s.db, who, enterprises::HOME_KINDS).await?;
    let mut teams = units::all_visible(&s.db, who)
        .await?
        .into_iter()
        .filter(|u| u.kind == "service_team" || u.kind == "task_force")
        .collect::<Vec<_>>();
    // The enterprise's own placement is offered even where the caller may not place records
    // (its contact keeps it unchanged; a change there is refused by `enterprises::update`).
    for (list, current) in [
        (&mut homes, &form.unit_id),
        (&mut teams, &form.service_team_id),
    ] {
        let id = current
            .as_deref()
            .and_then(|v| v.trim().parse::<i64>().ok());
        if let Some(id) = id.filter(|id| editing.is_some() && !list.iter().any(|u| u.id == *id)) {
            use sea_orm::EntityTrait;
            if let Some(u) = unit_entity::Entity::find_by_id(id).one(&s.db).await? {
                list.push(u);
            }
        }
    }
    let t = |k: &str| lang.t(k).into_owned();
    let mut fields = vec![
        FormField::new("name", t("enterprise.name"), "text", form.name.as_ref()).required(),
        FormField::new("uscc", t("enterprise.uscc"), "text", form.uscc.as_ref())
            .required()
            .hint(t("enterprise.uscc_hint")),
        FormField::new(
            "unit_id",
            t("enterprise.unit"),
            "select",
            form.unit_id.as_ref(),
        )
        .required()
        .options(unit_options(&homes)),
        FormField::new(
            "industry",
            t("enterprise.industry"),
            "select",
            form.industry.as_ref(),
        )
        .options(industry_options(form.industry.as_deref(), lang)),
        FormField::new(
            "ownership",
            t("enterprise.ownership"),
            "select",
            form.ownership.as_ref(),
        )
        .required()
        .options(options(OWNERSHIPS, lang)),
        FormField::new(
            "address",
            t("enterprise.address"),
            "text",
            form.address.as_ref(),
        ),
        FormField::new(
            "legal_rep",
            t("enterprise.legal_rep"),
            "text",
            form.legal_rep.as_ref(),
        ),
        FormField::new(
            "contact_name",
            t("enterprise.contact_name"),
            "text",
            form.contact_name.as_ref(),
        ),
        FormField::new(
            "contact_phone",
            t("enterprise.contact_phone"),
            "text",
            form.contact_phone.as_ref(),
        ),
        FormField::new(
            "employee_count",
            t("enterprise.employee_count"),
            "number",
            form.employee_count.as_ref(),
        ),
        // The stationed team is the pairing's business: without `pairing:edit` it travels
        // unchanged. Whether the firm has a key project is read off the projects registry.
        if who.can(perm::PAIRING_EDIT) {
            FormField::new(
                "service_team_id",
                t("enterprise.service_team"),
                "select",
                form.service_team_id.as_ref(),
            )
            .options(unit_options(&teams))
        } else {
            FormField::new(
                "service_team_id",
                t("enterprise.service_team"),
                "hidden",
                form.service_team_id.as_ref(),
            )
        },
        FormField::new(
            "has_party_org",
            t("enterprise.has_party_org"),
            "checkbox",
            form.has_party_org.as_ref(),
        ),
    ];
    if who.can(perm::DATA_OVERRIDE) {
        fields.push(
            FormField::new(
                "override_reason",
                t("app.override_reason"),
                "textarea",
                form.override_reason.as_ref(),
            )
            .hint(t("app.override_hint")),
        );
    }
    let (title, action, cancel) = match editing {
        Some(id) => (
            t("enterprise.edit"),
            format!("/enterprises/{id}"),
            format!("/enterprises/{id}"),
        ),
        None => (
            t("enterprise.new"),
            "/enterprises".to_owned(),
            "/enterprises".to_owned(),
        ),
    };
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "enterprises", title),
        action,
        cancel,
        fields: with_version(fields, form.version.as_ref()),
        errors: Vec::new(),
    })
}

async fn enterprise_new(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::ENTERPRISE_ADD)?;
    let form = EnterpriseForm {
        ownership: Some("private".into()),
        ..Default::default()
    };
    Ok(render(
        &enterprise_form_page(&s, &who, lang, &form, None).await?,
    ))
}

async fn enterprise_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<EnterpriseForm>,
) -> AppResult<Response> {
    let result = match form.clone().into_input() {
        Ok(input) => enterprises::create(&s.db, &who, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |e| format!("/enterprises/{}", e.id),
        || enterprise_form_page(&s, &who, lang, &form, None),
    )
    .await
}

async fn enterprise_edit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    who.require(perm::ENTERPRISE_EDIT)?;
    let e = enterprises::get(&s.db, &who, id).await?;
    let mut form = EnterpriseForm::from_model(&e);
    // Masked as a person's phone is; sent back unchanged, it keeps the stored number.
    if !who.can(perm::PERSON_SENSITIVE) {
        form.contact_phone = form.contact_phone.as_deref().map(people::mask_phone);
    }
    Ok(render(
        &enterprise_form_page(&s, &who, lang, &form, Some(id)).await?,
    ))
}

async fn enterprise_update(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(form): Form<EnterpriseForm>,
) -> AppResult<Response> {
    let result = match form.clone().into_input() {
        Ok(input) => enterprises::update(&s.db, &who, id, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |e| format!("/enterprises/{}", e.id),
        || enterprise_form_page(&s, &who, lang, &form, Some(id)),
    )
    .await
}

async fn enterprise_detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let e = enterprises::get(&s.db, &who, id).await?;
    let v = enterprises::views(&s.db, &who, vec![e], Some("web enterprise detail"))
        .await?
        .remove(0);
    let staff = people::list(
        &s.db,
        &who,
        &PersonFilter {
            enterprise_id: Some(id),
            ..Default::default()
        },
        Paging::new(1, 1),
    )
    .await
    .map(|p| p.total)
    .unwrap_or(0);
    let mut buttons = Vec::new();
    if who.can(perm::ENTERPRISE_EDIT) {
        buttons.push(Button {
            id: "btn-edit",
            class: "btn-primary",
            href: format!("/enterprises/{id}/edit"),
            label: lang.t("app.edit").into_owned(),
        });
    }
    if who.can(perm::PERSON_LIST) {
        buttons.push(Button {
            id: "btn-staff",
            class: "btn-light",
            href: format!("/people?enterprise_id={id}"),
            label: format!("{} ({staff})", lang.t("enterprise.staff")),
        });
    }
    // What other areas keep about the firm (its pairing, visits, stages, projects).
    buttons.extend(lianxin_kernel::area::record_links(
        "enterprises",
        id,
        &who,
        lang,
    ));
    let warnings = v
        .uscc_override_reason
        .as_ref()
        .map(|r| format!("{}：{r}", lang.t("enterprise.override_warning")))
        .into_iter()
        .collect();
    let page = DetailPage {
        ctx: PageCtx::new(&who, lang, "enterprises", lang.t("enterprise.detail")),
        heading: v.name.clone(),
        buttons,
        actions: Vec::new(),
        delete_action: who
            .can(perm::ENTERPRISE_REMOVE)
            .then(|| format!("/enterprises/{id}/delete")),
        warnings,
        sections: vec![
            Section {
                title: lang.t("enterprise.basic").into_owned(),
                rows: vec![
                    Prop::new(lang, "enterprise.uscc", v.uscc.clone()).class("masked"),
                    Prop::opt(lang, "enterprise.unit", v.unit_name.as_ref())
                        .link(Some(format!("/units/{}", v.unit_id))),
                    Prop::opt(
                        lang,
                        "enterprise.industry",
                        v.industry
                            .as_deref()
                            .map(|i| crate::text::code_label(enterprises::INDUSTRIES, i, lang))
                            .as_ref(),
                    ),
                    Prop::new(
                        lang,
                        "enterprise.ownership",
                        crate::text::code_label(OWNERSHIPS, &v.ownership, lang),
                    ),
                    Prop::opt(lang, "enterprise.address", v.address.as_ref()),
                    Prop::opt(lang, "enterprise.legal_rep", v.legal_rep.as_ref()),
                    Prop::new(
                        lang,
                        "enterprise.employee_count",
                        v.employee_count.to_string(),
                    ),
                    Prop::new(
                        lang,
                        "enterprise.has_party_org",
                        yes_no_text(lang, v.has_party_org),
                    ),
                    Prop::new(
                        lang,
                        "enterprise.key_project",
                        yes_no_text(lang, v.key_project),
                    ),
                ],
            },
            Section {
                title: lang.t("enterprise.service").into_owned(),
                rows: vec![
                    Prop::opt(lang, "enterprise.contact_name", v.contact_name.as_ref()),
                    Prop::opt(lang, "enterprise.contact_phone", v.contact_phone.as_ref()),
                    Prop::opt(
                        lang,
                        "enterprise.service_team",
                        v.service_team_name.as_ref(),
                    )
                    .link(v.service_team_id.map(|t| format!("/units/{t}"))),
                    Prop::new(lang, "app.created_at", local_time(&v.created_at)),
                    Prop::new(lang, "app.updated_at", local_time(&v.updated_at)),
                ],
            },
        ],
    };
    Ok(render(&page))
}

async fn enterprise_delete(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    enterprises::delete(&s.db, &who, id).await?;
    Ok(Redirect::to("/enterprises").into_response())
}

// --- people ---------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct PersonQuery {
    pub q: Option<String>,
    pub unit_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub kind: Option<String>,
    pub party_member: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub ids: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl PersonQuery {
    pub fn filter(&self) -> AppResult<PersonFilter> {
        let mut e = Vec::new();
        let f = PersonFilter {
            q: clean(self.q.clone()),
            unit_id: query_id(&mut e, "unit_id", &self.unit_id),
            enterprise_id: query_id(&mut e, "enterprise_id", &self.enterprise_id),
            kind: clean(self.kind.clone()),
            party_member: query_bool(&mut e, "party_member", &self.party_member),
            sort: clean(self.sort.clone()),
            order: clean(self.order.clone()),
            ids: clean(self.ids.clone()),
        };
        checked(e, f)
    }
    pub fn query_string(&self) -> String {
        query_string(&[
            ("q", self.q.clone()),
            ("unit_id", self.unit_id.clone()),
            ("enterprise_id", self.enterprise_id.clone()),
            ("kind", self.kind.clone()),
            ("party_member", self.party_member.clone()),
        ])
    }
}

fn person_kind_labels(lang: Lang, kinds: &[String]) -> String {
    kinds
        .iter()
        .map(|k| crate::text::code_label(people::KINDS, k, lang))
        .collect::<Vec<_>>()
        .join("、")
}

async fn person_list(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<PersonQuery>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let filter = q.filter()?;
    let sort = people::sort_of(&filter)?;
    let page = people::list(&s.db, &who, &filter, paging).await?;
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "people").await?;
    let row_ids: Vec<i64> = page.items.iter().map(|p| p.id).collect();
    let views = PersonView::build(&s.db, &who, page.items, "web list people", false).await?;
    let tree = units::tree_beside(&who, "unit_id", filter.unit_id);
    // Beside the tree the unit is chosen there; without one, from a list of the units.
    let all_units = if tree.is_none() {
        units::all_visible(&s.db, &who).await?
    } else {
        Vec::new()
    };
    let qs = q.query_string();
    let rows = views
        .into_iter()
        .map(|p| {
            vec![
                Cell::link(p.name.clone(), format!("/people/{}", p.id)),
                Cell::text(
                    p.gender
                        .as_deref()
                        .map(|g| crate::text::code_label(people::GENDERS, g, lang))
                        .unwrap_or_default(),
                ),
                Cell::masked(p.id_number.clone().unwrap_or_default()).with_badge(
                    p.id_number_override_reason
                        .as_ref()
                        .map(|_| lang.t("enterprise.override_flag").into_owned()),
                ),
                Cell::masked(p.phone.clone().unwrap_or_default()),
                Cell::text(p.unit_name.clone().unwrap_or_default()),
                Cell::text(p.enterprise_name.clone().unwrap_or_default()),
                Cell::text(person_kind_labels(lang, &p.kinds)),
                Cell::text(yes_no_text(lang, p.party_member)),
            ]
        })
        .collect();
    let page_tpl = ListPage {
        ctx: PageCtx::new(&who, lang, "people", lang.t("menu.people")),
        action: "/people".into(),
        buttons: export_buttons(
            lang,
            &who,
            "/people",
            &sorted_qs(&qs, sort.as_ref()),
            perm::PERSON_ADD,
            perm::PERSON_IMPORT,
            perm::PERSON_EXPORT,
        ),
        filters: vec![
            FilterField::text("q", lang.t("person.search").into_owned(), q.q.clone()),
            unit_filter(
                tree.is_some(),
                lang.t("person.unit").into_owned(),
                q.unit_id.clone(),
                unit_options(&all_units),
            ),
            FilterField::select(
                "kind",
                lang.t("person.kinds").into_owned(),
                q.kind.clone(),
                options(people::KINDS, lang),
            ),
            FilterField::select(
                "party_member",
                lang.t("person.party_member").into_owned(),
                q.party_member.clone(),
                yes_no(lang),
            ),
        ],
        columns: sortable_columns(
            lang,
            &[
                ("person.name", "name"),
                ("person.gender", "gender"),
                ("person.id_number", ""),
                ("person.phone", ""),
                ("person.unit", ""),
                ("person.enterprise", ""),
                ("person.kinds", ""),
                ("person.party_member", "party_member"),
            ],
        ),
        rows,
        row_ids,
        list: ListCtl::new(
            "people",
            "/people",
            qs.clone(),
            sort.clone(),
            paging,
            page.total,
            hidden,
        )
        .with_batch(batch_actions(
            lang,
            &who,
            "/people",
            &sorted_qs(&qs, sort.as_ref()),
            perm::PERSON_EXPORT,
            perm::PERSON_REMOVE,
        ))
        .with_unit_tree(tree),
        tree: Vec::new(),
    };
    Ok(render(&page_tpl))
}

async fn person_form_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: &PersonForm,
    editing: Option<i64>,
) -> AppResult<FormPage> {
    let all_units = units::all_visible(&s.db, who).await?;
    // An enterprise contact sees no units: the unit then follows the enterprise.
    let unit_required = !all_units.is_empty();
    let ents = enterprises::list(
        &s.db,
        who,
        &EnterpriseFilter::default(),
        Paging::new(1, 500),
    )
    .await
    .map(|p| p.items)
    .unwrap_or_default();
    let t = |k: &str| lang.t(k).into_owned();
    let ent_options = ents
        .iter()
        .map(|e| SelectOption {
            value: e.id.to_string(),
            label: e.name.clone(),
        })
        .collect();
    let masked = editing.is_some() && !who.can(perm::PERSON_SENSITIVE);
    let shown = form;
    let mut fields = vec![
        FormField::new("name", t("person.name"), "text", shown.name.as_ref()).required(),
        FormField::new(
            "unit_id",
            t("person.unit"),
            "select",
            shown.unit_id.as_ref(),
        )
        .options(unit_options(&all_units))
        .hint(t("person.unit_hint"))
        .required_if(unit_required),
        FormField::new(
            "id_number",
            t("person.id_number"),
            "text",
            shown.id_number.as_ref(),
        )
        .hint(if masked {
            t("person.keep_hint")
        } else {
            t("person.id_hint")
        }),
        FormField::new("phone", t("person.phone"), "text", shown.phone.as_ref()),
        FormField::new(
            "gender",
            t("person.gender"),
            "select",
            shown.gender.as_ref(),
        )
        .options(options(people::GENDERS, lang)),
        FormField::new(
            "enterprise_id",
            t("person.enterprise"),
            "select",
            shown.enterprise_id.as_ref(),
        )
        .options(ent_options),
        FormField::new(
            "party_member",
            t("person.party_member"),
            "checkbox",
            shown.party_member.as_ref(),
        ),
        FormField::new(
            "kind_cadre",
            t("person.kind_cadre"),
            "checkbox",
            shown.kind_cadre.as_ref(),
        ),
        FormField::new(
            "kind_volunteer",
            t("person.kind_volunteer"),
            "checkbox",
            shown.kind_volunteer.as_ref(),
        ),
        FormField::new(
            "kind_employee",
            t("person.kind_employee"),
            "checkbox",
            shown.kind_employee.as_ref(),
        ),
        FormField::new(
            "kind_contact",
            t("person.kind_contact"),
            "checkbox",
            shown.kind_contact.as_ref(),
        ),
    ];
    // Cadre details only for those who may see and write them; left out, they stay as stored.
    if who.can(perm::PERSON_CADRE) {
        fields.extend([
            FormField::new(
                "position",
                t("person.position"),
                "text",
                shown.position.as_ref(),
            ),
            FormField::new("rank", t("person.rank"), "text", shown.rank.as_ref()),
            FormField::new(
                "career",
                t("person.career"),
                "textarea",
                shown.career.as_ref(),
            ),
            FormField::new(
                "expertise",
                t("person.expertise"),
                "textarea",
                shown.expertise.as_ref(),
            ),
            FormField::new(
                "traits",
                t("person.traits"),
                "textarea",
                shown.traits.as_ref(),
            ),
        ]);
    }
    if who.can(perm::DATA_OVERRIDE) {
        fields.push(
            FormField::new(
                "override_reason",
                t("app.override_reason"),
                "textarea",
                shown.override_reason.as_ref(),
            )
            .hint(t("app.override_hint")),
        );
    }
    let (title, action, cancel) = match editing {
        Some(id) => (
            t("person.edit"),
            format!("/people/{id}"),
            format!("/people/{id}"),
        ),
        None => (t("person.new"), "/people".to_owned(), "/people".to_owned()),
    };
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "people", title),
        action,
        cancel,
        fields: with_version(fields, shown.version.as_ref()),
        errors: Vec::new(),
    })
}

async fn person_new(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::PERSON_ADD)?;
    let form = PersonForm {
        unit_id: who.unit_id.map(|u| u.to_string()),
        enterprise_id: who.enterprise_id.map(|e| e.to_string()),
        ..Default::default()
    };
    Ok(render(
        &person_form_page(&s, &who, lang, &form, None).await?,
    ))
}

async fn person_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let result = match form.clone().into_input() {
        Ok(input) => people::create(&s.db, &who, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |p| format!("/people/{}", p.id),
        || person_form_page(&s, &who, lang, &form, None),
    )
    .await
}

async fn person_edit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    who.require(perm::PERSON_EDIT)?;
    let p = people::get(&s.db, &who, id).await?;
    let mut form = PersonForm::from_model(&p);
    // The stored numbers are shown masked to those who may not see them; sent back unchanged,
    // the masked form keeps the stored number (`people::update`).
    if !who.can(perm::PERSON_SENSITIVE) {
        form.id_number = form.id_number.as_deref().map(people::mask_id_number);
        form.phone = form.phone.as_deref().map(people::mask_phone);
    }
    if !who.can(perm::PERSON_CADRE) {
        form.position = None;
        form.rank = None;
        form.career = None;
        form.expertise = None;
        form.traits = None;
    }
    Ok(render(
        &person_form_page(&s, &who, lang, &form, Some(id)).await?,
    ))
}

async fn person_update(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(form): Form<PersonForm>,
) -> AppResult<Response> {
    let result = match form.clone().into_input() {
        Ok(input) => people::update(&s.db, &who, id, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |p| format!("/people/{}", p.id),
        || person_form_page(&s, &who, lang, &form, Some(id)),
    )
    .await
}

async fn person_detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let p = people::get(&s.db, &who, id).await?;
    let v = PersonView::build(&s.db, &who, vec![p], "web person detail", true)
        .await?
        .remove(0);
    let mut buttons = Vec::new();
    if who.can(perm::PERSON_EDIT) {
        buttons.push(Button {
            id: "btn-edit",
            class: "btn-primary",
            href: format!("/people/{id}/edit"),
            label: lang.t("app.edit").into_owned(),
        });
    }
    let warnings = v
        .id_number_override_reason
        .as_ref()
        .map(|r| format!("{}：{r}", lang.t("person.override_warning")))
        .into_iter()
        .collect();
    let mut sections = vec![Section {
        title: lang.t("person.basic").into_owned(),
        rows: vec![
            Prop::new(
                lang,
                "person.gender",
                v.gender
                    .as_deref()
                    .map(|g| crate::text::code_label(people::GENDERS, g, lang))
                    .unwrap_or_else(|| "—".into()),
            ),
            Prop::opt(lang, "person.id_number", v.id_number.as_ref()).class("masked"),
            Prop::opt(lang, "person.phone", v.phone.as_ref()).class("masked"),
            Prop::opt(lang, "person.unit", v.unit_name.as_ref())
                .link(Some(format!("/units/{}", v.unit_id))),
            Prop::opt(lang, "person.enterprise", v.enterprise_name.as_ref())
                .link(v.enterprise_id.map(|e| format!("/enterprises/{e}"))),
            Prop::new(lang, "person.kinds", person_kind_labels(lang, &v.kinds)),
            Prop::new(
                lang,
                "person.party_member",
                yes_no_text(lang, v.party_member),
            ),
        ],
    }];
    if v.cadre_details && v.kinds.iter().any(|k| k == "cadre") {
        sections.push(Section {
            title: lang.t("person.cadre").into_owned(),
            rows: vec![
                Prop::opt(lang, "person.position", v.position.as_ref()),
                Prop::opt(lang, "person.rank", v.rank.as_ref()),
                Prop::opt(lang, "person.career", v.career.as_ref()).class("pre"),
                Prop::opt(lang, "person.expertise", v.expertise.as_ref()),
                Prop::opt(lang, "person.traits", v.traits.as_ref()),
            ],
        });
    }
    let page = DetailPage {
        ctx: PageCtx::new(&who, lang, "people", lang.t("person.detail")),
        heading: v.name.clone(),
        buttons,
        actions: Vec::new(),
        delete_action: who
            .can(perm::PERSON_REMOVE)
            .then(|| format!("/people/{id}/delete")),
        warnings,
        sections,
    };
    Ok(render(&page))
}

async fn person_delete(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    people::delete(&s.db, &who, id).await?;
    Ok(Redirect::to("/people").into_response())
}

// --- units ----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct UnitQuery {
    pub q: Option<String>,
    pub kind: Option<String>,
    pub under: Option<String>,
    pub sort: Option<String>,
    pub order: Option<String>,
    pub ids: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl UnitQuery {
    pub fn filter(&self) -> AppResult<UnitFilter> {
        let mut e = Vec::new();
        let f = UnitFilter {
            q: clean(self.q.clone()),
            kind: clean(self.kind.clone()),
            parent_id: None,
            under: query_id(&mut e, "under", &self.under),
            sort: clean(self.sort.clone()),
            order: clean(self.order.clone()),
            ids: clean(self.ids.clone()),
        };
        checked(e, f)
    }
    pub fn query_string(&self) -> String {
        query_string(&[
            ("q", self.q.clone()),
            ("kind", self.kind.clone()),
            ("under", self.under.clone()),
        ])
    }
}

async fn unit_list(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    ApiQuery(q): ApiQuery<UnitQuery>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let filter = q.filter()?;
    let sort = units::sort_of(&filter)?;
    let page = units::list(&s.db, &who, &filter, paging).await?;
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "units").await?;
    let row_ids: Vec<i64> = page.items.iter().map(|u| u.id).collect();
    let all = units::all_visible(&s.db, &who).await?;
    let names: std::collections::HashMap<i64, &str> =
        all.iter().map(|u| (u.id, u.name.as_str())).collect();
    let qs = q.query_string();
    let rows = page
        .items
        .iter()
        .map(|u| {
            vec![
                Cell::masked(u.code.clone()),
                Cell::link(u.name.clone(), format!("/units/{}", u.id)),
                Cell::text(units::kind_label(&u.kind, lang)),
                Cell::text(
                    u.parent_id
                        .and_then(|p| names.get(&p).map(|s| s.to_string()))
                        .unwrap_or_default(),
                ),
                Cell::text(u.leader.clone().unwrap_or_default()),
                Cell::text(u.phone.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let page_tpl = ListPage {
        ctx: PageCtx::new(&who, lang, "units", lang.t("menu.units")),
        action: "/units".into(),
        buttons: export_buttons(
            lang,
            &who,
            "/units",
            &sorted_qs(&qs, sort.as_ref()),
            perm::UNIT_ADD,
            perm::UNIT_IMPORT,
            perm::UNIT_EXPORT,
        ),
        filters: vec![
            FilterField::text("q", lang.t("unit.search").into_owned(), q.q.clone()),
            FilterField::hidden("under", q.under.clone()),
            FilterField::select(
                "kind",
                lang.t("unit.kind").into_owned(),
                q.kind.clone(),
                options(KINDS, lang),
            ),
        ],
        columns: sortable_columns(
            lang,
            &[
                ("unit.code", "code"),
                ("unit.name", "name"),
                ("unit.kind", "kind"),
                ("unit.parent", ""),
                ("unit.leader", "leader"),
                ("unit.phone", ""),
            ],
        ),
        rows,
        row_ids,
        list: ListCtl::new(
            "units",
            "/units",
            qs.clone(),
            sort.clone(),
            paging,
            page.total,
            hidden,
        )
        .with_batch(batch_actions(
            lang,
            &who,
            "/units",
            &sorted_qs(&qs, sort.as_ref()),
            perm::UNIT_EXPORT,
            perm::UNIT_REMOVE,
        ))
        .with_unit_tree(units::tree_beside(&who, "under", filter.under)),
        tree: Vec::new(),
    };
    Ok(render(&page_tpl))
}

#[derive(Deserialize, Default, Clone)]
pub struct UnitForm {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub parent_id: Option<String>,
    pub code: Option<String>,
    pub sort: Option<String>,
    pub leader: Option<String>,
    pub phone: Option<String>,
    pub version: Option<String>,
}

impl UnitForm {
    pub fn parse(self) -> (UnitInput, Vec<crate::error::FieldError>) {
        let mut e = Vec::new();
        let parent_id = crate::text::parse_int(
            &mut e,
            "parent_id",
            self.parent_id.as_deref(),
            "上级单位",
            "parent unit",
        );
        let sort =
            crate::text::parse_int(&mut e, "sort", self.sort.as_deref(), "排序", "sort order");
        let input = UnitInput {
            name: self.name,
            kind: self.kind,
            parent_id,
            code: self.code,
            sort: sort.map(|s| s.clamp(i32::MIN as i64, i32::MAX as i64) as i32),
            leader: self.leader,
            phone: self.phone,
            version: self.version.as_deref().and_then(|v| v.trim().parse().ok()),
        };
        (input, e)
    }

    pub fn into_input(self) -> Result<UnitInput, Vec<crate::error::FieldError>> {
        match self.parse() {
            (input, e) if e.is_empty() => Ok(input),
            (_, e) => Err(e),
        }
    }
}

async fn unit_form_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: &UnitForm,
    editing: Option<i64>,
) -> AppResult<FormPage> {
    let all = units::all_visible(&s.db, who).await?;
    let t = |k: &str| lang.t(k).into_owned();
    let fields = vec![
        FormField::new("name", t("unit.name"), "text", form.name.as_ref()).required(),
        FormField::new("kind", t("unit.kind"), "select", form.kind.as_ref())
            .required()
            .options(options(KINDS, lang)),
        FormField::new(
            "parent_id",
            t("unit.parent"),
            "select",
            form.parent_id.as_ref(),
        )
        .options(unit_options(&all)),
        FormField::new("code", t("unit.code"), "text", form.code.as_ref())
            .hint(t("unit.code_hint")),
        FormField::new("sort", t("unit.sort"), "number", form.sort.as_ref()),
        FormField::new("leader", t("unit.leader"), "text", form.leader.as_ref()),
        FormField::new("phone", t("unit.phone"), "text", form.phone.as_ref()),
    ];
    let fields = with_version(fields, form.version.as_ref());
    let (title, action, cancel) = match editing {
        Some(id) => (
            t("unit.edit"),
            format!("/units/{id}"),
            format!("/units/{id}"),
        ),
        None => (t("unit.new"), "/units".to_owned(), "/units".to_owned()),
    };
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "units", title),
        action,
        cancel,
        fields,
        errors: Vec::new(),
    })
}

async fn unit_new(State(s): State<Core>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::UNIT_ADD)?;
    Ok(render(
        &unit_form_page(&s, &who, lang, &UnitForm::default(), None).await?,
    ))
}

async fn unit_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(form): Form<UnitForm>,
) -> AppResult<Response> {
    let result = match form.clone().into_input() {
        Ok(input) => units::create(&s.db, &who, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |u| format!("/units/{}", u.id),
        || unit_form_page(&s, &who, lang, &form, None),
    )
    .await
}

async fn unit_edit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    who.require(perm::UNIT_EDIT)?;
    let u = units::get(&s.db, &who, id).await?;
    let form = UnitForm {
        name: Some(u.name),
        kind: Some(u.kind),
        parent_id: u.parent_id.map(|p| p.to_string()),
        code: Some(u.code),
        sort: Some(u.sort.to_string()),
        leader: u.leader,
        phone: u.phone,
        version: Some(u.version.to_string()),
    };
    Ok(render(
        &unit_form_page(&s, &who, lang, &form, Some(id)).await?,
    ))
}

async fn unit_update(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(form): Form<UnitForm>,
) -> AppResult<Response> {
    let result = match form.clone().into_input() {
        Ok(input) => units::update(&s.db, &who, id, input).await,
        Err(errs) => Err(AppError::Validation(errs)),
    };
    saved_or_form(
        result,
        |u| format!("/units/{}", u.id),
        || unit_form_page(&s, &who, lang, &form, Some(id)),
    )
    .await
}

async fn unit_detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let u = units::get(&s.db, &who, id).await?;
    let path = units::path_names(&s.db, id).await?;
    let children = units::list(
        &s.db,
        &who,
        &UnitFilter {
            parent_id: Some(id),
            ..Default::default()
        },
        Paging::new(1, 1),
    )
    .await?
    .total;
    let mut buttons = Vec::new();
    if who.can(perm::UNIT_EDIT) {
        buttons.push(Button {
            id: "btn-edit",
            class: "btn-primary",
            href: format!("/units/{id}/edit"),
            label: lang.t("app.edit").into_owned(),
        });
    }
    buttons.push(Button {
        id: "btn-children",
        class: "btn-light",
        href: format!("/units?under={id}"),
        label: format!("{} ({children})", lang.t("unit.children")),
    });
    if who.can(perm::PERSON_LIST) {
        buttons.push(Button {
            id: "btn-people",
            class: "btn-light",
            href: format!("/people?unit_id={id}"),
            label: lang.t("menu.people").into_owned(),
        });
    }
    let page = DetailPage {
        ctx: PageCtx::new(&who, lang, "units", lang.t("unit.detail")),
        heading: u.name.clone(),
        buttons,
        actions: Vec::new(),
        delete_action: who
            .can(perm::UNIT_REMOVE)
            .then(|| format!("/units/{id}/delete")),
        warnings: Vec::new(),
        sections: vec![Section {
            title: lang.t("unit.basic").into_owned(),
            rows: vec![
                Prop::new(lang, "unit.code", u.code.clone()).class("masked"),
                Prop::new(lang, "unit.kind", units::kind_label(&u.kind, lang)),
                Prop::new(
                    lang,
                    "unit.path",
                    path.iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" / "),
                ),
                Prop::opt(lang, "unit.leader", u.leader.as_ref()),
                Prop::opt(lang, "unit.phone", u.phone.as_ref()),
                Prop::new(lang, "app.updated_at", local_time(&u.updated_at)),
            ],
        }],
    };
    Ok(render(&page))
}

async fn unit_delete(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    units::delete(&s.db, &who, id).await?;
    Ok(Redirect::to("/units").into_response())
}

/// An edit form carries the version it was read at, so a save over another's change is
/// refused (409) instead of silently undoing it.
fn with_version(mut fields: Vec<FormField>, version: Option<&String>) -> Vec<FormField> {
    if let Some(v) = version {
        fields.push(FormField::new("version", String::new(), "hidden", Some(v)));
    }
    fields
}

/// The industries offered (字典管理), and the enterprise's own when the list no longer offers
/// it (switched off, or typed before industries were coded), so that opening the form and
/// saving it never changes the industry unseen.
fn industry_options(current: Option<&str>, lang: Lang) -> Vec<SelectOption> {
    let mut opts = options(enterprises::INDUSTRIES, lang);
    if let Some(c) = current.filter(|c| !c.is_empty())
        && !opts.iter().any(|o| o.value == c)
    {
        opts.push(SelectOption {
            label: crate::text::code_label(enterprises::INDUSTRIES, c, lang),
            value: c.to_owned(),
        });
    }
    opts
}
