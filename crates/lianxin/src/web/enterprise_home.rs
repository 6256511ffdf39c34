//! An enterprise contact's home page: its enterprise, today's health reports, its appeals and
//! what it can ask for, from the records, within its scope. It spans the registries, the case
//! engine and screening, so it lives here in the binary that names them all.

use askama::Template;
use axum::response::Response;
use chrono::Utc;

use crate::access::Principal;
use crate::app::AppState;
use crate::cases::service::{self, Bucket, CaseFilter, CaseView};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::perm;
use crate::registries::enterprises::{self, EnterpriseView};
use crate::screening::health;
use lianxin_kernel::web::{PageCtx, render};

/// Today's health reports of the enterprise's roster.
pub struct HealthToday {
    pub day: String,
    pub roster: usize,
    pub reported: usize,
    /// The first names still to report, and how many more there are.
    pub missing: Vec<String>,
    pub more: usize,
}

pub struct Link {
    pub id: &'static str,
    pub label: &'static str,
    pub href: String,
}

pub struct Todo {
    pub label: String,
    pub count: u64,
    pub href: String,
}

#[derive(Template)]
#[template(path = "enterprise_home.html")]
struct EnterpriseHome {
    ctx: PageCtx,
    e: EnterpriseView,
    detail_href: Option<String>,
    health: Option<HealthToday>,
    appeals: Vec<CaseView>,
    appeals_total: u64,
    can_list_appeals: bool,
    todo: Vec<Todo>,
    links: Vec<Link>,
    /// The contact's unread notices (通知公告).
    notices: lianxin_kernel::notices::NoticesBlock,
}

/// How many names still to report the page lists.
const MISSING_SHOWN: usize = 10;

pub async fn page(
    s: &AppState,
    who: &Principal,
    lang: Lang,
    enterprise_id: i64,
) -> AppResult<Response> {
    // Its own enterprise, read as its scope allows (a contact whose enterprise is gone or out
    // of reach gets the same 404 as for any record).
    let model = crate::paging::find_visible::<crate::entities::enterprises::Entity>(
        &s.db,
        &who.scope,
        enterprise_id,
    )
    .await?;
    let e = enterprises::views(&s.db, who, vec![model], None)
        .await?
        .pop()
        .ok_or(AppError::NotFound)?;
    let health = if who.can(perm::HEALTH_REPORT) || who.can(perm::HEALTH_LIST) {
        let today = Utc::now()
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .date_naive();
        let roster = health::roster(&s.db, who, e.id).await?;
        let missing = health::missing(&s.db, who, e.id, today).await?;
        Some(HealthToday {
            day: today.format("%Y-%m-%d").to_string(),
            roster: roster.len(),
            reported: roster.len().saturating_sub(missing.len()),
            more: missing.len().saturating_sub(MISSING_SHOWN),
            missing: missing
                .into_iter()
                .take(MISSING_SHOWN)
                .map(|p| p.name)
                .collect(),
        })
    } else {
        None
    };
    let can_list_appeals = who.can(perm::CASE_LIST);
    let (appeals, appeals_total, todo) = if can_list_appeals {
        let f = CaseFilter {
            enterprise_id: Some(e.id),
            ..Default::default()
        };
        let page = service::list(&s.db, who, &f, Paging::new(1, 5)).await?;
        let views = service::views(&s.db, page.items, lang).await?;
        let todo = service::todo_counts(&s.db, who, lang)
            .await?
            .into_iter()
            .filter(|t| t.bucket != Bucket::Overdue)
            .map(|t| Todo {
                href: format!("/cases?bucket={}", t.bucket.code()),
                label: t.label,
                count: t.count,
            })
            .collect();
        (views, page.total, todo)
    } else {
        (Vec::new(), 0, Vec::new())
    };
    let mut links = Vec::new();
    let mut link = |ok: bool, id, label, href: String| {
        if ok {
            links.push(Link { id, label, href });
        }
    };
    link(
        who.can(perm::CASE_RAISE),
        "home-appeal",
        lang.pick("提出诉求", "Raise an appeal"),
        "/appeal".into(),
    );
    link(
        who.can(perm::HEALTH_REPORT),
        "home-health",
        lang.pick("填报健康日报", "File today's health reports"),
        "/health".into(),
    );
    link(
        who.can(perm::PERSON_LIST),
        "home-people",
        lang.pick("员工名册", "Employees"),
        "/people".into(),
    );
    link(
        who.can(perm::CHECKPOINT_LIST),
        "home-gates",
        lang.pick("企业卡点", "Gates"),
        "/checkpoints".into(),
    );
    let detail_href = who
        .can(perm::ENTERPRISE_LIST)
        .then(|| format!("/enterprises/{}", e.id));
    Ok(render(&EnterpriseHome {
        notices: lianxin_kernel::notices::block(&s.db, who, lang).await?,
        ctx: PageCtx::new(who, lang, "home", e.name.clone()),
        e,
        detail_href,
        health,
        appeals,
        appeals_total,
        can_list_appeals,
        todo,
        links,
    }))
}
