//! Integration tests: the real gateway on a random port, over real HTTP, on SQLite and PostgreSQL.

mod helpers;

mod auth;
mod claims;
mod cli;
mod dispatch;
mod dossiers;
mod ops;
mod validation;
