//! Ingest: a HIS sends an episode; it is parsed, validated, checked against the caller's rights,
//! and stored with its outbox entries in one transaction before the caller hears `202`.

mod answer;
mod check_in_routes;
mod check_ins;
mod commit;
pub mod dossiers;
mod routes;
mod service;

pub use answer::ItemResult;
pub use check_ins::read_check_ins;
pub use commit::Committer;
pub use routes::routes;
pub use service::{IngestService, Withheld};

use crate::auth::Principal;
use crate::domain::Episode;
use crate::domain::decimal::to_cents;
use crate::domain::spec::Profile;
use crate::domain::time::parse_datetime;
use crate::reference::ReferenceData;
use crate::store::check_ins::NewCheckIn;
use crate::store::claims::{self, NewClaimVersion};
use crate::store::stats::Refusal;
use crate::validation::{self, Catalogue, Violation};
use crate::vault::Vault;
use crate::vocabulary::{ClaimId, ClaimStatus};
use serde::Serialize;
use utoipa::ToSchema;

/// Parses one episode, reporting where the JSON is wrong (line, column and field path).
pub fn parse_episode(bytes: &[u8]) -> Result<Episode, Rejection> {
    // Tracking the path of every element costs a good part of the parse; only an episode that
    // fails is read again to say where.
    if let Ok(episode) = serde_json::from_slice(bytes) {
        return Ok(episode);
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        Rejection::Malformed(format!(
            "invalid JSON at line {}, column {} (path `{path}`): {inner}",
            inner.line(),
            inner.column()
        ))
    })
}

/// Why one episode was not accepted.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Rejection {
    /// Not well-formed: its JSON or XML does not parse, or the request holds too much.
    #[error("{0}")]
    Malformed(String),
    /// A `HOSO` of a file that cannot be read, named by its `HOSO_…` code as a broken rule is.
    #[error("{detail}")]
    UnreadableHoso { detail: String, violations: Vec<Violation> },
    /// The caller may not send it.
    #[error("{0}")]
    Forbidden(String),
    /// It breaks critical rules; `detail` sums them up.
    #[error("{detail}")]
    Invalid { detail: String, violations: Vec<Violation> },
}

impl Rejection {
    /// Refused for the critical rules among `violations`.
    pub fn invalid(violations: Vec<Violation>) -> Self {
        let critical = violations.iter().filter(|v| v.severity == validation::Severity::Critical).count();
        Rejection::Invalid { detail: format!("the episode breaks {critical} critical rule(s)"), violations }
    }
}

/// Why ingest did not store what it was given: the input was refused, or the store failed.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Rejected(#[from] Rejection),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// An episode that passed validation and authorisation, ready for the store.
pub struct Prepared {
    pub row: NewClaimVersion,
    /// The episode's check-ins (its `check_ins` table), queued with it unless already sent alone.
    pub check_ins: Vec<NewCheckIn>,
    pub warnings: Vec<Violation>,
}

/// Validates `episode` and checks that `principal` may send it.
pub fn prepare(
    catalogue: &Catalogue,
    reference: &ReferenceData,
    profile: Profile,
    vault: &Vault,
    principal: &Principal,
    episode: &Episode,
) -> Result<Prepared, Rejection> {
    prepare_read(catalogue, reference, profile, vault, principal, episode, Vec::new())
}

/// [`prepare`] for an episode whose reading found `read` (what a file held beyond the format, as
/// the catalogue's import rules), judged and stored with the rest.
pub fn prepare_read(
    catalogue: &Catalogue,
    reference: &ReferenceData,
    profile: Profile,
    vault: &Vault,
    principal: &Principal,
    episode: &Episode,
    read: Vec<Violation>,
) -> Result<Prepared, Rejection> {
    let facility = episode.facility_code();
    if !facility.is_empty() && !principal.may_write_for(facility) {
        return Err(Rejection::Forbidden(match &principal.facility {
            Some(own) => {
                let facility = validation::bounded(facility, validation::VALUE_CHARS);
                format!("this key sends for facility {own}, not {facility} (summary.MA_CSKCB)")
            }
            None => format!("role `{}` may not send claims", principal.role.as_str()),
        }));
    }
    for (i, c) in episode.check_ins.iter().enumerate() {
        check_ins::authorised_facility(principal, i, c)?;
    }
    let mut report = validation::validate(episode, catalogue, reference, profile);
    report.violations.splice(0..0, read);
    if report.has_critical() {
        return Err(Rejection::invalid(report.violations));
    }
    let warnings = report.warnings();
    let s = &episode.summary;
    let local_ms =
        |t: &Option<String>| t.as_deref().and_then(parse_datetime).map(crate::domain::time::local_ms).unwrap_or(0);
    // Serialised once: stored (sealed) and digested.
    let json = serde_json::to_string(episode).expect("an episode always serialises");
    let content_sha256 = Episode::content_hash_of(json.as_bytes());
    let row = NewClaimVersion {
        facility_code: facility.into(),
        episode_key: episode.episode_key().to_owned(),
        episode: vault.seal(&json, &content_sha256),
        content_sha256,
        warnings_json: serde_json::to_string(&warnings).expect("violations always serialise"),
        visit_type: s.visit_type.clone().unwrap_or_default(),
        admitted_at: local_ms(&s.admitted_at),
        discharged_at: local_ms(&s.discharged_at),
        settlement_year: s.settlement_year.and_then(|y| i32::try_from(y).ok()),
        settlement_month: s.settlement_month.and_then(|m| i32::try_from(m).ok()),
        total_cost_cents: s.total_cost_hospital.and_then(to_cents).unwrap_or(0),
        claimed_cents: s.fund_pays.and_then(to_cents).unwrap_or(0),
    };
    let check_ins = episode
        .check_ins
        .iter()
        .map(|c| {
            let own = c.facility_code.as_deref().map(str::trim).filter(|f| !f.is_empty());
            check_ins::new_check_in(c, own.unwrap_or(facility), vault)
        })
        .collect();
    Ok(Prepared { row, check_ins, warnings })
}

/// What the caller hears for one accepted episode.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Receipt {
    pub id: ClaimId,
    pub version: i32,
    pub status: ClaimStatus,
    pub outcome: claims::AcceptOutcome,
    pub warnings: Vec<Violation>,
}

/// A facility must be registered before its claims are stored.
fn facility_unknown(code: &str) -> Violation {
    Violation {
        rule: "FACILITY_UNKNOWN".to_owned(),
        severity: validation::Severity::Critical,
        path: "summary.MA_CSKCB".to_owned(),
        message: "the facility is not registered with this gateway".to_owned(),
        value: Some(validation::bounded(code, validation::VALUE_CHARS)),
    }
}

/// Most characters of an item's `MA_LK` an answer or a stored refusal repeats: the size of the
/// field (a longer one is refused by its rule, and cut where it is repeated).
const MA_LK_CHARS: usize = 100;

/// What an episode refused at ingest broke (its critical violations), for the connectivity
/// figures and its facility's HIS; none without a facility to note it under.
fn refusal(facility: Option<&String>, ma_lk: Option<&String>, violations: &[Violation]) -> Option<Refusal> {
    let bound = |text: &String| validation::bounded(text, MA_LK_CHARS);
    Some(Refusal {
        facility_code: bound(facility?),
        episode_key: ma_lk.map(bound),
        violations: violations.iter().filter(|v| v.severity == validation::Severity::Critical).cloned().collect(),
    })
}

/// One item of a batch or a file: (`MA_LK`, facility, the prepared episode or why not).
pub type Item = (Option<String>, Option<String>, Result<Prepared, Rejection>);
