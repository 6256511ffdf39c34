//! 字典管理: the code lists of every area (`lianxin_kernel::dict`) as pages: the lists, a
//! list's items, and the forms that rename an item (both languages), and in an open list
//! reorder it, switch it off or add one.

use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use crate::access::Principal;
use crate::access::roles::perm;
use crate::app::AppState;
use crate::error::{AppError, AppResult, FieldError};
use crate::i18n::Lang;
use lianxin_kernel::dict::{self, Codes, Entry, ItemInput};
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, render, saved_or_form};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/system/dicts", get(lists))
        .route("/system/dicts/{key}", get(items).post(item_create))
        .route("/system/dicts/{key}/new", get(item_new))
        .route(
            "/system/dicts/{key}/items/{code}",
            get(item_edit).post(item_save),
        )
}

fn list_of(key: &str) -> AppResult<Codes> {
    dict::list(key).ok_or(AppError::NotFound)
}

fn kind_text(l: Codes, lang: Lang) -> String {
    if l.open {
        lang.t("dict.open").into_owned()
    } else {
        lang.t("dict.fixed").into_owned()
    }
}

/// Every coded field's list, with how many values it has and how many are switched off.
async fn lists(State(s): State<AppState>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::DICT_EDIT)?;
    let rows: Vec<Vec<Cell>> = dict::lists()
        .map(|l| {
            let entries = l.entries();
            let off = entries.iter().filter(|e| !e.enabled).count();
            let href = format!("/system/dicts/{}", l.key);
            vec![
                Cell::link(l.name(lang), href.clone()),
                Cell::masked(l.key),
                Cell::text(kind_text(l, lang)),
                Cell::num(entries.len()),
                Cell::num(off),
                Cell::link(lang.t("dict.open_list").into_owned(), href),
            ]
        })
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "dicts", lang.t("menu.dicts")),
        action: "/system/dicts".into(),
        buttons: Vec::new(),
        filters: Vec::new(),
        columns: columns(
            lang,
            &[
                "dict.name",
                "dict.key",
                "dict.kind",
                "dict.count",
                "dict.off_count",
                "dict.items",
            ],
        ),
        list: ListCtl::whole(
            "dicts",
            "/system/dicts",
            rows.len() as u64,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "dicts").await?,
        ),
        rows,
        row_ids: Vec::new(),
        tree: Vec::new(),
    }))
}

/// A list's items in their order: code, labels in both languages, order, state.
async fn items(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Path(key): Path<String>,
) -> AppResult<Response> {
    who.require(perm::DICT_EDIT)?;
    let l = list_of(&key)?;
    let rows: Vec<Vec<Cell>> = l
        .entries()
        .into_iter()
        .map(|e| {
            let href = format!("/system/dicts/{}/items/{}", l.key, enc(&e.code));
            vec![
                Cell::masked(e.code.clone()),
                Cell::link(e.label_zh.clone(), href.clone()),
                Cell::english(e.label_en.clone()),
                Cell::num(e.sort),
                Cell::text(if e.enabled {
                    lang.t("dict.on").into_owned()
                } else {
                    lang.t("dict.off").into_owned()
                }),
                Cell::text(if e.builtin {
                    lang.t("dict.builtin").into_owned()
                } else {
                    lang.t("dict.added").into_owned()
                }),
                Cell::link(lang.t("setting.edit").into_owned(), href),
            ]
        })
        .collect();
    let mut buttons = Vec::new();
    if l.open {
        buttons.push(Button {
            id: "btn-new",
            class: "btn-primary",
            href: format!("/system/dicts/{}/new", l.key),
            label: lang.t("app.new").into_owned(),
        });
    }
    buttons.push(Button {
        id: "btn-back",
        class: "btn-light",
        href: "/system/dicts".into(),
        label: lang.t("dict.all_lists").into_owned(),
    });
    let title = format!(
        "{} · {}（{}）",
        lang.t("menu.dicts"),
        l.name(lang),
        kind_text(l, lang)
    );
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "dicts", title),
        action: format!("/system/dicts/{}", l.key),
        buttons,
        filters: Vec::new(),
        columns: columns(
            lang,
            &[
                "dict.code",
                "dict.label_zh",
                "dict.label_en",
                "dict.sort",
                "dict.state",
                "dict.origin",
                "setting.edit",
            ],
        ),
        list: ListCtl::whole(
            "dict_items",
            "/system/dicts",
            rows.len() as u64,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "dict_items").await?,
        ),
        rows,
        row_ids: Vec::new(),
        tree: Vec::new(),
    }))
}

fn enc(code: &str) -> String {
    url::form_urlencoded::byte_serialize(code.as_bytes()).collect()
}

/// What the item form posts.
#[derive(Deserialize, Default, Clone)]
struct ItemForm {
    code: Option<String>,
    label_zh: Option<String>,
    label_en: Option<String>,
    sort: Option<String>,
    enabled: Option<String>,
    version: Option<String>,
}

impl ItemForm {
    fn of(e: &Entry) -> Self {
        ItemForm {
            code: Some(e.code.clone()),
            label_zh: Some(e.label_zh.clone()),
            label_en: Some(e.label_en.clone()),
            sort: Some(e.sort.to_string()),
            enabled: e.enabled.then(|| "on".to_owned()),
            version: Some(e.version.to_string()),
        }
    }

