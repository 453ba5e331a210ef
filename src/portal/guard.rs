//! What keeps the gateway from hurting a portal and itself: a pace (requests per second), a cap on
//! calls at once (one budget for check-ins, one for every other call), and a circuit breaker. After `breaker_failures` consecutive failures that say
//! "the portal is in trouble" (timeouts, 5xx, 429) the circuit opens: calls fail at once, without
//! touching the network, for `breaker_cooldown_ms`; then one trial call is let through, which
//! closes the circuit on success or opens it again on failure.

use super::PortalError;
use crate::config::PortalSettings;
use serde::Serialize;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Circuit {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// The cool-down is over; one trial call is running.
    Trial,
}

/// The breaker as the queue view shows it.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct CircuitView {
    /// `closed`, `open` or `trial`.
    pub state: &'static str,
    pub consecutive_failures: u32,
    /// Milliseconds until a trial call is allowed (open circuits only).
    pub retry_in_ms: Option<u64>,
}

/// Which budget a call spends. Check-ins (real time, one call each) are paced and capped apart
/// from every other call, so that dossier files never hold them up; both share the circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Dossier files, lookups, lists, sign-in.
    Bulk,
    CheckIn,
}

/// A pace and a cap on calls at once.
struct Budget {
    permits: Semaphore,
    /// Minimum spacing between call starts; `None`: unpaced.
    spacing: Option<Duration>,
    next_start: tokio::sync::Mutex<Instant>,
}

impl Budget {
    fn new(rate_per_second: u32, max_concurrent: usize) -> Self {
        Budget {
            permits: Semaphore::new(max_concurrent.max(1)),
            spacing: (rate_per_second > 0).then(|| Duration::from_secs_f64(1.0 / f64::from(rate_per_second))),
            next_start: tokio::sync::Mutex::new(Instant::now()),
        }
    }

    /// Waits for a free slot and the pace; the slot is held while the returned permit lives.
    async fn enter(&self) -> Result<tokio::sync::SemaphorePermit<'_>, PortalError> {
        let permit = self.permits.acquire().await.map_err(|_| PortalError::Transient("shutting down".into()))?;
        if let Some(spacing) = self.spacing {
            let start = {
                let mut next = self.next_start.lock().await;
                let start = (*next).max(Instant::now());
                *next = start + spacing;
                start
            };
            tokio::time::sleep_until(start.into()).await;
        }
        Ok(permit)
    }
}

pub struct PortalGuard {
    name: &'static str,
    bulk: Budget,
    check_ins: Budget,
    circuit: Mutex<Circuit>,
    failures_to_open: u32,
    cooldown: Duration,
}

impl PortalGuard {
    pub fn new(name: &'static str, settings: &PortalSettings) -> Self {
        PortalGuard {
            name,
            bulk: Budget::new(settings.rate_per_second, settings.max_concurrent),
            check_ins: Budget::new(settings.check_in_rate_per_second, settings.check_in_max_concurrent),
            circuit: Mutex::new(Circuit::Closed { failures: 0 }),
            failures_to_open: settings.breaker_failures.max(1),
            cooldown: Duration::from_millis(settings.breaker_cooldown_ms),
        }
    }

