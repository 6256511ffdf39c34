//! 督查检查: inspections with their findings handed over on the spot.

use super::*;

/// `/inspections?q=&from=&to=&unit_id=&sort=&order=&page=&page_size=` (and `ids=` for the
/// export).
#[derive(Debug, Default, Deserialize)]
pub(super) struct InspectionsQuery {
    q: Option<String>,
    from: Option<String>,
    to: Option<String>,
    unit_id: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    ids: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

impl InspectionsQuery {
    /// The list's filter; a day that is not a date is a 422 naming `from` or `to`, a unit that
    /// is not a number one naming `unit_id`.
    fn filter(&self) -> AppResult<inspections::InspectionFilter> {
        let nonempty = |v: &Option<String>| crate::text::clean(v.clone());
        Ok(inspections::InspectionFilter {
            q: nonempty(&self.q),
            from: crate::text::query_value::<chrono::NaiveDate>("from", self.from.as_deref())?,
            to: crate::text::query_value::<chrono::NaiveDate>("to", self.to.as_deref())?,
            unit_id: crate::text::query_value::<i64>("unit_id", self.unit_id.as_deref())?,
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
            ("from", nonempty(&self.from)),
            ("to", nonempty(&self.to)),
            ("unit_id", nonempty(&self.unit_id)),
        ])
    }
}

/// The kinds of unit an inspection is of (the form's choice, the list's filter).
const INSPECTED_KINDS: &[&str] = &[
    "subdistrict",
    "town",
    "community",
    "village",
    "group",
    "department",
];

#[derive(Template)]
#[template(path = "inspections.html")]
pub(super) struct InspectionsPage {
    ctx: PageCtx,
    rows: Vec<InspectionView>,
    columns: Vec<lianxin_kernel::web::widgets::Column>,
    list: lianxin_kernel::web::widgets::ListCtl,
    export_href: String,
    can_add: bool,
    /// The filter as shown.
    q: String,
    from: String,
    to: String,
    unit_id: String,
    /// The units an inspection may be of, for the filter.
    units: Vec<Opt>,
}

impl InspectionsPage {
    fn shown_columns(&self) -> usize {
        self.columns.iter().filter(|c| self.list.shows(c)).count()
            + usize::from(self.list.has_batch())
    }
}

pub(super) async fn inspections_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    lianxin_kernel::http::ApiQuery(q): lianxin_kernel::http::ApiQuery<InspectionsQuery>,
) -> AppResult<Response> {
    use lianxin_kernel::web::widgets::{BatchAction, Column, ListCtl};
    let f = q.filter()?;
    let sort = inspections::sort_of(&f)?;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let page = inspections::list(&s.db, &who, &f, paging, lang).await?;
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "inspections").await?;
    let list = ListCtl::new(
        "inspections",
        "/inspections",
        q.filter_query(),
        sort,
        paging,
        page.total,
        hidden,
    );
    let export_href = list.export_href("/inspections/export.xlsx");
    let list = list.with_batch(vec![BatchAction::export(lang, export_href.clone())]);
    let columns = vec![
        Column::new("held_on", lang.pick("日期", "Date")).sorts("held_on"),
        Column::new("group", lang.pick("督查组", "Group")).sorts("group"),
        Column::new("inspected", lang.pick("被督查单位", "Unit inspected")).sorts("inspected"),
        Column::new("methods", lang.pick("方式", "Methods")),
        Column::new("place", lang.pick("地点", "Place")).sorts("place"),
        Column::new("findings", lang.pick("发现问题", "Findings")).numeric(),
    ];
    Ok(render(&InspectionsPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "inspections",
            lang.pick("督查检查", "Inspections"),
        ),
        rows: page.items,
        columns,
        list,
        export_href,
        can_add: who.can(perm::INSPECTION_ADD),
        q: q.q.clone().unwrap_or_default(),
        from: q.from.clone().unwrap_or_default(),
        to: q.to.clone().unwrap_or_default(),
        unit_id: q.unit_id.clone().unwrap_or_default(),
        units: unit_options(&s, INSPECTED_KINDS).await?,
    }))
}

