//! System pages: users (用户管理), roles with their data scopes (角色管理), the installation's
//! settings (参数设置), the open sessions (在线用户), the audit log (操作日志) and the login log
//! (登录日志).

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Deserialize;

use crate::access::Principal;
use crate::access::admin;
use crate::access::auth::{self, NewUser};
use crate::access::roles::{DataScope, perm};
use crate::app::AppState;
use crate::audit::{self, Action, AuditFilter};
use crate::entities::{role_permissions, roles, units, user_roles, users};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::paging::Paging;
use crate::text::clean;
use axum_extra::extract::Form as ExtraForm;
use lianxin_kernel::http::IdPath;
use lianxin_kernel::web::widgets::*;
use lianxin_kernel::web::{PageCtx, render, render_status, saved_or_form};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/system/users", get(user_list).post(user_create))
        .route("/system/users/export.xlsx", get(user_export))
        .route("/system/users/new", get(user_new))
        .route("/system/roles", get(role_list).post(role_create))
        .route("/system/roles/new", get(role_new))
        .route("/system/roles/{id}", axum::routing::post(role_update))
        .route("/system/roles/{id}/edit", get(role_edit))
        .route("/system/users/{id}", axum::routing::post(user_update))
        .route("/system/users/{id}/edit", get(user_edit))
        .route("/system/audit", get(audit_list))
        .route("/system/audit/export.xlsx", get(audit_export))
        .route("/system/audit/{id}", get(audit_detail))
        .route("/system/calendar", get(calendar_list).post(calendar_save))
        .route("/system/calendar/new", get(calendar_new))
        .route("/system/logins", get(login_list))
        .route("/system/settings", get(settings_list))
        .route(
            "/system/settings/{key}",
            get(setting_edit).post(setting_save),
        )
        .route("/system/sessions", get(session_list))
        .route(
            "/system/sessions/{id}/end",
            get(session_end_confirm).post(session_end),
        )
        .route("/system/login-throttles", get(throttle_list))
        .route(
            "/system/login-throttles/{id}/lift",
            get(throttle_lift_confirm).post(throttle_lift),
        )
        .route("/account/tokens", get(token_list))
        .route(
            "/account/tokens/revoke-all",
            get(token_revoke_all_confirm).post(token_revoke_all),
        )
        .route(
            "/account/tokens/{id}/revoke",
            get(token_revoke_confirm).post(token_revoke),
        )
}

#[derive(Deserialize, Default)]
struct UserQuery {
    q: Option<String>,
    sort: Option<String>,
    order: Option<String>,
    ids: Option<String>,
    /// The unit chosen in the tree: its users and those of the units below it.
    unit_id: Option<i64>,
    page: Option<u64>,
    page_size: Option<u64>,
}

impl UserQuery {
    fn filter(&self) -> lianxin_kernel::access::user_list::UserFilter {
        lianxin_kernel::access::user_list::UserFilter {
            q: self.q.clone(),
            sort: clean(self.sort.clone()),
            order: clean(self.order.clone()),
            ids: clean(self.ids.clone()),
            unit_id: self.unit_id,
        }
    }
}

/// `/system/users/export.xlsx`: the users the list shows with the same address, in its order.
async fn user_export(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(q): Query<UserQuery>,
) -> AppResult<Response> {
    lianxin_kernel::access::user_list::export(&s.db, &who, &q.filter(), lang).await
}

async fn user_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    lianxin_kernel::http::ApiQuery(q): lianxin_kernel::http::ApiQuery<UserQuery>,
) -> AppResult<Response> {
    who.require(perm::USER_LIST)?;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let filter = q.filter().seen_by(&s.db, &who).await?;
    let sort = filter.sort()?;
    let page = crate::paging::paged_in_order(&s.db, filter.ordered()?, paging).await?;
    let total = page.total;
    let rows_db = page.items;
    let ids: Vec<i64> = rows_db.iter().map(|u| u.id).collect();
    let links = user_roles::Entity::find()
        .filter(user_roles::Column::UserId.is_in(ids))
        .all(&s.db)
        .await?;
    let all_roles = roles::Entity::find().all(&s.db).await?;
    let unit_ids: Vec<i64> = rows_db.iter().filter_map(|u| u.unit_id).collect();
    let unit_names: std::collections::HashMap<i64, String> = units::Entity::find()
        .filter(units::Column::Id.is_in(unit_ids))
        .all(&s.db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let rows = rows_db
        .iter()
        .map(|u| {
            let role_names: Vec<String> = links
                .iter()
                .filter(|l| l.user_id == u.id)
                .filter_map(|l| all_roles.iter().find(|r| r.id == l.role_id))
                .map(|r| lang.pick(&r.name_zh, &r.name_en).to_owned())
                .collect();
            vec![
                if who.can(perm::USER_EDIT) {
                    Cell::link(u.username.clone(), format!("/system/users/{}/edit", u.id))
                } else {
                    Cell::text(u.username.clone())
                },
                Cell::text(u.display_name.clone()),
                Cell::text(role_names.join("、")),
                Cell::text(
                    u.unit_id
                        .and_then(|i| unit_names.get(&i).cloned())
                        .unwrap_or_default(),
                ),
                Cell::text(yes_no_text(lang, u.active)),
                Cell::text(u.last_login_at.as_ref().map(local_time).unwrap_or_default()),
            ]
        })
        .collect();
    let qs = query_string(&[
        ("q", q.q.clone()),
        ("unit_id", q.unit_id.map(|u| u.to_string())),
    ]);
    let row_ids: Vec<i64> = rows_db.iter().map(|u| u.id).collect();
    let export = export_href("/system/users/export.xlsx", &qs, sort.as_ref());
    let mut buttons = Vec::new();
    if who.can(perm::USER_ADD) {
        buttons.push(Button {
            id: "btn-new",
            class: "btn-primary",
            href: "/system/users/new".into(),
            label: lang.t("app.new").into_owned(),
        });
    }
    buttons.push(Button {
        id: "btn-export-xlsx",
        class: "btn-light",
        href: export.clone(),
        label: lang.t("app.export_xlsx").into_owned(),
    });
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "users", lang.t("menu.users")),
        action: "/system/users".into(),
        buttons,
        filters: vec![
            FilterField::text("q", lang.t("user.username").into_owned(), q.q.clone()),
            FilterField::hidden("unit_id", q.unit_id.map(|u| u.to_string())),
        ],
        columns: sortable_columns(
            lang,
            &[
                ("user.username", "username"),
                ("user.display_name", "display_name"),
                ("user.roles", ""),
                ("user.unit", ""),
                ("user.active", "active"),
                ("user.last_login", "last_login_at"),
            ],
        ),
        rows,
        row_ids,
        list: ListCtl::new(
            "users",
            "/system/users",
            qs.clone(),
            sort,
            paging,
            total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "users").await?,
        )
        .with_batch(vec![BatchAction::export(lang, export)])
        .with_unit_tree(crate::registries::units::tree_beside(
            &who, "unit_id", q.unit_id,
        )),
        tree: Vec::new(),
    }))
}

