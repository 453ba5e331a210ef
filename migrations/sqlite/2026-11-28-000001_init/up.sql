-- Times are Unix epoch milliseconds (UTC); money is integer hundredths of a đồng.
CREATE TABLE facilities (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    secret_sha256 TEXT NOT NULL,
    role TEXT NOT NULL,
    facility_code TEXT REFERENCES facilities (code),
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE claims (
    id TEXT PRIMARY KEY NOT NULL,
    facility_code TEXT NOT NULL REFERENCES facilities (code),
    episode_key TEXT NOT NULL,
    current_version INTEGER NOT NULL,
    status TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (facility_code, episode_key)
);
CREATE INDEX claims_facility_received ON claims (facility_code, received_at);
CREATE INDEX claims_status ON claims (status);

CREATE TABLE claim_versions (
    id INTEGER PRIMARY KEY NOT NULL,
    claim_id TEXT NOT NULL REFERENCES claims (id),
    version INTEGER NOT NULL,
    content_sha256 TEXT NOT NULL,
    episode_json TEXT,
    warnings_json TEXT NOT NULL,
    visit_type TEXT NOT NULL,
    admitted_at BIGINT NOT NULL,
    discharged_at BIGINT NOT NULL,
    settlement_year INTEGER,
    settlement_month INTEGER,
    total_cost_cents BIGINT NOT NULL,
    claimed_cents BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    received_by TEXT NOT NULL,
    superseded_at BIGINT,
    UNIQUE (claim_id, version)
);

CREATE TABLE claim_events (
    id INTEGER PRIMARY KEY NOT NULL,
    claim_id TEXT NOT NULL REFERENCES claims (id),
    version INTEGER NOT NULL,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX claim_events_claim ON claim_events (claim_id, id);

CREATE TABLE outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    claim_version_id BIGINT NOT NULL REFERENCES claim_versions (id),
    destination TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    leased_by TEXT,
    last_error TEXT,
    transaction_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_version ON outbox (claim_version_id, destination);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
