//! hisgate: receives treatment episodes from hospital information systems, validates and stores
//! them durably, and delivers them to the national portals. See `ARCHITECTURE.md` for the map.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod dashboard;
#[cfg(feature = "demo")]
pub mod demo;
pub mod digest;
pub use hisgate_domain as domain;
pub mod eligibility;
pub mod fhir;
pub mod formats;
pub mod front_door;
pub mod http;
pub mod ingest;
pub mod jobs;
pub mod notify;
pub mod ops;
pub mod portal;
pub mod queue;
pub mod reconcile;
pub mod reference;
pub mod registry;
pub mod router;
pub mod startup;
pub mod state;
pub mod stats;
pub mod store;
pub mod synthetic;
pub mod telemetry;
#[cfg(test)]
mod testing;
pub mod validation;
pub mod vault;
pub mod vocabulary;
pub mod worklist;
