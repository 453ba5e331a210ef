//! Shared commits: concurrent ingest requests are stored in one transaction.
//!
//! Each request hands its prepared episodes to the committer thread and waits; the thread takes
//! every request waiting at that moment (up to [`GROUP_EPISODES`] episodes), stores them all in one
//! transaction and answers each request after the commit. A single POST is therefore still durable
//! before its `202`, but sixty-four concurrent ones cost a few `fsync`s instead of sixty-four. If
//! the shared transaction fails, each of its requests is tried again alone, so one request's
//! failure is never another's.

use super::{Prepared, Receipt, Rejection, facility_unknown};
use crate::store::claims::{self, Actor};
use crate::store::{Db, StoreError, check_ins, facilities};
use crate::vocabulary::Destination;
use std::collections::HashMap;
use tokio::sync::{mpsc, oneshot};

/// Most episodes stored in one shared transaction: bounds how long the SQLite writer is held.
pub const GROUP_EPISODES: usize = 500;

type Answer = Result<Vec<Result<Receipt, Rejection>>, StoreError>;

struct Request {
    actor: Actor,
    items: Vec<Prepared>,
    reply: oneshot::Sender<Answer>,
}

/// The ingest side of the committer thread.
#[derive(Clone)]
pub struct Committer {
    sender: mpsc::Sender<Request>,
}

impl Committer {
    /// Starts the committer thread; it stops when every `Committer` is dropped.
    ///
    /// One thread for either backend: while it waits for a commit, the requests arriving meanwhile
    /// gather into the next, larger group, so one committer commits as often as the disk allows
    /// with the fewest statements. On PostgreSQL (2-core machine, docs/PERFORMANCE.md) one beat two
    /// and four: more committers made smaller groups, whose statements the server parsed and
    /// planned over again. Instances of a scaled-out gateway each have their own.
    pub fn start(db: Db, destinations: Vec<Destination>) -> Self {
        let (sender, mut receiver) = mpsc::channel::<Request>(1024);
        std::thread::Builder::new()
            .name("ingest-commit".to_owned())
            .spawn(move || {
                while let Some(group) = next_group(&mut receiver) {
                    // A bug in one group must not stop ingest: its callers hear of a cancelled
                    // request (their reply channels drop) and the thread goes on.
                    let committed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        commit_group(&db, group, &destinations)
                    }));
                    if committed.is_err() {
                        tracing::error!("an ingest commit panicked; its requests were answered with an error");
                    }
                }
            })
            .expect("the operating system starts a thread");
        Committer { sender }
    }

    /// Stores `items` for `actor`; returns one result per item, in order, once committed.
    pub async fn commit(&self, actor: Actor, items: Vec<Prepared>) -> Answer {
        let (reply, answer) = oneshot::channel();
        self.sender.send(Request { actor, items, reply }).await.map_err(|_| StoreError::Cancelled)?;
        answer.await.map_err(|_| StoreError::Cancelled)?
    }
}

/// Waits for a request, then takes those waiting behind it; `None` once every sender is gone.
fn next_group(receiver: &mut mpsc::Receiver<Request>) -> Option<Vec<Request>> {
    let first = receiver.blocking_recv()?;
    let mut episodes = first.items.len();
    let mut group = vec![first];
    while episodes < GROUP_EPISODES {
        match receiver.try_recv() {
            Ok(request) => {
                episodes += request.items.len();
                group.push(request);
            }
            Err(_) => break,
        }
    }
    Some(group)
}

