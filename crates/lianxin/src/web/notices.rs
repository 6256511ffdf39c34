//! Notices (通知公告): the sender's pages under 系统管理 (the list with read counts, the form,
//! who has read one) and the reader's (my notices, one notice, which records the read), and
//! the small block of unread notices a landing page includes (the kernel's `notices::block`
//! and `notices_block.html`).

use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum_extra::extract::Form as ExtraForm;
use serde::Deserialize;

use crate::access::Principal;
use crate::access::roles::perm;
use crate::app::AppState;
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::paging::Paging;
use lianxin_kernel::http::IdPath;
use lianxin_kernel::notices::{self, NoticeEdit, NoticeInput, NoticeView, Withdrawal};
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, render, saved_or_form};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/system/notices", get(sent_list).post(send))
        .route("/system/notices/new", get(new_form))
        .route("/system/notices/{id}", get(receipts))
        .route("/system/notices/{id}/edit", get(edit_form).post(edit))
        .route(
            "/system/notices/{id}/withdraw",
            axum::routing::post(withdraw),
        )
        .route("/notices", get(my_list))
        .route("/notices/{id}", get(open))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<u64>,
    page_size: Option<u64>,
}

fn addressees(n: &NoticeView, lang: Lang) -> String {
    if n.to_all {
        lang.pick("全部用户", "Everyone").to_owned()
    } else {
        n.units
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>()
            .join(lang.pick("、", ", "))
    }
}

async fn sent_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    who.require(perm::NOTICE_EDIT)?;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let page = notices::sent(&s.db, &who, paging).await?;
    let rows = page
        .items
        .iter()
        .map(|n| {
            vec![
                Cell::link(n.title.clone(), format!("/system/notices/{}", n.id)),
                Cell::text(if n.to_all {
                    lang.pick("全部用户", "Everyone")
                } else {
                    lang.pick("指定单位", "Chosen units")
                }),
                Cell::text(n.author.clone()),
                Cell::text(local_time(&n.created_at)),
                Cell::text(format!("{} / {}", n.read, n.readers)),
                Cell::text(if n.withdrawn_at.is_some() {
                    lang.t("notice.withdrawn")
                } else {
                    lang.t("notice.sent")
                }),
            ]
        })
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "notices", lang.t("menu.notices")),
        action: "/system/notices".into(),
        buttons: vec![Button {
            id: "btn-new",
            class: "btn-primary",
            href: "/system/notices/new".into(),
            label: lang.t("notice.new").into_owned(),
        }],
        filters: Vec::new(),
        columns: columns(
            lang,
            &[
                "notice.title",
                "notice.to",
                "notice.author",
                "notice.at",
                "notice.read_count",
                "notice.state",
            ],
        ),
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            "notices",
            "/system/notices",
            String::new(),
            None,
            paging,
            page.total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "notices").await?,
        ),
        tree: Vec::new(),
    }))
}

#[derive(Deserialize, Default, Clone)]
struct NoticeForm {
    title: Option<String>,
    body: Option<String>,
    to_all: Option<String>,
    #[serde(default)]
    unit_ids: Vec<String>,
}

async fn form_page(
    s: &AppState,
    who: &Principal,
    lang: Lang,
    f: &NoticeForm,
) -> AppResult<FormPage> {
    let t = |k: &str| lang.t(k).into_owned();
    let units = crate::registries::units::all_visible(&s.db, who)
        .await?
        .iter()
        .map(|u| SelectOption {
            value: u.id.to_string(),
            label: u.name.clone(),
        })
        .collect();
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "notices", t("notice.new")),
        action: "/system/notices".into(),
        cancel: "/system/notices".into(),
        fields: vec![
            FormField::new("title", t("notice.title"), "text", f.title.as_ref()).required(),
            FormField::new("body", t("notice.body"), "textarea", f.body.as_ref()).required(),
            FormField::new("to_all", t("notice.to_all"), "checkbox", f.to_all.as_ref()),
            FormField::multi(
                "unit_ids",
                t("notice.units"),
                "multiselect",
                units,
                f.unit_ids.clone(),
            )
            .hint(t("notice.units_hint")),
        ],
        errors: Vec::new(),
    })
}

