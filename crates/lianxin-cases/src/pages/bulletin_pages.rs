//! 督查通报: bulletins from draft to issued, numbered, as .docx and .xlsx.

use super::*;

/// `/bulletins?q=&kind=&status=&year=&sort=&order=&page=&page_size=` (and `ids=` for the
/// export).
#[derive(Debug, Default, Deserialize)]
pub(super) struct BulletinsQuery {
    q: Option<String>,
    kind: Option<String>,
    status: Option<String>,
    year: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    ids: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

impl BulletinsQuery {
    /// The list's filter; a year that is not a number is a 422 naming `year`.
    fn filter(&self) -> AppResult<bulletins::BulletinFilter> {
        let nonempty = |v: &Option<String>| crate::text::clean(v.clone());
        Ok(bulletins::BulletinFilter {
            q: nonempty(&self.q),
            kind: nonempty(&self.kind),
            status: nonempty(&self.status),
            year: crate::text::query_value::<i32>("year", self.year.as_deref())?,
            sort: nonempty(&self.sort),
            order: nonempty(&self.order),
            ids: nonempty(&self.ids),
        })
    }

    /// The filter as the list's links and export carry it.
    fn filter_query(&self) -> String {
        let nonempty = |v: &Option<String>| crate::text::clean(v.clone());
        lianxin_kernel::web::widgets::query_string(&[
            ("q", nonempty(&self.q)),
            ("kind", nonempty(&self.kind)),
            ("status", nonempty(&self.status)),
            ("year", nonempty(&self.year)),
        ])
    }
}

/// A choice of a list's filter: its value, its label, whether it is the one chosen.
pub(super) struct Choice {
    value: String,
    label: String,
    chosen: bool,
}

#[derive(Template)]
#[template(path = "bulletins.html")]
pub(super) struct BulletinsPage {
    ctx: PageCtx,
    rows: Vec<BulletinView>,
    columns: Vec<lianxin_kernel::web::widgets::Column>,
    list: lianxin_kernel::web::widgets::ListCtl,
    export_href: String,
    can_edit: bool,
    /// The number the next bulletin issued gets, as the pattern produces it.
    next_number: String,
    /// The filter as shown.
    q: String,
    year: String,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
}

impl BulletinsPage {
    fn shown_columns(&self) -> usize {
        self.columns.iter().filter(|c| self.list.shows(c)).count()
            + usize::from(self.list.has_batch())
    }
    fn status_label(&self, b: &BulletinView) -> &'static str {
        bulletins::status_label(&b.status, self.ctx.lang)
    }
}

pub(super) async fn bulletins_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    lianxin_kernel::http::ApiQuery(q): lianxin_kernel::http::ApiQuery<BulletinsQuery>,
) -> AppResult<Response> {
    use lianxin_kernel::web::widgets::{BatchAction, Column, ListCtl};
    let f = q.filter()?;
    let sort = bulletins::sort_of(&f)?;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let page = bulletins::list(&s.db, &who, &f, paging, lang).await?;
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "bulletins").await?;
    let list = ListCtl::new(
        "bulletins",
        "/bulletins",
        q.filter_query(),
        sort,
        paging,
        page.total,
        hidden,
    );
    let export_href = list.export_href("/bulletins/export.xlsx");
    let can_edit = who.can(perm::BULLETIN_EDIT);
    // Drafts can be deleted (an issued bulletin never); the batch is all or none.
    let mut batch = vec![BatchAction::export(lang, export_href.clone())];
    if can_edit {
        batch.push(BatchAction::delete(
            lang,
            "/bulletins/batch-delete".to_owned(),
        ));
    }
    let list = list.with_batch(batch);
    let columns = vec![
        Column::new("number", lang.pick("文号", "Number")).sorts("number"),
        Column::new("title", lang.pick("标题", "Title")).sorts("title"),
        Column::new("kind", lang.pick("类型", "Kind")),
        Column::new("status", lang.pick("状态", "Status")).sorts("status"),
        Column::new("issued_at", lang.pick("签发时间", "Issued")).sorts("issued_at"),
    ];
    Ok(render(&BulletinsPage {
        ctx: PageCtx::new(&who, lang, "bulletins", lang.pick("督查通报", "Bulletins")),
        rows: page.items,
        columns,
        list,
        export_href,
        can_edit,
        next_number: bulletins::next_number(&s.db).await?,
        q: q.q.clone().unwrap_or_default(),
        year: q.year.clone().unwrap_or_default(),
        kinds: bulletins::KINDS
            .entries()
            .into_iter()
            .map(|e| Choice {
                chosen: f.kind.as_deref() == Some(e.code.as_str()),
                label: e.label(lang).to_owned(),
                value: e.code,
            })
            .collect(),
        statuses: ["draft", "issued"]
            .into_iter()
            .map(|code| Choice {
                chosen: f.status.as_deref() == Some(code),
                label: bulletins::status_label(code, lang).to_owned(),
                value: code.to_owned(),
            })
            .collect(),
    }))
}

