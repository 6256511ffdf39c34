//! Raising a case (登记事项), and the phone page on which an enterprise contact raises an appeal.

use super::*;

#[derive(Debug, Default, Deserialize)]
pub(super) struct RaiseForm {
    kind: Option<String>,
    category: Option<String>,
    title: Option<String>,
    description: Option<String>,
    enterprise_id: Option<String>,
    unit_id: Option<String>,
    source: Option<String>,
    priority: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    lead_unit_id: Option<String>,
    #[serde(default)]
    assist_unit_ids: Vec<String>,
    working_days: Option<String>,
}

#[derive(Template)]
#[template(path = "case_new.html")]
pub(super) struct NewPage {
    ctx: PageCtx,
    kinds: Vec<KindView>,
    enterprises: Vec<Opt>,
    units: Vec<Opt>,
    handling_units: Vec<Opt>,
    sources: Vec<Opt>,
    priorities: Vec<Opt>,
    form: RaiseForm,
    errors: Vec<FieldError>,
    can_dispatch: bool,
}

impl NewPage {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }
    fn error(&self, field: &str) -> String {
        field_errors(&self.errors, field, self.lang())
    }
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        text(v)
    }
}

pub(super) async fn new_form(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: RaiseForm,
    errors: Vec<FieldError>,
) -> AppResult<NewPage> {
    who.require(perm::CASE_RAISE)?;
    let enterprises = enterprises::Entity::find()
        .filter(who.scope.enterprises_with_dependents())
        .order_by_asc(enterprises::Column::Name)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|e| opt(e.id, e.name))
        .collect();
    Ok(NewPage {
        ctx: PageCtx::new(
            who,
            lang,
            "cases_new",
            lang.pick("登记事项", "Raise a case"),
        ),
        kinds: kinds::list(&s.db)
            .await?
            .into_iter()
            .filter(|k| k.active)
            .collect(),
        enterprises,
        units: unit_options(
            s,
            &[
                "subdistrict",
                "town",
                "community",
                "village",
                "department",
                "task_force",
                "service_team",
            ],
        )
        .await?,
        handling_units: unit_options(s, HANDLING_UNITS).await?,
        sources: codes(crate::SOURCES, lang),
        priorities: codes(crate::PRIORITIES, lang),
        form,
        errors,
        can_dispatch: who.can(perm::CASE_DISPATCH),
    })
}

pub(super) async fn new_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
) -> AppResult<Response> {
    let form = RaiseForm {
        kind: Some("enterprise_appeal".into()),
        ..Default::default()
    };
    Ok(render(&new_form(&s, &who, lang, form, Vec::new()).await?))
}

pub(super) fn raise_input(f: &RaiseForm, errors: &mut Vec<FieldError>) -> CaseInput {
    let clean = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let lead = num(errors, "lead_unit_id", f.lead_unit_id.as_deref());
    CaseInput {
        kind: clean(&f.kind),
        category: clean(&f.category),
        title: clean(&f.title),
        description: clean(&f.description),
        enterprise_id: num(errors, "enterprise_id", f.enterprise_id.as_deref()),
        unit_id: num(errors, "unit_id", f.unit_id.as_deref()),
        source: clean(&f.source),
        priority: clean(&f.priority),
        contact_name: clean(&f.contact_name),
        contact_phone: clean(&f.contact_phone),
        dispatch: lead.map(|l| ActionInput {
            lead_unit_id: Some(l),
            assist_unit_ids: Some(
                f.assist_unit_ids
                    .iter()
                    .filter_map(|v| v.parse().ok())
                    .collect(),
            ),
            working_days: f
                .working_days
                .as_deref()
                .and_then(|v| v.trim().parse().ok()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

pub(super) async fn new_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<RaiseForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let input = raise_input(&f, &mut errors);
    let result = if errors.is_empty() {
        service::create(&s.db, &who, input, service::now()).await
    } else {
        Err(AppError::Validation(errors))
    };
    saved_or_page(
        result,
        |row| format!("/cases/{}", row.id),
        |errs| new_form(&s, &who, lang, f, errs),
    )
    .await
}

// --- the phone page for enterprise contacts ---------------------------------------------------------

#[derive(Template)]
#[template(path = "appeal.html")]
pub(super) struct AppealPage {
    lang: Lang,
    csrf: String,
    user_name: String,
    enterprise: String,
    categories: Vec<Opt>,
    form: RaiseForm,
    errors: Vec<FieldError>,
    mine: Vec<CaseView>,
    done: Option<String>,
}

impl AppealPage {
    fn lang(&self) -> Lang {
        self.lang
    }
    fn error(&self, field: &str) -> String {
        field_errors(&self.errors, field, self.lang())
    }
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        text(v)
    }
}

#[derive(Deserialize)]
pub(super) struct DoneQuery {
    done: Option<String>,
}

pub(super) async fn appeal_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: RaiseForm,
    errors: Vec<FieldError>,
    done: Option<String>,
) -> AppResult<AppealPage> {
    who.require(perm::CASE_RAISE)?;
    let enterprise = match who.enterprise_id {
        Some(id) => enterprises::Entity::find_by_id(id)
            .one(&s.db)
            .await?
            .map(|e| e.name),
        None => None,
    }
    .unwrap_or_default();
    let categories = kinds::list(&s.db)
        .await?
        .into_iter()
        .find(|k| k.code == "enterprise_appeal")
        .map(|k| {
            k.categories
                .into_iter()
                .filter(|c| c.active)
                .map(|c| opt(&c.code, lang.pick(&c.name_zh, &c.name_en)))
                .collect()
        })
        .unwrap_or_default();
    let f = CaseFilter {
        kind: Some("enterprise_appeal".into()),
        enterprise_id: who.enterprise_id,
        ..Default::default()
    };
    let mine = if who.can(perm::CASE_LIST) {
        let page = service::list(&s.db, who, &f, Paging::new(1, 20)).await?;
        service::views(&s.db, page.items, lang).await?
    } else {
        Vec::new()
    };
    Ok(AppealPage {
        lang,
        csrf: who.csrf_token.clone(),
        user_name: who.display_name.clone(),
        enterprise,
        categories,
        form,
        errors,
        mine,
        done,
    })
}

pub(super) async fn appeal_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<DoneQuery>,
) -> AppResult<Response> {
    if who.enterprise_id.is_none() {
        // Staff raise cases (for any enterprise) on the full form.
        return Ok(Redirect::to("/cases/new").into_response());
    }
    Ok(render(
        &appeal_view(&s, &who, lang, RaiseForm::default(), Vec::new(), q.done).await?,
    ))
}

pub(super) async fn appeal_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<RaiseForm>,
) -> AppResult<Response> {
    let input = CaseInput {
        kind: Some("enterprise_appeal".into()),
        category: f.category.clone().filter(|v| !v.is_empty()),
        title: f.title.clone(),
        description: f.description.clone(),
        contact_phone: f.contact_phone.clone().filter(|v| !v.is_empty()),
        contact_name: Some(who.display_name.clone()).filter(|v| !v.is_empty()),
        source: Some("online".into()),
        ..Default::default()
    };
    let result = service::create(&s.db, &who, input, service::now()).await;
    saved_or_page(
        result,
        |row| format!("/appeal?done={}", row.number),
        |errs| appeal_view(&s, &who, lang, f, errs, None),
    )
    .await
}
