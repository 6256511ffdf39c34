//! The passage entry page's rules: who may record at a checkpoint (a volunteer on duty there,
//! or someone who keeps the checkpoint), and the person lookup behind "find by identity
//! number, phone or name" (names: the enterprise's roster and the checkpoint's community).

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::audit::{self, Action};
use crate::entities::{checkpoints, duty_shifts, enterprises, people, unit_closure};
use crate::error::{AppError, AppResult};
use crate::perm;

/// The checkpoint, and the caller's periods on duty there (None: they keep the checkpoint
/// and may record at any time). At a checkpoint of theirs (one they have shifts at) a
/// volunteer not signed in gets 403 with the reason; any other checkpoint is 404, exactly
/// as one that does not exist, and its name is not told.
pub async fn access(
    db: &impl ConnectionTrait,
    who: &Principal,
    checkpoint_id: i64,
) -> AppResult<(
    checkpoints::Model,
    Option<Vec<(DateTime<Utc>, DateTime<Utc>)>>,
)> {
    who.require(perm::PASSAGE_ADD)?;
    let checkpoint = checkpoints::Entity::find_by_id(checkpoint_id)
        .filter(checkpoints::Column::Active.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let keeper = who.can(perm::CHECKPOINT_EDIT)
        && checkpoints::Entity::find_by_id(checkpoint_id)
            .filter(super::checkpoints::scope_condition(who))
            .one(db)
            .await?
            .is_some();
    if keeper {
        return Ok((checkpoint, None));
    }
    let now = Utc::now();
    let w = super::duty::on_duty_windows(
        db,
        who.user_id,
        checkpoint.id,
        now - Duration::days(30),
        now,
    )
    .await?;
    if w.is_empty() {
        let theirs = duty_shifts::Entity::find()
            .filter(duty_shifts::Column::UserId.eq(who.user_id))
            .filter(duty_shifts::Column::CheckpointId.eq(checkpoint.id))
            .count(db)
            .await?
            > 0;
        if !theirs {
            return Err(AppError::NotFound);
        }
        return Err(AppError::forbidden_because(
            format!(
                "您不在{}值班，不能登记通行（请先在值班表上签到）",
                checkpoint.name
            ),
            format!(
                "you are not on duty at {}; sign in to your shift first",
                checkpoint.name
            ),
        ));
    }
    Ok((checkpoint, Some(w)))
}

/// On duty right now (or a keeper)?
async fn on_duty_now(
    db: &impl ConnectionTrait,
    who: &Principal,
    checkpoint_id: i64,
) -> AppResult<checkpoints::Model> {
    let (cp, windows) = access(db, who, checkpoint_id).await?;
    let now = Utc::now();
    match windows {
        Some(w) if !w.iter().any(|(s, e)| *s <= now && now <= *e) => {
            Err(AppError::forbidden_because(
                format!("您现在不在{}值班", cp.name),
                format!("you are not on duty at {} now", cp.name),
            ))
        }
        _ => Ok(cp),
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    pub checkpoint_id: i64,
    /// An identity number or a phone (exact), or part of a name: on the roster of the
    /// checkpoint's enterprise, or among the people registered in the checkpoint's unit and
    /// the units below it (its community).
    pub q: Option<String>,
}

/// A person found for the entry form; names in full, numbers masked.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LookupHit {
    pub person_id: i64,
    pub name: String,
    pub id_masked: String,
    pub phone_masked: Option<String>,
    pub enterprise_name: Option<String>,
}

/// Finds people for the entry page: by identity number or phone (exact), or by name within
/// the roster of the checkpoint's enterprise and the people registered in the checkpoint's
/// unit and below. Only while on duty there; audited; numbers masked.
pub async fn lookup(
    db: &impl ConnectionTrait,
    who: &Principal,
    q: &LookupQuery,
) -> AppResult<Vec<LookupHit>> {
    let cp = on_duty_now(db, who, q.checkpoint_id).await?;
    let text = crate::text::clean(q.q.clone()).unwrap_or_default();
    let mut find = people::Entity::find().filter(people::Column::IdNumber.is_not_null());
    if let Ok(id) = lianxin_types::IdNumber::parse(&text) {
        find = find.filter(people::Column::IdNumber.eq(id.as_str()));
    } else if let Ok(ph) = lianxin_types::Phone::parse(&text) {
        find = find.filter(people::Column::Phone.eq(ph.to_string()));
    } else {
        // A name: on the roster of the checkpoint's enterprise, or among the people
        // registered in the checkpoint's unit and below (its community). An enterprise gate
        // lists its whole roster for an empty search; a community is too large for that.
        let named = (!text.is_empty()).then(|| {
            people::Column::Name.like(
                sea_orm::sea_query::LikeExpr::new(crate::text::like_pattern(&text)).escape('\\'),
            )
        });
        let roster = cp.enterprise_id.map(|e| {
            Condition::all()
                .add(people::Column::EnterpriseId.eq(e))
                .add(people::Column::IsEmployee.eq(true))
        });
        let community = named.is_some().then(|| {
            people::Column::UnitId.in_subquery(
                Query::select()
                    .column(unit_closure::Column::DescendantId)
                    .from(unit_closure::Entity)
                    .and_where(unit_closure::Column::AncestorId.eq(cp.unit_id))
                    .to_owned(),
            )
        });
        let whose = match (roster, community) {
            (Some(r), Some(c)) => Condition::any().add(r).add(c),
            (Some(r), None) => r,
            (None, Some(c)) => Condition::all().add(c),
            (None, None) => return Ok(Vec::new()),
        };
        find = find.filter(whose);
        if let Some(n) = named {
            find = find.filter(n);
        }
    }
    let rows = find
        .order_by_asc(people::Column::Name)
        .limit(50)
        .all(db)
        .await?;
    let ents: std::collections::HashMap<i64, String> = enterprises::Entity::find()
        .filter(enterprises::Column::Id.is_in(rows.iter().filter_map(|p| p.enterprise_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e.name))
        .collect();
    audit::record_event(
        db,
        who,
        Action::Query,
        "passage_lookup",
        Some(cp.id),
        format!("{} found", rows.len()),
        audit::Event::new(
            "passage.lookup",
            serde_json::json!({"checkpoint": cp.name, "n": rows.len()}),
        ),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|p| LookupHit {
            person_id: p.id,
            id_masked: p
                .id_number
                .as_deref()
                .map(lianxin_types::IdNumber::mask)
                .unwrap_or_default(),
            phone_masked: p
                .phone
                .as_deref()
                .and_then(|x| lianxin_types::Phone::parse(x).ok())
                .map(|x| x.masked()),
            enterprise_name: p.enterprise_id.and_then(|e| ents.get(&e).cloned()),
            name: p.name,
        })
        .collect())
}