#[derive(Deserialize, Default, Clone)]
struct UserForm {
    username: Option<String>,
    display_name: Option<String>,
    password: Option<String>,
    role: Option<String>,
    unit_code: Option<String>,
    enterprise_uscc: Option<String>,
    /// 关联人员: the identity number of the person the login acts as.
    person_id_number: Option<String>,
}

/// The person named by a form's 关联人员 identity number: `Ok(None)` when empty, a 422 on
/// `person_id_number` when no person has it.
async fn person_of_form(s: &AppState, v: &Option<String>) -> AppResult<Option<i64>> {
    let Some(number) = clean(v.clone()) else {
        return Ok(None);
    };
    auth::person_by_id_number(&s.db, &number)
        .await?
        .map(Some)
        .ok_or_else(|| {
            AppError::invalid(lianxin_kernel::error::FieldError::new(
                "person_id_number",
                "unknown",
                format!("未找到身份证号为 {number} 的人员"),
                format!("no person with identity number {number}"),
            ))
        })
}

async fn user_form(s: &AppState, who: &Principal, lang: Lang, f: &UserForm) -> AppResult<FormPage> {
    let role_rows = roles::Entity::find()
        .order_by_asc(roles::Column::Id)
        .all(&s.db)
        .await?;
    let t = |k: &str| lang.t(k).into_owned();
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "users", t("user.new")),
        action: "/system/users".into(),
        cancel: "/system/users".into(),
        fields: vec![
            FormField::new("username", t("user.username"), "text", f.username.as_ref()).required(),
            FormField::new(
                "display_name",
                t("user.display_name"),
                "text",
                f.display_name.as_ref(),
            ),
            FormField::new("password", t("login.password"), "password", None)
                .required()
                .hint(t("user.password_hint")),
            FormField::new("role", t("user.roles"), "select", f.role.as_ref())
                .required()
                .options(
                    role_rows
                        .iter()
                        .map(|r| SelectOption {
                            value: r.code.clone(),
                            label: lang.pick(&r.name_zh, &r.name_en).to_owned(),
                        })
                        .collect(),
                ),
            FormField::new(
                "unit_code",
                t("user.unit_code"),
                "text",
                f.unit_code.as_ref(),
            ),
            FormField::new(
                "enterprise_uscc",
                t("user.enterprise_uscc"),
                "text",
                f.enterprise_uscc.as_ref(),
            ),
            FormField::new(
                "person_id_number",
                t("user.person"),
                "text",
                f.person_id_number.as_ref(),
            )
            .hint(t("user.person_hint")),
        ],
        errors: Vec::new(),
    })
}

async fn user_new(State(s): State<AppState>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::USER_ADD)?;
    Ok(render(
        &user_form(&s, &who, lang, &UserForm::default()).await?,
    ))
}

async fn user_create(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Form(f): Form<UserForm>,
) -> AppResult<Response> {
    who.require(perm::USER_ADD)?;
    let result = match person_of_form(&s, &f.person_id_number).await {
        Ok(person_id) => {
            auth::create_user(
                &s.db,
                &who,
                NewUser {
                    username: f.username.clone().unwrap_or_default(),
                    password: f.password.clone().unwrap_or_default(),
                    display_name: clean(f.display_name.clone()),
                    role_codes: clean(f.role.clone()).into_iter().collect(),
                    unit_code: clean(f.unit_code.clone()),
                    enterprise_uscc: clean(f.enterprise_uscc.clone()),
                    person_id,
                },
            )
            .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to("/system/users").into_response()),
        Err(AppError::Validation(errs)) => {
            let page = user_form(&s, &who, lang, &f).await?.with_errors(&errs);
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e),
    }
}

async fn role_list(State(s): State<AppState>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::ROLE_LIST)?;
    let role_rows = roles::Entity::find()
        .order_by_asc(roles::Column::Id)
        .all(&s.db)
        .await?;
    let perms = role_permissions::Entity::find().all(&s.db).await?;
    let rows: Vec<Vec<Cell>> = role_rows
        .iter()
        .map(|r| {
            let mut p: Vec<&str> = perms
                .iter()
                .filter(|x| x.role_id == r.id)
                .map(|x| x.permission.as_str())
                .collect();
            p.sort_unstable();
            vec![
                Cell::masked(r.code.clone()),
                if who.can(perm::ROLE_EDIT) && r.code != "admin" {
                    Cell::link(
                        lang.pick(&r.name_zh, &r.name_en).to_owned(),
                        format!("/system/roles/{}/edit", r.id),
                    )
                } else {
                    Cell::text(lang.pick(&r.name_zh, &r.name_en).to_owned())
                },
                Cell::text(
                    DataScope::parse(&r.data_scope)
                        .map(|d| lang.pick(d.label_zh(), d.label_en()).to_owned())
                        .unwrap_or_else(|| r.data_scope.clone()),
                ),
                Cell::text(permission_summary(&p, lang)),
            ]
        })
        .collect();
    let total = rows.len() as u64;
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "roles", lang.t("menu.roles")),
        action: "/system/roles".into(),
        buttons: if who.can(perm::ROLE_EDIT) {
            vec![Button {
                id: "btn-new",
                class: "btn-primary",
                href: "/system/roles/new".into(),
                label: lang.t("app.new").into_owned(),
            }]
        } else {
            Vec::new()
        },
        filters: Vec::new(),
        columns: columns(
            lang,
            &["role.code", "role.name", "role.scope", "role.permissions"],
        ),
        rows,
        row_ids: Vec::new(),
        list: ListCtl::whole(
            "roles",
            "/system/roles",
            total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "roles").await?,
        ),
        tree: Vec::new(),
    }))
}

