//! The case engine's own migrations, after the historical ones in the binary. Never edit one
//! that has shipped: add a new one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

pub fn all() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(M20261206EnterpriseToLink)]
}

/// An appeal an outside client files for an enterprise that is not registered is accepted for
/// triage: it keeps the credit code it named until staff link the enterprise.
struct M20261206EnterpriseToLink;

impl MigrationName for M20261206EnterpriseToLink {
    fn name(&self) -> &str {
        "m20261206_cases_enterprise_to_link"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for M20261206EnterpriseToLink {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("cases")
                .add_column(string_len_null("pending_uscc", 18))
                .take(),
        )
        .await
    }
}
