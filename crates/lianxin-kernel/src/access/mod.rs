//! Access: who the caller is (`Principal`), what they may do (permission strings, RuoYi style:
//! `enterprise:list`), and which rows they may see (`Scope`). Every list and single-record read
//! of a registry goes through `Scope`; nothing else filters rows by caller.

pub mod admin;
pub mod apikeys;
pub mod auth;
pub mod extract;
pub mod roles;
pub mod scope;
pub mod user_list;

pub use extract::Principal;
pub use scope::Scope;
