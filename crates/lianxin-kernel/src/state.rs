//! What the kernel's extractors and the areas' handlers need of the application state. The
//! application's own state (the binary's) provides it through axum's `FromRef`, so no area
//! names the binary's state: a handler takes `State<Core>`, or its area's own state type.

use sea_orm::DatabaseConnection;

#[derive(Clone)]
pub struct Core {
    pub db: DatabaseConnection,
}
