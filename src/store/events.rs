//! A claim's timeline (`claim_events`) and the callbacks its events raise. Every writer of a claim
//! event records it here, so an event its facility's HIS is to hear of is stored with its
//! delivery, in one transaction (docs/WEBHOOKS.md).

use super::schema::{claim_events, claims, webhook_endpoints};
use super::webhooks::{self, Notice};
use super::{AnyConnection, StoreError};
use crate::vocabulary::{ClaimEventKind, WebhookEvent};
use diesel::prelude::*;
use std::collections::HashMap;

/// One event of a claim's timeline.
#[derive(Debug, Clone)]
pub struct ClaimEvent<'a> {
    pub claim_id: &'a str,
    pub version: i32,
    /// Epoch ms.
    pub at: i64,
    pub kind: ClaimEventKind,
    pub detail: serde_json::Value,
}

#[derive(Insertable)]
#[diesel(table_name = claim_events)]
struct EventInsert<'a> {
    claim_id: &'a str,
    version: i32,
    at: i64,
    kind: ClaimEventKind,
    detail: String,
}

/// Rows per multi-row `INSERT`: under both backends' limits on bound parameters.
const ROWS_PER_STATEMENT: usize = 100;

/// What a HIS is told of a timeline event, if anything.
fn callback(kind: ClaimEventKind) -> Option<WebhookEvent> {
    match kind {
        ClaimEventKind::Received | ClaimEventKind::NewVersion => Some(WebhookEvent::ClaimAccepted),
        ClaimEventKind::Submitted => Some(WebhookEvent::ClaimSent),
        ClaimEventKind::FoundReceived | ClaimEventKind::PortalReceived => Some(WebhookEvent::PortalReceived),
        ClaimEventKind::PortalErrors => Some(WebhookEvent::PortalErrors),
        ClaimEventKind::Appraised => Some(WebhookEvent::ClaimAppraised),
        ClaimEventKind::DeadLettered => Some(WebhookEvent::ClaimDeadLettered),
        ClaimEventKind::Superseded
        | ClaimEventKind::AttemptFailed
        | ClaimEventKind::ReplayQueued
        | ClaimEventKind::CardChecked
        | ClaimEventKind::PayloadDropped => None,
    }
}

/// Stores `events` and, for those of a facility with a callback endpoint, their deliveries. Call
/// inside the transaction that made them happen.
pub fn record(conn: &mut AnyConnection, events: &[ClaimEvent]) -> Result<(), StoreError> {
    let rows: Vec<EventInsert> = events
        .iter()
        .map(|e| EventInsert {
            claim_id: e.claim_id,
            version: e.version,
            at: e.at,
            kind: e.kind,
            detail: e.detail.to_string(),
        })
        .collect();
    insert_rows!(conn, claim_events::table, rows, ROWS_PER_STATEMENT);
    let told: Vec<(&ClaimEvent, WebhookEvent)> =
        events.iter().filter_map(|e| callback(e.kind).map(|hook| (e, hook))).collect();
    if told.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<&str> = told.iter().map(|(e, _)| e.claim_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut listening: HashMap<String, (String, String)> = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT * 5) {
        let found: Vec<(String, String, String)> = claims::table
            .inner_join(webhook_endpoints::table.on(webhook_endpoints::facility_code.eq(claims::facility_code)))
            .filter(claims::id.eq_any(chunk))
            .select((claims::id, claims::facility_code, claims::episode_key))
            .load(conn)?;
        listening.extend(found.into_iter().map(|(id, facility, key)| (id, (facility, key))));
    }
    let notices = told
        .into_iter()
        .filter_map(|(e, event)| {
            let (facility, key) = listening.get(e.claim_id)?;
            Some(Notice {
                facility_code: facility.clone(),
                event,
                claim_id: Some(e.claim_id.to_owned()),
                episode_key: Some(key.clone()),
                version: Some(e.version),
                at: e.at,
                detail: e.detail.clone(),
            })
        })
        .collect();
    // The join above kept only the claims of facilities with an endpoint.
    webhooks::write_deliveries(conn, notices)
}
