//! Files sent without an answer: before sending them again, BHXH's receipt list says which it holds.

use super::Dispatcher;
use crate::domain::Episode;
use crate::formats::xml130;
use crate::portal::PortalError;
use crate::store::outbox::{self, Job};
use crate::store::{StoreError, now_ms};
use crate::vocabulary::Destination;

impl Dispatcher {
    /// Jobs whose earlier sending got no answer: asks BHXH which of them it already holds (same
    /// `MA_LK`, same content) and records those as sent under the portal's transaction id, so
    /// that no file reaches the portal twice. Returns the episodes and jobs still to send.
    /// (The MoH receiver offers no such list; it takes the same `MA_LK` again as a replacement.)
    pub(super) async fn settle_unanswered(
        &self,
        destination: Destination,
        facility: &str,
        episodes: Vec<Episode>,
        jobs: Vec<Job>,
    ) -> Result<(Vec<Episode>, Vec<Job>), StoreError> {
        let Some(bhxh) = self.portals.bhxh.as_ref().filter(|_| destination == Destination::Bhxh) else {
            return Ok((episodes, jobs));
        };
        if jobs.iter().all(|j| j.uncertain_since.is_none()) {
            return Ok((episodes, jobs));
        }
        let keys: Vec<&str> =
            jobs.iter().filter(|j| j.uncertain_since.is_some()).map(|j| j.episode_key.as_str()).collect();
        let receipts = match bhxh.receipts(facility, &keys).await {
            Ok(r) => r,
            Err(e) => {
                // Sending blind could duplicate: the unanswered jobs wait for the next pass.
                tracing::warn!(%facility, error = %e, "receipt list unavailable; unanswered jobs wait");
                let (unanswered, rest): (Vec<_>, Vec<_>) =
                    episodes.into_iter().zip(jobs).partition(|(_, j)| j.uncertain_since.is_some());
                let unanswered: Vec<Job> = unanswered.into_iter().map(|(_, j)| j).collect();
                match e {
                    PortalError::CircuitOpen { retry_in } => {
                        let at = now_ms() + retry_in.as_millis() as i64;
                        self.db.write_retrying(move |c| outbox::release(c, &unanswered, at)).await?;
                    }
                    e => self.retry_later(unanswered, &e).await?,
                }
                return Ok(rest.into_iter().unzip());
            }
        };
        let mut found = Vec::new();
        let mut still = (Vec::new(), Vec::new());
        for (episode, job) in episodes.into_iter().zip(jobs) {
            let held =
                job.uncertain_since.is_some().then(|| xml130::hoso_sha256(&episode, self.profile)).and_then(|sha| {
                    receipts.iter().find(|r| r.episode_key == job.episode_key && r.content_sha256 == sha)
                });
            match held {
                Some(receipt) => found.push((job, receipt.transaction_id.clone())),
                None => {
                    still.0.push(episode);
                    still.1.push(job);
                }
            }
        }
        if !found.is_empty() {
            tracing::info!(%facility, episodes = found.len(), "unanswered files found received; not sent again");
            metrics::counter!("hisgate_dispatch_found_received_total").increment(found.len() as u64);
            let first_poll = now_ms() + self.settings.poll_interval_ms as i64;
            self.db
                .write_retrying(move |c| {
                    found
                        .iter()
                        .try_for_each(|(j, transaction)| outbox::mark_found_received(c, j, transaction, first_poll))
                })
                .await?;
        }
        Ok(still)
    }
}
