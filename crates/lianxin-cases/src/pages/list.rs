//! 我的待办, 本单位承办 and the overdue board: one list with its to-do tabs and counts.

use super::*;
use lianxin_kernel::web::widgets::UnitTree;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    bucket: Option<String>,
    scope: Option<String>,
    /// The unit chosen in the tree: cases concerning it or below, or handled there.
    unit_id: Option<i64>,
    page: Option<u64>,
}

pub struct Tab {
    pub label: String,
    pub href: String,
    pub count: Option<u64>,
    pub active: bool,
    pub danger: bool,
}

#[derive(Template)]
#[template(path = "cases_list.html")]
pub(super) struct ListPage {
    ctx: PageCtx,
    tabs: Vec<Tab>,
    q: ListQuery,
    statuses: Vec<Opt>,
    kinds: Vec<Opt>,
    rows: Vec<CaseView>,
    total: u64,
    page: u64,
    pages: u64,
    base: String,
    unit_tree: Option<UnitTree>,
    can_raise: bool,
    now: DateTime<Utc>,
}

impl ListPage {
    fn page_href(&self, p: u64) -> String {
        format!(
            "{}{}page={p}",
            self.base,
            if self.base.contains('?') { "&" } else { "?" }
        )
    }
    fn subject(&self, c: &CaseView) -> String {
        c.enterprise
            .as_ref()
            .or(c.subject_unit.as_ref())
            .map(|n| n.name.clone())
            .unwrap_or_default()
    }
    fn overdue_days(&self, c: &CaseView) -> i64 {
        c.deadline.map(|d| (self.now - d).num_days()).unwrap_or(0)
    }
}

pub(super) async fn list_page(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    lianxin_kernel::http::ApiQuery(q): lianxin_kernel::http::ApiQuery<ListQuery>,
) -> AppResult<Response> {
    who.require(perm::CASE_LIST)?;
    let bucket = match q.bucket.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
        None => None,
        Some(b) => Some(
            Bucket::ALL
                .into_iter()
                .find(|x| x.code() == b)
                .ok_or_else(|| unknown_param("bucket", b))?,
        ),
    };
    let mine = q.scope.as_deref() == Some("unit");
    let f = CaseFilter {
        q: q.q.clone(),
        status: q.status.clone().filter(|s| !s.is_empty()),
        kind: q.kind.clone().filter(|s| !s.is_empty()),
        bucket,
        unit_id: if mine { who.unit_id } else { None },
        under: q.unit_id,
        ..Default::default()
    };
    let page = q.page.unwrap_or(1).max(1);
    let paging = Paging::new(page, 20);
    let result = service::list(&s.db, &who, &f, paging).await?;
    let rows = service::views(&s.db, result.items, lang).await?;
    let counts = service::todo_counts(&s.db, &who, lang).await?;
    let mut tabs = vec![Tab {
        label: lang.pick("全部", "All").into(),
        href: "/cases".into(),
        count: None,
        active: bucket.is_none() && !mine,
        danger: false,
    }];
    if who.unit_id.is_some() && who.can(perm::CASE_HANDLE) {
        tabs.push(Tab {
            label: lang.pick("本单位承办", "My department's").into(),
            href: "/cases?scope=unit".into(),
            count: None,
            active: mine,
            danger: false,
        });
    }
    for tc in counts {
        tabs.push(Tab {
            label: tc.label,
            href: format!("/cases?bucket={}", tc.bucket.code()),
            count: Some(tc.count),
            active: bucket == Some(tc.bucket),
            danger: tc.bucket == Bucket::Overdue && tc.count > 0,
        });
    }
    let title = match bucket {
        Some(Bucket::Overdue) => lang.pick("超期督办", "Overdue board").to_owned(),
        Some(b) => format!("{}：{}", lang.pick("我的待办", "My to-do"), b.label(lang)),
        None => lang.pick("事项办理", "Cases").to_owned(),
    };
    let active = if bucket == Some(Bucket::Overdue) {
        "cases_overdue"
    } else {
        "cases"
    };
    let mut base = String::from("/cases?");
    for (k, v) in [
        ("q", &q.q),
        ("status", &q.status),
        ("kind", &q.kind),
        ("bucket", &q.bucket),
        ("scope", &q.scope),
        ("unit_id", &q.unit_id.map(|u| u.to_string())),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            base.push_str(&format!(
                "{k}={}&",
                url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()
            ));
        }
    }
    base.pop();
    let kinds = kinds::list(&s.db)
        .await?
        .into_iter()
        .map(|k| opt(&k.code, lang.pick(&k.name_zh, &k.name_en)))
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, active, title),
        tabs,
        statuses: codes(crate::STATUSES, lang),
        kinds,
        pages: paging.pages(result.total),
        total: result.total,
        page,
        rows,
        base,
        unit_tree: crate::registries::units::tree_beside(&who, "unit_id", q.unit_id),
        can_raise: who.can(perm::CASE_RAISE),
        now: Utc::now(),
        q,
    }))
}
