//! The demo's dates. The demo district is set in the spring of 2020, but the services date
//! what they write today and refuse closing dates and periods already past; the demo loader
//! writes through the services and then moves each record to its day in 2020 here. Nothing
//! else may call these: they change dates only, never figures or states.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::{
    assistance_followups, job_applications, jobs, labour_asks, labour_matches, labour_offers,
};
use crate::error::AppResult;
use crate::labour::Side;

/// A job posted on `posted_on` (created then) and taking applications until `closes_on`;
/// closed by its firm at `closed_at` when given.
#[doc(hidden)]
pub async fn date_job(
    db: &impl ConnectionTrait,
    id: i64,
    created_at: DateTime<Utc>,
    posted_on: NaiveDate,
    closes_on: NaiveDate,
    closed_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    jobs::Entity::update_many()
        .col_expr(jobs::Column::CreatedAt, Expr::value(created_at))
        .col_expr(
            jobs::Column::UpdatedAt,
            Expr::value(closed_at.unwrap_or(created_at)),
        )
        .col_expr(jobs::Column::PostedOn, Expr::value(posted_on))
        .col_expr(jobs::Column::ClosesOn, Expr::value(closes_on))
        .col_expr(jobs::Column::ClosedAt, Expr::value(closed_at))
        .filter(jobs::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// An application made at `created_at` and answered at `answered_at`.
#[doc(hidden)]
pub async fn date_application(
    db: &impl ConnectionTrait,
    id: i64,
    created_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
) -> AppResult<()> {
    job_applications::Entity::update_many()
        .col_expr(job_applications::Column::CreatedAt, Expr::value(created_at))
        .col_expr(
            job_applications::Column::UpdatedAt,
            Expr::value(answered_at.unwrap_or(created_at)),
        )
        .col_expr(
            job_applications::Column::AnsweredAt,
            Expr::value(answered_at),
        )
        .filter(job_applications::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The follow-ups of an application, written at `at`.
#[doc(hidden)]
pub async fn date_followups(
    db: &impl ConnectionTrait,
    application_id: i64,
    at: DateTime<Utc>,
) -> AppResult<()> {
    assistance_followups::Entity::update_many()
        .col_expr(assistance_followups::Column::CreatedAt, Expr::value(at))
        .filter(assistance_followups::Column::ApplicationId.eq(application_id))
        .exec(db)
        .await?;
    Ok(())
}

/// An offer or an ask posted at `created_at` for the period `from`..=`to`.
#[doc(hidden)]
pub async fn date_post(
    db: &impl ConnectionTrait,
    side: Side,
    id: i64,
    created_at: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
) -> AppResult<()> {
    match side {
        Side::Offer => {
            labour_offers::Entity::update_many()
                .col_expr(labour_offers::Column::CreatedAt, Expr::value(created_at))
                .col_expr(labour_offers::Column::UpdatedAt, Expr::value(created_at))
                .col_expr(labour_offers::Column::FromOn, Expr::value(from))
                .col_expr(labour_offers::Column::ToOn, Expr::value(to))
                .filter(labour_offers::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
        Side::Ask => {
            labour_asks::Entity::update_many()
                .col_expr(labour_asks::Column::CreatedAt, Expr::value(created_at))
                .col_expr(labour_asks::Column::UpdatedAt, Expr::value(created_at))
                .col_expr(labour_asks::Column::FromOn, Expr::value(from))
                .col_expr(labour_asks::Column::ToOn, Expr::value(to))
                .filter(labour_asks::Column::Id.eq(id))
                .exec(db)
                .await?;
        }
    }
    Ok(())
}

/// A match proposed at `created_at`, each confirmation it has at `confirmed_at`.
#[doc(hidden)]
pub async fn date_match(
    db: &impl ConnectionTrait,
    id: i64,
    created_at: DateTime<Utc>,
    confirmed_at: DateTime<Utc>,
) -> AppResult<()> {
    let Some(m) = labour_matches::Entity::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    let at = |v: Option<DateTime<Utc>>| v.map(|_| confirmed_at);
    let updated = if m.status == "confirmed" {
        confirmed_at
    } else {
        created_at
    };
    labour_matches::Entity::update_many()
        .col_expr(labour_matches::Column::CreatedAt, Expr::value(created_at))
        .col_expr(labour_matches::Column::UpdatedAt, Expr::value(updated))
        .col_expr(
            labour_matches::Column::OfferConfirmedAt,
            Expr::value(at(m.offer_confirmed_at)),
        )
        .col_expr(
            labour_matches::Column::AskConfirmedAt,
            Expr::value(at(m.ask_confirmed_at)),
        )
        .filter(labour_matches::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