/// `/bulletins/export.xlsx`: the bulletins the list shows with the same address (its order,
/// or the ticked `ids`).
pub(super) async fn bulletins_export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    lianxin_kernel::http::ApiQuery(q): lianxin_kernel::http::ApiQuery<BulletinsQuery>,
) -> AppResult<Response> {
    bulletins::export(&s.db, &who, &q.filter()?, lang).await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct BatchForm {
    ids: Option<String>,
}

/// `POST /bulletins/batch-delete` with the ticked `ids`: the drafts go, all or none (an
/// issued bulletin among them is a 409 that names it, and nothing is deleted).
pub(super) async fn bulletins_batch_delete(
    State(s): State<Core>,
    who: Principal,
    Form(f): Form<BatchForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let ids = crate::paging::parse_ids(&mut errors, "ids", f.ids.as_deref());
    let ids = match ids {
        Some(ids) if errors.is_empty() => ids,
        _ => {
            if errors.is_empty() {
                errors.push(FieldError::new(
                    "ids",
                    "required",
                    "请先勾选要处理的记录",
                    "tick the records first",
                ));
            }
            return Err(AppError::Validation(errors));
        }
    };
    bulletins::delete_many(&s.db, &who, &ids).await?;
    Ok(Redirect::to("/bulletins").into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct BulletinForm {
    kind: Option<String>,
    title: Option<String>,
    body: Option<String>,
    version: Option<i32>,
    #[serde(default)]
    i_case: Vec<String>,
    #[serde(default)]
    i_unit: Vec<String>,
    #[serde(default)]
    i_note: Vec<String>,
}

#[derive(Template)]
#[template(path = "bulletin_form.html")]
pub(super) struct BulletinFormPage {
    ctx: PageCtx,
    action: String,
    kinds: Vec<Opt>,
    units: Vec<Opt>,
    form: BulletinForm,
    errors: Vec<FieldError>,
    rows: Vec<usize>,
}

impl BulletinFormPage {
    fn lang(&self) -> Lang {
        self.ctx.lang
    }
    fn error(&self, field: &str) -> String {
        field_errors(&self.errors, field, self.lang())
    }
    fn v<'a>(&self, v: &'a Option<String>) -> &'a str {
        text(v)
    }
    fn at<'a>(&self, v: &'a [String], i: &usize) -> &'a str {
        nth(v, *i)
    }
}

pub(super) async fn bulletin_form(
    s: &Core,
    who: &Principal,
    lang: Lang,
    action: String,
    form: BulletinForm,
    errors: Vec<FieldError>,
) -> AppResult<BulletinFormPage> {
    who.require(perm::BULLETIN_EDIT)?;
    let rows = (0..(form.i_unit.len().max(form.i_case.len()) + 2).max(3)).collect();
    Ok(BulletinFormPage {
        ctx: PageCtx::new(
            who,
            lang,
            "bulletins",
            lang.pick("编辑通报", "Edit a bulletin"),
        ),
        action,
        kinds: codes(bulletins::KINDS, lang),
        units: unit_options(
            s,
            &[
                "department",
                "subdistrict",
                "town",
                "community",
                "village",
                "task_force",
                "service_team",
            ],
        )
        .await?,
        form,
        errors,
        rows,
    })
}

#[derive(Deserialize)]
pub(super) struct NewBulletinQuery {
    case_id: Option<i64>,
}

pub(super) async fn bulletin_new(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Query(q): Query<NewBulletinQuery>,
) -> AppResult<Response> {
    let mut form = BulletinForm {
        kind: Some("criticism".into()),
        ..Default::default()
    };
    if let Some(id) = q.case_id {
        let d = service::detail(&s.db, &who, id, lang).await?;
        form.title = Some(
            lang.pick("关于事项办理不力的通报", "On slow handling of cases")
                .into(),
        );
        form.i_case.push(d.case.number.clone());
        form.i_unit.push(
            d.case
                .lead_unit
                .map(|u| u.id.to_string())
                .unwrap_or_default(),
        );
        form.i_note.push(format!(
            "{}，期限 {}，{}",
            d.case.title,
            t(&d.case.deadline),
            d.case.status_label
        ));
    }
    Ok(render(
        &bulletin_form(&s, &who, lang, "/bulletins/new".into(), form, Vec::new()).await?,
    ))
}