fn commit_group(db: &Db, group: Vec<Request>, destinations: &[Destination]) {
    metrics::histogram!("hisgate_ingest_commit_requests").record(group.len() as f64);
    let requests: Vec<_> = group.iter().map(|r| (&r.actor, r.items.as_slice())).collect();
    let shared = db.write_blocking(|conn| store_requests(conn, &requests, destinations));
    let outcomes = match shared {
        Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
        Err(e) if group.len() > 1 => {
            tracing::warn!(error = %e, requests = group.len(), "shared ingest commit failed; committing each request alone");
            requests.iter().map(|request| commit_alone(db, request, destinations)).collect()
        }
        Err(StoreError::Database(e)) => {
            tracing::warn!(error = %e, "ingest commit failed; retrying");
            vec![commit_alone(db, &requests[0], destinations)]
        }
        Err(e) => vec![Err(e)],
    };
    for (request, outcome) in group.into_iter().zip(outcomes) {
        let answer = outcome.map(|stored| {
            stored
                .into_iter()
                .zip(request.items)
                .map(|(result, item)| {
                    result.map(|accepted| Receipt {
                        id: accepted.claim_id,
                        version: accepted.version,
                        status: accepted.status,
                        outcome: accepted.outcome,
                        warnings: item.warnings,
                    })
                })
                .collect()
        });
        // A request whose caller went away still stays stored: it was committed.
        let _ = request.reply.send(answer);
    }
}

/// Attempts at committing a request alone before its caller hears of the failure.
const ATTEMPTS_ALONE: u32 = 3;

/// Commits one request in its own transaction, tried again after a database error: on
/// PostgreSQL another committer may be storing the same new episode at the same moment, and once
/// that commits a new attempt finds the episode stored (and answers `unchanged` or a new version).
fn commit_alone(
    db: &Db,
    request: &(&Actor, &[Prepared]),
    destinations: &[Destination],
) -> Result<Vec<Stored>, StoreError> {
    let mut attempt = 1;
    loop {
        match db.write_blocking(|conn| store_requests(conn, std::slice::from_ref(request), destinations)) {
            Ok(mut one) => return Ok(one.remove(0)),
            Err(StoreError::Database(e)) if attempt < ATTEMPTS_ALONE => {
                tracing::warn!(error = %e, attempt, "ingest commit failed; retrying");
                std::thread::sleep(std::time::Duration::from_millis(10 * u64::from(attempt)));
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// What became of one stored item: the claim, or why its facility may not send.
type Stored = Result<claims::Accepted, Rejection>;

/// Stores the requests' episodes in the open transaction; one list of results per request.
fn store_requests(
    conn: &mut crate::store::AnyConnection,
    requests: &[(&Actor, &[Prepared])],
    destinations: &[Destination],
) -> Result<Vec<Vec<Stored>>, StoreError> {
    let mut facility_refusal: HashMap<&str, Option<Rejection>> = HashMap::new();
    let mut results: Vec<Vec<Option<Stored>>> = Vec::with_capacity(requests.len());
    let mut to_store = Vec::new();
    let mut places = Vec::new();
    for (r, (actor, items)) in requests.iter().enumerate() {
        results.push(Vec::with_capacity(items.len()));
        for (i, item) in items.iter().enumerate() {
            let code = item.row.facility_code.as_str();
            if !facility_refusal.contains_key(code) {
                let refusal = match facilities::find(conn, code)? {
                    None => Some(Rejection::invalid(vec![facility_unknown(code)])),
                    // The Department of Health has stopped this facility's exchange.
                    Some(f) if f.status == "suspended" => Some(Rejection::Forbidden(format!(
                        "facility {code} is suspended in the registry; its records are not accepted"
                    ))),
                    Some(_) => None,
                };
                facility_refusal.insert(code, refusal);
            }
            results[r].push(match &facility_refusal[code] {
                Some(refusal) => Some(Err(refusal.clone())),
                None => {
                    to_store.push((&item.row, *actor));
                    places.push((r, i));
                    None
                }
            });
        }
    }
    let mut check_ins_to_store = Vec::new();
    for ((r, i), accepted) in places.into_iter().zip(claims::accept_all(conn, &to_store, destinations)?) {
        if accepted.outcome != claims::AcceptOutcome::Unchanged {
            let (actor, items) = &requests[r];
            check_ins_to_store.extend(items[i].check_ins.iter().map(|c| (c, *actor)));
        }
        results[r][i] = Some(Ok(accepted));
    }
    check_ins::accept_all(conn, &check_ins_to_store, destinations)?;
    Ok(results.into_iter().map(|items| items.into_iter().flatten().collect()).collect())
}
