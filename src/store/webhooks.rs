//! Callbacks to the facilities' HIS: each facility's endpoint (its URL and sealed signing secret)
//! and the delivery outbox. A delivery is written by the writer of the event it tells of, in that
//! writer's transaction ([`enqueue`]), so an event and its callback are stored together or not at
//! all; the sender leases due deliveries as the dispatcher leases jobs.

use super::schema::{webhook_deliveries, webhook_endpoints};
use super::{AnyConnection, StoreError, now_ms};
use crate::domain::time::vietnam_offset;
use crate::vocabulary::{ClaimId, DeliveryStatus, FacilityCode, WebhookEvent};
use diesel::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// A facility's endpoint as stored: the secret sealed, bound to the facility code.
#[derive(Debug, Clone, Queryable)]
pub struct StoredEndpoint {
    pub facility_code: FacilityCode,
    pub url: String,
    pub secret: String,
    pub secret_key_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Sets (or replaces) a facility's endpoint; `secret` is already sealed under `secret_key_id`.
pub fn set_endpoint(
    conn: &mut AnyConnection,
    facility: &FacilityCode,
    url: &str,
    secret: &str,
    secret_key_id: Option<&str>,
) -> Result<(), StoreError> {
    let now = now_ms();
    let row = (
        webhook_endpoints::facility_code.eq(facility.as_str()),
        webhook_endpoints::url.eq(url),
        webhook_endpoints::secret.eq(secret),
        webhook_endpoints::secret_key_id.eq(secret_key_id),
        webhook_endpoints::created_at.eq(now),
        webhook_endpoints::updated_at.eq(now),
    );
    let changes = (
        webhook_endpoints::url.eq(url),
        webhook_endpoints::secret.eq(secret),
        webhook_endpoints::secret_key_id.eq(secret_key_id),
        webhook_endpoints::updated_at.eq(now),
    );
    on_backend!(conn, |c| diesel::insert_into(webhook_endpoints::table)
        .values(row)
        .on_conflict(webhook_endpoints::facility_code)
        .do_update()
        .set(changes)
        .execute(c))?;
    Ok(())
}

pub fn endpoint(conn: &mut AnyConnection, facility: &FacilityCode) -> Result<Option<StoredEndpoint>, StoreError> {
    Ok(webhook_endpoints::table.find(facility.as_str()).first(conn).optional()?)
}

/// Removes a facility's endpoint; its undelivered callbacks are given up at their next attempt.
/// Whether there was one.
pub fn remove_endpoint(conn: &mut AnyConnection, facility: &FacilityCode) -> Result<bool, StoreError> {
    Ok(diesel::delete(webhook_endpoints::table.find(facility.as_str())).execute(conn)? > 0)
}

/// An event to tell a facility's HIS of.
#[derive(Debug, Clone)]
pub struct Notice {
    pub facility_code: String,
    pub event: WebhookEvent,
    pub claim_id: Option<String>,
    /// `MA_LK`, the HIS's own key of the visit.
    pub episode_key: Option<String>,
    pub version: Option<i32>,
    /// When it happened (epoch ms).
    pub at: i64,
    pub detail: serde_json::Value,
}

/// The JSON a HIS receives (docs/WEBHOOKS.md): the same bytes at every attempt.
fn body(event_id: &str, notice: &Notice) -> String {
    let occurred_at = chrono::DateTime::from_timestamp_millis(notice.at)
        .unwrap_or_default()
        .with_timezone(&vietnam_offset())
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
    serde_json::json!({
        "event_id": event_id,
        "event": notice.event,
        "occurred_at": occurred_at,
        "facility_code": notice.facility_code,
        "claim_id": notice.claim_id,
        "MA_LK": notice.episode_key,
        "version": notice.version,
        "detail": notice.detail,
    })
    .to_string()
}

#[derive(Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryInsert {
    event_id: String,
    facility_code: String,
    event: WebhookEvent,
    claim_id: Option<String>,
    episode_key: Option<String>,
    body: String,
    status: DeliveryStatus,
    attempts: i32,
    next_attempt_at: i64,
    created_at: i64,
    window_started_at: i64,
    updated_at: i64,
}

/// Writes a delivery for each notice whose facility has an endpoint (one lookup for all of them).
/// Call inside the transaction that writes the events.
pub fn enqueue(conn: &mut AnyConnection, notices: Vec<Notice>) -> Result<(), StoreError> {
    if notices.is_empty() {
        return Ok(());
    }
    let mut facilities: Vec<&str> = notices.iter().map(|n| n.facility_code.as_str()).collect();
    facilities.sort_unstable();
    facilities.dedup();
    let listening: HashSet<String> = webhook_endpoints::table
        .filter(webhook_endpoints::facility_code.eq_any(&facilities))
        .select(webhook_endpoints::facility_code)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    write_deliveries(conn, notices.into_iter().filter(|n| listening.contains(&n.facility_code)).collect())
}

