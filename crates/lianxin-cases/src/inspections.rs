//! Supervision inspections (B1): a group goes to the front line (列席会议 / 实地检查 /
//! 查阅资料) and records what it found against units (B2). Each finding is a
//! `supervision_finding` case, optionally handed over on the spot (现场交办, B3).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use super::service::{self, ActionInput, CaseInput};
use super::{INSPECTION_METHODS, label};
use crate::access::Principal;
use crate::access::scope::Scoped;
use crate::audit::{self, Action};
use crate::entities::{cases, inspections, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Page;
use crate::paging::Paging;
use crate::perm;
use crate::text::optional_text;
use crate::text::required_text;

/// One finding of an inspection; with `lead_unit_id` it is handed over on the spot.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FindingInput {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub title: Option<String>,
    pub description: Option<String>,
    /// A category code of supervision findings (prevention, work_style, inaction...).
    pub category: Option<String>,
    /// The unit the finding is against (default: the inspected unit).
    pub unit_id: Option<i64>,
    pub priority: Option<String>,
    /// On-the-spot hand-over: the department that must rectify ...
    pub lead_unit_id: Option<i64>,
    /// ... within this many working days (default: the kind's limit).
    pub working_days: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct InspectionInput {
    /// The inspection group (a unit of kind inspection_group).
    pub group_unit_id: Option<i64>,
    pub inspected_unit_id: Option<i64>,
    /// YYYY-MM-DD
    #[schema(required = true, nullable = false, format = Date)]
    pub held_on: Option<String>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub place: Option<String>,
    /// attend_meeting, onsite_check, records_review
    #[schema(required = true, nullable = false, min_items = 1)]
    pub methods: Option<Vec<String>>,
    pub attendees: Option<String>,
    pub summary: Option<String>,
    #[serde(default)]
    pub findings: Vec<FindingInput>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InspectionView {
    pub id: i64,
    pub group_unit: service::Named,
    pub inspected_unit: service::Named,
    pub held_on: NaiveDate,
    pub place: String,
    pub methods: Vec<String>,
    pub method_labels: Vec<String>,
    pub attendees: String,
    pub summary: String,
    pub findings: i64,
    pub created_at: DateTime<Utc>,
    /// Photos, sign-in sheets, minutes (in lists: empty).
    pub attachments: Vec<super::attachments::AttachmentView>,
}

fn scope_condition(who: &Principal) -> Condition {
    <inspections::Entity as Scoped>::scope_condition(&who.scope)
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: InspectionInput,
    at: DateTime<Utc>,
) -> AppResult<inspections::Model> {
    who.require(perm::INSPECTION_ADD)?;
    let mut errors = Vec::new();
    let group = match input.group_unit_id {
        None => {
            errors.push(FieldError::required(
                "group_unit_id",
                "督查组",
                "Inspection group",
            ));
            None
        }
        Some(id) => {
            let u = units::Entity::find_by_id(id).one(db).await?;
            if u.as_ref().is_none_or(|u| u.kind != "inspection_group") {
                errors.push(FieldError::new(
                    "group_unit_id",
                    "unknown",
                    "请选择一个监督检查组",
                    "choose a supervision inspection group",
                ));
            }
            u
        }
    };
    let inspected = match input.inspected_unit_id {
        None => {
            errors.push(FieldError::required(
                "inspected_unit_id",
                "被督查单位",
                "Unit inspected",
            ));
            None
        }
        Some(id) => {
            let u = units::Entity::find_by_id(id).one(db).await?;
            if u.is_none() {
                errors.push(FieldError::new(
                    "inspected_unit_id",
                    "unknown",
                    "单位不存在",
                    "no such unit",
                ));
            }
            u
        }
    };
    let held_on = match input
        .held_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => {
            errors.push(FieldError::required("held_on", "督查日期", "Date"));
            None
        }
        Some(v) => match crate::calendar::parse_day(v) {
            Ok(d) if !(2000..=2100).contains(&chrono::Datelike::year(&d)) => {
                errors.push(FieldError::new(
                    "held_on",
                    "range",
                    "督查日期应在 2000 年到 2100 年之间",
                    "the date must be between 2000 and 2100",
                ));
                None
            }
            Ok(d) => Some(d),
            Err(mut e) => {
                e.field = "held_on".into();
                errors.push(e);
                None
            }
        },
    };
    let place = required_text(&mut errors, "place", input.place, 200, "地点", "Place");
    let mut methods = Vec::new();
    for m in input.methods.unwrap_or_default() {
        match INSPECTION_METHODS.find(&m) {
            Some(x) => methods.push(x.code),
            None => {
                let offered = INSPECTION_METHODS.offered();
                let zh: Vec<&str> = offered.iter().map(|e| e.label_zh.as_str()).collect();
                let en: Vec<&str> = offered.iter().map(|e| e.code.as_str()).collect();
                errors.push(FieldError::new(
                    "methods",
                    "unknown",
                    format!("督查方式“{m}”无效，可选：{}", zh.join("、")),
                    format!("'{m}' is not a method: {}", en.join(", ")),
                ))
            }
        }
    }
    methods.dedup();
    if methods.is_empty() {
        errors.push(FieldError::required("methods", "督查方式", "Methods"));
    }
    let attendees = optional_text(
        &mut errors,
        "attendees",
        input.attendees,
        1000,
        "参加人员",
        "Attendees",
    )
    .unwrap_or_default();
    let summary = optional_text(
        &mut errors,
        "summary",
        input.summary,
        5000,
        "督查情况",
        "Summary",
    )
    .unwrap_or_default();
    if input.findings.len() > 50 {
        errors.push(FieldError::new(
            "findings",
            "length",
            "一次最多登记 50 个问题",
            "at most 50 findings at once",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (Some(group), Some(inspected), Some(held_on)) = (group, inspected, held_on) else {
        return Err(AppError::internal("inspection validated"));
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let row = inspections::ActiveModel {
        group_unit_id: Set(group.id),
        inspected_unit_id: Set(inspected.id),
        held_on: Set(held_on),
        place: Set(place),
        methods: Set(methods.join(",")),
        attendees: Set(attendees),
        summary: Set(summary),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "inspection",
        Some(row.id),
        format!("{} {}", row.held_on, inspected.name),
    )
    .await?;
    for (i, f) in input.findings.into_iter().enumerate() {
        let dispatch = f.lead_unit_id.map(|lead| ActionInput {
            lead_unit_id: Some(lead),
            working_days: f.working_days,
            ..Default::default()
        });
        let r = service::create(
            &txn,
            who,
            CaseInput {
                kind: Some("supervision_finding".into()),
                category: f.category,
                title: f.title,
                description: f.description,
                unit_id: Some(f.unit_id.unwrap_or(inspected.id)),
                source: Some("inspection".into()),
                priority: f.priority,
                inspection_id: Some(row.id),
                dispatch,
                ..Default::default()
            },
            at,
        )
        .await;
        if let Err(AppError::Validation(errs)) = r {
            // Name the finding: findings[2].title
            return Err(AppError::Validation(
                errs.into_iter()
                    .map(|mut e| {
                        e.field = format!("findings[{i}].{}", e.field);
                        e
                    })
                    .collect(),
            ));
        }
        r?;
    }
    txn.commit().await?;
    Ok(row)
}

/// `?sort=&order=&ids=`: the inspection list's order and the rows ticked on it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionFilter {
    /// Part of the place or of the summary.
    pub q: Option<String>,
    /// Held on or after this day.
    pub from: Option<chrono::NaiveDate>,
    /// Held on or before this day.
    pub to: Option<chrono::NaiveDate>,
    /// Only the inspections of this unit and of the units below it (the unit inspected).
    pub unit_id: Option<i64>,
    /// Sort by `held_on`, `place`, `group` or `inspected` (the units' names; `order` gives
    /// the direction); without it newest first.
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these inspections: ids separated by commas (the rows ticked on a list), at most 500.
    pub ids: Option<String>,
}

/// The columns the inspection list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &["held_on", "place", "group", "inspected"];

fn sort_column(key: &str) -> Option<inspections::Column> {
    match key {
        "held_on" => Some(inspections::Column::HeldOn),
        "place" => Some(inspections::Column::Place),
        _ => None,
    }
}

/// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
pub fn sort_of(f: &InspectionFilter) -> AppResult<Option<crate::paging::Sort>> {
    crate::paging::checked_sort(
        f.sort.as_deref(),
        f.order.as_deref(),
        f.ids.as_deref(),
        SORT_KEYS,
    )
}

/// The inspections the caller sees that the filter matches, in the list's order.
fn ordered(
    who: &Principal,
    f: &InspectionFilter,
) -> AppResult<sea_orm::Select<inspections::Entity>> {
    use sea_orm::QueryOrder;
    let sort = sort_of(f)?;
    let mut q = inspections::Entity::find().filter(scope_condition(who));
    if let Some(ids) = crate::paging::ids_filter(f.ids.as_deref()) {
        q = q.filter(inspections::Column::Id.is_in(ids));
    }
    if let Some(text) = crate::text::clean(f.q.clone()) {
        q = q.filter(crate::text::contains_any(
            &[inspections::Column::Place, inspections::Column::Summary],
            &text,
        ));
    }
    if let Some(d) = f.from {
        q = q.filter(inspections::Column::HeldOn.gte(d));
    }
    if let Some(d) = f.to {
        q = q.filter(inspections::Column::HeldOn.lte(d));
    }
    if let Some(unit) = f.unit_id {
        q = q.filter(
            inspections::Column::InspectedUnitId
                .in_subquery(crate::registries::units::subtree_of(unit)),
        );
    }
    // By a unit's name: the name read beside each row (a subquery on the unit's id).
    let unit = match sort.as_ref().map(|s| s.key.as_str()) {
        Some("group") => Some("group_unit_id"),
        Some("inspected") => Some("inspected_unit_id"),
        _ => None,
    };
    if let (Some(col), Some(s)) = (unit, sort.as_ref()) {
        return Ok(crate::paging::sorted_by_unit_name(
            q,
            "inspections",
            col,
            s.desc,
            inspections::Column::Id,
        ));
    }
    let q = crate::paging::sorted(
        q,
        sort.as_ref(),
        sort_column,
        (inspections::Column::HeldOn, true),
        inspections::Column::Id,
    );
    Ok(if sort.is_none() {
        q.order_by_desc(inspections::Column::Id)
    } else {
        q
    })
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &InspectionFilter,
    paging: Paging,
    lang: Lang,
) -> AppResult<Page<InspectionView>> {
    who.require(perm::CASE_LIST)?;
    let page = crate::paging::paged_in_order(db, ordered(who, f)?, paging).await?;
    Ok(Page {
        items: views(db, page.items, lang).await?,
        total: page.total,
    })
}

/// The inspections the list's filter shows (or the ticked `ids`) as an .xlsx, in its order,
/// with the units' names and the methods' labels.
pub async fn export(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &InspectionFilter,
    lang: Lang,
) -> AppResult<axum::response::Response> {
    use lianxin_kernel::sheet::{ExportRows, TableSheet};
    who.require(perm::CASE_LIST)?;
    let q = ordered(who, f)?;
    let headers = [
        ("督查日期", "Date"),
        ("督查组", "Inspection group"),
        ("被督查单位", "Unit inspected"),
        ("督查方式", "Methods"),
        ("地点", "Place"),
        ("参加人员", "Attendees"),
        ("发现问题", "Findings"),
        ("督查情况", "Summary"),
    ];
    let title = lang.pick("督查检查", "Inspections");
    let mut sheet = TableSheet::labeled(title, &headers, lang)?;
    let mut rows = ExportRows::new(q, 1_000);
    while let Some(chunk) = rows.next(db).await? {
        for i in views(db, chunk, lang).await? {
            sheet.row(&[
                i.held_on.to_string(),
                i.group_unit.name,
                i.inspected_unit.name,
                i.method_labels.join(lang.pick("、", ", ")),
                i.place,
                i.attendees,
                i.findings.to_string(),
                i.summary,
            ])?;
        }
    }
    audit::record_export(db, who, "inspection", sheet.len()).await?;
    sheet.download(title).await
}

pub async fn get(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
    lang: Lang,
) -> AppResult<InspectionView> {
    who.require(perm::CASE_LIST)?;
    let row = inspections::Entity::find_by_id(id)
        .filter(scope_condition(who))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut v = views(db, vec![row], lang)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    v.attachments = super::attachments::of_inspection(db, v.id).await?;
    Ok(v)
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<inspections::Model>,
    lang: Lang,
) -> AppResult<Vec<InspectionView>> {
    use sea_orm::QuerySelect;
    // The findings of all the listed inspections in one grouped query.
    let counts: std::collections::HashMap<i64, i64> = cases::Entity::find()
        .select_only()
        .column(cases::Column::InspectionId)
        .column_as(cases::Column::Id.count(), "n")
        .filter(cases::Column::InspectionId.is_in(rows.iter().map(|r| r.id).collect::<Vec<_>>()))
        .group_by(cases::Column::InspectionId)
        .into_tuple::<(Option<i64>, i64)>()
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect();
    let unit_ids: Vec<i64> = rows
        .iter()
        .flat_map(|r| [r.group_unit_id, r.inspected_unit_id])
        .collect();
    let names = crate::registries::units::names(db, unit_ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let findings = counts.get(&r.id).copied().unwrap_or(0);
        let methods: Vec<String> = r
            .methods
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        out.push(InspectionView {
            id: r.id,
            group_unit: service::Named {
                id: r.group_unit_id,
                name: names.get(&r.group_unit_id).cloned().unwrap_or_default(),
            },
            inspected_unit: service::Named {
                id: r.inspected_unit_id,
                name: names.get(&r.inspected_unit_id).cloned().unwrap_or_default(),
            },
            held_on: r.held_on,
            place: r.place,
            method_labels: methods
                .iter()
                .map(|m| label(INSPECTION_METHODS, m, lang))
                .collect(),
            methods,
            attendees: r.attendees,
            summary: r.summary,
            findings,
            created_at: r.created_at,
            attachments: Vec::new(),
        });
    }
    Ok(out)
}
