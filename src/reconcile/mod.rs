//! Reconciliation: learns what BHXH decided about every sent file and records, per claim version,
//! the outcome (accepted / partially approved / rejected), the approved amounts per line and in
//! total, and the errors the portal listed. Answers are matched by transaction id and `MA_LK`.
//!
//! BHXH publishes no API for appraisal outcomes (BHXH-API.md §5). So by default the reconciler
//! asks only for each transaction's error list (`nhanChiTietLoiHS`): a record with errors is
//! rejected; the others wait for the result files staff download from the portal and import.
//! The modelled outcome query of the mocks is asked only when configured, and never again once the
//! portal answers 404 for it.

pub mod import;
pub mod routes;

use crate::config::AppraisalApi;
use crate::portal::PortalError;
use crate::portal::bhxh::{BhxhClient, RecordOutcome};
use crate::store::outbox::{self, Outcome, SentSubmission};
use crate::store::{Db, StoreError, now_ms};
use crate::vocabulary::{FacilityCode, JobStatus};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// After this long the portal has answered whatever it will answer by list (TT 12/2026 Đ9: 6 h
/// late, 24 h structure errors, 48 h totals): the error list is no longer asked for.
const ERROR_LIST_HORIZON_MS: i64 = 48 * 3_600_000;

/// The longest wait between two error-list questions about one transaction.
const ERROR_LIST_MAX_WAIT_MS: i64 = 6 * 3_600_000;

/// The alert raised once when the modelled outcome query is missing.
pub const APPRAISAL_API_MISSING: &str = "appraisal_api_missing";

pub struct Reconciler {
    db: Db,
    bhxh: Arc<BhxhClient>,
    poll_interval_ms: u64,
    /// Whether the outcome query is asked: configured `modelled` and not found missing.
    appraisal_api: AtomicBool,
}

fn cents(text: Option<&str>) -> i64 {
    text.and_then(|t| t.parse::<Decimal>().ok()).and_then(crate::domain::decimal::to_cents).unwrap_or(0)
}

/// The stored form of a portal outcome.
fn outcome_of(record: &RecordOutcome) -> Option<Outcome> {
    let status = match record.status.as_str() {
        "CHAP_NHAN" => JobStatus::Accepted,
        "CHAP_NHAN_MOT_PHAN" => JobStatus::PartiallyApproved,
        "TU_CHOI" => JobStatus::Rejected,
        _ => return None,
    };
    let lines = serde_json::Value::Array(
        record
            .lines
            .iter()
            .map(|l| {
                let (claimed, approved) = (cents(Some(&l.claimed)), cents(Some(&l.approved)));
                outbox::outcome_line(&l.table, &l.stt, claimed, approved, l.reason.as_deref())
            })
            .collect(),
    );
    Some(Outcome {
        status,
        claimed_cents: cents(record.claimed.as_deref()),
        approved_cents: cents(record.approved.as_deref()),
        reasons: record.reasons.clone(),
        lines,
    })
}

/// The errors of a transaction's list that concern `episode_key`, as (code, text without the
/// `MA_LK:` prefix). When only one record of the transaction is asked about, a text that does not
/// name it is still its own (a file of one `HOSO`, as QĐ 3176 sends them).
fn errors_of<'a>(errors: &'a [(String, String)], episode_key: &str, records_in_file: usize) -> Vec<(&'a str, &'a str)> {
    let prefix = format!("{episode_key}:");
    errors
        .iter()
        .filter_map(|(code, message)| match message.strip_prefix(&prefix) {
            Some(text) => Some((code.as_str(), text.trim_start())),
            None if records_in_file == 1 => Some((code.as_str(), message.as_str())),
            None => None,
        })
        .collect()
}

/// A record the portal listed errors for will not be paid: rejected, nothing approved.
fn rejection(claimed_cents: i64, errors: &[(&str, &str)]) -> Outcome {
    Outcome {
        status: JobStatus::Rejected,
        claimed_cents,
        approved_cents: 0,
        reasons: errors.iter().map(|(code, text)| format!("{code}: {text}")).collect(),
        lines: serde_json::Value::Array(Vec::new()),
    }
}

