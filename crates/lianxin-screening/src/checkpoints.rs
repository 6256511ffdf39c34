//! Checkpoints and posts (卡点, 党员责任岗) and the devices at them (temperature gates,
//! scanners), each with its own bearer token, shown once and stored hashed.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::auth::{new_token, token_id};
use crate::access::scope::Scoped;
use crate::audit::{self, Action};
use crate::entities::{checkpoints, devices, enterprises, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use crate::paging::Page;
use crate::paging::Paging;
use crate::paging::find_visible;
use crate::perm;
use crate::text::optional_text;
use crate::text::parse_code;
use crate::text::required_text;

/// Checkpoints visible to the caller: those of a unit in scope, or of the caller's enterprise.
pub fn scope_condition(who: &Principal) -> Condition {
    <checkpoints::Entity as Scoped>::scope_condition(&who.scope)
}

/// `{"name", "kind", "unit_id"}`; an enterprise gate names its `enterprise_id`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CheckpointInput {
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 100,
        pattern = r"\S"
    )]
    pub name: Option<String>,
    /// community_gate, road, enterprise_gate, park, canteen, dormitory
    #[schema(required = true, nullable = false, min_length = 1)]
    pub kind: Option<String>,
    /// The unit it belongs to (community, sub-district...).
    #[schema(required = true, nullable = false, minimum = 1)]
    pub unit_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    pub place: Option<String>,
    /// The Party members responsible for the post.
    pub responsible: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckpointView {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub kind_label: String,
    pub unit_id: i64,
    pub unit_name: String,
    pub enterprise_id: Option<i64>,
    pub place: Option<String>,
    pub responsible: Option<String>,
    pub active: bool,
    /// Staffed hours, `HH:MM-HH:MM`.
    pub duty_hours: String,
    pub created_at: DateTime<Utc>,
}

pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<checkpoints::Model>,
    lang: Lang,
) -> AppResult<Vec<CheckpointView>> {
    let names = crate::registries::units::names(db, rows.iter().map(|c| c.unit_id)).await?;
    Ok(rows
        .into_iter()
        .map(|c| CheckpointView {
            kind_label: crate::cases::label(super::CHECKPOINT_KINDS, &c.kind, lang),
            unit_name: names.get(&c.unit_id).cloned().unwrap_or_default(),
            id: c.id,
            name: c.name,
            kind: c.kind,
            unit_id: c.unit_id,
            enterprise_id: c.enterprise_id,
            place: c.place,
            responsible: c.responsible,
            active: c.active,
            duty_hours: format!(
                "{}-{}",
                super::duty::format_hm(c.duty_from),
                super::duty::format_hm(c.duty_to)
            ),
            created_at: c.created_at,
        })
        .collect())
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: CheckpointInput,
) -> AppResult<checkpoints::Model> {
    who.require(perm::CHECKPOINT_EDIT)?;
    let mut errors = Vec::new();
    let name = required_text(&mut errors, "name", input.name, 100, "卡点名称", "Name");
    let kind = parse_code(
        &mut errors,
        "kind",
        input.kind.as_deref(),
        super::CHECKPOINT_KINDS,
        "卡点类型",
        "Kind",
    );
    if input.kind.is_none() {
        errors.push(FieldError::required("kind", "卡点类型", "Kind"));
    }
    let place = optional_text(&mut errors, "place", input.place, 200, "位置", "Place");
    let responsible = optional_text(
        &mut errors,
        "responsible",
        input.responsible,
        500,
        "责任党员",
        "Responsible Party members",
    );
    match input.unit_id {
        None => errors.push(FieldError::required("unit_id", "所属单位", "Unit")),
        Some(u) => {
            if find_visible::<units::Entity>(db, &who.scope, u)
                .await
                .is_err()
            {
                errors.push(FieldError::new(
                    "unit_id",
                    "unknown",
                    "单位不存在或不在您的数据权限范围内",
                    "no such unit within your data scope",
                ));
            }
        }
    }
    let enterprise_id = match input.enterprise_id.or(who.enterprise_id) {
        None => None,
        Some(e) => match crate::paging::find_where::<enterprises::Entity>(
            db,
            who.scope.enterprises_with_dependents(),
            e,
        )
        .await
        {
            Ok(e) => Some(e.id),
            Err(_) => {
                errors.push(FieldError::new(
                    "enterprise_id",
                    "unknown",
                    "企业不存在或不在您的数据权限范围内",
                    "no such enterprise within your data scope",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let now = Utc::now();
    let c = checkpoints::ActiveModel {
        name: Set(name),
        kind: Set(kind.unwrap_or_else(|| "road".to_owned())),
        unit_id: Set(input.unit_id.unwrap_or_default()),
        enterprise_id: Set(enterprise_id),
        place: Set(place),
        responsible: Set(responsible),
        active: Set(true),
        duty_from: Set(0),
        duty_to: Set(1440),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let c = c.insert(&txn).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "checkpoint",
        Some(c.id),
        c.name.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(c)
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    paging: Paging,
) -> AppResult<Page<checkpoints::Model>> {
    list_sorted(db, who, &CheckpointFilter::default(), paging).await
}

/// `?q=&kind=&unit_id=&sort=&order=&ids=`: what the checkpoint list shows, its order and the
/// rows ticked on it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointFilter {
    /// Part of the name or the place.
    pub q: Option<String>,
    /// Only this kind (code).
    pub kind: Option<String>,
    /// Only the checkpoints of this unit and of the units below it.
    pub unit_id: Option<i64>,
    /// Sort by `name`, `kind`, `unit` (the unit's name) or `created_at` (`order` gives the
    /// direction); without it in the order they were added.
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these checkpoints: ids separated by commas (the rows ticked on a list), at most 500.
    pub ids: Option<String>,
}

/// The columns the checkpoint list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &["name", "kind", "unit", "created_at"];

fn sort_column(key: &str) -> Option<checkpoints::Column> {
    match key {
        "name" => Some(checkpoints::Column::Name),
        "kind" => Some(checkpoints::Column::Kind),
        "created_at" => Some(checkpoints::Column::CreatedAt),
        _ => None,
    }
}

/// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
pub fn sort_of(f: &CheckpointFilter) -> AppResult<Option<crate::paging::Sort>> {
    crate::paging::checked_sort(
        f.sort.as_deref(),
        f.order.as_deref(),
        f.ids.as_deref(),
        SORT_KEYS,
    )
}

/// The checkpoints the caller sees that the filter matches, in the list's order.
fn ordered(
    who: &Principal,
    f: &CheckpointFilter,
) -> AppResult<sea_orm::Select<checkpoints::Entity>> {
    let sort = sort_of(f)?;
    let mut q = checkpoints::Entity::find().filter(scope_condition(who));
    if let Some(ids) = crate::paging::ids_filter(f.ids.as_deref()) {
        q = q.filter(checkpoints::Column::Id.is_in(ids));
    }
    if let Some(text) = crate::text::clean(f.q.clone()) {
        q = q.filter(crate::text::contains_any(
            &[checkpoints::Column::Name, checkpoints::Column::Place],
            &text,
        ));
    }
    if let Some(kind) = crate::text::clean(f.kind.clone()) {
        q = q.filter(checkpoints::Column::Kind.eq(kind));
    }
    if let Some(unit) = f.unit_id {
        q = q.filter(
            checkpoints::Column::UnitId.in_subquery(crate::registries::units::subtree_of(unit)),
        );
    }
    if let Some(s) = sort.as_ref().filter(|s| s.key == "unit") {
        return Ok(crate::paging::sorted_by_unit_name(
            q,
            "checkpoints",
            "unit_id",
            s.desc,
            checkpoints::Column::Id,
        ));
    }
    Ok(crate::paging::sorted(
        q,
        sort.as_ref(),
        sort_column,
        (checkpoints::Column::Id, false),
        checkpoints::Column::Id,
    ))
}

/// A page of the checkpoints the filter matches, in the list's order.
pub async fn list_sorted(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &CheckpointFilter,
    paging: Paging,
) -> AppResult<Page<checkpoints::Model>> {
    who.require(perm::CHECKPOINT_LIST)?;
    crate::paging::paged_in_order(db, ordered(who, f)?, paging).await
}

/// The checkpoints the list's filter shows (or the ticked `ids`) as an .xlsx, in its order,
/// with the kinds' labels and the units' names.
pub async fn export(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &CheckpointFilter,
    lang: Lang,
) -> AppResult<axum::response::Response> {
    use lianxin_kernel::sheet::{ExportRows, TableSheet};
    who.require(perm::CHECKPOINT_LIST)?;
    let q = ordered(who, f)?;
    let headers = [
        ("卡点", "Checkpoint"),
        ("类型", "Kind"),
        ("所属单位", "Unit"),
        ("位置", "Place"),
        ("责任党员", "Responsible"),
        ("值守时段", "Staffed hours"),
        ("启用", "Active"),
    ];
    let title = lang.pick("卡点", "Checkpoints");
    let mut sheet = TableSheet::labeled(title, &headers, lang)?;
    let mut rows = ExportRows::new(q, 1_000);
    while let Some(chunk) = rows.next(db).await? {
        for c in views(db, chunk, lang).await? {
            sheet.row(&[
                c.name,
                c.kind_label,
                c.unit_name,
                c.place.unwrap_or_default(),
                c.responsible.unwrap_or_default(),
                c.duty_hours,
                lang.pick(
                    if c.active { "是" } else { "否" },
                    if c.active { "yes" } else { "no" },
                )
                .to_owned(),
            ])?;
        }
    }
    audit::record_export(db, who, "checkpoint", sheet.len()).await?;
    sheet.download(title).await
}

pub async fn get(
    db: &impl ConnectionTrait,
    who: &Principal,
    id: i64,
) -> AppResult<checkpoints::Model> {
    who.require(perm::CHECKPOINT_LIST)?;
    checkpoints::Entity::find_by_id(id)
        .filter(scope_condition(who))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DeviceInput {
    #[schema(required = true, nullable = false, minimum = 1)]
    pub checkpoint_id: Option<i64>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 100,
        pattern = r"\S"
    )]
    pub name: Option<String>,
}

/// Registers a device at a checkpoint; answers it with its bearer token (shown only now).
pub async fn add_device<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: DeviceInput,
) -> AppResult<(devices::Model, String)> {
    who.require(perm::CHECKPOINT_EDIT)?;
    let mut errors = Vec::new();
    let name = required_text(&mut errors, "name", input.name, 100, "设备名称", "Name");
    let found = match input.checkpoint_id {
        Some(id) => Some(get(db, who, id).await),
        None => None,
    };
    let checkpoint = checkpoint_field(&mut errors, found);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let Some(checkpoint) = checkpoint else {
        return Err(AppError::internal("checkpoint validated"));
    };
    let token = new_token();
    let d = devices::ActiveModel {
        checkpoint_id: Set(checkpoint.id),
        name: Set(name),
        token_hash: Set(token_id(&token)),
        disabled: Set(false),
        created_at: Set(Utc::now()),
        last_seen_at: Set(None),
        ..Default::default()
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let d = d.insert(&txn).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "device",
        Some(d.id),
        format!("{} @ {}", d.name, checkpoint.name),
    )
    .await?;
    txn.commit().await?;
    Ok((d, token))
}

/// The checkpoint an input names in its `checkpoint_id` (looked up by the caller's rule), or
/// that field's error: required, or unknown within the caller's scope.
pub(crate) fn checkpoint_field(
    errors: &mut Vec<FieldError>,
    found: Option<AppResult<checkpoints::Model>>,
) -> Option<checkpoints::Model> {
    match found {
        None => {
            errors.push(FieldError::required("checkpoint_id", "卡点", "Checkpoint"));
            None
        }
        Some(Ok(c)) => Some(c),
        Some(Err(_)) => {
            errors.push(FieldError::new(
                "checkpoint_id",
                "unknown",
                "卡点不存在或不在您的数据权限范围内",
                "no such checkpoint within your data scope",
            ));
            None
        }
    }
}

/// The enabled device holding `token`, if any.
pub async fn device_by_token(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Option<devices::Model>> {
    Ok(devices::Entity::find()
        .filter(devices::Column::TokenHash.eq(token_id(token)))
        .filter(devices::Column::Disabled.eq(false))
        .one(db)
        .await?)
}

/// The hours a checkpoint must be staffed, `HH:MM` each (`00:00`-`24:00` round the clock).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DutyHours {
    pub duty_from: Option<String>,
    pub duty_to: Option<String>,
}

/// Sets a checkpoint's staffed hours (the roster's gaps are measured against them).
pub async fn set_duty_hours<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    id: i64,
    input: DutyHours,
) -> AppResult<checkpoints::Model> {
    who.require(perm::DUTY_EDIT)?;
    let cp = get(db, who, id).await?;
    let from = input.duty_from.as_deref().and_then(super::duty::parse_hm);
    let to = input.duty_to.as_deref().and_then(super::duty::parse_hm);
    let (Some(from), Some(to)) = (from, to) else {
        return Err(AppError::invalid(FieldError::new(
            "duty_from",
            "format",
            "值守时段应为 时:分，如 07:00 和 22:00（全天为 00:00 和 24:00）",
            "staffed hours must be HH:MM, e.g. 07:00 and 22:00 (00:00 and 24:00 round the clock)",
        )));
    };
    if to <= from {
        return Err(AppError::invalid(FieldError::new(
            "duty_to",
            "range",
            "值守结束应晚于开始",
            "the end of the staffed hours must follow the start",
        )));
    }
    let mut a: checkpoints::ActiveModel = cp.into();
    a.duty_from = Set(from);
    a.duty_to = Set(to);
    a.updated_at = Set(Utc::now());
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let m = a.update(&txn).await?;
    audit::record_event(
        &txn,
        who,
        Action::Update,
        "checkpoint",
        Some(m.id),
        format!(
            "duty hours {}-{}",
            super::duty::format_hm(from),
            super::duty::format_hm(to)
        ),
        audit::Event::new("checkpoint.hours", serde_json::json!({"name": m.name, "from": super::duty::format_hm(from), "to": super::duty::format_hm(to)})),
    )
    .await?;
    txn.commit().await?;
    Ok(m)
}