pub(super) async fn bulletin_input(
    s: &Core,
    f: &BulletinForm,
    errors: &mut Vec<FieldError>,
) -> AppResult<BulletinInput> {
    let mut items = Vec::new();
    let n = f.i_unit.len().max(f.i_case.len());
    for i in 0..n {
        let case = f.i_case.get(i).map(|v| v.trim()).filter(|v| !v.is_empty());
        let unit = f.i_unit.get(i).map(|v| v.trim()).filter(|v| !v.is_empty());
        if case.is_none() && unit.is_none() {
            continue;
        }
        // A case is named by its number (or id).
        let case_id = match case {
            None => None,
            Some(v) => {
                let found = crate::entities::cases::Entity::find()
                    .filter(crate::entities::cases::Column::Number.eq(v))
                    .one(&s.db)
                    .await?
                    .map(|c| c.id)
                    .or_else(|| v.parse().ok());
                if found.is_none() {
                    errors.push(FieldError::new(
                        &format!("items[{i}].case_id"),
                        "unknown",
                        "事项编号不存在",
                        "no case with that number",
                    ));
                }
                found
            }
        };
        items.push(BulletinItemInput {
            case_id,
            unit_id: unit.and_then(|u| u.parse().ok()),
            note: f.i_note.get(i).cloned(),
        });
    }
    Ok(BulletinInput {
        kind: f.kind.clone(),
        title: f.title.clone(),
        body: f.body.clone(),
        version: f.version,
        items,
    })
}

pub(super) async fn bulletin_create(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<BulletinForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let input = bulletin_input(&s, &f, &mut errors).await?;
    let result = if errors.is_empty() {
        bulletins::create(&s.db, &who, input, service::now()).await
    } else {
        Err(AppError::Validation(errors))
    };
    saved_or_page(
        result,
        |b| format!("/bulletins/{}", b.id),
        |errs| bulletin_form(&s, &who, lang, "/bulletins/new".into(), f, errs),
    )
    .await
}

pub(super) async fn bulletin_edit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let b = bulletins::get(&s.db, &who, id, lang).await?;
    let form = BulletinForm {
        kind: Some(b.kind.clone()),
        title: Some(b.title.clone()),
        body: Some(b.body.clone()),
        version: Some(b.version),
        i_case: b
            .items
            .iter()
            .map(|i| i.case_number.clone().unwrap_or_default())
            .collect(),
        i_unit: b.items.iter().map(|i| i.unit.id.to_string()).collect(),
        i_note: b.items.iter().map(|i| i.note.clone()).collect(),
    };
    Ok(render(
        &bulletin_form(&s, &who, lang, format!("/bulletins/{id}"), form, Vec::new()).await?,
    ))
}

pub(super) async fn bulletin_save(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    Form(f): Form<BulletinForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let input = bulletin_input(&s, &f, &mut errors).await?;
    let result = if errors.is_empty() {
        bulletins::update(&s.db, &who, id, input, service::now()).await
    } else {
        Err(AppError::Validation(errors))
    };
    saved_or_page(
        result,
        |_| format!("/bulletins/{id}"),
        |errs| bulletin_form(&s, &who, lang, format!("/bulletins/{id}"), f, errs),
    )
    .await
}

#[derive(Template)]
#[template(path = "bulletin_detail.html")]
pub(super) struct BulletinDetailPage {
    ctx: PageCtx,
    b: BulletinView,
    can_edit: bool,
    can_issue: bool,
    paragraphs: Vec<String>,
}

pub(super) async fn bulletin_detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let b = bulletins::get(&s.db, &who, id, lang).await?;
    let draft = b.status == "draft";
    Ok(render(&BulletinDetailPage {
        ctx: PageCtx::new(&who, lang, "bulletins", b.title.clone()),
        paragraphs: b
            .body
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        can_edit: draft && who.can(perm::BULLETIN_EDIT),
        can_issue: draft && who.can(perm::BULLETIN_ISSUE),
        b,
    }))
}

#[derive(Deserialize)]
pub(super) struct VersionForm {
    version: Option<i32>,
}

pub(super) async fn bulletin_issue(
    State(s): State<Core>,
    who: Principal,
    IdPath(id): IdPath,
    Form(f): Form<VersionForm>,
) -> AppResult<Response> {
    bulletins::issue(&s.db, &who, id, f.version, service::now()).await?;
    Ok(Redirect::to(&format!("/bulletins/{id}")).into_response())
}

pub(super) async fn bulletin_docx(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    crate::api::bulletin_file(&s, &who, lang, id, true).await
}

pub(super) async fn bulletin_xlsx(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Path(id): Path<i64>,
) -> AppResult<Response> {
    crate::api::bulletin_file(&s, &who, lang, id, false).await
}
