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

/// A button of a detail page that posts to `action` with `fields` after the browser asks
/// `confirm` (撤回, say): a change of state that is not a form to fill.
pub struct PostButton {
    pub id: &'static str,
    pub class: &'static str,
    pub action: String,
    pub label: String,
    pub confirm: String,
    pub fields: Vec<(&'static str, String)>,
}

pub struct SelectOption {
    pub value: String,
    pub label: String,
}

/// The values a code list offers (字典管理 decides which, in which order, with which labels).
pub fn options(codes: crate::dict::Codes, lang: Lang) -> Vec<SelectOption> {
    codes
        .offered()
        .into_iter()
        .map(|e| SelectOption {
            label: e.label(lang).to_owned(),
            value: e.code,
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
    /// "text", "date", "select" or "hidden" (a filter kept while another control sets it,
    /// such as the unit tree)
    pub kind: &'static str,
    pub value: String,
    pub options: Vec<SelectOption>,
}

impl FilterField {
    pub fn hidden(name: &'static str, value: Option<String>) -> Self {
        FilterField {
            name,
            label: String::new(),
            kind: "hidden",
            value: value.unwrap_or_default(),
            options: Vec::new(),
        }
    }
    pub fn text(name: &'static str, label: String, value: Option<String>) -> Self {
        FilterField {
            name,
            label,
            kind: "text",
            value: value.unwrap_or_default(),
            options: Vec::new(),
        }
    }
    /// A day (the browser's date picker; YYYY-MM-DD).
    pub fn date(name: &'static str, label: String, value: Option<String>) -> Self {
        FilterField {
            kind: "date",
            ..Self::text(name, label, value)
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
    /// The column's key (its label's i18n key): what the column chooser remembers.
    pub key: String,
    pub label: String,
    pub num: bool,
    /// The `sort` value that orders the list by this column, when it sorts.
    pub sort: Option<&'static str>,
}

impl Column {
    /// A column of a list with its own template: its key (what the chooser remembers and the
    /// template asks `ListCtl::shows_key` about) and its label.
    pub fn new(key: &str, label: impl Into<String>) -> Self {
        Column {
            key: key.to_owned(),
            label: label.into(),
            num: false,
            sort: None,
        }
    }
    /// A column of numbers (right-aligned).
    pub fn numeric(mut self) -> Self {
        self.num = true;
        self
    }
    /// This column sorts the list by `key` (one of the service's sort keys).
    pub fn sorts(mut self, key: &'static str) -> Self {
        self.sort = Some(key);
        self
    }
}

/// The columns of a list from their labels' i18n keys (a trailing `#` marks a number).
pub fn columns(lang: Lang, keys: &[&str]) -> Vec<Column> {
    keys.iter()
        .map(|k| Column {
            key: k.trim_end_matches('#').to_owned(),
            num: k.ends_with('#'),
            label: lang.t(k.trim_end_matches('#')).into_owned(),
            sort: None,
        })
        .collect()
}

/// Columns that sort: `(i18n key, sort key)`, the sort key empty for a column that does not.
pub fn sortable_columns(lang: Lang, keys: &[(&str, &'static str)]) -> Vec<Column> {
    keys.iter()
        .map(|(k, sort)| Column {
            key: k.trim_end_matches('#').to_owned(),
            num: k.ends_with('#'),
            label: lang.t(k.trim_end_matches('#')).into_owned(),
            sort: (!sort.is_empty()).then_some(*sort),
        })
        .collect()
}

/// The page sizes every list offers.
pub const PAGE_SIZES: [u64; 4] = [20, 50, 100, 500];

/// An action on the rows ticked in a list: `get` opens `href` with `ids=1,2,3` added (an
/// export of exactly those rows); `post` sends them to `href` with the CSRF token.
pub struct BatchAction {
    pub id: &'static str,
    pub label: String,
    pub href: String,
    pub method: &'static str,
    pub class: &'static str,
    pub confirm: Option<String>,
}

impl BatchAction {
    /// Exports the ticked rows (`href` is the list's export, with its filter).
    pub fn export(lang: Lang, href: String) -> Self {
        BatchAction {
            id: "batch-export",
            label: lang.pick("导出所选", "Export selected").to_owned(),
            href,
            method: "get",
            class: "btn-light",
            confirm: None,
        }
    }
    /// Deletes the ticked rows (all or none), after a confirmation.
    pub fn delete(lang: Lang, href: String) -> Self {
        BatchAction {
            id: "batch-delete",
            label: lang.pick("删除所选", "Delete selected").to_owned(),
            href,
            method: "post",
            class: "btn-danger",
            confirm: Some(
                lang.pick("确定删除所选记录吗？", "Delete the selected records?")
                    .to_owned(),
            ),
        }
    }
}

/// What every list shares below its filters: the order, the page and its size, the columns
/// the user hides, the batch actions; rendered by `list_table.html` and `pager.html`.
pub struct ListCtl {
    /// The list's key for the remembered columns (`people`, `audit`…).
    pub id: &'static str,
    /// The list's path (`/people`).
    pub path: String,
    /// The filter part of the query string (no sort, page or size).
    pub filter_query: String,
    pub sort: Option<crate::paging::Sort>,
    pub page: u64,
    pub page_size: u64,
    pub total: u64,
    /// Column keys the user hides.
    pub hidden: Vec<String>,
    pub batch: Vec<BatchAction>,
    /// The current address (where the column chooser comes back to).
    pub here: String,
    /// False for a list shown whole (no page links, size or jump).
    pub paged: bool,
    /// The unit tree beside the list, if the list filters by unit.
    pub unit_tree: Option<UnitTree>,
}

impl ListCtl {
    /// A list at `path` with its filter query, the paging and sort asked for and the total;
    /// the hidden columns are the user's remembered ones (`crate::prefs::hidden_columns`).
    pub fn new(
        id: &'static str,
        path: impl Into<String>,
        filter_query: String,
        sort: Option<crate::paging::Sort>,
        paging: Paging,
        total: u64,
        hidden: Vec<String>,
    ) -> Self {
        let path = path.into();
        let mut ctl = ListCtl {
            id,
            path,
            filter_query,
            sort,
            page: paging.page().min(paging.pages(total)),
            page_size: paging.limit(),
            total,
            hidden,
            batch: Vec::new(),
            here: String::new(),
            paged: true,
            unit_tree: None,
        };
        ctl.here = ctl.href(ctl.page, ctl.sort.as_ref());
        ctl
    }
    /// A list shown whole, on one page (a year's calendar, the roles).
    pub fn whole(
        id: &'static str,
        path: impl Into<String>,
        total: u64,
        hidden: Vec<String>,
    ) -> Self {
        let mut ctl = Self::new(
            id,
            path,
            String::new(),
            None,
            Paging::default(),
            total,
            hidden,
        );
        ctl.paged = false;
        ctl
    }
    /// The unit tree beside the list (`None` leaves the list without one).
    pub fn with_unit_tree(mut self, tree: Option<UnitTree>) -> Self {
        self.unit_tree = tree;
        self
    }
    pub fn with_batch(mut self, batch: Vec<BatchAction>) -> Self {
        self.batch = batch;
        self
    }
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.page_size.max(1)).max(1)
    }
    fn href(&self, page: u64, sort: Option<&crate::paging::Sort>) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(self.filter_query.as_bytes()) {
            s.append_pair(&k, &v);
        }
        if let Some(sort) = sort {
            s.append_pair("sort", &sort.key);
            s.append_pair("order", if sort.desc { "desc" } else { "asc" });
        }
        if page > 1 {
            s.append_pair("page", &page.to_string());
        }
        if self.page_size != crate::paging::DEFAULT_PAGE_SIZE {
            s.append_pair("page_size", &self.page_size.to_string());
        }
        let q = s.finish();
        if q.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{q}", self.path)
        }
    }
    /// The link a column's header follows: by this column ascending, or, when the list is
    /// sorted by it ascending already, descending (from the first page).
    pub fn sort_href(&self, c: &Column) -> String {
        let Some(key) = c.sort else {
            return String::new();
        };
        let desc = self.sort.as_ref().is_some_and(|s| s.key == key && !s.desc);
        self.href(
            1,
            Some(&crate::paging::Sort {
                key: key.to_owned(),
                desc,
            }),
        )
    }
    /// `asc`, `desc` or empty: how the list is sorted by this column.
    pub fn sorted_by(&self, c: &Column) -> &'static str {
        match (&self.sort, c.sort) {
            (Some(s), Some(k)) if s.key == k => {
                if s.desc {
                    "desc"
                } else {
                    "asc"
                }
            }
            _ => "",
        }
    }
    pub fn shows(&self, c: &Column) -> bool {
        !self.hidden.contains(&c.key)
    }
    /// Whether the column `key` is shown (for a list with its own template).
    pub fn shows_key(&self, key: &str) -> bool {
        !self.hidden.iter().any(|h| h == key)
    }
    /// The list's export at `path` (`/cases/export.xlsx`) with the list's filter and order,
    /// so that the file holds what the list shows, in the order it shows it.
    pub fn export_href(&self, path: &str) -> String {
        export_href(path, &self.filter_query, self.sort.as_ref())
    }
    /// The pager's links: first, previous, the pages around this one, next, last.
    pub fn links(&self) -> Vec<PageLink> {
        let (cur, last) = (self.page, self.pages());
        let mut out = Vec::new();
        let mut prev_shown = 0;
        for p in 1..=last {
            if p == 1 || p == last || (p + 2 >= cur && p <= cur + 2) {
                if prev_shown != 0 && prev_shown + 1 != p {
                    out.push(PageLink {
                        label: "…".into(),
                        href: None,
                        current: false,
                    });
                }
                out.push(PageLink {
                    label: p.to_string(),
                    href: Some(self.href(p, self.sort.as_ref())),
                    current: p == cur,
                });
                prev_shown = p;
            }
        }
        out
    }
    pub fn prev_href(&self) -> Option<String> {
        (self.page > 1).then(|| self.href(self.page - 1, self.sort.as_ref()))
    }
    pub fn next_href(&self) -> Option<String> {
        (self.page < self.pages()).then(|| self.href(self.page + 1, self.sort.as_ref()))
    }
    /// The filter and sort as hidden fields of the pager's form (page size, jump to page).
    pub fn hidden_fields(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            url::form_urlencoded::parse(self.filter_query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        if let Some(s) = &self.sort {
            out.push(("sort".into(), s.key.clone()));
            out.push((
                "order".into(),
                if s.desc { "desc" } else { "asc" }.to_owned(),
            ));
        }
        out
    }
    pub fn sizes(&self) -> &'static [u64] {
        &PAGE_SIZES
    }
    pub fn has_batch(&self) -> bool {
        !self.batch.is_empty()
    }
}

#[derive(Default)]
pub struct Cell {
    pub text: String,
    pub href: Option<String>,
    pub class: &'static str,
    pub badge: Option<String>,
    /// The text's language when it is not the page's (`en` for an English label shown in
    /// the Chinese UI), for screen readers and the browser tests.
    pub lang: &'static str,
    /// The text in pieces, those marked `true` shown as `<code>` (empty: `text` as it is).
    pub parts: Vec<(String, bool)>,
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
    /// Text in English whatever the page's language (an English label beside the Chinese).
    pub fn english(t: impl Into<String>) -> Self {
        Cell {
            text: t.into(),
            lang: "en",
            ..Default::default()
        }
    }
    pub fn with_badge(mut self, b: Option<String>) -> Self {
        self.badge = b;
        self
    }
    /// Text whose codes show as code (`code_parts`): a setting's meaning that names an
    /// address, a start-up option or the placeholders an administrator types.
    pub fn marked(t: impl Into<String>) -> Self {
        let text = t.into();
        Cell {
            parts: code_parts(&text),
            text,
            ..Default::default()
        }
    }
}

/// `text` cut into plain pieces and codes (`true`): placeholders (`{year}`), start-up options
/// (`--api-token-days`), addresses with or without their method (`POST /api/v1/auth/token`)
/// and environment variables (`LIANXIN_API_TOKEN_DAYS`). Those are typed as they are, so the
/// page marks them as such rather than as words of the sentence.
pub fn code_parts(text: &str) -> Vec<(String, bool)> {
    let c: Vec<char> = text.chars().collect();
    let word = |ch: char| ch.is_ascii_alphanumeric() || ch == '_';
    let path = |ch: char| ch.is_ascii_alphanumeric() || "/_-.{}".contains(ch);
    // The end of a code starting at `i`, if one does.
    let code_at = |i: usize| -> Option<usize> {
        let before_ok = i == 0 || !word(c[i - 1]);
        // {placeholder}
        if c[i] == '{' {
            let mut j = i + 1;
            while j < c.len() && (c[j].is_ascii_lowercase() || c[j] == '_') {
                j += 1;
            }
            return (j > i + 1 && j < c.len() && c[j] == '}').then_some(j + 1);
        }
        if !before_ok {
            return None;
        }
        // --option
        if c[i] == '-'
            && c.get(i + 1) == Some(&'-')
            && c.get(i + 2).is_some_and(|x| x.is_ascii_lowercase())
        {
            let mut j = i + 2;
            while j < c.len() && (c[j].is_ascii_alphanumeric() || c[j] == '-') {
                j += 1;
            }
            return Some(j);
        }
        // METHOD /path, or /api/path
        let rest: String = c[i..c.len().min(i + 8)].iter().collect();
        let mut start = None;
        for m in ["GET ", "POST ", "PUT ", "DELETE ", "PATCH "] {
            if rest.starts_with(m) && c.get(i + m.len()) == Some(&'/') {
                start = Some(i + m.len());
            }
        }
        if start.is_none() && rest.starts_with("/api/") {
            start = Some(i);
        }
        if let Some(mut j) = start {
            while j < c.len() && path(c[j]) {
                j += 1;
            }
            while j > i && c[j - 1] == '.' {
                j -= 1;
            }
            return Some(j);
        }
        // ENVIRONMENT_VARIABLE
        if c[i].is_ascii_uppercase() {
            let mut j = i;
            let mut underscore = false;
            while j < c.len() && (c[j].is_ascii_uppercase() || c[j].is_ascii_digit() || c[j] == '_')
            {
                underscore |= c[j] == '_';
                j += 1;
            }
            let after_ok = j == c.len() || !c[j].is_ascii_lowercase();
            return (underscore && after_ok && c[j - 1] != '_').then_some(j);
        }
        None
    };
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut plain = String::new();
    let mut i = 0;
    while i < c.len() {
        match code_at(i) {
            Some(end) if end > i => {
                if !plain.is_empty() {
                    out.push((std::mem::take(&mut plain), false));
                }
                out.push((c[i..end].iter().collect(), true));
                i = end;
            }
            _ => {
                plain.push(c[i]);
                i += 1;
            }
        }
    }
    if !plain.is_empty() {
        out.push((plain, false));
    }
    out
}

#[cfg(test)]
mod code_parts_tests {
    use super::code_parts;

    fn codes(t: &str) -> Vec<String> {
        code_parts(t)
            .into_iter()
            .filter(|(_, c)| *c)
            .map(|(s, _)| s)
            .collect()
    }

    #[test]
    fn marks_addresses_options_placeholders_and_variables() {
        assert_eq!(
            codes(
                "通过 POST /api/v1/auth/token 换取；若指定了 --api-token-days 参数（或环境变量 LIANXIN_API_TOKEN_DAYS），以启动参数为准。"
            ),
            [
                "POST /api/v1/auth/token",
                "--api-token-days",
                "LIANXIN_API_TOKEN_DAYS"
            ]
        );
        assert_eq!(codes("上街督〔{year}〕{seq}号"), ["{year}", "{seq}"]);
        assert_eq!(
            codes("from POST /api/v1/auth/token."),
            ["POST /api/v1/auth/token"]
        );
        assert!(codes("API tokens, 37.3 ℃, 2026-12-06, a-b").is_empty());
        let joined: String = code_parts("甲 {year} 乙")
            .into_iter()
            .map(|(s, _)| s)
            .collect();
        assert_eq!(joined, "甲 {year} 乙");
    }
}

pub struct PageLink {
    pub label: String,
    pub href: Option<String>,
    pub current: bool,
}

/// **The** unit tree beside a list (`templates/unit_tree.html`, app.js section 9), as RuoYi
/// users know it: collapsible, searchable, loaded a level at a time from `source` (a JSON
/// endpoint answering `?parent=`, `?q=` and `?id=` with `{items: [{id, name, kind_label,
/// children, path}], total}`), within the caller's scope. A click reloads the list with
/// `param=<unit id>` (the list filters to that unit and below); the tree opens itself at the
/// unit chosen. On a phone it sits folded above the list.
pub struct UnitTree {
    /// Where the tree's levels and searches come from.
    pub source: &'static str,
    /// The list's query parameter a click sets (`unit_id`, `under`).
    pub param: &'static str,
    /// The unit the list is filtered to now.
    pub selected: Option<i64>,
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

/// An export's address: `path` with the list's filter query and its sort, if any.
pub fn export_href(path: &str, filter_query: &str, sort: Option<&crate::paging::Sort>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(filter_query.as_bytes()) {
        s.append_pair(&k, &v);
    }
    if let Some(sort) = sort {
        s.append_pair("sort", &sort.key);
        s.append_pair("order", if sort.desc { "desc" } else { "asc" });
    }
    let q = s.finish();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{q}")
    }
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
    /// Each row's record id, for the batch actions' checkboxes (empty: no checkboxes).
    pub row_ids: Vec<i64>,
    pub list: ListCtl,
    pub tree: Vec<TreeNode>,
}

impl ListPage {
    /// Whether the column at `i` is shown (the user hides none by default).
    pub fn shows_at(&self, i: &usize) -> bool {
        self.columns.get(*i).is_none_or(|c| self.list.shows(c))
    }
    pub fn shown_columns(&self) -> usize {
        self.columns.iter().filter(|c| self.list.shows(c)).count() + usize::from(self.checkboxes())
    }
    pub fn checkboxes(&self) -> bool {
        self.list.has_batch() && !self.row_ids.is_empty()
    }
    pub fn row_id(&self, i: &usize) -> i64 {
        self.row_ids.get(*i).copied().unwrap_or_default()
    }
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
    /// The groups of a `checktree` field (menu groups → pages → buttons).
    pub tree: Vec<CheckGroup>,
}

/// A group of a `checktree` field: a box that ticks all of it, and its pages.
pub struct CheckGroup {
    pub label: String,
    pub pages: Vec<CheckPage>,
}

/// A page of a `checktree` field: the value that opens it, and its buttons' values.
pub struct CheckPage {
    pub view: SelectOption,
    pub actions: Vec<SelectOption>,
}

impl FormField {
    /// Choices as a tree of checkboxes (the role editor's menus and buttons); the values are
    /// posted under `name` as with `checkboxes`.
    pub fn tree(
        name: &'static str,
        label: String,
        tree: Vec<CheckGroup>,
        values: Vec<String>,
    ) -> Self {
        FormField {
            tree,
            ..Self::multi(name, label, "checktree", Vec::new(), values)
        }
    }

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
            tree: Vec::new(),
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
            tree: Vec::new(),
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
    /// Buttons that post a form (with the page's CSRF token) once confirmed, beside the links.
    pub actions: Vec<PostButton>,
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