/// What a role may do in words: each menu group it reaches with how many of its permissions
/// ("基础数据（3）、闭环办理（5）"), or 全部权限 for `*`.
fn permission_summary(held: &[&str], lang: Lang) -> String {
    if held.contains(&perm::ALL) {
        return lianxin_kernel::area::permission_label(perm::ALL, lang).to_owned();
    }
    let parts: Vec<String> = lianxin_kernel::area::permission_tree()
        .iter()
        .filter_map(|g| {
            let n = g
                .pages
                .iter()
                .flat_map(|p| std::iter::once(p.view).chain(p.actions.iter().copied()))
                .filter(|c| held.contains(c))
                .count();
            (n > 0).then(|| {
                format!(
                    "{}{}{n}{}",
                    lang.pick(g.zh, g.en),
                    lang.pick("（", " ("),
                    lang.pick("）", ")")
                )
            })
        })
        .collect();
    if parts.is_empty() {
        lang.pick("无", "none").to_owned()
    } else {
        parts.join(lang.pick("、", ", "))
    }
}

#[derive(Deserialize, Default)]
struct AuditQuery {
    username: Option<String>,
    action: Option<String>,
    entity: Option<String>,
    entity_id: Option<String>,
    /// First day shown (YYYY-MM-DD, Asia/Shanghai).
    from: Option<String>,
    /// Last day shown, included.
    to: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

impl AuditQuery {
    /// The filter: days are Shanghai days, the last one included; a date that does not parse
    /// is a 422 naming it.
    fn filter(&self) -> AppResult<AuditFilter> {
        use chrono::TimeZone;
        let day = |field: &str, v: &Option<String>| {
            crate::text::query_value::<chrono::NaiveDate>(field, v.as_deref())
        };
        let start = |d: chrono::NaiveDate| {
            chrono_tz::Asia::Shanghai
                .from_local_datetime(&d.and_time(chrono::NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc))
        };
        let f = AuditFilter {
            username: clean(self.username.clone()),
            action: clean(self.action.clone()),
            entity: clean(self.entity.clone()),
            entity_id: clean(self.entity_id.clone()),
            from: day("from", &self.from)?.and_then(start),
            to: day("to", &self.to)?
                .and_then(|d| d.succ_opt())
                .and_then(start),
        };
        f.check()?;
        Ok(f)
    }

    fn query_string(&self) -> String {
        query_string(&[
            ("from", self.from.clone()),
            ("to", self.to.clone()),
            ("username", self.username.clone()),
            ("action", self.action.clone()),
            ("entity", self.entity.clone()),
            ("entity_id", self.entity_id.clone()),
        ])
    }
}

async fn audit_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    who.require(perm::AUDIT_LIST)?;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let f = q.filter()?;
    let page = audit::search(&s.db, &f, paging).await?;
    let rows = page
        .items
        .iter()
        .map(|a| {
            vec![
                Cell::text(local_time(&a.at)),
                Cell::text(a.username.clone()),
                Cell::text(Action::label(&a.action, lang)),
                Cell::text(audit::object_label(&a.entity, lang)),
                Cell::link(audit::describe(a, lang), format!("/system/audit/{}", a.id)),
                Cell::text(a.ip.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let qs = q.query_string();
    let action_opts = Action::ALL
        .iter()
        .map(|a| SelectOption {
            value: a.code().to_owned(),
            label: Action::label(a.code(), lang).to_owned(),
        })
        .collect();
    let entity_opts = audit::objects()
        .map(|o| SelectOption {
            value: o.0.to_owned(),
            label: lang.pick(o.1, o.2).to_owned(),
        })
        .collect();
    let export = if qs.is_empty() {
        "/system/audit/export.xlsx".to_owned()
    } else {
        format!("/system/audit/export.xlsx?{qs}")
    };
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "audit", lang.t("menu.audit")),
        action: "/system/audit".into(),
        buttons: vec![Button {
            id: "btn-export",
            class: "btn-light",
            href: export,
            label: lang.t("audit.export").into_owned(),
        }],
        filters: vec![
            FilterField::date("from", lang.t("audit.from").into_owned(), q.from.clone()),
            FilterField::date("to", lang.t("audit.to").into_owned(), q.to.clone()),
            FilterField::text(
                "username",
                lang.t("audit.username").into_owned(),
                q.username.clone(),
            ),
            FilterField::select(
                "action",
                lang.t("audit.action").into_owned(),
                q.action.clone(),
                action_opts,
            ),
            FilterField::select(
                "entity",
                lang.t("audit.entity").into_owned(),
                q.entity.clone(),
                entity_opts,
            ),
        ],
        columns: columns(
            lang,
            &[
                "audit.at",
                "audit.username",
                "audit.action",
                "audit.entity",
                "audit.description",
                "audit.ip",
            ],
        ),
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            "audit",
            "/system/audit",
            qs.clone(),
            None,
            paging,
            page.total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "audit").await?,
        ),
        tree: Vec::new(),
    }))
}

/// One entry: who, when, from where, what (in words), the object and the record, and the
/// records it names (the people whose numbers were read…).
async fn audit_detail(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    who.require(perm::AUDIT_LIST)?;
    let a = audit::get(&s.db, id).await?;
    let args: Option<serde_json::Value> =
        a.args.as_deref().and_then(|v| serde_json::from_str(v).ok());
    let ids: Vec<String> = args
        .as_ref()
        .and_then(|v| v.get("ids"))
        .and_then(|v| v.as_array())
        .map(|v| v.iter().map(|i| i.to_string()).collect())
        .unwrap_or_default();
    let mut rows = vec![
        Prop::new(lang, "audit.at", local_time(&a.at)),
        Prop::new(lang, "audit.username", a.username.clone()),
        Prop::new(lang, "audit.action", Action::label(&a.action, lang)),
        Prop::new(lang, "audit.entity", audit::object_label(&a.entity, lang)),
        Prop::new(lang, "audit.description", audit::describe(&a, lang)),
        Prop::opt(lang, "audit.entity_id", a.entity_id.as_ref()),
        Prop::opt(lang, "audit.ip", a.ip.as_ref()),
    ];
    if !ids.is_empty() {
        rows.push(Prop::new(
            lang,
            "audit.records",
            ids.join(lang.pick("、", ", ")),
        ));
    }
    if a.event.is_none() {
        // Written before entries named their kind: the stored note is all there is.
        rows.push(Prop::new(lang, "audit.summary", a.summary.clone()));
    }
    Ok(render(&DetailPage {
        ctx: PageCtx::new(&who, lang, "audit", lang.t("audit.entry")),
        heading: format!("{} #{}", lang.t("audit.entry"), a.id),
        buttons: vec![Button {
            id: "btn-back",
            class: "btn-light",
            href: "/system/audit".into(),
            label: lang.t("app.back").into_owned(),
        }],
        actions: Vec::new(),
        delete_action: None,
        warnings: Vec::new(),
        sections: vec![Section {
            title: lang.t("audit.entry").into_owned(),
            rows,
        }],
    }))
}

