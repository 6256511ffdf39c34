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
    sort: Option<String>,
    order: Option<String>,
    ids: Option<String>,
    /// The unit chosen in the tree: cases concerning it or below, or handled there.
    unit_id: Option<i64>,
    page: Option<u64>,
    page_size: Option<u64>,
}

impl ListQuery {
    /// The filter part of the list's address (no sort, page or size).
    fn filter_query(&self) -> String {
        lianxin_kernel::web::widgets::query_string(&[
            ("q", self.q.clone()),
            ("status", self.status.clone()),
            ("kind", self.kind.clone()),
            ("bucket", self.bucket.clone()),
            ("scope", self.scope.clone()),
            ("unit_id", self.unit_id.map(|u| u.to_string())),
        ])
    }
    /// The case filter the page (and its export) shows to `who`.
    fn filter(&self, who: &Principal) -> AppResult<(CaseFilter, Option<Bucket>, bool)> {
        let bucket = match self
            .bucket
            .as_deref()
            .map(str::trim)
            .filter(|b| !b.is_empty())
        {
            None => None,
            Some(b) => Some(
                Bucket::ALL
                    .into_iter()
                    .find(|x| x.code() == b)
                    .ok_or_else(|| unknown_param("bucket", b))?,
            ),
        };
        let mine = self.scope.as_deref() == Some("unit");
        let f = CaseFilter {
            q: self.q.clone(),
            status: self.status.clone().filter(|s| !s.is_empty()),
            kind: self.kind.clone().filter(|s| !s.is_empty()),
            bucket,
            unit_id: if mine { who.unit_id } else { None },
            under: self.unit_id,
            sort: self.sort.clone().filter(|s| !s.is_empty()),
            order: self.order.clone().filter(|s| !s.is_empty()),
            ids: self.ids.clone().filter(|s| !s.is_empty()),
            ..Default::default()
        };
        Ok((f, bucket, mine))
    }
}

/// The list's columns: (key, Chinese, English, sort key or empty).
const COLUMNS: &[(&str, &str, &str, &str)] = &[
    ("number", "编号", "Number", "number"),
    ("title", "标题", "Title", "title"),
    ("subject", "企业/单位", "Enterprise/unit", ""),
    ("kind", "类型", "Kind", ""),
    ("lead", "牵头单位", "Lead", ""),
    ("status", "状态", "Status", "status"),
    ("created_at", "登记时间", "Raised", "created_at"),
    ("deadline", "办理期限", "Deadline", "deadline"),
];

fn list_columns(lang: Lang) -> Vec<lianxin_kernel::web::widgets::Column> {
    COLUMNS
        .iter()
        .map(|(k, zh, en, sort)| {
            let c = lianxin_kernel::web::widgets::Column::new(k, lang.pick(zh, en));
            if sort.is_empty() { c } else { c.sorts(sort) }
        })
        .collect()
}

/// `/cases/export.xlsx`: the cases the list shows with the same address (tab, filter, sort,
/// or the ticked `ids`), in its order.
pub(super) async fn list_export(
    State(s): State<Core>,
    who: Principal,
    lang: Lang,
    lianxin_kernel::http::ApiQuery(q): lianxin_kernel::http::ApiQuery<ListQuery>,
) -> AppResult<Response> {
    let (f, bucket, _) = q.filter(&who)?;
    let title = if bucket == Some(Bucket::Overdue) {
        lang.pick("超期督办", "Overdue cases")
    } else {
        lang.pick("事项", "Cases")
    };
    crate::export::export(&s.db, &who, &f, lang, title).await
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
    columns: Vec<lianxin_kernel::web::widgets::Column>,
    list: lianxin_kernel::web::widgets::ListCtl,
    buttons: Vec<lianxin_kernel::web::widgets::Button>,
    unit_tree: Option<UnitTree>,
    can_raise: bool,
    now: DateTime<Utc>,
    /// The caller's unread notices (通知公告) on the plain list, where department staff land.
    notices: Option<lianxin_kernel::notices::NoticesBlock>,
}

impl ListPage {
    fn subject(&self, c: &CaseView) -> String {
        c.enterprise
            .as_ref()
            .or(c.subject_unit.as_ref())
            .map(|n| n.name.clone())
            .unwrap_or_default()
    }
    fn shown_columns(&self) -> usize {
        self.columns.iter().filter(|c| self.list.shows(c)).count()
            + usize::from(self.list.has_batch())
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
    // 我的待办 opens on the caller's own work: the first to-do list with something in it,
    // else their department's cases; 全部 is a tab of its own (`scope=all`).
    let bare = q.bucket.is_none()
        && q.scope.is_none()
        && q.q.is_none()
        && q.status.is_none()
        && q.kind.is_none()
        && q.unit_id.is_none()
        && q.ids.is_none()
        && q.page.is_none()
        && q.sort.is_none();
    if bare {
        let counts = service::todo_counts(&s.db, &who, lang).await?;
        if let Some(tc) = counts
            .iter()
            .find(|tc| tc.count > 0 && tc.bucket != Bucket::Overdue)
        {
            return Ok(Redirect::to(&format!("/cases?bucket={}", tc.bucket.code())).into_response());
        }
        if who.unit_id.is_some() && who.can(perm::CASE_HANDLE) {
            return Ok(Redirect::to("/cases?scope=unit").into_response());
        }
    }
    let (f, bucket, mine) = q.filter(&who)?;
    let sort = service::sort_of(&f)?;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let result = service::list(&s.db, &who, &f, paging).await?;
    let rows = service::views(&s.db, result.items, lang).await?;
    let counts = service::todo_counts(&s.db, &who, lang).await?;
    let mut tabs = vec![Tab {
        label: lang.pick("全部", "All").into(),
        href: "/cases?scope=all".into(),
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
    let qs = q.filter_query();
    // On the to-do lists where 我的待办 opens (a tab, no filter of one's own).
    let unfiltered = [&q.q, &q.status, &q.kind]
        .iter()
        .all(|v| v.as_deref().is_none_or(|v| v.trim().is_empty()))
        && q.unit_id.is_none();
    let notices = if unfiltered && bucket != Some(Bucket::Overdue) {
        Some(lianxin_kernel::notices::block(&s.db, &who, lang).await?)
    } else {
        None
    };
    let hidden = lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "cases").await?;
    let mut list = lianxin_kernel::web::widgets::ListCtl::new(
        "cases",
        "/cases",
        qs,
        sort,
        paging,
        result.total,
        hidden,
    );
    let export = list.export_href("/cases/export.xlsx");
    list = list.with_batch(vec![lianxin_kernel::web::widgets::BatchAction::export(
        lang,
        export.clone(),
    )]);
    let buttons = vec![lianxin_kernel::web::widgets::Button {
        id: "btn-export-xlsx",
        class: "btn-light",
        href: export,
        label: lang.t("app.export_xlsx").into_owned(),
    }];
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
        rows,
        columns: list_columns(lang),
        list,
        buttons,
        unit_tree: crate::registries::units::tree_beside(&who, "unit_id", q.unit_id),
        can_raise: who.can(perm::CASE_RAISE),
        now: Utc::now(),
        notices,
        q,
    }))
}
