-- Callbacks to each facility's HIS (docs/WEBHOOKS.md).

-- Where a facility's HIS is told what happened to its claims: the URL and the signing secret,
-- sealed by the vault and bound to the facility code (`secret_key_id`: the master key that sealed
-- it; none when the gateway runs without one and keeps it in clear).
CREATE TABLE webhook_endpoints (
    facility_code TEXT PRIMARY KEY NOT NULL REFERENCES facilities (code),
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    secret_key_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The delivery outbox: one row per event and facility, written in the transaction of the event it
-- tells of; `body` is the JSON posted, the same bytes at every attempt. A row is given up when it is
-- still undelivered a delivery window (a day) after `window_started_at`: the event, or the
-- administrator's replay.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY NOT NULL,
    event_id TEXT NOT NULL UNIQUE,
    facility_code TEXT NOT NULL,
    event TEXT NOT NULL,
    claim_id TEXT,
    episode_key TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    window_started_at BIGINT NOT NULL,
    delivered_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_facility ON webhook_deliveries (facility_code, id);

-- When BHXH's error list was first read with no error for the submission (`portal.received`).
ALTER TABLE outbox ADD COLUMN portal_received_at BIGINT;
