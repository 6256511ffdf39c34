//! Raising a case (登记事项), and the phone page on which an enterprise contact raises an appeal.

use super::*;
use crate::attachments::Upload;

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
    /// 紧急程度: the case priorities (一般, 紧急).
    priorities: Vec<Opt>,
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
    /// The urgency chosen (一般 unless the form said otherwise).
    fn priority_is(&self, code: &str) -> bool {
        self.form
            .priority
            .as_deref()
            .filter(|p| !p.is_empty())
            .unwrap_or("normal")
            == code
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
        priorities: codes(crate::PRIORITIES, lang),
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

/// The appeal form as the phone sends it: multipart with its photos (the page), or a plain
/// form without any.
async fn appeal_form(req: axum::extract::Request) -> AppResult<(RaiseForm, Vec<Upload>)> {
    use axum::extract::FromRequest;
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    if !multipart {
        let Form(f) = Form::<RaiseForm>::from_request(req, &())
            .await
            .map_err(|e| {
                AppError::invalid(FieldError::new(
                    "form",
                    "format",
                    "表单无法读取，请刷新页面后重新填写".to_owned(),
                    format!("the form cannot be read: {e}"),
                ))
            })?;
        return Ok((f, Vec::new()));
    }
    let mp = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|e| {
            AppError::invalid(FieldError::new(
                "photo",
                "multipart",
                "上传内容无法读取，请重新选择照片后再提交".to_owned(),
                format!("the upload cannot be read: {e}"),
            ))
        })?;
    let (mut fields, files) = lianxin_kernel::http::read_upload(mp).await?;
    let mut take = |k: &str| fields.remove(k);
    let f = RaiseForm {
        category: take("category"),
        title: take("title"),
        description: take("description"),
        contact_phone: take("contact_phone"),
        priority: take("priority"),
        ..Default::default()
    };
    Ok((f, files))
}

/// Photos of an appeal: images only, within the attachments' limits, checked before the
/// appeal is raised so that a refused photo raises nothing.
fn check_photos(files: &[Upload]) -> AppResult<()> {
    if files.is_empty() {
        return Ok(());
    }
    let renamed = |e: AppError| match e {
        AppError::Validation(errs) => AppError::Validation(
            errs.into_iter()
                .map(|mut e| {
                    e.field = "photo".into();
                    e
                })
                .collect(),
        ),
        e => e,
    };
    crate::attachments::validate(files).map_err(renamed)?;
    let not_images: Vec<FieldError> = files
        .iter()
        .filter(|u| !u.content_type.starts_with("image/"))
        .map(|u| {
            FieldError::new(
                "photo",
                "image",
                format!(
                    "“{}”不是照片（图片文件）",
                    crate::attachments::clean_filename(&u.filename)
                ),
                format!(
                    "'{}' is not a photo (an image file)",
                    crate::attachments::clean_filename(&u.filename)
                ),
            )
        })
        .collect();
    if not_images.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(not_images))
    }
}

pub(super) async fn appeal_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    req: axum::extract::Request,
) -> AppResult<Response> {
    let (f, photos) = appeal_form(req).await?;
    let input = CaseInput {
        kind: Some("enterprise_appeal".into()),
        category: f.category.clone().filter(|v| !v.is_empty()),
        title: f.title.clone(),
        description: f.description.clone(),
        contact_phone: f.contact_phone.clone().filter(|v| !v.is_empty()),
        contact_name: Some(who.display_name.clone()).filter(|v| !v.is_empty()),
        priority: f.priority.clone().filter(|v| !v.is_empty()),
        source: Some("online".into()),
        ..Default::default()
    };
    let result = async {
        check_photos(&photos)?;
        let row = service::create(&s.db, &who, input, service::now()).await?;
        if photos.is_empty() {
            return Ok(row);
        }
        // The photos join the new case as evidence, through the case's own attachments.
        let version = Some(row.version);
        service::attach(&s.db, &who, row.id, version, None, photos, service::now()).await
    }
    .await;
    saved_or_page(
        result,
        |row| format!("/appeal?done={}", row.number),
        |errs| appeal_view(&s, &who, lang, f, errs, None),
    )
    .await
}