    fn circuit(&self) -> std::sync::MutexGuard<'_, Circuit> {
        self.circuit.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether a call would be let through now (the dispatcher leases no jobs for a portal that
    /// would refuse them, so an outage does not use up their attempts).
    pub fn accepting(&self) -> bool {
        match *self.circuit() {
            Circuit::Closed { .. } => true,
            Circuit::Open { until } => Instant::now() >= until,
            Circuit::Trial => false,
        }
    }

    pub fn view(&self) -> CircuitView {
        match *self.circuit() {
            Circuit::Closed { failures } => {
                CircuitView { state: "closed", consecutive_failures: failures, retry_in_ms: None }
            }
            Circuit::Open { until } => CircuitView {
                state: "open",
                consecutive_failures: self.failures_to_open,
                retry_in_ms: Some(until.saturating_duration_since(Instant::now()).as_millis() as u64),
            },
            Circuit::Trial => {
                CircuitView { state: "trial", consecutive_failures: self.failures_to_open, retry_in_ms: None }
            }
        }
    }

    fn admit(&self) -> Result<(), PortalError> {
        let mut circuit = self.circuit();
        match *circuit {
            Circuit::Closed { .. } => Ok(()),
            Circuit::Open { until } if Instant::now() >= until => {
                *circuit = Circuit::Trial;
                tracing::info!(portal = self.name, "circuit half-open: one trial call");
                Ok(())
            }
            Circuit::Open { until } => Err(PortalError::CircuitOpen { retry_in: until - Instant::now() }),
            Circuit::Trial => Err(PortalError::CircuitOpen { retry_in: Duration::ZERO }),
        }
    }

    fn record<T>(&self, result: &Result<T, PortalError>) {
        let troubled = matches!(result, Err(PortalError::Transient(_) | PortalError::Uncertain(_)));
        let mut circuit = self.circuit();
        let next = match (*circuit, troubled) {
            (_, false) => Circuit::Closed { failures: 0 },
            (Circuit::Closed { failures }, true) if failures + 1 < self.failures_to_open => {
                Circuit::Closed { failures: failures + 1 }
            }
            (_, true) => Circuit::Open { until: Instant::now() + self.cooldown },
        };
        if matches!(next, Circuit::Open { .. }) && !matches!(*circuit, Circuit::Open { .. }) {
            tracing::warn!(portal = self.name, cooldown_ms = self.cooldown.as_millis() as u64, "circuit opened");
            metrics::counter!("hisgate_portal_circuit_opened_total", "portal" => self.name).increment(1);
        }
        metrics::gauge!("hisgate_portal_circuit_open", "portal" => self.name)
            .set(if matches!(next, Circuit::Closed { .. }) { 0.0 } else { 1.0 });
        *circuit = next;
    }

    /// Waits for the pace and a free slot of the bulk budget, then runs `call` and feeds its
    /// result to the breaker.
    pub async fn call<T, F: Future<Output = Result<T, PortalError>>>(
        &self,
        call: impl FnOnce() -> F,
    ) -> Result<T, PortalError> {
        self.call_in(Lane::Bulk, call).await
    }

    /// [`PortalGuard::call`] spending `lane`'s budget.
    pub async fn call_in<T, F: Future<Output = Result<T, PortalError>>>(
        &self,
        lane: Lane,
        call: impl FnOnce() -> F,
    ) -> Result<T, PortalError> {
        self.admit()?;
        // A trial call whose caller gives up (a client that hangs up) must not leave the circuit
        // waiting for a result that never comes: the next caller may try.
        let abandoned = Abandoned(self);
        let _permit = match lane {
            Lane::Bulk => self.bulk.enter().await?,
            Lane::CheckIn => self.check_ins.enter().await?,
        };
        let result = call().await;
        std::mem::forget(abandoned);
        self.record(&result);
        result
    }
}

/// Dropped only when a call is abandoned before its result (a finished call forgets it).
struct Abandoned<'a>(&'a PortalGuard);