/// `/inspections/export.xlsx`: the inspections the list shows with the same address (its
/// order, or the ticked `ids`).
pub(super) async fn inspections_export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    lianxin_kernel::http::ApiQuery(q): lianxin_kernel::http::ApiQuery<InspectionsQuery>,
) -> AppResult<Response> {
    inspections::export(&s.db, &who, &q.filter()?, lang).await
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct InspectionForm {
    group_unit_id: Option<String>,
    inspected_unit_id: Option<String>,
    held_on: Option<String>,
    place: Option<String>,
    #[serde(default)]
    methods: Vec<String>,
    attendees: Option<String>,
    summary: Option<String>,
    #[serde(default)]
    f_title: Vec<String>,
    #[serde(default)]
    f_category: Vec<String>,
    #[serde(default)]
    f_lead: Vec<String>,
    #[serde(default)]
    f_days: Vec<String>,
}

#[derive(Template)]
#[template(path = "inspection_new.html")]
pub(super) struct InspectionNewPage {
    ctx: PageCtx,
    groups: Vec<Opt>,
    units: Vec<Opt>,
    handling_units: Vec<Opt>,
    methods: Vec<Opt>,
    categories: Vec<Opt>,
    form: InspectionForm,
    errors: Vec<FieldError>,
    rows: Vec<usize>,
}

impl InspectionNewPage {
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
    fn checked(&self, m: &str) -> bool {
        self.form.methods.iter().any(|x| x == m)
    }
}

pub(super) async fn inspection_form(
    s: &Core,
    who: &Principal,
    lang: Lang,
    form: InspectionForm,
    errors: Vec<FieldError>,
) -> AppResult<InspectionNewPage> {
    who.require(perm::INSPECTION_ADD)?;
    let categories = kinds::list(&s.db)
        .await?
        .into_iter()
        .find(|k| k.code == "supervision_finding")
        .map(|k| {
            k.categories
                .into_iter()
                .map(|c| opt(&c.code, lang.pick(&c.name_zh, &c.name_en)))
                .collect()
        })
        .unwrap_or_default();
    let rows = (0..form.f_title.len().max(3)).collect();
    Ok(InspectionNewPage {
        ctx: PageCtx::new(
            who,
            lang,
            "inspections",
            lang.pick("登记督查", "Record an inspection"),
        ),
        groups: unit_options(s, &["inspection_group"]).await?,
        units: unit_options(s, INSPECTED_KINDS).await?,
        handling_units: unit_options(s, HANDLING_UNITS).await?,
        methods: codes(crate::INSPECTION_METHODS, lang),
        categories,
        form,
        errors,
        rows,
    })
}

pub(super) async fn inspection_new(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
) -> AppResult<Response> {
    let form = InspectionForm {
        held_on: Some(
            Utc::now()
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d")
                .to_string(),
        ),
        methods: vec!["onsite_check".into()],
        ..Default::default()
    };
    Ok(render(
        &inspection_form(&s, &who, lang, form, Vec::new()).await?,
    ))
}

pub(super) async fn inspection_submit(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    Form(f): Form<InspectionForm>,
) -> AppResult<Response> {
    let mut errors = Vec::new();
    let mut findings = Vec::new();
    for (i, title) in f.f_title.iter().enumerate() {
        if title.trim().is_empty() {
            continue;
        }
        let get = |v: &Vec<String>| v.get(i).cloned().filter(|s| !s.trim().is_empty());
        findings.push(FindingInput {
            title: Some(title.clone()),
            category: get(&f.f_category),
            lead_unit_id: num(
                &mut errors,
                "findings.lead_unit_id",
                get(&f.f_lead).as_deref(),
            ),
            working_days: num(
                &mut errors,
                "findings.working_days",
                get(&f.f_days).as_deref(),
            ),
            ..Default::default()
        });
    }
    let input = InspectionInput {
        group_unit_id: num(&mut errors, "group_unit_id", f.group_unit_id.as_deref()),
        inspected_unit_id: num(
            &mut errors,
            "inspected_unit_id",
            f.inspected_unit_id.as_deref(),
        ),
        held_on: f.held_on.clone(),
        place: f.place.clone(),
        methods: Some(f.methods.clone()),
        attendees: f.attendees.clone(),
        summary: f.summary.clone(),
        findings,
    };
    let result = if errors.is_empty() {
        inspections::create(&s.db, &who, input, service::now()).await
    } else {
        Err(AppError::Validation(errors))
    };
    saved_or_page(
        result,
        |row| format!("/inspections/{}", row.id),
        |errs| inspection_form(&s, &who, lang, f, errs),
    )
    .await
}

#[derive(Template)]
#[template(path = "inspection_detail.html")]
pub(super) struct InspectionDetailPage {
    ctx: PageCtx,
    i: InspectionView,
    findings: Vec<CaseView>,
    can_attach: bool,
}

pub(super) async fn inspection_detail(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let i = inspections::get(&s.db, &who, id, lang).await?;
    let f = CaseFilter {
        inspection_id: Some(id),
        ..Default::default()
    };
    let page = service::list(&s.db, &who, &f, Paging::new(1, 200)).await?;
    let findings = service::views(&s.db, page.items, lang).await?;
    Ok(render(&InspectionDetailPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "inspections",
            format!("{} {}", i.held_on, i.inspected_unit.name),
        ),
        can_attach: who.can(perm::INSPECTION_ADD),
        i,
        findings,
    }))
}
