//! The background card check of accepted claims: each new claim version's card is looked up with
//! BHXH; a card the portal says is not valid adds the warning `CARD_PORTAL_INVALID` to the
//! version (the claim was accepted already and stays; the warning tells the facility to act).

use super::codes::Verdict;
use super::{EligibilityAnswer, EligibilityError, EligibilityRequest, EligibilityService, Lookup};
use crate::auth::Principal;
use crate::domain::Episode;
use crate::domain::card::{IdentifierKind, mask};
use crate::store::claims;
use crate::store::{Db, StoreError, now_ms};
use crate::validation::Severity;
use crate::vault::Vault;
use crate::vocabulary::Role;
use std::sync::Arc;

/// Versions checked per run at most.
const PER_RUN: i64 = 200;
/// Claims older than this are not checked any more (the card answer is about today).
const MAX_AGE_MS: i64 = 7 * 86_400_000;

/// The warning a claim gets when BHXH says its card is not valid: the claim was accepted before
/// the answer came, so this can only warn.
fn card_portal_invalid(answer: &EligibilityAnswer) -> serde_json::Value {
    serde_json::json!({
        "rule": "CARD_PORTAL_INVALID",
        "severity": Severity::Warning,
        "path": "summary.MA_THE_BHYT",
        "message": format!("the BHXH card lookup answered {} ({})", answer.code, answer.meaning_en),
        "value": answer.card_number.as_deref().map(mask),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum CardCheckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Lookup(#[from] EligibilityError),
}

/// The lookup for an episode: first card of `MA_THE_BHYT`, `HO_TEN`, `NGAY_SINH`, the arrival
/// date and the facility. `None` when the episode has no card (a fee-paying visit).
fn request_of(episode: &Episode) -> Option<EligibilityRequest> {
    let s = &episode.summary;
    let card = s.card_numbers.as_deref()?.split(';').next()?.trim().to_owned();
    let birth = s.birth_date.as_deref().unwrap_or_default();
    let birth_date = match birth.get(4..8) {
        Some("0000") => birth.get(..4)?.to_owned(),
        _ => format!("{}-{}-{}", birth.get(..4)?, birth.get(4..6)?, birth.get(6..8)?),
    };
    let admitted = s.admitted_at.as_deref().unwrap_or_default();
    Some(EligibilityRequest {
        card_number: Some(card),
        citizen_id: None,
        social_insurance_number: None,
        full_name: s.full_name.clone().unwrap_or_default(),
        birth_date,
        visit_date: Some(format!("{}-{}-{}", admitted.get(..4)?, admitted.get(4..6)?, admitted.get(6..8)?)),
        facility: Some(episode.facility_code().to_owned()),
    })
}

/// Checks up to [`PER_RUN`] unchecked versions. Stops early, leaving the rest for the next run,
/// when the portal is unavailable or refuses the gateway's configuration.
pub async fn check_ingested_cards(
    service: &Arc<EligibilityService>,
    db: &Db,
    vault: &Vault,
) -> Result<String, CardCheckError> {
    let since = now_ms() - MAX_AGE_MS;
    let pending = db.read(move |c| claims::unchecked_cards(c, since, PER_RUN)).await?;
    let actor =
        Principal { key_id: "job:card_check".to_owned(), role: Role::Admin, facility: None, sensitive_reader: false };
    let (mut valid, mut invalid, mut skipped) = (0, 0, 0);
    for card in pending {
        let request = card
            .episode
            .open(vault)?
            .and_then(|j| serde_json::from_str::<Episode>(&j).ok())
            .and_then(|e| request_of(&e));
        let check = |r: &EligibilityRequest| Lookup::check(r, &[IdentifierKind::Card]);
        let outcome = match request.as_ref().map(check) {
            // No card, or one the validation already reported as malformed: nothing to ask.
            None | Some(Err(EligibilityError::Invalid { .. })) => None,
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(lookup)) => match service.check(&lookup, &actor).await {
                Ok(answer) => Some(answer),
                Err(e @ (EligibilityError::Unavailable(_) | EligibilityError::Configuration(_))) => {
                    return Err(e.into());
                }
                Err(_) => None,
            },
        };
        let (code, warning) = match &outcome {
            None => {
                skipped += 1;
                ("-".to_owned(), None)
            }
            Some(a) if a.eligible == Verdict::No => {
                invalid += 1;
                (a.code.clone(), Some(card_portal_invalid(a)))
            }
            Some(a) => {
                valid += 1;
                (a.code.clone(), None)
            }
        };
        db.write(move |c| claims::record_card_check(c, &card, &code, warning.as_ref())).await?;
    }
    Ok(format!("{valid} cards valid, {invalid} not valid (warned), {skipped} without a usable card"))
}
