//! The case page: its timeline, the forms the caller may use now, actions and files.

use super::*;

pub struct TimelineItem {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub action_label: String,
    pub unit: String,
    pub note: String,
    pub detail: String,
}

/// What the caller may do now (each renders as a form on the case page).
#[derive(Default)]
pub struct Allowed {
    pub dispatch: bool,
    pub accept: bool,
    pub handle: bool,
    pub resolve: bool,
    pub extend: bool,
    pub reply: bool,
    pub revisit: bool,
    pub close: bool,
    pub reopen: bool,
    pub escalate: bool,
    pub approve: bool,
    pub link_enterprise: bool,
    pub reject: bool,
    pub merge: bool,
    pub bulletin: bool,
    /// Why the caller's department cannot resolve yet (shown where the form would be).
    pub resolve_blocked: Option<String>,
    /// An administrator without a unit picks which department to act for.
    pub acting_units: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "case_detail.html")]
pub(super) struct DetailPage {
    ctx: PageCtx,
    case: CaseView,
    attachments: Vec<crate::attachments::AttachmentView>,
    timeline: Vec<TimelineItem>,
    allowed: Allowed,
    units: Vec<Opt>,
    /// The lead department the category suggests (the one that led its cases most often).
    suggested_lead: Option<i64>,
    /// Open cases this one may be merged into.
    merge_into: Vec<Opt>,
    satisfactions: Vec<Opt>,
    error: Option<String>,
    errors: Vec<String>,
    /// What the caller typed into the form the engine refused, shown again in it.
    typed: Option<ActForm>,
}

impl DetailPage {
    fn code_label(&self, what: &str, code: &str) -> String {
        let list = match what {
            "source" => crate::SOURCES,
            "priority" => crate::PRIORITIES,
            _ => crate::SATISFACTIONS,
        };
        label(list, code, self.ctx.lang)
    }
    /// What was typed into `field` of the refused `action`'s form (empty otherwise).
    fn typed(&self, action: &str, field: &str) -> String {
        let Some(t) = self
            .typed
            .as_ref()
            .filter(|t| t.action.as_deref() == Some(action))
        else {
            return String::new();
        };
        match field {
            "note" => t.note.clone(),
            "solution" => t.solution.clone(),
            "working_days" => t.working_days.clone(),
            "lead_task" => t.lead_task.clone(),
            "assist_task" => t.assist_task.clone(),
            "lead_unit_id" => t.lead_unit_id.clone(),
            "into_case_id" => t.into_case_id.clone(),
            _ => None,
        }
        .unwrap_or_default()
    }
    /// The lead chosen in a refused dispatch, else the category's suggestion.
    fn lead_chosen(&self, value: &str) -> bool {
        let typed = self.typed("dispatch", "lead_unit_id");
        if typed.is_empty() {
            self.suggested_lead.is_some_and(|l| l.to_string() == value)
        } else {
            typed == value
        }
    }
    fn assist_chosen(&self, value: &str) -> bool {
        self.typed
            .as_ref()
            .filter(|t| t.action.as_deref() == Some("dispatch"))
            .is_some_and(|t| t.assist_unit_ids.iter().any(|v| v == value))
    }
    fn assist_text(&self, value: &str) -> String {
        self.typed
            .as_ref()
            .filter(|t| t.action.as_deref() == Some("dispatch"))
            .and_then(|t| {
                t.assist_task_unit
                    .iter()
                    .position(|u| u == value)
                    .and_then(|i| t.assist_task_text.get(i).cloned())
            })
            .unwrap_or_default()
    }
    fn assignment_status(&self, s: &crate::engine::Progress) -> &'static str {
        use crate::engine::Progress;
        let lang = self.ctx.lang;
        match s {
            Progress::Pending => lang.pick("待签收", "To accept"),
            Progress::Accepted => lang.pick("办理中", "In progress"),
            Progress::Resolved => lang.pick("已办结", "Resolved"),
        }
    }
}

