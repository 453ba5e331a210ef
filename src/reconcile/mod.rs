//! Reconciliation: asks BHXH for the appraisal of every sent file and records, per claim version,
//! the outcome (accepted / partially approved / rejected), the approved amounts per line and in
//! total, and the errors the portal listed. Answers are matched by transaction id and `MA_LK`.

pub mod routes;

use crate::portal::bhxh::{BhxhClient, RecordOutcome};
use crate::store::outbox::{self, Outcome, SentSubmission, status};
use crate::store::{Db, StoreError, now_ms};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

pub struct Reconciler {
    db: Db,
    bhxh: Arc<BhxhClient>,
    poll_interval_ms: u64,
}

fn cents(text: Option<&str>) -> i64 {
    text.and_then(|t| t.parse::<Decimal>().ok()).and_then(crate::domain::decimal::to_cents).unwrap_or(0)
}

/// The stored form of a portal outcome.
fn outcome_of(record: &RecordOutcome) -> Option<Outcome> {
    let status = match record.status.as_str() {
        "CHAP_NHAN" => status::ACCEPTED,
        "CHAP_NHAN_MOT_PHAN" => status::PARTIALLY_APPROVED,
        "TU_CHOI" => status::REJECTED,
        _ => return None,
    };
    let lines = serde_json::Value::Array(
        record
            .lines
            .iter()
            .map(|l| {
                serde_json::json!({
                    "table": l.table, "stt": l.stt,
                    "claimed_cents": cents(Some(&l.claimed)), "approved_cents": cents(Some(&l.approved)),
                    "reason": l.reason,
                })
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

impl Reconciler {
    pub fn new(db: Db, bhxh: Arc<BhxhClient>, poll_interval_ms: u64) -> Self {
        Reconciler { db, bhxh, poll_interval_ms }
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

    /// Asks for every due transaction once; returns how many submissions were settled.
    pub async fn poll_once(&self) -> Result<usize, StoreError> {
        if !self.bhxh.guard().accepting() {
            return Ok(0);
        }
        let due = self.db.read(|c| outbox::due_polls(c, 500)).await?;
        let mut by_transaction: BTreeMap<(String, String), Vec<SentSubmission>> = BTreeMap::new();
        for s in due {
            by_transaction.entry((s.facility_code.clone(), s.transaction_id.clone())).or_default().push(s);
        }
        let mut settled = 0;
        for ((facility, transaction), subs) in by_transaction {
            let later = now_ms() + self.poll_interval_ms as i64;
            match self.bhxh.appraisal(&facility, &transaction).await {
                Ok(Some(records)) => {
                    let rejected = records.iter().any(|r| r.status == "TU_CHOI");
                    let errors = if rejected {
                        self.bhxh.error_list(&facility, &transaction).await.unwrap_or_default()
                    } else {
                        Vec::new()
                    };
                    let mut decided = Vec::new();
                    let mut undecided = Vec::new();
                    for s in subs {
                        match records.iter().find(|r| r.episode_key == s.episode_key).and_then(outcome_of) {
                            Some(o) => decided.push((s, o)),
                            None => undecided.push(s),
                        }
                    }
                    settled += decided.len();
                    decided.sort_by(|(a, _), (b, _)| a.claim_id.cmp(&b.claim_id));
                    let (decided, undecided, errors) =
                        (std::sync::Arc::new(decided), std::sync::Arc::new(undecided), std::sync::Arc::new(errors));
                    self.db
                        .write_retrying(move |c| {
                            for (s, o) in decided.iter() {
                                outbox::record_outcome(c, s, o)?;
                                let prefix = format!("{}:", s.episode_key);
                                for (code, message) in errors.iter().filter(|(_, m)| m.starts_with(&prefix)) {
                                    outbox::record_error(c, s.outbox_id, code, message)?;
                                }
                            }
                            undecided.iter().try_for_each(|s| outbox::postpone_poll(c, s.outbox_id, later))
                        })
                        .await?;
                }
                Ok(None) => {
                    self.db
                        .write(move |c| subs.iter().try_for_each(|s| outbox::postpone_poll(c, s.outbox_id, later)))
                        .await?
                }
                Err(e) => {
                    if !e.is_transient() {
                        tracing::warn!(%transaction, error = %e, "appraisal query refused");
                    }
                    self.db
                        .write(move |c| subs.iter().try_for_each(|s| outbox::postpone_poll(c, s.outbox_id, later)))
                        .await?;
                }
            }
        }
        Ok(settled)
    }
}
