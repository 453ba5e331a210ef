-- Dispatch and reconciliation: what each portal said about each submission.
ALTER TABLE outbox ADD COLUMN sent_at BIGINT;
ALTER TABLE outbox ADD COLUMN next_poll_at BIGINT;
ALTER TABLE outbox ADD COLUMN replay_of BIGINT;

-- The appraisal outcome of one submitted claim version (BHXH).
CREATE TABLE claim_outcomes (
    id INTEGER PRIMARY KEY NOT NULL,
    outbox_id BIGINT NOT NULL UNIQUE REFERENCES outbox (id),
    claim_version_id BIGINT NOT NULL REFERENCES claim_versions (id),
    transaction_id TEXT NOT NULL,
    status TEXT NOT NULL,
    claimed_cents BIGINT NOT NULL,
    approved_cents BIGINT NOT NULL,
    reasons_json TEXT NOT NULL,
    lines_json TEXT NOT NULL,
    decided_at BIGINT NOT NULL
);
CREATE INDEX claim_outcomes_version ON claim_outcomes (claim_version_id);

-- Errors the portal listed for a submission (nhanChiTietLoiHS, or a refusal on receipt).
CREATE TABLE submission_errors (
    id INTEGER PRIMARY KEY NOT NULL,
    outbox_id BIGINT NOT NULL REFERENCES outbox (id),
    code TEXT NOT NULL,
    message TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX submission_errors_outbox ON submission_errors (outbox_id);

-- Queue-wide switches shared by every instance (the kill switch).
CREATE TABLE queue_control (
    name TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE INDEX outbox_poll ON outbox (status, next_poll_at);
CREATE INDEX claim_versions_settlement ON claim_versions (settlement_year, settlement_month);
