-- Alerts for the Department of Health: a facility gone silent, a spike of dead letters, a signing
-- certificate close to expiry. One open alert per kind and facility; closed when the cause is gone.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    facility_code TEXT,
    raised_at BIGINT NOT NULL,
    detail TEXT NOT NULL,
    resolved_at BIGINT,
    -- When the webhook took it (none: not yet, or no webhook configured).
    delivered_at BIGINT
);
CREATE INDEX alerts_open ON alerts (resolved_at, kind);
