//! Case kinds and their categories (system management).

use super::*;

/// The list of kinds (the list widget: columns shown or hidden per user) with the form that
/// adds one.
#[derive(Template)]
#[template(path = "case_kinds.html")]
pub(super) struct KindsPage {
    ctx: PageCtx,
    kinds: Vec<KindView>,
    columns: Vec<lianxin_kernel::web::widgets::Column>,
    list: lianxin_kernel::web::widgets::ListCtl,
    subjects: Vec<Opt>,
    /// Role code → name, for the "who may raise" column.
    roles: Vec<Opt>,
    /// Where Open311 appeals for unregistered enterprises go (changed under 参数设置).
    intake_unit: String,
    error: Option<String>,
}

impl KindsPage {
    fn shown_columns(&self) -> usize {
        self.columns.iter().filter(|c| self.list.shows(c)).count()
    }
    fn subject_label(&self, k: &KindView) -> String {
        label(crate::SUBJECTS, &k.subject, self.ctx.lang)
    }
    fn raisers(&self, k: &KindView) -> String {
        if k.raise_roles.is_empty() {
            return self.ctx.lang.pick("不限", "Anyone").to_owned();
        }
        k.raise_roles
            .iter()
            .map(|r| {
                self.roles
                    .iter()
                    .find(|o| &o.value == r)
                    .map(|o| o.label.clone())
                    .unwrap_or_else(|| r.clone())
            })
            .collect::<Vec<_>>()
            .join(self.ctx.lang.pick("、", ", "))
    }
}

/// One kind: its time limits, who may raise it, and its categories.
#[derive(Template)]
#[template(path = "case_kind.html")]
pub(super) struct KindPage {
    ctx: PageCtx,
    k: KindView,
    subjects: Vec<Opt>,
    /// The roles a kind may be limited to ("who may raise"), ticked on each kind.
    roles: Vec<Opt>,
    error: Option<String>,
}

/// The list's columns: (key, Chinese, English).
const KIND_COLUMNS: &[(&str, &str, &str)] = &[
    ("code", "编码", "Code"),
    ("name", "名称", "Name"),
    ("name_en", "英文名称", "English name"),
    ("subject", "对象", "Subject"),
    ("working_days", "办理时限（工作日）", "Working days"),
    (
        "response_working_days",
        "签收时限（工作日）",
        "Accept within",
    ),
    ("urgent_hours", "紧急办理（小时）", "Urgent (hours)"),
    ("verification", "须督查组核验", "Verified"),
    ("raisers", "可登记角色", "Who may raise"),
    ("categories", "类别数", "Categories"),
    ("active", "状态", "State"),
];

async fn role_options(s: &Core, lang: Lang) -> AppResult<Vec<Opt>> {
    Ok(lianxin_kernel::entities::roles::Entity::find()
        .order_by_asc(lianxin_kernel::entities::roles::Column::Id)
        .all(&s.db)
        .await?
        .into_iter()
        .map(|r| opt(&r.code, lang.pick(&r.name_zh, &r.name_en)))
        .collect())
}

pub(super) async fn kinds_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    who.require(perm::CASE_KINDS)?;
    let kinds = kinds::list(&s.db).await?;
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "case_kinds").await?;
    Ok(render_status(
        status,
        &KindsPage {
            ctx: PageCtx::new(
                who,
                lang,
                "case_kinds",
                lang.pick("事项类型与时限", "Case kinds and time limits"),
            ),
            columns: KIND_COLUMNS
                .iter()
                .map(|(k, zh, en)| lianxin_kernel::web::widgets::Column::new(k, lang.pick(zh, en)))
                .collect(),
            list: lianxin_kernel::web::widgets::ListCtl::whole(
                "case_kinds",
                "/system/case-kinds",
                kinds.len() as u64,
                hidden,
            ),
            kinds,
            subjects: codes(crate::SUBJECTS, lang),
            roles: role_options(s, lang).await?,
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

async fn kind_view(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    who.require(perm::CASE_KINDS)?;
    let k = kinds::list(&s.db)
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or(AppError::NotFound)?;
    Ok(render_status(
        status,
        &KindPage {
            ctx: PageCtx::new(
                who,
                lang,
                "case_kinds",
                format!(
                    "{} · {}",
                    lang.pick("事项类型与时限", "Case kinds and time limits"),
                    lang.pick(&k.name_zh, &k.name_en)
                ),
            ),
            k,
            subjects: codes(crate::SUBJECTS, lang),
            roles: role_options(s, lang).await?,
            error,
        },
    ))
}

pub(super) async fn kind_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    kind_view(&s, &who, lang, id, None, StatusCode::OK).await
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

/// After a post: back to the kind's page (`Some(id)`) or the list, or the same page again
/// with why it was refused.
pub(super) async fn kind_done(
    s: &Core,
    who: &Principal,
    lang: Lang,
    kind: Option<i64>,
    r: AppResult<()>,
) -> AppResult<Response> {
    match (r, kind) {
        (Ok(()), Some(id)) => Ok(Redirect::to(&format!("/system/case-kinds/{id}")).into_response()),
        (Ok(()), None) => Ok(Redirect::to("/system/case-kinds").into_response()),
        (Err(e @ AppError::Validation(_)), kind) => {
            let msg = lianxin_kernel::web::refusal_text(&e, lang);
            match kind {
                Some(id) => {
                    kind_view(
                        s,
                        who,
                        lang,
                        id,
                        Some(msg),
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
                None => kinds_view(s, who, lang, Some(msg), StatusCode::UNPROCESSABLE_ENTITY).await,
            }
        }
        (Err(e), _) => Err(e),
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
    kind_done(&s, &who, lang, None, r).await
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
    kind_done(&s, &who, lang, Some(id), r).await
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
    kind_done(&s, &who, lang, Some(id), r).await
}