/// What one error list says of one record.
enum ListVerdict {
    /// Errors listed: rejected.
    Rejected { outcome: Outcome, listed: Vec<(String, String)> },
    /// Nothing listed: the portal holds it; asked again at `next_poll` (none: past the horizon).
    Clean { next_poll: Option<i64> },
}

impl Reconciler {
    pub fn new(db: Db, bhxh: Arc<BhxhClient>, poll_interval_ms: u64, api: AppraisalApi) -> Self {
        Reconciler { db, bhxh, poll_interval_ms, appraisal_api: AtomicBool::new(api == AppraisalApi::Modelled) }
    }

    pub async fn run(self) {
        let period = std::time::Duration::from_millis(self.poll_interval_ms.clamp(50, 60_000));
        loop {
            if let Err(e) = self.poll_once().await {
                tracing::warn!(error = %e, "reconciliation pass failed");
            }
            tokio::time::sleep(period).await;
        }
    }

    /// Asks about every due transaction once; returns how many submissions were settled.
    pub async fn poll_once(&self) -> Result<usize, StoreError> {
        if !self.bhxh.guard().accepting() {
            return Ok(0);
        }
        let due = self.db.read(|c| outbox::due_polls(c, 500)).await?;
        let mut by_transaction: BTreeMap<(FacilityCode, String), Vec<SentSubmission>> = BTreeMap::new();
        for s in due {
            by_transaction.entry((s.facility_code.clone(), s.transaction_id.clone())).or_default().push(s);
        }
        let mut settled = 0;
        for ((facility, transaction), subs) in by_transaction {
            settled += if self.appraisal_api.load(Ordering::Relaxed) {
                self.ask_appraisal(&facility, &transaction, subs).await?
            } else {
                self.ask_error_list(&facility, &transaction, subs).await?
            };
        }
        Ok(settled)
    }

    /// The modelled outcome query for one transaction.
    async fn ask_appraisal(
        &self,
        facility: &str,
        transaction: &str,
        subs: Vec<SentSubmission>,
    ) -> Result<usize, StoreError> {
        let later = now_ms() + self.poll_interval_ms as i64;
        let records = match self.bhxh.appraisal(facility, transaction).await {
            Ok(Some(records)) => records,
            Ok(None) => return self.postpone(subs, later).await,
            Err(PortalError::NotOffered(what)) => {
                self.appraisal_api_missing(&what).await?;
                return self.ask_error_list(facility, transaction, subs).await;
            }
            Err(e) => {
                if !e.is_transient() {
                    tracing::warn!(%transaction, error = %e, "appraisal query refused");
                }
                return self.postpone(subs, later).await;
            }
        };
        let rejected = records.iter().any(|r| r.status == "TU_CHOI");
        let errors =
            if rejected { self.bhxh.error_list(facility, transaction).await.unwrap_or_default() } else { Vec::new() };
        let mut decided = Vec::new();
        let mut undecided = Vec::new();
        for s in subs {
            match records.iter().find(|r| r.episode_key == s.episode_key).and_then(outcome_of) {
                Some(o) => decided.push((s, o)),
                None => undecided.push(s),
            }
        }
        let settled = decided.len();
        decided.sort_by(|(a, _), (b, _)| a.claim_id.cmp(&b.claim_id));
        let (decided, undecided, errors) = (Arc::new(decided), Arc::new(undecided), Arc::new(errors));
        self.db
            .write_retrying(move |c| {
                for (s, o) in decided.iter() {
                    let prefix = format!("{}:", s.episode_key);
                    let listed: Vec<(String, String)> =
                        errors.iter().filter(|(_, m)| m.starts_with(&prefix)).cloned().collect();
                    if !listed.is_empty() {
                        outbox::record_listed_errors(c, s, &listed)?;
                    }
                    outbox::record_outcome(c, s, o)?;
                }
                undecided.iter().try_for_each(|s| outbox::postpone_poll(c, s.outbox_id, later))
            })
            .await?;
        Ok(settled)
    }