    /// The service's input: order and state only where the list is open (a checkbox that is
    /// not ticked is not posted: off).
    fn input(self, l: Codes) -> AppResult<ItemInput> {
        let mut errors = Vec::new();
        let sort = if l.open {
            crate::text::parse_int(&mut errors, "sort", self.sort.as_deref(), "排序", "sort")
        } else {
            None
        };
        let version = crate::text::parse_int(
            &mut errors,
            "version",
            self.version.as_deref(),
            "版本号",
            "version",
        );
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        Ok(ItemInput {
            code: self.code,
            label_zh: self.label_zh,
            label_en: self.label_en,
            sort,
            enabled: l.open.then(|| self.enabled.is_some()),
            version,
        })
    }
}

fn item_form(
    who: &Principal,
    lang: Lang,
    l: Codes,
    editing: Option<&str>,
    f: &ItemForm,
) -> FormPage {
    let mut fields = Vec::new();
    match editing {
        // The code of an item being edited is in the title: it never changes.
        Some(_) => fields.push(FormField::new(
            "version",
            String::new(),
            "hidden",
            f.version.as_ref(),
        )),
        None => fields.push(
            FormField::new(
                "code",
                lang.t("dict.code").into_owned(),
                "text",
                f.code.as_ref(),
            )
            .hint(lang.t("dict.code_hint").into_owned()),
        ),
    }
    fields.push(
        FormField::new(
            "label_zh",
            lang.t("dict.label_zh").into_owned(),
            "text",
            f.label_zh.as_ref(),
        )
        .required(),
    );
    fields.push(
        FormField::new(
            "label_en",
            lang.t("dict.label_en").into_owned(),
            "text",
            f.label_en.as_ref(),
        )
        .required()
        .hint(lang.t("dict.label_en_hint").into_owned()),
    );
    if l.open {
        fields.push(
            FormField::new(
                "sort",
                lang.t("dict.sort").into_owned(),
                "number",
                f.sort.as_ref(),
            )
            .hint(lang.t("dict.sort_hint").into_owned()),
        );
        let mut on = FormField::new(
            "enabled",
            lang.t("dict.enabled").into_owned(),
            "checkbox",
            None,
        );
        on.checked = f.enabled.is_some();
        fields.push(on);
    }
    let title = match editing {
        Some(code) => format!("{} · {} · {code}", lang.t("menu.dicts"), l.name(lang)),
        None => format!(
            "{} · {} · {}",
            lang.t("menu.dicts"),
            l.name(lang),
            lang.t("app.new")
        ),
    };
    FormPage {
        ctx: PageCtx::new(who, lang, "dicts", title),
        action: match editing {
            Some(code) => format!("/system/dicts/{}/items/{}", l.key, enc(code)),
            None => format!("/system/dicts/{}", l.key),
        },
        cancel: format!("/system/dicts/{}", l.key),
        fields,
        errors: Vec::new(),
    }
}

async fn item_edit(
    who: Principal,
    lang: Lang,
    Path((key, code)): Path<(String, String)>,
) -> AppResult<Response> {
    who.require(perm::DICT_EDIT)?;
    let l = list_of(&key)?;
    let e = l
        .entries()
        .into_iter()
        .find(|e| e.code == code)
        .ok_or(AppError::NotFound)?;
    Ok(render(&item_form(
        &who,
        lang,
        l,
        Some(&code),
        &ItemForm::of(&e),
    )))
}

async fn item_save(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Path((key, code)): Path<(String, String)>,
    Form(f): Form<ItemForm>,
) -> AppResult<Response> {
    who.require(perm::DICT_EDIT)?;
    let l = list_of(&key)?;
    let result = match f.clone().input(l) {
        Ok(input) => dict::update(&s.db, &who, &key, &code, input).await,
        Err(e) => Err(e),
    };
    saved_or_form(
        result,
        |_| format!("/system/dicts/{key}"),
        || async { Ok(item_form(&who, lang, l, Some(&code), &f)) },
    )
    .await
}

async fn item_new(who: Principal, lang: Lang, Path(key): Path<String>) -> AppResult<Response> {
    who.require(perm::DICT_EDIT)?;
    let l = list_of(&key)?;
    if !l.open {
        return Err(AppError::invalid(FieldError::new(
            "code",
            "fixed",
            format!("“{}”的代码是固定的，不能新增选项", l.zh),
            format!("the codes of '{}' are fixed: no value can be added", l.en),
        )));
    }
    let f = ItemForm {
        enabled: Some("on".into()),
        ..Default::default()
    };
    Ok(render(&item_form(&who, lang, l, None, &f)))
}

async fn item_create(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Path(key): Path<String>,
    Form(f): Form<ItemForm>,
) -> AppResult<Response> {
    who.require(perm::DICT_EDIT)?;
    let l = list_of(&key)?;
    let result = match (ItemForm {
        version: None,
        ..f.clone()
    })
    .input(l)
    {
        Ok(input) => dict::add(&s.db, &who, &key, input).await,
        Err(e) => Err(e),
    };
    saved_or_form(
        result,
        |_| format!("/system/dicts/{key}"),
        || async { Ok(item_form(&who, lang, l, None, &f)) },
    )
    .await
}
