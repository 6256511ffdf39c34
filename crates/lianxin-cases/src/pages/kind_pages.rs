//! Case kinds and their categories (system management).

use super::*;

#[derive(Template)]
#[template(path = "case_kinds.html")]
pub(super) struct KindsPage {
    ctx: PageCtx,
    kinds: Vec<KindView>,
    subjects: Vec<Opt>,
    /// The roles a kind may be limited to ("who may raise"), ticked on each kind.
    roles: Vec<Opt>,
    /// Where Open311 appeals for unregistered enterprises go (changed under 参数设置).
    intake_unit: String,
    error: Option<String>,
}

pub(super) async fn kinds_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    who.require(perm::CASE_KINDS)?;
    Ok(render_status(
        status,
        &KindsPage {
            ctx: PageCtx::new(
                who,
                lang,
                "case_kinds",
                lang.pick("事项类型与时限", "Case kinds and time limits"),
            ),
            kinds: kinds::list(&s.db).await?,
            subjects: codes(crate::SUBJECTS, lang),
            roles: lianxin_kernel::entities::roles::Entity::find()
                .order_by_asc(lianxin_kernel::entities::roles::Column::Id)
                .all(&s.db)
                .await?
                .into_iter()
                .map(|r| opt(&r.code, lang.pick(&r.name_zh, &r.name_en)))
                .collect(),
            intake_unit: crate::open311::intake_unit(&s.db).await?.name,
            error,
        },
    ))
}

pub(super) async fn kinds_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
) -> AppResult<Response> {
    kinds_view(&s, &who, lang, None, StatusCode::OK).await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct KindForm {
    code: Option<String>,
    name_zh: Option<String>,
    name_en: Option<String>,
    subject: Option<String>,
    working_days: Option<String>,
    response_working_days: Option<String>,
    urgent_hours: Option<String>,
    urgent_response_hours: Option<String>,
    needs_verification: Option<String>,
    /// The roles ticked ("who may raise"); none ticked: anyone who may raise cases.
    #[serde(default)]
    raise_roles: Vec<String>,
    active: Option<String>,
    description: Option<String>,
}

impl KindForm {
    fn input(&self, errors: &mut Vec<FieldError>) -> kinds::KindInput {
        let int = |errors: &mut Vec<FieldError>, f: &str, v: &Option<String>| {
            num(errors, f, v.as_deref()).map(|n| n.clamp(-1, 100_000) as i32)
        };
        kinds::KindInput {
            code: self.code.clone().filter(|v| !v.is_empty()),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            subject: self.subject.clone().filter(|v| !v.is_empty()),
            working_days: int(errors, "working_days", &self.working_days),
            response_working_days: int(
                errors,
                "response_working_days",
                &self.response_working_days,
            ),
            urgent_hours: int(errors, "urgent_hours", &self.urgent_hours),
            urgent_response_hours: int(
                errors,
                "urgent_response_hours",
                &self.urgent_response_hours,
            ),
            needs_verification: Some(self.needs_verification.is_some()),
            raise_roles: Some(self.raise_roles.clone()),
            active: Some(self.active.is_some()),
        }
    }
}

pub(super) async fn kind_done(
    s: &Core,
    who: &Principal,
    lang: Lang,
    r: AppResult<()>,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(Redirect::to("/system/case-kinds").into_response()),
        Err(e @ AppError::Validation(_)) => {
            let msg = lianxin_kernel::web::refusal_text(&e, lang);
            kinds_view(s, who, lang, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

pub(super) async fn kind_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<KindForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let mut input = f.input(&mut errors);
    input.active = None;
    let r = if errors.is_empty() {
        kinds::create_kind(&s.db, &who, input).await.map(|_| ())
    } else {
        Err(AppError::Validation(errors))
    };
    kind_done(&s, &who, lang, r).await
}

pub(super) async fn kind_update(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<KindForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let mut input = f.input(&mut errors);
    input.code = None;
    let r = if errors.is_empty() {
        kinds::update_kind(&s.db, &who, id, input).await.map(|_| ())
    } else {
        Err(AppError::Validation(errors))
    };
    kind_done(&s, &who, lang, r).await
}

pub(super) async fn category_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<KindForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let input = kinds::CategoryInput {
        code: f.code.clone(),
        name_zh: f.name_zh.clone(),
        name_en: f.name_en.clone(),
        description: f.description.clone(),
        working_days: num(&mut errors, "working_days", f.working_days.as_deref())
            .map(|n| n.clamp(-1, 100_000) as i32),
    };
    let r = if errors.is_empty() {
        kinds::create_category(&s.db, &who, id, input)
            .await
            .map(|_| ())
    } else {
        Err(AppError::Validation(errors))
    };
    kind_done(&s, &who, lang, r).await
}