async fn audit_export(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    audit_file(&s, &who, lang, &q.filter()?).await
}

/// The audit log entries a filter shows as an .xlsx download (page and API).
pub async fn audit_file(
    s: &AppState,
    who: &Principal,
    lang: Lang,
    f: &AuditFilter,
) -> AppResult<Response> {
    who.require(perm::AUDIT_LIST)?;
    let tmp = tempfile::NamedTempFile::new().map_err(AppError::internal)?;
    audit::export(&s.db, who, f, lang, tmp.path()).await?;
    let reopened = tmp.reopen().map_err(AppError::internal)?;
    let (_, path) = tmp.into_parts();
    let file = tempfile::NamedTempFile::from_parts(reopened, path);
    let date = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y%m%d");
    lianxin_kernel::sheet::stream_file(
        file,
        lianxin_kernel::sheet::XLSX,
        format!("{}-{date}.xlsx", lang.pick("操作日志", "audit-log")),
    )
    .await
}

#[derive(Deserialize, Default)]
struct LoginQuery {
    username: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

async fn login_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(q): Query<LoginQuery>,
) -> AppResult<Response> {
    who.require(perm::AUDIT_LIST)?;
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let page = audit::search_logins(&s.db, q.username.as_deref(), paging).await?;
    let rows = page
        .items
        .iter()
        .map(|l| {
            vec![
                Cell::text(local_time(&l.at)),
                Cell::text(l.username.clone()),
                Cell::text(
                    if l.success {
                        lang.pick("成功", "success")
                    } else {
                        lang.pick("失败", "failed")
                    }
                    .to_owned(),
                ),
                Cell::text(auth::login_reason(&l.message, lang)),
                Cell::text(l.ip.clone().unwrap_or_default()),
                Cell::text(l.user_agent.clone().unwrap_or_default()),
            ]
        })
        .collect();
    let qs = query_string(&[("username", q.username.clone())]);
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "logins", lang.t("menu.logins")),
        action: "/system/logins".into(),
        buttons: Vec::new(),
        filters: vec![FilterField::text(
            "username",
            lang.t("audit.username").into_owned(),
            q.username.clone(),
        )],
        columns: columns(
            lang,
            &[
                "audit.at",
                "audit.username",
                "login.result",
                "login.message",
                "audit.ip",
                "login.user_agent",
            ],
        ),
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            "logins",
            "/system/logins",
            qs.clone(),
            None,
            paging,
            page.total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "logins").await?,
        ),
        tree: Vec::new(),
    }))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    page: Option<u64>,
    page_size: Option<u64>,
}

/// The sign-in throttles with recent failures (登录限制), each with a "lift" action.
async fn throttle_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let page = auth::list_throttles(&s.db, &who, paging).await?;
    let now = chrono::Utc::now();
    let rows = page
        .items
        .iter()
        .map(|t| {
            vec![
                Cell::text(t.username.clone()),
                Cell::text(t.client.clone()),
                Cell::num(t.failures),
                Cell::text(
                    t.blocked_until
                        .filter(|u| *u > now)
                        .as_ref()
                        .map(local_time)
                        .unwrap_or_default(),
                ),
                Cell::text(local_time(&t.last_failure_at)),
                Cell::link(
                    lang.t("throttle.lift").into_owned(),
                    format!("/system/login-throttles/{}/lift", t.id),
                ),
            ]
        })
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(
            &who,
            lang,
            "login_throttles",
            lang.t("menu.login_throttles"),
        ),
        action: "/system/login-throttles".into(),
        buttons: Vec::new(),
        filters: Vec::new(),
        columns: columns(
            lang,
            &[
                "audit.username",
                "throttle.client",
                "throttle.failures",
                "throttle.blocked_until",
                "throttle.last_failure",
                "throttle.lift",
            ],
        ),
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            "login-throttles",
            "/system/login-throttles",
            String::new(),
            None,
            paging,
            page.total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "login-throttles").await?,
        ),
        tree: Vec::new(),
    }))
}

/// A confirmation form: one checked box saying what the post will do.
fn confirm_page(
    who: &Principal,
    lang: Lang,
    menu: &'static str,
    title: &str,
    action: String,
    cancel: &str,
    what: &str,
) -> FormPage {
    FormPage {
        ctx: PageCtx::new(who, lang, menu, lang.t(title)),
        action,
        cancel: cancel.into(),
        fields: vec![FormField::new(
            "confirm",
            lang.t(what).into_owned(),
            "checkbox",
            Some(&"on".to_owned()),
        )],
        errors: Vec::new(),
    }
}

async fn throttle_lift_confirm(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    who.require(perm::USER_EDIT)?;
    let t = crate::entities::login_throttles::Entity::find_by_id(id)
        .one(&s.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut page = confirm_page(
        &who,
        lang,
        "login_throttles",
        "throttle.lift_title",
        format!("/system/login-throttles/{id}/lift"),
        "/system/login-throttles",
        "throttle.lift_confirm",
    );
    page.ctx.title = format!("{} · {} @ {}", page.ctx.title, t.username, t.client);
    Ok(render(&page))
}

/// The box of a confirmation form: unticked, the post does nothing.
#[derive(Deserialize, Default)]
struct ConfirmForm {
    confirm: Option<String>,
}

impl ConfirmForm {
    fn confirmed(&self) -> bool {
        self.confirm.as_deref() == Some("on")
    }
}

async fn throttle_lift(
    State(s): State<AppState>,
    who: Principal,
    IdPath(id): IdPath,
    Form(f): Form<ConfirmForm>,
) -> AppResult<Response> {
    if f.confirmed() {
        auth::lift_throttle(&s.db, &who, id).await?;
    }
    Ok(Redirect::to("/system/login-throttles").into_response())
}

/// The caller's own API tokens (我的接口令牌), each with "revoke", and "revoke all".
async fn token_list(State(s): State<AppState>, who: Principal, lang: Lang) -> AppResult<Response> {
    let tokens = auth::list_api_tokens(&s.db, &who).await?;
    let rows = tokens
        .iter()
        .map(|t| {
            vec![
                Cell::masked(format!("{}…", auth::short_id(&t.id))),
                Cell::text(local_time(&t.created_at)),
                Cell::text(local_time(&t.expires_at)),
                Cell::text(t.ip.clone().unwrap_or_default()),
                Cell::link(
                    lang.t("token.revoke").into_owned(),
                    format!("/account/tokens/{}/revoke", t.id),
                ),
            ]
        })
        .collect();
    let buttons = if tokens.is_empty() {
        Vec::new()
    } else {
        vec![Button {
            id: "btn-revoke-all",
            class: "btn-danger",
            href: "/account/tokens/revoke-all".into(),
            label: lang.t("token.revoke_all").into_owned(),
        }]
    };
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "my_tokens", lang.t("menu.my_tokens")),
        action: "/account/tokens".into(),
        buttons,
        filters: Vec::new(),
        columns: columns(
            lang,
            &[
                "token.id",
                "token.created",
                "token.expires",
                "token.ip",
                "token.revoke",
            ],
        ),
        list: ListCtl::whole(
            "tokens",
            "/account/tokens",
            tokens.len() as u64,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "tokens").await?,
        ),
        rows,
        row_ids: Vec::new(),
        tree: Vec::new(),
    }))
}

