//! The building blocks of the generic pages (list, form, detail): every registry screen is
//! described with these and rendered by the same three templates, so they look and behave alike.

use askama::Template;

use super::PageCtx;
use crate::error::FieldError;
use crate::i18n::Lang;
use crate::paging::Paging;

pub struct Button {
    pub id: &'static str,
    pub class: &'static str,
    pub href: String,
    pub label: String,
}

pub struct SelectOption {
    pub value: String,
    pub label: String,
}

pub fn options(codes: &[(&str, &str, &str)], lang: Lang) -> Vec<SelectOption> {
    codes
        .iter()
        .map(|(c, zh, en)| SelectOption {
            value: (*c).to_owned(),
            label: lang.pick(zh, en).to_owned(),
        })
        .collect()
}

pub fn yes_no(lang: Lang) -> Vec<SelectOption> {
    vec![
        SelectOption {
            value: "true".into(),
            label: lang.pick("是", "Yes").into(),
        },
        SelectOption {
            value: "false".into(),
            label: lang.pick("否", "No").into(),
        },
    ]
}

pub struct FilterField {
    pub name: &'static str,
    pub label: String,
    /// "text" or "select"
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<SelectOption>,
}

impl FilterField {
    pub fn text(name: &'static str, label: String, value: Option<String>) -> Self {
        FilterField {
            name,
            label,
            kind: "text",
            value: value.unwrap_or_default(),
            options: Vec::new(),
        }
    }
    pub fn select(
        name: &'static str,
        label: String,
        value: Option<String>,
        options: Vec<SelectOption>,
    ) -> Self {
        FilterField {
            name,
            label,
            kind: "select",
            value: value.unwrap_or_default(),
            options,
        }
    }
}

pub struct Column {
    pub label: String,
    pub num: bool,
}

pub fn columns(lang: Lang, keys: &[&str]) -> Vec<Column> {
    keys.iter()
        .map(|k| Column {
            num: k.ends_with('#'),
            label: lang.t(k.trim_end_matches('#')).into_owned(),
        })
        .collect()
}

#[derive(Default)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub class: &'static str,
    pub badge: Option<String>,
}

impl Cell {
    pub fn text(t: impl Into<String>) -> Self {
        Cell {
            text: t.into(),
            ..Default::default()
        }
    }
    pub fn link(t: impl Into<String>, href: String) -> Self {
        Cell {
            text: t.into(),
            href: Some(href),
            ..Default::default()
        }
    }
    pub fn num(n: impl ToString) -> Self {
        Cell {
            text: n.to_string(),
            class: "num",
            ..Default::default()
        }
    }
    pub fn masked(t: impl Into<String>) -> Self {
        Cell {
            text: t.into(),
            class: "masked",
            ..Default::default()
        }
    }
    pub fn with_badge(mut self, b: Option<String>) -> Self {
        self.badge = b;
        self
    }
}

pub struct PageLink {
    pub label: String,
    pub href: Option<String>,
    pub current: bool,
}

pub struct TreeNode {
    pub depth: usize,
    pub label: String,
    pub note: String,
    pub href: String,
    pub active: bool,
}

/// Page links around the current page; `base_query` is the filter part of the URL.
pub fn pages(path: &str, base_query: &str, paging: Paging, total: u64) -> Vec<PageLink> {
    let last = paging.pages(total);
    let cur = paging.page().min(last);
    let href = |p: u64| {
        let mut q = base_query.to_owned();
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str(&format!("page={p}&page_size={}", paging.limit()));
        Some(format!("{path}?{q}"))
    };
    let mut out = Vec::new();
    let mut prev_shown = 0;
    for p in 1..=last {
        if p == 1 || p == last || (p + 2 >= cur && p <= cur + 2) {
            if prev_shown + 1 != p && prev_shown != 0 {
                out.push(PageLink {
                    label: "…".into(),
                    href: None,
                    current: false,
                });
            }
            out.push(PageLink {
                label: p.to_string(),
                href: href(p),
                current: p == cur,
            });
            prev_shown = p;
        }
    }
    out
}

/// A query string of the non-empty filter values (for page links and export buttons).
pub fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            s.append_pair(k, v);
        }
    }
    s.finish()
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub ctx: PageCtx,
    pub action: String,
    pub buttons: Vec<Button>,
    pub filters: Vec<FilterField>,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    pub total_text: String,
    pub pages: Vec<PageLink>,
    pub tree: Vec<TreeNode>,
}