impl Drop for Abandoned<'_> {
    fn drop(&mut self) {
        let mut circuit = self.0.circuit();
        if *circuit == Circuit::Trial {
            *circuit = Circuit::Open { until: Instant::now() };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard(failures: u32, cooldown_ms: u64) -> PortalGuard {
        let settings = PortalSettings {
            breaker_failures: failures,
            breaker_cooldown_ms: cooldown_ms,
            rate_per_second: 0,
            ..PortalSettings::default()
        };
        PortalGuard::new("test", &settings)
    }

    async fn fail(g: &PortalGuard) -> Result<(), PortalError> {
        g.call(|| async { Err::<(), _>(PortalError::Transient("503".into())) }).await
    }

    #[tokio::test]
    async fn opens_after_consecutive_failures_and_refuses_without_calling() {
        let g = guard(3, 60_000);
        for _ in 0..3 {
            assert!(matches!(fail(&g).await, Err(PortalError::Transient(_))));
        }
        assert_eq!(g.view().state, "open");
        assert!(!g.accepting());
        let mut called = false;
        let r = g
            .call(|| {
                called = true;
                async { Ok(()) }
            })
            .await;
        assert!(matches!(r, Err(PortalError::CircuitOpen { .. })));
        assert!(!called, "an open circuit must not reach the portal");
    }

    #[tokio::test]
    async fn a_refusal_is_not_a_portal_failure() {
        let g = guard(2, 60_000);
        for _ in 0..5 {
            let r = g.call(|| async { Err::<(), _>(PortalError::Refused { code: "123".into(), message: "".into() }) });
            assert!(r.await.is_err());
        }
        assert_eq!(g.view().state, "closed");
    }

    #[tokio::test]
    async fn after_the_cooldown_one_trial_closes_or_reopens() {
        let g = guard(1, 20);
        assert!(fail(&g).await.is_err());
        assert_eq!(g.view().state, "open");
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(g.accepting());
        assert!(matches!(fail(&g).await, Err(PortalError::Transient(_))), "the trial reaches the portal");
        assert_eq!(g.view().state, "open", "a failed trial opens the circuit again");
        tokio::time::sleep(Duration::from_millis(30)).await;
        assert!(g.call(|| async { Ok(()) }).await.is_ok());
        assert_eq!(g.view(), CircuitView { state: "closed", consecutive_failures: 0, retry_in_ms: None });
    }

    #[tokio::test]
    async fn an_abandoned_trial_lets_the_next_caller_try() {
        let g = guard(1, 10);
        assert!(fail(&g).await.is_err());
        tokio::time::sleep(Duration::from_millis(20)).await;
        let trial = g.call(|| async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok::<_, PortalError>(())
        });
        // The caller gives up during the trial.
        assert!(tokio::time::timeout(Duration::from_millis(20), trial).await.is_err());
        assert!(g.accepting(), "the circuit is not stuck waiting for the abandoned trial");
        assert!(g.call(|| async { Ok(()) }).await.is_ok());
        assert_eq!(g.view().state, "closed");
    }

    #[tokio::test]
    async fn paces_call_starts() {
        let settings = PortalSettings { rate_per_second: 50, ..PortalSettings::default() };
        let g = PortalGuard::new("test", &settings);
        let started = Instant::now();
        for _ in 0..6 {
            g.call(|| async { Ok(()) }).await.expect("no failure");
        }
        // Six starts 20 ms apart: the last one at least 100 ms after the first.
        assert!(started.elapsed() >= Duration::from_millis(100));
    }

    #[tokio::test]
    async fn check_ins_have_a_budget_of_their_own_and_share_the_circuit() {
        let settings = PortalSettings { max_concurrent: 1, breaker_failures: 1, ..PortalSettings::default() };
        let g = PortalGuard::new("test", &settings);
        let (release, held) = tokio::sync::oneshot::channel::<()>();
        // A dossier file holds the only bulk slot until released.
        let file = g.call(|| async {
            let _ = held.await;
            Ok::<_, PortalError>(())
        });
        let check_in = async {
            let sent = g.call_in(Lane::CheckIn, || async { Ok::<_, PortalError>("sent") }).await;
            let _ = release.send(());
            sent
        };
        let both = tokio::time::timeout(Duration::from_secs(5), async { tokio::join!(file, check_in) });
        let (file, check_in) = both.await.expect("the check-in waited for the file's slot");
        assert_eq!((file.is_ok(), check_in.ok()), (true, Some("sent")), "the check-in did not wait for the file");
        assert!(fail(&g).await.is_err());
        let refused = g.call_in(Lane::CheckIn, || async { Ok::<_, PortalError>(()) }).await;
        assert!(matches!(refused, Err(PortalError::CircuitOpen { .. })), "one circuit for both");
    }
}
