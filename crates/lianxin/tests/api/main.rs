//! Integration tests: the real server against a fresh database (SQLite by default; PostgreSQL
//! when LIANXIN_TEST_PG is set). One binary, so the suite links once.

mod access;
mod architecture;
mod audit_log;
mod calendar;
mod case_intake;
mod cases;
mod cli;
mod dicts;
mod duty;
mod exchange;
mod health;
mod helpers;
mod jobs_applications;
mod list_exports;
mod lists;
mod notices;
mod open311;
mod passage_key;
mod phone;
mod platform;
mod privacy_access;
mod recovery_access;
mod recovery_pairing;
mod recovery_projects;
mod recovery_stages;
mod recovery_visits;
mod registries;
mod role_tree;
mod screening;
mod shell;
mod signin;
mod sysmgmt;
mod versions;
mod web;
mod webguard;