pub fn total_text(lang: Lang, total: u64) -> String {
    lang.t("app.total").replace("{n}", &total.to_string())
}

pub struct FormField {
    pub name: &'static str,
    pub label: String,
    /// text, number, password, select, checkbox, textarea, hidden (a record's `version`)
    pub kind: &'static str,
    pub value: String,
    pub checked: bool,
    pub required: bool,
    pub options: Vec<SelectOption>,
    /// The chosen values of a `checkboxes` or `multiselect` field.
    pub values: Vec<String>,
    pub hint: Option<String>,
    pub error: Option<String>,
}

impl FormField {
    /// Several choices: `checkboxes` (a few) or `multiselect` (many).
    pub fn multi(
        name: &'static str,
        label: String,
        kind: &'static str,
        options: Vec<SelectOption>,
        values: Vec<String>,
    ) -> Self {
        FormField {
            name,
            label,
            kind,
            value: String::new(),
            checked: false,
            required: false,
            options,
            values,
            hint: None,
            error: None,
        }
    }
    pub fn has(&self, v: &str) -> bool {
        self.values.iter().any(|x| x == v)
    }

    pub fn new(
        name: &'static str,
        label: String,
        kind: &'static str,
        value: Option<&String>,
    ) -> Self {
        FormField {
            name,
            label,
            kind,
            checked: kind == "checkbox" && value.is_some_and(|v| !v.is_empty() && v != "false"),
            value: value.cloned().unwrap_or_default(),
            required: false,
            options: Vec::new(),
            values: Vec::new(),
            hint: None,
            error: None,
        }
    }
    pub fn required_if(mut self, yes: bool) -> Self {
        self.required = yes;
        self
    }
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn options(mut self, o: Vec<SelectOption>) -> Self {
        self.options = o;
        self
    }
    pub fn hint(mut self, h: String) -> Self {
        self.hint = Some(h);
        self
    }
}

#[derive(Template)]
#[template(path = "form.html")]
pub struct FormPage {
    pub ctx: PageCtx,
    pub action: String,
    pub cancel: String,
    pub fields: Vec<FormField>,
    pub errors: Vec<String>,
}

impl FormPage {
    /// Attaches field errors to their fields; errors of fields not on the form are listed on top.
    pub fn with_errors(mut self, errs: &[FieldError]) -> Self {
        let lang = self.ctx.lang;
        for e in errs {
            match self.fields.iter_mut().find(|f| f.name == e.field) {
                Some(f) => f.error = Some(e.message(lang).to_owned()),
                None => self.errors.push(e.message(lang).to_owned()),
            }
        }
        if self.errors.is_empty() && !errs.is_empty() {
            self.errors = errs.iter().map(|e| e.message(lang).to_owned()).collect();
        }
        self
    }
}

pub struct Prop {
    pub label: String,
    pub value: String,
    pub href: Option<String>,
    pub class: &'static str,
}

impl Prop {
    pub fn new(lang: Lang, key: &str, value: impl Into<String>) -> Self {
        Prop {
            label: lang.t(key).into_owned(),
            value: value.into(),
            href: None,
            class: "",
        }
    }
    pub fn opt(lang: Lang, key: &str, value: Option<&String>) -> Self {
        Self::new(lang, key, value.cloned().unwrap_or_else(|| "—".into()))
    }
    pub fn link(mut self, href: Option<String>) -> Self {
        self.href = href;
        self
    }
    pub fn class(mut self, c: &'static str) -> Self {
        self.class = c;
        self
    }
}

pub struct Section {
    pub title: String,
    pub rows: Vec<Prop>,
}

#[derive(Template)]
#[template(path = "detail.html")]
pub struct DetailPage {
    pub ctx: PageCtx,
    pub heading: String,
    pub buttons: Vec<Button>,
    pub delete_action: Option<String>,
    pub warnings: Vec<String>,
    pub sections: Vec<Section>,
}

pub fn yes_no_text(lang: Lang, b: bool) -> String {
    if b {
        lang.pick("是", "Yes").to_owned()
    } else {
        lang.pick("否", "No").to_owned()
    }
}

/// A chart of a dashboard: its title and its ECharts option.
pub struct Chart {
    pub title: String,
    /// ECharts option as JSON (escaped into a data attribute by the template).
    pub option: String,
}

pub use super::time::{local_deadline, local_time};
