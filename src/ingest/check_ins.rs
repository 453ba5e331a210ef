//! Check-in ingest: one check-in (the XML0 fields, official names), `{"checkins": [...]}`, or a
//! `CHI_TIEU_TRANG_THAI_KCB` document as HIS export it; each is validated by the XML0 rules, scoped
//! to the caller's facility, and stored with its queue entries before the caller hears of it. The
//! same content again is the same check-in (its id is derived from it).

use super::{IngestError, IngestService, Rejection};
use crate::auth::Principal;
use crate::domain::Episode;
use crate::domain::records::{CheckIn, Table};
use crate::domain::time::{from_vietnam, parse_datetime};
use crate::formats::xml130;
use crate::store::check_ins::{self, NewCheckIn};
use crate::validation::{self, Violation};
use crate::vault::Vault;
use crate::vocabulary::CheckInId;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use utoipa::ToSchema;

/// Most check-ins in one request.
const MAX_CHECK_INS: usize = 1000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckInBatch {
    checkins: Vec<CheckIn>,
}

/// Reads `T` from `value`, naming the path of the first error.
fn from_json<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, Rejection> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        Rejection::Malformed(format!("invalid check-in JSON at `{path}`: {}", e.into_inner()))
    })
}

/// What the caller hears for one accepted check-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInReceipt {
    pub id: CheckInId,
    /// `queued` (new) or `unchanged` (this content was stored before).
    pub status: &'static str,
    pub warnings: Vec<Violation>,
}

/// The check-ins of a request body: a `CHI_TIEU_TRANG_THAI_KCB` document when `xml`, else one
/// check-in or `{"checkins": [...]}`; `true` when the body was a list or a document.
pub fn read_check_ins(body: &[u8], xml: bool) -> Result<(Vec<CheckIn>, bool), Rejection> {
    if xml {
        let mut episode = Episode::default();
        xml130::read_table_document(Table::CheckIn, body, &mut episode)
            .map_err(|e| Rejection::Malformed(format!("the CHI_TIEU_TRANG_THAI_KCB document is refused: {e}")))?;
        if episode.check_ins.is_empty() {
            return Err(Rejection::Malformed("the document holds no TRANG_THAI_KCB".into()));
        }
        return Ok((episode.check_ins, true));
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| Rejection::Malformed(format!("invalid JSON: {e}")))?;
    if value.get("checkins").is_some() {
        return Ok((from_json::<CheckInBatch>(value)?.checkins, true));
    }
    Ok((vec![from_json::<CheckIn>(value)?], false))
}

/// The store's row for check-in `c` of `facility`: its id is derived from the facility and the
/// content, so the same check-in, sent alone or inside its episode, is one row.
pub(super) fn new_check_in(c: &CheckIn, facility: &str, vault: &Vault) -> NewCheckIn {
    let record_json = serde_json::to_string(c).expect("a check-in always serialises");
    let digest = sha2::Sha256::digest(format!("{facility}\n{record_json}").as_bytes());
    let ordered_at = c.ordered_at.as_deref().and_then(parse_datetime).map_or(0, |t| from_vietnam(t).timestamp_millis());
    let id = format!("ci-{}", &hex::encode(digest)[..32]);
    NewCheckIn {
        record: vault.seal(&record_json, &id),
        id: id.into(),
        facility_code: facility.into(),
        episode_key: c.episode_key.as_deref().map(str::trim).unwrap_or_default().to_owned(),
        ordered_at,
    }
}

/// The facility check-in `i` names (`MA_CSKCB`, trimmed; empty when it names none), if the caller
/// may send for it.
pub(super) fn authorised_facility<'c>(principal: &Principal, i: usize, c: &'c CheckIn) -> Result<&'c str, Rejection> {
    let facility = c.facility_code.as_deref().map(str::trim).unwrap_or_default();
    if !facility.is_empty() && !principal.may_write_for(facility) {
        let facility = validation::bounded(facility, validation::VALUE_CHARS);
        return Err(Rejection::Forbidden(format!(
            "check_ins[{i}].MA_CSKCB: this key may not send check-ins of facility `{facility}`"
        )));
    }
    Ok(facility)
}

/// Validates and authorises each check-in; the first refusal refuses the request (nothing stored).
fn prepare(
    service: &IngestService,
    principal: &Principal,
    items: &[CheckIn],
) -> Result<Vec<(NewCheckIn, Vec<Violation>)>, Rejection> {
    let (catalogue, reference, profile) = service.rules();
    let mut prepared = Vec::with_capacity(items.len());
    for (i, c) in items.iter().enumerate() {
        let facility = authorised_facility(principal, i, c)?;
        let report = validation::validate_check_in(c, i, &catalogue, &reference.code_lists, profile);
        if report.has_critical() {
            let detail = format!("check_ins[{i}] breaks the XML0 rules");
            return Err(Rejection::Invalid { detail, violations: report.violations });
        }
        let new = new_check_in(c, facility, &service.vault);
        prepared.push((new, report.warnings()));
    }
    Ok(prepared)
}

impl IngestService {
    /// Validates, authorises and stores check-ins with their queue entries; the first refusal
    /// refuses them all, and nothing is stored.
    pub async fn accept_check_ins(
        &self,
        principal: &Principal,
        items: &[CheckIn],
    ) -> Result<Vec<CheckInReceipt>, IngestError> {
        if items.len() > MAX_CHECK_INS {
            return Err(Rejection::Malformed(format!(
                "at most {MAX_CHECK_INS} check-ins a request; this one has {}",
                items.len()
            ))
            .into());
        }
        let prepared = prepare(self, principal, items)?;
        let (rows, warnings): (Vec<NewCheckIn>, Vec<Vec<Violation>>) = prepared.into_iter().unzip();
        let actor = principal.actor();
        let destinations = self.settings.destinations.clone();
        let stored = rows.clone();
        let created = self
            .db
            .write_retrying(move |c| {
                let items: Vec<_> = stored.iter().map(|row| (row, &actor)).collect();
                check_ins::accept_all(c, &items, &destinations)
            })
            .await?;
        if created.iter().any(|new| *new) {
            self.dispatch_wake.notify_waiters();
        }
        let receipts: Vec<CheckInReceipt> = rows
            .into_iter()
            .zip(created)
            .zip(warnings)
            .map(|((row, new), warnings)| CheckInReceipt {
                id: row.id,
                status: if new { "queued" } else { "unchanged" },
                warnings,
            })
            .collect();
        tracing::info!(check_ins = receipts.len(), "check-ins accepted");
        Ok(receipts)
    }
}