pub(super) fn event_detail(data: &serde_json::Value, lang: Lang) -> String {
    let mut parts = Vec::new();
    let time = |k: &str| {
        data.get(k)
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<DateTime<Utc>>().ok())
            .map(|d| lianxin_kernel::web::widgets::local_deadline(&d))
    };
    if let Some(d) = time("deadline") {
        parts.push(format!("{}{d}", lang.pick("期限：", "deadline: ")));
    }
    if let Some(s) = data.get("satisfaction").and_then(|v| v.as_str()) {
        parts.push(label(crate::SATISFACTIONS, s, lang));
    }
    if let Some(b) = data.get("solved").and_then(|v| v.as_bool()) {
        parts.push(
            if b {
                lang.pick("问题已解决", "solved")
            } else {
                lang.pick("问题未解决", "not solved")
            }
            .into(),
        );
    }
    if data.get("reopened").and_then(|v| v.as_bool()) == Some(true) {
        parts.push(lang.pick("重办", "reopened").into());
    }
    if let Some(s) = data.get("solution").and_then(|v| v.as_str()) {
        parts.push(s.to_owned());
    }
    if let Some(b) = data.get("approved").and_then(|v| v.as_bool()) {
        parts.push(
            if b {
                lang.pick("同意延期", "extension granted")
            } else {
                lang.pick("不同意延期", "extension refused")
            }
            .into(),
        );
    }
    parts.join("；")
}

