//! Helpers for writing migrations, shared by the binary's historical migrations and every
//! area's new ones.

use sea_orm::{ConnectionTrait, DbErr};
use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// A foreign key `from_table.from_col → to_table.id`, refusing deletes of referenced rows.
pub fn fk(
    from_table: &'static str,
    from_col: &'static str,
    to_table: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .take()
}

/// An index named `idx_TABLE_COLS`, created if missing.
pub fn idx(table: &'static str, cols: &[&'static str]) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!("idx_{}_{}", table, cols.join("_")))
        .table(table)
        .if_not_exists();
    for c in cols {
        i.col(*c);
    }
    i.take()
}

/// `created_at` and `updated_at`.
pub fn times(t: &mut TableCreateStatement) {
    t.col(timestamp_with_time_zone("created_at"))
        .col(timestamp_with_time_zone("updated_at"));
}

/// Gives built-in roles permissions introduced after they were created (on a fresh database
/// the roles do not exist yet and `ensure_builtin_roles` creates them with the full list).
pub async fn grant_to_builtin_roles(
    m: &SchemaManager<'_>,
    grants: &[(&str, &[&str])],
) -> Result<(), DbErr> {
    let db = m.get_connection();
    let yes = if matches!(db.get_database_backend(), sea_orm::DbBackend::Postgres) {
        "TRUE"
    } else {
        "1"
    };
    for (role, perms) in grants {
        for p in *perms {
            db.execute_unprepared(&format!(
                "INSERT INTO role_permissions (role_id, permission) \
                 SELECT id, '{p}' FROM roles WHERE code = '{role}' AND builtin = {yes}"
            ))
            .await?;
        }
    }
    Ok(())
}