    /// The portal's error list for one transaction: records with errors are rejected; the others
    /// are asked about again, less often as they age, until [`ERROR_LIST_HORIZON_MS`].
    async fn ask_error_list(
        &self,
        facility: &str,
        transaction: &str,
        subs: Vec<SentSubmission>,
    ) -> Result<usize, StoreError> {
        let errors = match self.bhxh.error_list(facility, transaction).await {
            Ok(errors) => errors,
            Err(e) => {
                tracing::debug!(%transaction, error = %e, "error list not available now");
                return self.postpone(subs, now_ms() + self.poll_interval_ms as i64).await;
            }
        };
        let now = now_ms();
        let in_file = subs.len();
        let mut verdicts: Vec<(SentSubmission, ListVerdict)> = subs
            .into_iter()
            .map(|s| {
                let found = errors_of(&errors, &s.episode_key, in_file);
                let verdict = if found.is_empty() {
                    let age = now - s.sent_at;
                    ListVerdict::Clean {
                        next_poll: (age < ERROR_LIST_HORIZON_MS)
                            .then(|| now + (age / 2).clamp(self.poll_interval_ms as i64, ERROR_LIST_MAX_WAIT_MS)),
                    }
                } else {
                    let listed =
                        found.iter().map(|(c, t)| ((*c).to_owned(), format!("{}: {t}", s.episode_key))).collect();
                    ListVerdict::Rejected { outcome: rejection(s.claimed_cents, &found), listed }
                };
                (s, verdict)
            })
            .collect();
        let settled = verdicts.iter().filter(|(_, v)| matches!(v, ListVerdict::Rejected { .. })).count();
        // Claims are locked in id order by every writer that settles them.
        verdicts.sort_by(|(a, _), (b, _)| a.claim_id.cmp(&b.claim_id));
        let verdicts = Arc::new(verdicts);
        self.db
            .write_retrying(move |c| {
                verdicts.iter().try_for_each(|(s, verdict)| match verdict {
                    ListVerdict::Rejected { outcome, listed } => {
                        outbox::record_listed_errors(c, s, listed)?;
                        outbox::record_outcome(c, s, outcome)
                    }
                    ListVerdict::Clean { next_poll } => {
                        outbox::confirm_received(c, s)?;
                        match next_poll {
                            Some(at) => outbox::postpone_poll(c, s.outbox_id, *at),
                            None => outbox::stop_polling(c, s.outbox_id),
                        }
                    }
                })
            })
            .await?;
        Ok(settled)
    }

    async fn postpone(&self, subs: Vec<SentSubmission>, at: i64) -> Result<usize, StoreError> {
        self.db.write(move |c| subs.iter().try_for_each(|s| outbox::postpone_poll(c, s.outbox_id, at))).await?;
        Ok(0)
    }

    /// The portal has no outcome query: stop asking, and tell the Department of Health once.
    async fn appraisal_api_missing(&self, what: &str) -> Result<(), StoreError> {
        if !self.appraisal_api.swap(false, Ordering::Relaxed) {
            return Ok(());
        }
        tracing::warn!(%what, "BHXH has no appraisal-outcome query; reconciling from error lists and result files");
        let detail = format!(
            "BHXH does not offer the appraisal-outcome query ({what}); outcomes now come from the portal's error \
             lists and from imported result files (POST /api/v1/reconciliation/import)"
        );
        self.db.write(move |c| crate::store::alerts::raise_once(c, APPRAISAL_API_MISSING, None, &detail)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::errors_of;

    #[test]
    fn errors_are_matched_to_their_record() {
        let errors = vec![
            ("XML1_T_BHTT".to_owned(), "LK1: T_BHTT sai".to_owned()),
            ("XML2_PHAN_BO".to_owned(), "LK2: phân bổ sai".to_owned()),
        ];
        assert_eq!(errors_of(&errors, "LK1", 2), vec![("XML1_T_BHTT", "T_BHTT sai")]);
        assert!(errors_of(&errors, "LK3", 2).is_empty());
        let unnamed = vec![("123".to_owned(), "thiếu bảng XML5".to_owned())];
        assert_eq!(errors_of(&unnamed, "LK1", 1), vec![("123", "thiếu bảng XML5")]);
        assert!(errors_of(&unnamed, "LK1", 2).is_empty());
    }
}
