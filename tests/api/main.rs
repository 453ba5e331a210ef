//! Integration tests: the real gateway on a random port, over real HTTP, on SQLite and PostgreSQL.

mod helpers;

mod alerts;
mod audit;
mod auth;
mod catalogues;
mod check_ins;
mod claims;
mod cli;
mod crash;
mod dashboard;
mod dispatch;
mod dossiers;
mod eligibility;
mod encryption;
mod exports;
mod fhir;
mod front_door;
mod jobs;
mod mtls;
mod ops;
mod portal_flow;
mod registry;
mod remote_signing;
mod security;
mod stats;
mod token_signing;
mod validation;
mod webhooks;
mod worklist;
