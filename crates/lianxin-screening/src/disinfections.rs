//! Disinfection logs (消杀, C9): per place (a unit's premises or a checkpoint), when, with
//! what, over what area, by whom. Read within the data scope like the units they belong to.

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ActiveModelTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::access::scope::Scoped;
use crate::audit::{self, Action};
use crate::entities::{disinfections, units};
use crate::error::{AppError, AppResult, FieldError};
use crate::paging::Page;
use crate::paging::Paging;
use crate::paging::find_visible;
use crate::perm;
use crate::text::optional_text;
use crate::text::required_text;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DisinfectionInput {
    /// The unit whose place it is.
    #[schema(required = true, nullable = false, minimum = 1)]
    pub unit_id: Option<i64>,
    /// Optional: the checkpoint disinfected.
    pub checkpoint_id: Option<i64>,
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 200,
        pattern = r"\S"
    )]
    pub place: Option<String>,
    /// When (RFC 3339); default now.
    pub at: Option<DateTime<FixedOffset>>,
    pub agent: Option<String>,
    pub area: Option<String>,
    pub person: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisinfectionView {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub checkpoint_id: Option<i64>,
    pub place: String,
    pub at: DateTime<Utc>,
    pub agent: String,
    pub area: Option<String>,
    pub person: String,
    pub note: Option<String>,
}

fn scope_condition(who: &Principal) -> Condition {
    <disinfections::Entity as Scoped>::scope_condition(&who.scope)
}

pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Principal,
    input: DisinfectionInput,
) -> AppResult<disinfections::Model> {
    if !who.can(perm::CHECKPOINT_EDIT) && !who.can(perm::PASSAGE_ADD) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let place = required_text(&mut errors, "place", input.place, 200, "消杀地点", "Place");
    let agent = required_text(
        &mut errors,
        "agent",
        input.agent,
        100,
        "消毒剂",
        "Disinfectant",
    );
    let person = required_text(
        &mut errors,
        "person",
        input.person,
        50,
        "消杀人员",
        "Done by",
    );
    let area = optional_text(&mut errors, "area", input.area, 100, "消杀面积", "Area");
    let note = optional_text(&mut errors, "note", input.note, 1000, "备注", "Note");
    let now = Utc::now();
    let at = input.at.map(|d| d.with_timezone(&Utc)).unwrap_or(now);
    if at > now + chrono::Duration::minutes(10) || at < now - chrono::Duration::days(365) {
        errors.push(FieldError::new(
            "at",
            "range",
            "消杀时间不能晚于现在，也不能早于一年前",
            "at must be within the last year",
        ));
    }
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
    if let Some(c) = input.checkpoint_id
        && super::checkpoints::get(db, who, c).await.is_err()
    {
        errors.push(FieldError::new(
            "checkpoint_id",
            "unknown",
            "卡点不存在",
            "no such checkpoint",
        ));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let d = disinfections::ActiveModel {
        unit_id: Set(input.unit_id.unwrap_or_default()),
        checkpoint_id: Set(input.checkpoint_id),
        place: Set(place),
        at: Set(at),
        agent: Set(agent),
        area: Set(area),
        person: Set(person),
        note: Set(note),
        created_by_user_id: Set((who.user_id > 0).then_some(who.user_id)),
        created_at: Set(now),
        ..Default::default()
    };
    let txn = lianxin_kernel::db::begin_write(db).await?;
    let d = d.insert(&txn).await?;
    audit::record(
        &txn,
        who,
        Action::Create,
        "disinfection",
        Some(d.id),
        d.place.clone(),
    )
    .await?;
    txn.commit().await?;
    Ok(d)
}

pub async fn list(
    db: &impl ConnectionTrait,
    who: &Principal,
    paging: Paging,
) -> AppResult<Page<DisinfectionView>> {
    who.require(perm::CHECKPOINT_LIST)?;
    let q = disinfections::Entity::find().filter(scope_condition(who));
    let page = crate::paging::paged(db, q, disinfections::Column::At, true, paging).await?;
    let names = crate::registries::units::names(db, page.items.iter().map(|d| d.unit_id)).await?;
    Ok(Page {
        total: page.total,
        items: page
            .items
            .into_iter()
            .map(|d| DisinfectionView {
                unit_name: names.get(&d.unit_id).cloned().unwrap_or_default(),
                id: d.id,
                unit_id: d.unit_id,
                checkpoint_id: d.checkpoint_id,
                place: d.place,
                at: d.at,
                agent: d.agent,
                area: d.area,
                person: d.person,
                note: d.note,
            })
            .collect(),
    })
}