/// Writes a delivery for each notice, whose facility is known to have an endpoint.
pub(super) fn write_deliveries(conn: &mut AnyConnection, notices: Vec<Notice>) -> Result<(), StoreError> {
    if notices.is_empty() {
        return Ok(());
    }
    let now = now_ms();
    let rows: Vec<DeliveryInsert> = notices
        .into_iter()
        .map(|n| {
            let event_id = format!("evt_{}", crate::digest::random_hex(16));
            DeliveryInsert {
                body: body(&event_id, &n),
                event_id,
                event: n.event,
                facility_code: n.facility_code,
                claim_id: n.claim_id,
                episode_key: n.episode_key,
                status: DeliveryStatus::Pending,
                attempts: 0,
                next_attempt_at: now,
                created_at: now,
                window_started_at: now,
                updated_at: now,
            }
        })
        .collect();
    insert_rows!(conn, webhook_deliveries::table, rows, 200);
    Ok(())
}

/// A delivery leased to the sender, with its facility's endpoint as it is now (none: removed).
#[derive(Debug, Clone, Queryable)]
pub struct Delivery {
    pub id: i64,
    pub event_id: String,
    pub facility_code: FacilityCode,
    pub event: WebhookEvent,
    pub body: String,
    pub attempts: i32,
    pub window_started_at: i64,
    pub url: Option<String>,
    pub secret: Option<String>,
    pub secret_key_id: Option<String>,
}

/// Leases up to `limit` due deliveries (pending and due, or in flight under an expired lease: their
/// instance stopped) for `lease_ms`. On PostgreSQL rows another instance holds are skipped.
pub fn lease(conn: &mut AnyConnection, limit: i64, lease_ms: i64) -> Result<Vec<Delivery>, StoreError> {
    let now = now_ms();
    let due = webhook_deliveries::table
        .select(webhook_deliveries::id)
        .filter(
            webhook_deliveries::status.eq(DeliveryStatus::Pending).and(webhook_deliveries::next_attempt_at.le(now)).or(
                webhook_deliveries::status.eq(DeliveryStatus::InFlight).and(webhook_deliveries::lease_until.lt(now)),
            ),
        )
        .order((webhook_deliveries::next_attempt_at, webhook_deliveries::id))
        .limit(limit);
    let ids: Vec<i64> = match &mut *conn {
        AnyConnection::Postgresql(pg) => due.for_update().skip_locked().load(pg)?,
        AnyConnection::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(webhook_deliveries::table.filter(webhook_deliveries::id.eq_any(&ids)))
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::InFlight),
            webhook_deliveries::lease_until.eq(now + lease_ms),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(webhook_deliveries::table
        .left_join(webhook_endpoints::table)
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order(webhook_deliveries::id)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event_id,
            webhook_deliveries::facility_code,
            webhook_deliveries::event,
            webhook_deliveries::body,
            webhook_deliveries::attempts,
            webhook_deliveries::window_started_at,
            webhook_endpoints::url.nullable(),
            webhook_endpoints::secret.nullable(),
            webhook_endpoints::secret_key_id.nullable(),
        ))
        .load(conn)?)
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// The HIS answered 2xx.
    Delivered,
    /// Not delivered: pending again at `retry_at`, or a dead letter when `None`.
    Failed { error: String, retry_at: Option<i64> },
}

/// Records a pass's attempts in one transaction.
pub fn record(conn: &mut AnyConnection, attempts: &[(Delivery, Attempt)]) -> Result<(), StoreError> {
    let now = now_ms();
    for (delivery, attempt) in attempts {
        let row =
            webhook_deliveries::table.find(delivery.id).filter(webhook_deliveries::status.eq(DeliveryStatus::InFlight));
        match attempt {
            Attempt::Delivered => diesel::update(row)
                .set((
                    webhook_deliveries::status.eq(DeliveryStatus::Delivered),
                    webhook_deliveries::attempts.eq(delivery.attempts + 1),
                    webhook_deliveries::delivered_at.eq(now),
                    webhook_deliveries::lease_until.eq(None::<i64>),
                    webhook_deliveries::last_error.eq(None::<String>),
                    webhook_deliveries::updated_at.eq(now),
                ))
                .execute(conn)?,
            Attempt::Failed { error, retry_at } => diesel::update(row)
                .set((
                    webhook_deliveries::status.eq(if retry_at.is_some() {
                        DeliveryStatus::Pending
                    } else {
                        DeliveryStatus::DeadLetter
                    }),
                    webhook_deliveries::attempts.eq(delivery.attempts + 1),
                    webhook_deliveries::next_attempt_at.eq(retry_at.unwrap_or(now)),
                    webhook_deliveries::lease_until.eq(None::<i64>),
                    webhook_deliveries::last_error.eq(error),
                    webhook_deliveries::updated_at.eq(now),
                ))
                .execute(conn)?,
        };
    }
    Ok(())
}

