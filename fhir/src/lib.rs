//! hisgate's FHIR R4 side: the canonical episode as a transaction Bundle and back, and the
//! resources the gateway answers with. The R4B model of `fhir-sdk` (wire-compatible with R4 for
//! these resources) checks every Bundle that comes in or goes out.
//!
//! Every FHIR (de)serialisation of the project happens in this crate, behind functions that take
//! and give JSON, so that the large model is compiled here once and not in the gateway crate.
//! Decimals travel with their exact text: Bundles are read once, as exact JSON values, and the
//! model only checks those values (see `model`).

pub mod fields;
mod model;
mod read;
pub mod resources;
mod time;
pub mod uris;
mod write;

use hisgate_domain::Episode;
pub use read::Issue;
pub use resources::*;
use serde_json::Value;

/// The transaction Bundle of an episode.
pub fn episode_bundle(episode: &Episode) -> Value {
    write::episode_bundle(episode)
}

/// The Claim of an episode on its own (its references `contained`), with logical id `id`.
pub fn standalone_claim(episode: &Episode, id: &str) -> Value {
    write::standalone_claim(&write::episode_bundle(episode), id).unwrap_or_default()
}

/// Whether `value` is a valid resource of the R4B model (any resource type); the first problem
/// found, with its location, otherwise.
pub fn check_resource(value: &Value) -> Result<(), Issue> {
    model::check_resource(value, "")
}

/// JSON text of the resource type `resource_type`, read once exactly: its `resourceType` checked,
/// then the value checked against the R4B model.
fn parse_as(bytes: &[u8], resource_type: &str) -> Result<Value, Vec<Issue>> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        vec![Issue { path: format!("line {}, column {}", e.line(), e.column()), message: format!("not JSON: {e}") }]
    })?;
    if value["resourceType"] != resource_type {
        return Err(vec![Issue { path: "resourceType".into(), message: format!("expected a {resource_type}") }]);
    }
    model::check_resource(&value, &format!("{resource_type}.")).map_err(|i| vec![i])?;
    Ok(value)
}

/// What an inbound transaction Bundle holds: its episode, and the resource type of each entry in
/// order (the transaction-response answers entry by entry).
#[derive(Debug)]
pub struct BundleEpisode {
    pub episode: Episode,
    pub entry_types: Vec<String>,
}

/// Reads the episode of a transaction Bundle: JSON, then the R4B model, then the mapping.
pub fn read_episode_bundle(bytes: &[u8]) -> Result<BundleEpisode, Vec<Issue>> {
    let value = parse_as(bytes, "Bundle")?;
    if value["type"] != "transaction" {
        return Err(vec![Issue {
            path: "Bundle.type".into(),
            message: format!("expected a transaction Bundle, found `{}`", value["type"].as_str().unwrap_or("none")),
        }]);
    }
    let entry_types = value["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap_or_default().to_owned())
        .collect();
    Ok(BundleEpisode { episode: read::bundle_episode(&value)?, entry_types })
}

/// Reads a CoverageEligibilityRequest (checked against the R4B model first).
pub fn read_eligibility_request(bytes: &[u8]) -> Result<EligibilityQuestion, Vec<Issue>> {
    let value = parse_as(bytes, "CoverageEligibilityRequest")?;
    resources::eligibility_question(&value)
}
