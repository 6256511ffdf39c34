//! Lianxin (连心): one system with which a district runs epidemic control and enterprise
//! recovery. See ARCHITECTURE.md for the map.

rust_i18n::i18n!("locales", fallback = "zh-CN");

pub mod access;
pub mod api;
pub mod app;
pub mod audit;
pub mod calendar;
pub mod cases;
pub mod dashboard;
pub mod db;
pub mod demo;
pub mod entities;
pub mod error;
pub mod exchange;
pub mod i18n;
pub mod open311;
pub mod registries;
pub mod screening;
pub mod web;