/// A delivery as the API lists it.
#[derive(Debug, Clone, Queryable, Serialize, ToSchema)]
pub struct DeliverySummary {
    #[serde(skip)]
    pub id: i64,
    pub event_id: String,
    pub facility_code: FacilityCode,
    pub event: WebhookEvent,
    pub claim_id: Option<ClaimId>,
    /// `MA_LK`.
    pub episode_key: Option<String>,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// Why the last attempt failed (the HTTP status or the transport failure), bounded.
    pub last_error: Option<String>,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub delivered_at: Option<i64>,
}

pub struct DeliveryFilter {
    pub facility: Option<FacilityCode>,
    pub status: Option<DeliveryStatus>,
    pub before_id: Option<i64>,
    pub limit: i64,
}

/// Newest first.
pub fn list(conn: &mut AnyConnection, f: &DeliveryFilter) -> Result<Vec<DeliverySummary>, StoreError> {
    let mut query = webhook_deliveries::table
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event_id,
            webhook_deliveries::facility_code,
            webhook_deliveries::event,
            webhook_deliveries::claim_id,
            webhook_deliveries::episode_key,
            webhook_deliveries::status,
            webhook_deliveries::attempts,
            webhook_deliveries::last_error,
            webhook_deliveries::created_at,
            webhook_deliveries::next_attempt_at,
            webhook_deliveries::delivered_at,
        ))
        .into_boxed();
    if let Some(facility) = &f.facility {
        query = query.filter(webhook_deliveries::facility_code.eq(facility.as_str().to_owned()));
    }
    if let Some(status) = f.status {
        query = query.filter(webhook_deliveries::status.eq(status));
    }
    if let Some(before) = f.before_id {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    Ok(query.order(webhook_deliveries::id.desc()).limit(f.limit).load(conn)?)
}

/// Queues a dead-lettered delivery again, now, with a new delivery window: the same event id and
/// body, so a HIS that had it after all drops it. `None`: no such event; `Some(status)`: its status
/// before (only a dead letter is queued again).
pub fn replay(conn: &mut AnyConnection, event_id: &str) -> Result<Option<(FacilityCode, DeliveryStatus)>, StoreError> {
    let found: Option<(FacilityCode, DeliveryStatus)> = webhook_deliveries::table
        .filter(webhook_deliveries::event_id.eq(event_id))
        .select((webhook_deliveries::facility_code, webhook_deliveries::status))
        .first(conn)
        .optional()?;
    if let Some((_, DeliveryStatus::DeadLetter)) = found {
        let now = now_ms();
        diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::event_id.eq(event_id))
                .filter(webhook_deliveries::status.eq(DeliveryStatus::DeadLetter)),
        )
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Pending),
            webhook_deliveries::next_attempt_at.eq(now),
            webhook_deliveries::window_started_at.eq(now),
            webhook_deliveries::updated_at.eq(now),
        ))
        .execute(conn)?;
    }
    Ok(found)
}

/// Facilities with callbacks given up since `since` (epoch ms, by when they were given up or last
/// touched), with how many: the alerts job tells the Department of Health.
pub fn given_up_per_facility(conn: &mut AnyConnection, since: i64) -> Result<Vec<(FacilityCode, i64)>, StoreError> {
    Ok(webhook_deliveries::table
        .filter(webhook_deliveries::status.eq(DeliveryStatus::DeadLetter))
        .filter(webhook_deliveries::updated_at.ge(since))
        .group_by(webhook_deliveries::facility_code)
        .select((webhook_deliveries::facility_code, diesel::dsl::count_star()))
        .load(conn)?)
}

/// Drops delivered and given-up deliveries created before `before` (the retention job); how many.
pub fn drop_settled_before(conn: &mut AnyConnection, before: i64) -> Result<usize, StoreError> {
    Ok(diesel::delete(
        webhook_deliveries::table
            .filter(webhook_deliveries::created_at.lt(before))
            .filter(webhook_deliveries::status.eq_any([DeliveryStatus::Delivered, DeliveryStatus::DeadLetter])),
    )
    .execute(conn)?)
}