async fn token_revoke_confirm(
    who: Principal,
    lang: Lang,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Response {
    let action = format!(
        "/account/tokens/{}/revoke",
        url::form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>()
    );
    let mut page = confirm_page(
        &who,
        lang,
        "my_tokens",
        "token.revoke_title",
        action,
        "/account/tokens",
        "token.revoke_confirm",
    );
    page.ctx.title = format!("{} · {}…", page.ctx.title, auth::short_id(&id));
    render(&page)
}

async fn token_revoke(
    State(s): State<AppState>,
    who: Principal,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<ConfirmForm>,
) -> AppResult<Response> {
    if f.confirmed() {
        auth::revoke_api_token(&s.db, &who, &id).await?;
    }
    Ok(Redirect::to("/account/tokens").into_response())
}

async fn token_revoke_all_confirm(who: Principal, lang: Lang) -> Response {
    render(&confirm_page(
        &who,
        lang,
        "my_tokens",
        "token.revoke_all_title",
        "/account/tokens/revoke-all".into(),
        "/account/tokens",
        "token.revoke_confirm",
    ))
}

async fn token_revoke_all(
    State(s): State<AppState>,
    who: Principal,
    Form(f): Form<ConfirmForm>,
) -> AppResult<Response> {
    if f.confirmed() {
        auth::revoke_all_api_tokens(&s.db, &who).await?;
    }
    Ok(Redirect::to("/account/tokens").into_response())
}

#[derive(Deserialize, Default, Clone)]
struct RoleForm {
    code: Option<String>,
    name_zh: Option<String>,
    name_en: Option<String>,
    data_scope: Option<String>,
    #[serde(default)]
    permissions: Vec<String>,
    #[serde(default)]
    unit_ids: Vec<String>,
}

impl RoleForm {
    fn input(self) -> admin::RoleInput {
        admin::RoleInput {
            code: self.code,
            name_zh: self.name_zh,
            name_en: self.name_en,
            data_scope: self.data_scope,
            permissions: Some(self.permissions),
            unit_ids: Some(
                self.unit_ids
                    .iter()
                    .filter_map(|u| u.parse().ok())
                    .collect(),
            ),
        }
    }
}

async fn role_form(
    s: &AppState,
    who: &Principal,
    lang: Lang,
    f: &RoleForm,
    editing: Option<i64>,
) -> AppResult<FormPage> {
    let t = |k: &str| lang.t(k).into_owned();
    let all_units = crate::registries::units::all_visible(&s.db, who).await?;
    let scopes = DataScope::ALL
        .iter()
        .map(|d| SelectOption {
            value: d.code().to_owned(),
            label: lang.pick(d.label_zh(), d.label_en()).to_owned(),
        })
        .collect();
    let option = |code: &str| SelectOption {
        value: code.to_owned(),
        label: lianxin_kernel::area::permission_label(code, lang).to_owned(),
    };
    let tree = lianxin_kernel::area::permission_tree()
        .into_iter()
        .map(|g| CheckGroup {
            label: lang.pick(g.zh, g.en).to_owned(),
            pages: g
                .pages
                .iter()
                .map(|p| CheckPage {
                    view: SelectOption {
                        value: p.view.to_owned(),
                        label: lang.pick(p.zh, p.en).to_owned(),
                    },
                    actions: p.actions.iter().map(|a| option(a)).collect(),
                })
                .collect(),
        })
        .collect();
    let units = all_units
        .iter()
        .map(|u| SelectOption {
            value: u.id.to_string(),
            label: format!("{} {}", u.code, u.name),
        })
        .collect();
    let (title, action) = match editing {
        Some(id) => (t("role.edit"), format!("/system/roles/{id}")),
        None => (t("role.new"), "/system/roles".to_owned()),
    };
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "roles", title),
        action,
        cancel: "/system/roles".into(),
        fields: vec![
            FormField::new("code", t("role.code"), "text", f.code.as_ref()).required(),
            FormField::new("name_zh", t("role.name"), "text", f.name_zh.as_ref()).required(),
            FormField::new("name_en", t("role.name_en"), "text", f.name_en.as_ref()),
            FormField::new(
                "data_scope",
                t("role.scope"),
                "select",
                f.data_scope.as_ref(),
            )
            .required()
            .options(scopes),
            FormField::multi(
                "unit_ids",
                t("role.units"),
                "multiselect",
                units,
                f.unit_ids.clone(),
            )
            .hint(t("role.units_hint")),
            FormField::tree(
                "permissions",
                t("role.permissions"),
                tree,
                f.permissions.clone(),
            ),
        ],
        errors: Vec::new(),
    })
}

async fn role_new(State(s): State<AppState>, who: Principal, lang: Lang) -> AppResult<Response> {
    who.require(perm::ROLE_EDIT)?;
    let f = RoleForm {
        data_scope: Some("unit_and_below".into()),
        ..Default::default()
    };
    Ok(render(&role_form(&s, &who, lang, &f, None).await?))
}

async fn role_edit(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    who.require(perm::ROLE_EDIT)?;
    let r = admin::get_role(&s.db, &who, id).await?;
    let f = RoleForm {
        code: Some(r.code),
        name_zh: Some(r.name_zh),
        name_en: Some(r.name_en),
        data_scope: Some(r.data_scope),
        permissions: r.permissions,
        unit_ids: r.unit_ids.iter().map(|u| u.to_string()).collect(),
    };
    Ok(render(&role_form(&s, &who, lang, &f, Some(id)).await?))
}