/// The forms of the case page: exactly the engine's `allowed_actions` of the case view.
pub(super) fn allowed_for(who: &Principal, d: &CaseDetail, lang: Lang) -> Allowed {
    use crate::engine::Action;
    let has = |a: Action| d.allowed_actions.contains(&a);
    let case = &d.case;
    // An administrator without an assignment of their own picks the department to act for.
    let admin_acting = who.can(perm::ALL)
        && !case
            .assignments
            .iter()
            .any(|a| who.unit_id == Some(a.unit.id));
    Allowed {
        dispatch: has(Action::Dispatch),
        accept: has(Action::Accept),
        handle: has(Action::Return),
        resolve: has(Action::Resolve),
        extend: has(Action::Extend),
        reply: has(Action::Reply),
        revisit: has(Action::Revisit),
        close: has(Action::Close),
        reopen: has(Action::Reopen),
        escalate: has(Action::Escalate),
        approve: has(Action::ApproveExtension),
        link_enterprise: has(Action::LinkEnterprise),
        reject: has(Action::Reject),
        merge: has(Action::Merge),
        bulletin: who.can(perm::BULLETIN_EDIT) && case.lead_unit.is_some(),
        resolve_blocked: d
            .resolve_blocked
            .as_ref()
            .map(|[zh, en]| lang.pick(zh, en).to_owned()),
        acting_units: if admin_acting {
            case.assignments
                .iter()
                .map(|a| {
                    opt(
                        a.unit.id,
                        format!(
                            "{}（{}）",
                            a.unit.name,
                            if a.role == crate::engine::Role::Lead {
                                lang.pick("牵头", "lead")
                            } else {
                                lang.pick("协办", "assisting")
                            }
                        ),
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn detail_response(
    s: &Core,
    who: &Principal,
    lang: Lang,
    d: CaseDetail,
    status: StatusCode,
    error: Option<String>,
    errors: Vec<String>,
    typed: Option<ActForm>,
) -> AppResult<Response> {
    let allowed = allowed_for(who, &d, lang);
    let timeline = d
        .events
        .iter()
        .rev()
        .map(|e| TimelineItem {
            at: local_time(&e.at),
            actor: e.actor.clone(),
            action: e.action.clone(),
            action_label: e.action_label.clone(),
            unit: e.unit.as_ref().map(|u| u.name.clone()).unwrap_or_default(),
            note: e.note.clone().unwrap_or_default(),
            detail: {
                let mut d = event_detail(&e.data, lang);
                if !e.assist_units.is_empty() {
                    let names: Vec<&str> = e.assist_units.iter().map(|u| u.name.as_str()).collect();
                    let assists = format!(
                        "{}{}",
                        lang.pick("协办：", "assisting: "),
                        names.join(lang.pick("、", ", "))
                    );
                    d = if d.is_empty() {
                        assists
                    } else {
                        format!("{assists}；{d}")
                    };
                }
                if let Some(n) = e.data.get("into_number").and_then(|v| v.as_str()) {
                    let merged = format!("{}{n}", lang.pick("合并到 ", "merged into "));
                    d = if d.is_empty() {
                        merged
                    } else {
                        format!("{merged}；{d}")
                    };
                }
                d
            },
        })
        .collect();
    let (units, suggested_lead) = if allowed.dispatch {
        (
            unit_options(s, HANDLING_UNITS).await?,
            service::suggested_lead(&s.db, d.case.category.as_deref()).await?,
        )
    } else {
        (Vec::new(), None)
    };
    let merge_into = if allowed.merge {
        service::merge_candidates(&s.db, who, &d.case)
            .await?
            .into_iter()
            .map(|c| {
                opt(
                    c.id,
                    format!(
                        "{} {}（{}）",
                        c.number,
                        c.title,
                        label(crate::STATUSES, &c.status, lang)
                    ),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let title = format!("{} {}", d.case.number, d.case.title);
    let mut ctx = PageCtx::new(who, lang, "cases", title);
    ctx.warnings.extend(crate::calendar::missing_years_notice(
        &d.calendar_missing_years,
        lang,
    ));
    let page = DetailPage {
        ctx,
        case: d.case,
        attachments: d.attachments,
        timeline,
        allowed,
        units,
        suggested_lead,
        merge_into,
        satisfactions: codes(crate::SATISFACTIONS, lang),
        error,
        errors,
        typed,
    };
    Ok(render_status(status, &page))
}

pub(super) async fn detail_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let d = service::detail(&s.db, &who, id, lang).await?;
    detail_response(&s, &who, lang, d, StatusCode::OK, None, Vec::new(), None).await
}

#[derive(Debug, Default, Clone, Deserialize)]
pub(super) struct ActForm {
    action: Option<String>,
    version: Option<i32>,
    note: Option<String>,
    lead_unit_id: Option<String>,
    #[serde(default)]
    assist_unit_ids: Vec<String>,
    lead_task: Option<String>,
    assist_task: Option<String>,
    /// Each assisting department's own task: the unit ids and the texts, in the same order
    /// (the form has a row per department).
    #[serde(default)]
    assist_task_unit: Vec<String>,
    #[serde(default)]
    assist_task_text: Vec<String>,
    /// merge: the case this one duplicates.
    into_case_id: Option<String>,
    working_days: Option<String>,
    hours: Option<String>,
    unit_id: Option<String>,
    solution: Option<String>,
    satisfaction: Option<String>,
    solved: Option<String>,
    /// resolve: 零跑腿 (a checkbox).
    zero_trip: Option<String>,
    approve: Option<String>,
    /// link_enterprise: the credit code of the registered enterprise.
    enterprise_uscc: Option<String>,
}

pub(super) fn num(errors: &mut Vec<FieldError>, field: &str, v: Option<&str>) -> Option<i64> {
    crate::text::parse_int(errors, field, v, field, field)
}

impl ActForm {
    fn into_input(self) -> Result<ActionInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        // A task typed for a department that is not ticked as assisting is not sent.
        let assist_tasks: std::collections::BTreeMap<String, String> = self
            .assist_task_unit
            .iter()
            .zip(&self.assist_task_text)
            .filter(|(u, t)| !t.trim().is_empty() && self.assist_unit_ids.contains(u))
            .map(|(u, t)| (u.clone(), t.clone()))
            .collect();
        let input = ActionInput {
            action: self.action,
            version: self.version,
            note: self.note,
            lead_unit_id: num(&mut errors, "lead_unit_id", self.lead_unit_id.as_deref()),
            assist_unit_ids: Some(
                self.assist_unit_ids
                    .iter()
                    .filter_map(|v| num(&mut errors, "assist_unit_ids", Some(v)))
                    .collect(),
            ),
            lead_task: self.lead_task,
            assist_task: self.assist_task,
            assist_tasks: (!assist_tasks.is_empty()).then_some(assist_tasks),
            into_case_id: num(&mut errors, "into_case_id", self.into_case_id.as_deref()),
            working_days: num(&mut errors, "working_days", self.working_days.as_deref()),
            hours: num(&mut errors, "hours", self.hours.as_deref()),
            unit_id: num(&mut errors, "unit_id", self.unit_id.as_deref()),
            solution: self.solution,
            satisfaction: self.satisfaction.filter(|s| !s.is_empty()),
            solved: self
                .solved
                .as_deref()
                .map(|v| matches!(v, "true" | "1" | "on" | "yes")),
            approve: self.approve.as_deref().map(|v| v == "true"),
            zero_trip: self
                .zero_trip
                .as_deref()
                .map(|v| matches!(v, "true" | "1" | "on" | "yes")),
            ..Default::default()
        };
        if errors.is_empty() {
            Ok(input)
        } else {
            Err(errors)
        }
    }
}

/// The case page again, with why the action was refused (409 or 422) above its forms.
pub(super) async fn refused_on_case_page(
    s: &Core,
    who: &Principal,
    lang: Lang,
    id: i64,
    e: &AppError,
    typed: Option<ActForm>,
) -> AppResult<Response> {
    let p = e.problem();
    let errors = p
        .errors
        .iter()
        .map(|fe| fe.message(lang).to_owned())
        .collect();
    let d = service::detail(&s.db, who, id, lang).await?;
    detail_response(
        s,
        who,
        lang,
        d,
        e.status(),
        Some(p.body(lang).detail),
        errors,
        typed,
    )
    .await
}

pub(super) async fn act_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<ActForm>,
) -> AppResult<Response> {
    // Linking names the enterprise by its credit code, as the appeal did.
    let uscc = crate::text::clean(f.enterprise_uscc.clone());
    let typed = f.clone();
    let result = match f.into_input() {
        Ok(mut input) => match uscc {
            Some(code) if input.action.as_deref() == Some("link_enterprise") => {
                match crate::registries::enterprises::by_uscc(&s.db, &code.to_uppercase()).await? {
                    Some(e) => {
                        input.enterprise_id = Some(e.id);
                        service::act(&s.db, &who, id, input, service::now()).await
                    }
                    None => Err(AppError::invalid(FieldError::new(
                        "enterprise_uscc",
                        "unknown",
                        "企业库中没有这个统一社会信用代码的企业，请先登记该企业",
                        "no enterprise with this credit code is registered; register it first",
                    ))),
                }
            }
            _ => service::act(&s.db, &who, id, input, service::now()).await,
        },
        Err(errs) => Err(AppError::Validation(errs)),
    };
    match result {
        Ok(row) => {
            // The caller may have acted the case out of their scope (a return): go to the list.
            if service::detail(&s.db, &who, row.id, lang).await.is_ok() {
                Ok(Redirect::to(&format!("/cases/{id}")).into_response())
            } else {
                Ok(Redirect::to("/cases").into_response())
            }
        }
        Err(
            e @ (AppError::Validation(_)
            | AppError::Conflict { .. }
            | AppError::ConflictWith { .. }),
        ) => refused_on_case_page(&s, &who, lang, id, &e, Some(typed)).await,
        Err(e) => Err(e),
    }
}

pub(super) async fn attach_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    let result = match lianxin_kernel::http::read_upload(mp).await {
        Ok((fields, files)) => {
            let version = fields.get("version").and_then(|v| v.trim().parse().ok());
            service::attach(
                &s.db,
                &who,
                id,
                version,
                fields.get("note").cloned(),
                files,
                service::now(),
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(
            e @ (AppError::Validation(_)
            | AppError::Conflict { .. }
            | AppError::ConflictWith { .. }),
        ) => refused_on_case_page(&s, &who, lang, id, &e, None).await,
        Err(e) => Err(e),
    }
}

pub(super) async fn attachment(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    crate::api::attachment_response(&s, &who, id).await
}

pub(super) async fn inspection_attach(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    mp: axum::extract::Multipart,
) -> AppResult<Response> {
    let (_, files) = lianxin_kernel::http::read_upload(mp).await?;
    crate::attachments::attach_to_inspection(&s.db, &who, id, files, service::now()).await?;
    Ok(Redirect::to(&format!("/inspections/{id}")).into_response())
}