async fn new_form(State(s): State<AppState>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::NOTICE_EDIT)?;
    Ok(render(
        &form_page(&s, &who, lang, &NoticeForm::default()).await?,
    ))
}

async fn send(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ExtraForm(f): ExtraForm<NoticeForm>,
) -> AppResult<Response> {
    who.require(perm::NOTICE_EDIT)?;
    let mut unit_ids = Vec::new();
    for v in &f.unit_ids {
        if let Some(id) = crate::text::query_value::<i64>("unit_ids", Some(v))? {
            unit_ids.push(id);
        }
    }
    let input = NoticeInput {
        title: f.title.clone(),
        body: f.body.clone(),
        to_all: Some(
            f.to_all
                .as_deref()
                .is_some_and(|v| matches!(v, "on" | "true" | "1")),
        ),
        unit_ids: Some(unit_ids),
    };
    let result = notices::send(&s.db, &who, input).await;
    saved_or_form(
        result,
        |n| format!("/system/notices/{}", n.id),
        || form_page(&s, &who, lang, &f),
    )
    .await
}

#[derive(Deserialize, Default, Clone)]
struct EditForm {
    version: Option<String>,
    title: Option<String>,
    body: Option<String>,
}

fn edit_page(who: &Principal, lang: Lang, id: i64, f: &EditForm) -> FormPage {
    let t = |k: &str| lang.t(k).into_owned();
    FormPage {
        ctx: PageCtx::new(who, lang, "notices", t("notice.edit")),
        action: format!("/system/notices/{id}/edit"),
        cancel: format!("/system/notices/{id}"),
        fields: vec![
            FormField::new("version", String::new(), "hidden", f.version.as_ref()),
            FormField::new("title", t("notice.title"), "text", f.title.as_ref()).required(),
            FormField::new("body", t("notice.body"), "textarea", f.body.as_ref()).required(),
        ],
        errors: Vec::new(),
    }
}

async fn edit_form(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let n = notices::receipts(&s.db, &who, id).await?.notice;
    let f = EditForm {
        version: Some(n.version.to_string()),
        title: Some(n.title),
        body: Some(n.body),
    };
    Ok(render(&edit_page(&who, lang, id, &f)))
}

/// A version as the form posts it (a hidden field): a number, or none (refused as missing).
fn form_version(v: Option<&str>) -> AppResult<Option<i32>> {
    crate::text::query_value::<i32>("version", v)
}

async fn edit(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ExtraForm(f): ExtraForm<EditForm>,
) -> AppResult<Response> {
    let input = NoticeEdit {
        version: form_version(f.version.as_deref())?,
        title: f.title.clone(),
        body: f.body.clone(),
    };
    let result = notices::edit(&s.db, &who, id, input).await;
    saved_or_form(
        result,
        |n| format!("/system/notices/{}", n.id),
        || async { Ok(edit_page(&who, lang, id, &f)) },
    )
    .await
}

async fn withdraw(
    State(s): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
    ExtraForm(f): ExtraForm<EditForm>,
) -> AppResult<Response> {
    let input = Withdrawal {
        version: form_version(f.version.as_deref())?,
    };
    notices::withdraw(&s.db, &who, id, input).await?;
    Ok(axum::response::Redirect::to(&format!("/system/notices/{id}")).into_response())
}