async fn role_create(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    ExtraForm(f): ExtraForm<RoleForm>,
) -> AppResult<Response> {
    saved_or_form(
        admin::create_role(&s.db, &who, f.clone().input()).await,
        |_| "/system/roles".to_owned(),
        || role_form(&s, &who, lang, &f, None),
    )
    .await
}

async fn role_update(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ExtraForm(f): ExtraForm<RoleForm>,
) -> AppResult<Response> {
    saved_or_form(
        admin::update_role(&s.db, &who, id, f.clone().input()).await,
        |_| "/system/roles".to_owned(),
        || role_form(&s, &who, lang, &f, Some(id)),
    )
    .await
}

#[derive(Deserialize, Default, Clone)]
struct UserEditForm {
    display_name: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
    unit_id: Option<String>,
    active: Option<String>,
    password: Option<String>,
    /// 关联人员: an identity number links, `无` unlinks, empty keeps.
    person_id_number: Option<String>,
    /// The linked person as the form shows it (not sent back).
    #[serde(skip)]
    person_shown: Option<String>,
}

async fn user_edit_form(
    s: &AppState,
    who: &Principal,
    lang: Lang,
    id: i64,
    f: &UserEditForm,
) -> AppResult<FormPage> {
    let t = |k: &str| lang.t(k).into_owned();
    let role_rows = roles::Entity::find()
        .order_by_asc(roles::Column::Id)
        .all(&s.db)
        .await?;
    let all_units = crate::registries::units::all_visible(&s.db, who).await?;
    Ok(FormPage {
        ctx: PageCtx::new(who, lang, "users", t("user.edit")),
        action: format!("/system/users/{id}"),
        cancel: "/system/users".into(),
        fields: vec![
            FormField::new(
                "display_name",
                t("user.display_name"),
                "text",
                f.display_name.as_ref(),
            ),
            FormField::multi(
                "roles",
                t("user.roles"),
                "checkboxes",
                role_rows
                    .iter()
                    .map(|r| SelectOption {
                        value: r.code.clone(),
                        label: lang.pick(&r.name_zh, &r.name_en).to_owned(),
                    })
                    .collect(),
                f.roles.clone(),
            ),
            FormField::new("unit_id", t("user.unit"), "select", f.unit_id.as_ref()).options(
                all_units
                    .iter()
                    .map(|u| SelectOption {
                        value: u.id.to_string(),
                        label: u.name.clone(),
                    })
                    .collect(),
            ),
            FormField::new("active", t("user.active"), "checkbox", f.active.as_ref()),
            FormField::new(
                "person_id_number",
                t("user.person"),
                "text",
                f.person_id_number.as_ref(),
            )
            .hint(match &f.person_shown {
                Some(p) => format!(
                    "{}{p}。{}",
                    t("user.person_now"),
                    t("user.person_edit_hint")
                ),
                None => t("user.person_edit_hint"),
            }),
            FormField::new("password", t("user.new_password"), "password", None)
                .hint(t("user.new_password_hint")),
        ],
        errors: Vec::new(),
    })
}

/// The linked person as the edit form names them: name and masked identity number.
async fn person_shown(s: &AppState, person: Option<i64>) -> AppResult<Option<String>> {
    let Some(id) = person else { return Ok(None) };
    Ok(crate::entities::people::Entity::find_by_id(id)
        .one(&s.db)
        .await?
        .map(|p| {
            let masked = p
                .id_number
                .as_deref()
                .map(lianxin_types::IdNumber::mask)
                .unwrap_or_default();
            format!("{} {masked}", p.name)
        }))
}

async fn user_edit(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
) -> AppResult<Response> {
    who.require(perm::USER_EDIT)?;
    let u = users::Entity::find_by_id(id)
        .one(&s.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = admin::user_views(&s.db, vec![u.clone()]).await?.remove(0);
    let person_shown = person_shown(&s, u.person_id).await?;
    let f = UserEditForm {
        display_name: Some(u.display_name),
        roles: v.roles,
        unit_id: u.unit_id.map(|x| x.to_string()),
        active: u.active.then(|| "on".to_owned()),
        password: None,
        person_id_number: None,
        person_shown,
    };
    Ok(render(&user_edit_form(&s, &who, lang, id, &f).await?))
}

async fn user_update(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    IdPath(id): IdPath,
    ExtraForm(mut f): ExtraForm<UserEditForm>,
) -> AppResult<Response> {
    let current = users::Entity::find_by_id(id)
        .one(&s.db)
        .await?
        .and_then(|u| u.person_id);
    f.person_shown = person_shown(&s, current).await?;
    let person = match clean(f.person_id_number.clone()).as_deref() {
        None => Ok(None),
        Some("无") => Ok(Some(None)),
        Some(_) => person_of_form(&s, &f.person_id_number)
            .await
            .map(|p| p.map(Some)),
    };
    let result = match person {
        Ok(person_id) => {
            let input = admin::UserUpdate {
                display_name: f.display_name.clone(),
                roles: Some(f.roles.clone()),
                unit_id: f.unit_id.as_deref().and_then(|u| u.parse().ok()),
                active: Some(f.active.is_some()),
                password: clean(f.password.clone()),
                person_id,
            };
            admin::update_user(&s.db, &who, id, input).await
        }
        Err(e) => Err(e),
    };
    saved_or_form(
        result,
        |_| "/system/users".to_owned(),
        || user_edit_form(&s, &who, lang, id, &f),
    )
    .await
}

#[derive(Deserialize, Default)]
struct YearQuery {
    year: Option<String>,
}

/// What the calendar form sets a day to (the page's own choices, not a stored field's list).
const DAY_KINDS: lianxin_kernel::dict::Codes = &lianxin_kernel::dict::CodeList::fixed(
    "calendar.day_kind",
    "日历设置",
    "Calendar entry",
    &[
        ("holiday", "节假日（放假）", "Holiday (day off)"),
        ("workday", "调休上班", "Adjusted working day"),
        ("ordinary", "恢复为普通日", "Ordinary day (remove)"),
    ],
);

async fn calendar_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(q): Query<YearQuery>,
) -> AppResult<Response> {
    use chrono::Datelike;
    who.require(perm::CALENDAR_EDIT)?;
    let year = crate::text::query_value::<i32>("year", q.year.as_deref())?
        .unwrap_or_else(|| chrono::Utc::now().year());
    let days = crate::calendar::list(&s.db, year).await?;
    let total = days.len() as u64;
    let weekdays_zh = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    let weekdays_en = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    // In English, a shipped day whose note is still the shipped one shows the English name.
    let shipped: std::collections::HashMap<chrono::NaiveDate, crate::calendar_cn::ShippedDay> =
        if lang == Lang::En {
            crate::calendar_cn::days_of(year)
                .into_iter()
                .map(|d| (d.day, d))
                .collect()
        } else {
            Default::default()
        };
    let rows = days
        .iter()
        .map(|d| {
            let w = d.day.weekday().num_days_from_monday() as usize;
            let note = match shipped.get(&d.day) {
                Some(s) if s.note_zh() == d.note => s.note_en(),
                _ => d.note.clone(),
            };
            vec![
                Cell::link(
                    d.day.to_string(),
                    format!("/system/calendar/new?day={}", d.day),
                ),
                Cell::text(lang.pick(weekdays_zh[w], weekdays_en[w]).to_owned()),
                Cell::text(crate::text::code_label(DAY_KINDS, &d.kind, lang)),
                Cell::text(note),
            ]
        })
        .collect();
    let years = (year - 3..=year + 2)
        .map(|y| SelectOption {
            value: y.to_string(),
            label: y.to_string(),
        })
        .collect();
    // Years near today (and the one shown) with no day at all: deadlines there count Monday
    // to Friday, which the administrator should know before a case's deadline reaches them.
    let this_year = chrono::Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .year();
    let mut missing =
        crate::calendar::years_without_days(&s.db, this_year - 1..=this_year + 1).await?;
    if days.is_empty() && !missing.contains(&year) {
        missing.push(year);
        missing.sort_unstable();
    }
    let mut ctx = PageCtx::new(&who, lang, "calendar", lang.t("menu.calendar"));
    ctx.warnings
        .extend(crate::calendar::missing_years_notice(&missing, lang));
    Ok(render(&ListPage {
        ctx,
        action: "/system/calendar".into(),
        buttons: vec![Button {
            id: "btn-new",
            class: "btn-primary",
            href: "/system/calendar/new".into(),
            label: lang.t("app.new").into_owned(),
        }],
        filters: vec![FilterField::select(
            "year",
            lang.t("calendar.year").into_owned(),
            Some(year.to_string()),
            years,
        )],
        columns: columns(
            lang,
            &[
                "calendar.day",
                "calendar.weekday",
                "calendar.kind",
                "calendar.note",
            ],
        ),
        list: ListCtl::whole(
            "calendar",
            "/system/calendar",
            total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "calendar").await?,
        ),
        rows,
        row_ids: Vec::new(),
        tree: Vec::new(),
    }))
}

