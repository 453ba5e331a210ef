-- A sending that got no answer (a timeout, a crash during the call): before the file goes again,
-- the portal is asked whether it already holds it.
ALTER TABLE outbox ADD COLUMN uncertain_since BIGINT;

-- Retention drops the stored episode of a settled version; the claim, its figures, its events and
-- its audit rows stay.
ALTER TABLE claim_versions ADD COLUMN payload_dropped_at BIGINT;

-- What each facility sent and what the portals decided, per day (UTC+7), written by the daily
-- snapshot job so that long-range figures need not scan every claim.
CREATE TABLE facility_daily (
    facility_code TEXT NOT NULL,
    day TEXT NOT NULL,
    received INTEGER NOT NULL,
    submitted INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    partially_approved INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    dead_lettered INTEGER NOT NULL,
    claimed_cents BIGINT NOT NULL,
    approved_cents BIGINT NOT NULL,
    computed_at BIGINT NOT NULL,
    PRIMARY KEY (facility_code, day)
);

-- Runs of the scheduled jobs, by every instance.
CREATE TABLE job_runs (
    id INTEGER PRIMARY KEY NOT NULL,
    job TEXT NOT NULL,
    instance TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT NOT NULL,
    ok BOOLEAN NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX job_runs_job ON job_runs (job, id);
CREATE INDEX outbox_sent ON outbox (sent_at);
CREATE INDEX claim_outcomes_decided ON claim_outcomes (decided_at);
CREATE INDEX claim_versions_received ON claim_versions (received_at);