fn content(n: &NoticeView, lang: Lang) -> Section {
    let mut rows = vec![
        Prop::new(lang, "notice.author", n.author.clone()),
        Prop::new(lang, "notice.at", local_time(&n.created_at)),
    ];
    if let Some(at) = &n.updated_at {
        rows.push(Prop::new(lang, "notice.updated", local_time(at)));
    }
    if let Some(at) = &n.withdrawn_at {
        rows.push(Prop::new(
            lang,
            "notice.state",
            format!("{} {}", lang.t("notice.withdrawn"), local_time(at)),
        ));
    }
    rows.push(Prop::new(lang, "notice.to", addressees(n, lang)));
    rows.push(Prop::new(lang, "notice.body", n.body.clone()).class("pre"));
    Section {
        title: n.title.clone(),
        rows,
    }
}

async fn receipts(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let r = notices::receipts(&s.db, &who, id).await?;
    let live = r.notice.withdrawn_at.is_none();
    let line = |x: &notices::Receipt| {
        let mut name = x.display_name.clone();
        if let Some(u) = &x.unit {
            name = format!("{name}（{u}）");
        }
        Prop {
            label: name,
            value: x
                .read_at
                .as_ref()
                .map(local_time)
                .unwrap_or_else(|| lang.pick("未读", "not read").to_owned()),
            href: None,
            class: "",
        }
    };
    Ok(render(&DetailPage {
        ctx: PageCtx::new(&who, lang, "notices", lang.t("notice.receipts")),
        heading: r.notice.title.clone(),
        buttons: {
            let mut b = Vec::new();
            if live {
                b.push(Button {
                    id: "btn-edit",
                    class: "btn-primary",
                    href: format!("/system/notices/{id}/edit"),
                    label: lang.t("notice.edit").into_owned(),
                });
            }
            b.push(Button {
                id: "btn-back",
                class: "btn-light",
                href: "/system/notices".into(),
                label: lang.t("app.back").into_owned(),
            });
            b
        },
        actions: if live {
            vec![PostButton {
                id: "btn-withdraw",
                class: "btn-danger",
                action: format!("/system/notices/{id}/withdraw"),
                label: lang.t("notice.withdraw").into_owned(),
                confirm: lang.t("notice.withdraw_confirm").into_owned(),
                fields: vec![("version", r.notice.version.to_string())],
            }]
        } else {
            Vec::new()
        },
        delete_action: None,
        warnings: Vec::new(),
        sections: vec![
            content(&r.notice, lang),
            Section {
                title: format!("{}（{}）", lang.t("notice.read"), r.read.len()),
                rows: r.read.iter().map(line).collect(),
            },
            Section {
                title: format!("{}（{}）", lang.t("notice.unread"), r.unread.len()),
                rows: r.unread.iter().map(line).collect(),
            },
        ],
    }))
}

async fn my_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let page = notices::mine(&s.db, &who, paging).await?;
    let rows = page
        .items
        .iter()
        .map(|n| {
            vec![
                Cell::link(n.title.clone(), format!("/notices/{}", n.id)),
                Cell::text(n.author.clone()),
                Cell::text(local_time(&n.created_at)),
                Cell::text(match n.read_at {
                    Some(_) => lang.pick("已读", "Read"),
                    None => lang.pick("未读", "Unread"),
                }),
            ]
        })
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "my_notices", lang.t("menu.my_notices")),
        action: "/notices".into(),
        buttons: Vec::new(),
        filters: Vec::new(),
        columns: columns(
            lang,
            &["notice.title", "notice.author", "notice.at", "notice.state"],
        ),
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            "my_notices",
            "/notices",
            String::new(),
            None,
            paging,
            page.total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "my_notices").await?,
        ),
        tree: Vec::new(),
    }))
}

async fn open(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    let n = notices::open(&s.db, &who, id).await?;
    Ok(render(&DetailPage {
        ctx: PageCtx::new(&who, lang, "my_notices", lang.t("menu.my_notices")),
        heading: n.title.clone(),
        buttons: vec![Button {
            id: "btn-back",
            class: "btn-light",
            href: "/notices".into(),
            label: lang.t("app.back").into_owned(),
        }],
        actions: Vec::new(),
        delete_action: None,
        warnings: Vec::new(),
        sections: vec![content(&n, lang)],
    }))
}