#[derive(Deserialize, Default, Clone)]
struct CalendarForm {
    day: Option<String>,
    kind: Option<String>,
    note: Option<String>,
}

fn calendar_form(who: &Principal, lang: Lang, f: &CalendarForm) -> FormPage {
    let t = |k: &str| lang.t(k).into_owned();
    FormPage {
        ctx: PageCtx::new(who, lang, "calendar", t("calendar.edit")),
        action: "/system/calendar".into(),
        cancel: "/system/calendar".into(),
        fields: vec![
            FormField::new("day", t("calendar.day"), "date", f.day.as_ref()).required(),
            FormField::new("kind", t("calendar.kind"), "select", f.kind.as_ref())
                .required()
                .options(options(DAY_KINDS, lang)),
            FormField::new("note", t("calendar.note"), "text", f.note.as_ref())
                .hint(t("calendar.note_hint")),
        ],
        errors: Vec::new(),
    }
}

async fn calendar_new(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Query(f): Query<CalendarForm>,
) -> AppResult<Response> {
    who.require(perm::CALENDAR_EDIT)?;
    let mut f = f;
    let day = match f.day.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => None,
        Some(d) => Some(crate::calendar::parse_day(d).map_err(AppError::invalid)?),
    };
    if let Some(day) = day {
        let existing = crate::entities::calendar_days::Entity::find_by_id(day)
            .one(&s.db)
            .await?;
        if let Some(e) = existing {
            f.kind = Some(e.kind);
            f.note = Some(e.note);
        }
    }
    Ok(render(&calendar_form(&who, lang, &f)))
}

async fn calendar_save(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    Form(f): Form<CalendarForm>,
) -> AppResult<Response> {
    let result = match crate::calendar::parse_day(f.day.as_deref().unwrap_or("")) {
        Err(e) => Err(AppError::invalid(e)),
        Ok(day) if f.kind.as_deref() == Some("ordinary") => {
            match crate::calendar::remove_day(&s.db, &who, day).await {
                Err(AppError::NotFound) => Ok(day),
                other => other.map(|_| day),
            }
        }
        Ok(day) => crate::calendar::set_day(&s.db, &who, day, f.kind.as_deref(), f.note.clone())
            .await
            .map(|_| day),
    };
    saved_or_form(
        result,
        |day| format!("/system/calendar?year={}", day.format("%Y")),
        || async { Ok(calendar_form(&who, lang, &f)) },
    )
    .await
}

/// The installation's settings (参数设置): each with its meaning, the value in force (with an
/// example where the setting gives one, and what overrides it), its default, and a link to
/// change it.
async fn settings_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
) -> AppResult<Response> {
    let views = crate::api::system::setting_views(&s, &who, lang).await?;
    let rows: Vec<Vec<Cell>> = views
        .iter()
        .map(|v| {
            let href = format!("/system/settings/{}", v.key);
            let mut value = v.display.clone();
            if let Some(e) = &v.example {
                value = format!("{value}（{e}）");
            }
            if let Some(o) = &v.overridden_by {
                value = format!("{value}；{o}");
            }
            vec![
                Cell::link(v.label.clone(), href.clone()),
                Cell::marked(v.description.clone()),
                Cell::marked(value),
                Cell::marked(v.default_display.clone()),
                Cell::link(lang.t("setting.edit").into_owned(), href),
            ]
        })
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "settings", lang.t("menu.settings")),
        action: "/system/settings".into(),
        buttons: Vec::new(),
        filters: Vec::new(),
        columns: columns(
            lang,
            &[
                "setting.name",
                "setting.description",
                "setting.value",
                "setting.default",
                "setting.edit",
            ],
        ),
        list: ListCtl::whole(
            "settings",
            "/system/settings",
            rows.len() as u64,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "settings").await?,
        ),
        rows,
        row_ids: Vec::new(),
        tree: Vec::new(),
    }))
}

#[derive(Deserialize, Default, Clone)]
struct SettingForm {
    value: Option<String>,
}

