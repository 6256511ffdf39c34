//! The user list (用户管理) as the page and its export read it: the filter, the order, and the
//! .xlsx of exactly the users the list shows, with role, unit and enterprise names.

use std::collections::HashMap;

use axum::response::Response;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;

use crate::access::Principal;
use crate::access::roles::perm;
use crate::audit;
use crate::entities::{enterprises, roles, units, user_roles, users};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::paging::Sort;
use crate::sheet::{ExportRows, TableSheet};

/// `?q=&sort=&order=&ids=` of the user list and its export.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Username contains.
    pub q: Option<String>,
    /// Sort by `username`, `display_name`, `active` or `last_login_at` (`order` gives the
    /// direction); without it in the order the users were made.
    pub sort: Option<String>,
    /// `asc` (the default) or `desc`.
    pub order: Option<String>,
    /// Only these users: ids separated by commas (the rows ticked on the list), at most 500.
    pub ids: Option<String>,
    /// The users of this unit and of the units below it (the unit tree's choice).
    pub unit_id: Option<i64>,
}

/// The columns the user list sorts by (`?sort=`).
pub const SORT_KEYS: &[&str] = &["username", "display_name", "active", "last_login_at"];

fn sort_column(key: &str) -> Option<users::Column> {
    match key {
        "username" => Some(users::Column::Username),
        "display_name" => Some(users::Column::DisplayName),
        "active" => Some(users::Column::Active),
        "last_login_at" => Some(users::Column::LastLoginAt),
        _ => None,
    }
}

impl UserFilter {
    /// The filter's sort, its ids checked (422 naming `sort`, `order` or `ids`).
    pub fn sort(&self) -> AppResult<Option<Sort>> {
        crate::paging::checked_sort(
            self.sort.as_deref(),
            self.order.as_deref(),
            self.ids.as_deref(),
            SORT_KEYS,
        )
    }
    /// The filter as `who` may apply it: a unit the caller does not see matches no user
    /// (no unit has id 0), rather than naming the users of a unit outside the scope.
    pub async fn seen_by(mut self, db: &impl ConnectionTrait, who: &Principal) -> AppResult<Self> {
        use sea_orm::PaginatorTrait;
        if let Some(u) = self.unit_id {
            let seen = crate::access::scope::scoped::<units::Entity>(&who.scope)
                .filter(units::Column::Id.eq(u))
                .count(db)
                .await?
                > 0;
            if !seen {
                self.unit_id = Some(0);
            }
        }
        Ok(self)
    }

    /// The users the filter matches, in the list's order.
    pub fn ordered(&self) -> AppResult<sea_orm::Select<users::Entity>> {
        let sort = self.sort()?;
        let mut q = users::Entity::find();
        if let Some(text) = crate::text::clean(self.q.clone()) {
            q = q.filter(users::Column::Username.contains(&text));
        }
        if let Some(ids) = crate::paging::ids_filter(self.ids.as_deref()) {
            q = q.filter(users::Column::Id.is_in(ids));
        }
        if let Some(u) = self.unit_id {
            use crate::entities::unit_closure;
            q = q.filter(
                users::Column::UnitId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(unit_closure::Column::DescendantId)
                        .from(unit_closure::Entity)
                        .and_where(unit_closure::Column::AncestorId.eq(u))
                        .take(),
                ),
            );
        }
        Ok(crate::paging::sorted(
            q,
            sort.as_ref(),
            sort_column,
            (users::Column::Id, false),
            users::Column::Id,
        ))
    }
}

/// The users the filter shows as an .xlsx, in the list's order.
pub async fn export(
    db: &impl ConnectionTrait,
    who: &Principal,
    f: &UserFilter,
    lang: Lang,
) -> AppResult<Response> {
    who.require(perm::USER_LIST)?;
    let q = f.clone().seen_by(db, who).await?.ordered()?;
    let role_names: HashMap<i64, String> = roles::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, lang.pick(&r.name_zh, &r.name_en).to_owned()))
        .collect();
    let unit_names: HashMap<i64, String> = units::Entity::find()
        .select_only()
        .column(units::Column::Id)
        .column(units::Column::Name)
        .into_tuple::<(i64, String)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let headers = [
        ("用户名", "Username"),
        ("姓名", "Display name"),
        ("角色", "Roles"),
        ("所属单位", "Unit"),
        ("所在企业", "Enterprise"),
        ("启用", "Active"),
        ("最后登录", "Last sign-in"),
    ];
    let title = lang.pick("用户", "Users");
    let mut sheet = TableSheet::labeled(title, &headers, lang)?;
    let mut rows = ExportRows::new(q, 1_000);
    while let Some(chunk) = rows.next(db).await? {
        let ids: Vec<i64> = chunk.iter().map(|u| u.id).collect();
        let links = user_roles::Entity::find()
            .filter(user_roles::Column::UserId.is_in(ids))
            .all(db)
            .await?;
        let ent_ids: Vec<i64> = chunk.iter().filter_map(|u| u.enterprise_id).collect();
        let ent_names: HashMap<i64, String> = enterprises::Entity::find()
            .select_only()
            .column(enterprises::Column::Id)
            .column(enterprises::Column::Name)
            .filter(enterprises::Column::Id.is_in(ent_ids))
            .into_tuple::<(i64, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        for u in chunk {
            let roles: Vec<&str> = links
                .iter()
                .filter(|l| l.user_id == u.id)
                .filter_map(|l| role_names.get(&l.role_id).map(String::as_str))
                .collect();
            sheet.row(&[
                u.username.clone(),
                u.display_name.clone(),
                roles.join("、"),
                u.unit_id
                    .and_then(|i| unit_names.get(&i).cloned())
                    .unwrap_or_default(),
                u.enterprise_id
                    .and_then(|i| ent_names.get(&i).cloned())
                    .unwrap_or_default(),
                crate::web::widgets::yes_no_text(lang, u.active),
                u.last_login_at
                    .as_ref()
                    .map(crate::web::time::local_time)
                    .unwrap_or_default(),
            ])?;
        }
    }
    audit::record_export(db, who, "user", sheet.len()).await?;
    sheet.download(title).await
}
