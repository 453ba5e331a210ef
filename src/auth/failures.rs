//! Failed sign-ins and bad API keys, counted per client address and per key id. Past
//! `HISGATE_AUTH_MAX_FAILURES` failures within `HISGATE_AUTH_LOCKOUT_SECONDS`, the client (or the
//! key id) is answered `429` with `Retry-After` until that period ends, without its key being
//! checked, so a guesser gets a handful of tries per period. Every failure up to the limit is
//! audited (`auth.failure`) and the lock once (`auth.locked`); past it nothing more is written, so
//! an attack cannot fill the audit log.
//!
//! Counts are per instance and in memory. Locking a key id lets someone who knows it keep it out
//! for a period; keys' secrets are 256 random bits, so the lock is for detection and audit more
//! than for the secret's sake, and docs/SECURITY.md says so.

use crate::store::{Db, audit};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What the failures are counted for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Subject {
    Client(IpAddr),
    Key(String),
}

#[derive(Debug, Clone, Copy)]
struct Count {
    since: Instant,
    failures: u32,
}

/// More subjects than a province's clients: past this, counts whose period ended are dropped.
const MAX_SUBJECTS: usize = 100_000;

pub struct FailedAuth {
    max_failures: u32,
    period: Duration,
    counts: Mutex<HashMap<Subject, Count>>,
}

/// The outcome of one more failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// The `n`th failure of the period, under the limit or reaching it.
    Failure(u32),
    /// Past the limit: not audited again.
    Beyond,
}

fn subjects(client: IpAddr, key_id: Option<&str>) -> impl Iterator<Item = Subject> {
    std::iter::once(Subject::Client(client)).chain(key_id.map(|k| Subject::Key(k.to_owned())))
}

impl FailedAuth {
    /// `max_failures` 0: never locked.
    pub fn new(max_failures: u32, period: Duration) -> Self {
        FailedAuth { max_failures, period, counts: Mutex::new(HashMap::new()) }
    }

    pub fn for_settings(settings: &crate::config::Settings) -> Self {
        Self::new(settings.auth_max_failures, Duration::from_secs(settings.auth_lockout_seconds))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Subject, Count>> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How long the client (or the key id) must still wait, if it is locked out.
    pub fn locked_for(&self, client: IpAddr, key_id: Option<&str>) -> Option<Duration> {
        if self.max_failures == 0 {
            return None;
        }
        let counts = self.lock();
        if counts.is_empty() {
            return None;
        }
        subjects(client, key_id)
            .filter_map(|s| counts.get(&s))
            .filter(|c| c.failures >= self.max_failures)
            .filter_map(|c| self.period.checked_sub(c.since.elapsed()))
            .max()
    }

    /// Counts one more failure of the client and the key id.
    pub fn failed(&self, client: IpAddr, key_id: Option<&str>) -> Counted {
        let mut counts = self.lock();
        if counts.len() >= MAX_SUBJECTS {
            counts.retain(|_, c| c.since.elapsed() < self.period);
            if counts.len() >= MAX_SUBJECTS {
                counts.clear();
            }
        }
        let mut most = 0;
        for subject in subjects(client, key_id) {
            let count = counts.entry(subject).or_insert(Count { since: Instant::now(), failures: 0 });
            if count.since.elapsed() >= self.period {
                *count = Count { since: Instant::now(), failures: 0 };
            }
            count.failures = count.failures.saturating_add(1);
            most = most.max(count.failures);
        }
        if self.max_failures > 0 && most > self.max_failures { Counted::Beyond } else { Counted::Failure(most) }
    }

    /// A success clears the client's and the key's failures.
    pub fn succeeded(&self, client: IpAddr, key_id: &str) {
        let mut counts = self.lock();
        if !counts.is_empty() {
            counts.remove(&Subject::Client(client));
            counts.remove(&Subject::Key(key_id.to_owned()));
        }
    }
}

/// Counts a failed sign-in or bad key (`channel`: `api`, `dashboard`) and audits it while under
/// the limit, and the lock when it is reached.
pub async fn record_failure(
    failures: &FailedAuth,
    db: &Db,
    client: IpAddr,
    key_id: Option<String>,
    channel: &'static str,
) {
    metrics::counter!("hisgate_auth_failures_total", "channel" => channel).increment(1);
    let Counted::Failure(n) = failures.failed(client, key_id.as_deref()) else {
        return;
    };
    let limit = failures.max_failures;
    let written = db
        .write(move |c| {
            let actor = key_id.as_deref().unwrap_or("unknown");
            let target = client.to_string();
            let detail = serde_json::json!({ "channel": channel, "failures": n });
            let entry =
                |action| audit::AuditEntry { actor, role: "none", action, target: &target, detail: detail.clone() };
            audit::record(c, entry("auth.failure"))?;
            if n == limit {
                audit::record(c, entry("auth.locked"))?;
            }
            Ok(())
        })
        .await;
    if let Err(e) = written {
        tracing::error!(error = %e, "a failed sign-in could not be audited");
    }
    if n == limit {
        tracing::warn!(client = %client, channel, "too many failed sign-ins: locked out for the period");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_locked_after_the_limit_and_a_success_clears_it() {
        let guard = FailedAuth::new(3, Duration::from_secs(600));
        let (one, other): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert_eq!(guard.failed(one, Some("k1")), Counted::Failure(1));
        assert_eq!(guard.failed(one, None), Counted::Failure(2));
        assert_eq!(guard.locked_for(one, None), None);
        assert_eq!(guard.failed(one, None), Counted::Failure(3));
        assert!(guard.locked_for(one, None).is_some_and(|d| d > Duration::from_secs(590)));
        assert_eq!(guard.failed(one, None), Counted::Beyond, "past the limit: not audited again");
        assert_eq!(guard.locked_for(other, None), None, "another client is not locked");
        assert_eq!(guard.locked_for(other, Some("k1")), None, "k1 failed once only");
        guard.succeeded(one, "k1");
        assert_eq!(guard.locked_for(one, None), None);
    }

    #[test]
    fn a_key_id_guessed_from_many_clients_is_locked() {
        let guard = FailedAuth::new(3, Duration::from_secs(600));
        for i in 1..=3 {
            guard.failed(IpAddr::from([10, 0, 0, i]), Some("k1"));
        }
        assert!(guard.locked_for("10.0.0.9".parse().unwrap(), Some("k1")).is_some());
        assert_eq!(FailedAuth::new(0, Duration::from_secs(1)).locked_for("10.0.0.9".parse().unwrap(), None), None);
    }
}