/// A setting's value as its form field shows it (37.3, 28, the pattern, a unit id).
fn input_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

async fn setting_form(
    s: &AppState,
    who: &Principal,
    lang: Lang,
    key: &str,
    typed: Option<&str>,
) -> AppResult<FormPage> {
    let def = lianxin_kernel::settings::find(key).ok_or(AppError::NotFound)?;
    let mut v = lianxin_kernel::settings::view(&s.db, def, lang).await?;
    if let Some(all) = crate::api::system::setting_views(s, who, lang)
        .await?
        .into_iter()
        .find(|x| x.key == key)
    {
        v = all;
    }
    let mut hint = v.description.clone();
    if let (Some(min), Some(max)) = (v.min, v.max) {
        hint = format!(
            "{hint} {}：{min} – {max} {}",
            lang.t("setting.range"),
            v.unit.clone().unwrap_or_default()
        );
    }
    hint = format!(
        "{hint} {}：{}",
        lang.t("setting.default"),
        v.default_display
    );
    if let Some(e) = &v.example {
        hint = format!("{hint} {e}");
    }
    if let Some(o) = &v.overridden_by {
        hint = format!("{hint} {o}");
    }
    let value = typed
        .map(str::to_owned)
        .unwrap_or_else(|| input_text(&v.value));
    let mut field = FormField::new("value", v.label.clone(), "text", Some(&value))
        .required()
        .hint(hint);
    if let lianxin_kernel::settings::Kind::Unit { kinds } = def.kind {
        let all = units::Entity::find()
            .filter(units::Column::Kind.is_in(kinds.iter().copied()))
            .order_by_asc(units::Column::Code)
            .all(&s.db)
            .await?;
        field.kind = "select";
        field = field.options(
            all.into_iter()
                .map(|u| SelectOption {
                    value: u.id.to_string(),
                    label: format!("{} {}", u.code, u.name),
                })
                .collect(),
        );
    }
    Ok(FormPage {
        ctx: PageCtx::new(
            who,
            lang,
            "settings",
            format!("{} · {}", lang.t("menu.settings"), v.label),
        ),
        action: format!("/system/settings/{key}"),
        cancel: "/system/settings".into(),
        fields: vec![field],
        errors: Vec::new(),
    })
}

async fn setting_edit(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    axum::extract::Path(key): axum::extract::Path<String>,
) -> AppResult<Response> {
    who.require(perm::ALL)?;
    Ok(render(&setting_form(&s, &who, lang, &key, None).await?))
}

async fn setting_save(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    axum::extract::Path(key): axum::extract::Path<String>,
    Form(f): Form<SettingForm>,
) -> AppResult<Response> {
    who.require(perm::ALL)?;
    lianxin_kernel::settings::find(&key).ok_or(AppError::NotFound)?;
    let typed = f.value.clone().unwrap_or_default();
    saved_or_form(
        lianxin_kernel::settings::set(&s.db, &who, &key, &typed, lang).await,
        |_| "/system/settings".to_owned(),
        || setting_form(&s, &who, lang, &key, Some(&typed)),
    )
    .await
}

/// The session id (hash) of a browser request's cookie, to mark it in the list.
fn cookie_session(headers: &axum::http::HeaderMap) -> Option<String> {
    let cookies = headers.get(axum::http::header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|c| {
        c.trim()
            .strip_prefix(auth::SESSION_COOKIE)
            .and_then(|v| v.strip_prefix('='))
            .map(auth::token_id)
    })
}

/// The open sessions (在线用户), each with 强制下线.
async fn session_list(
    State(s): State<AppState>,
    who: Principal,
    lang: Lang,
    headers: axum::http::HeaderMap,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let paging = Paging {
        page: q.page,
        page_size: q.page_size,
    };
    let current = cookie_session(&headers);
    let page = auth::list_sessions(&s.db, &who, current.as_deref(), paging).await?;
    let rows = page
        .items
        .iter()
        .map(|x| {
            let mut name = x.display_name.clone();
            if x.current {
                name.push_str(&lang.t("session.current"));
            }
            vec![
                Cell::text(x.username.clone()),
                Cell::text(name),
                Cell::text(x.unit.clone().unwrap_or_default()),
                Cell::text(local_time(&x.created_at)),
                Cell::text(x.last_seen_at.as_ref().map(local_time).unwrap_or_default()),
                Cell::text(x.ip.clone().unwrap_or_default()),
                Cell::text(
                    lang.t(if x.kind == "web" {
                        "session.kind_web"
                    } else {
                        "session.kind_api"
                    })
                    .into_owned(),
                ),
                Cell::link(
                    lang.t("session.end").into_owned(),
                    format!("/system/sessions/{}/end", x.id),
                ),
            ]
        })
        .collect();
    Ok(render(&ListPage {
        ctx: PageCtx::new(&who, lang, "sessions", lang.t("menu.sessions")),
        action: "/system/sessions".into(),
        buttons: Vec::new(),
        filters: Vec::new(),
        columns: columns(
            lang,
            &[
                "session.user",
                "session.name",
                "session.unit",
                "session.created",
                "session.last_seen",
                "session.ip",
                "session.kind",
                "session.end",
            ],
        ),
        rows,
        row_ids: Vec::new(),
        list: ListCtl::new(
            "sessions",
            "/system/sessions",
            String::new(),
            None,
            paging,
            page.total,
            lianxin_kernel::prefs::hidden_columns(&s.db, who.user_id, "sessions").await?,
        ),
        tree: Vec::new(),
    }))
}

/// A session handle as it may appear in a path (24 hex digits), else 404.
fn handle(id: &str) -> AppResult<&str> {
    if id.len() == 24 && id.chars().all(|c| c.is_ascii_hexdigit()) {
        Ok(id)
    } else {
        Err(AppError::NotFound)
    }
}

async fn session_end_confirm(
    who: Principal,
    lang: Lang,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> AppResult<Response> {
    who.require(perm::USER_EDIT)?;
    let id = handle(&id)?;
    Ok(render(&confirm_page(
        &who,
        lang,
        "sessions",
        "session.end_title",
        format!("/system/sessions/{id}/end"),
        "/system/sessions",
        "session.end_confirm",
    )))
}

async fn session_end(
    State(s): State<AppState>,
    who: Principal,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<ConfirmForm>,
) -> AppResult<Response> {
    who.require(perm::USER_EDIT)?;
    let id = handle(&id)?;
    if f.confirmed() {
        auth::end_session(&s.db, &who, id).await?;
    }
    Ok(Redirect::to("/system/sessions").into_response())
}
