DROP INDEX claim_versions_received;
DROP INDEX claim_outcomes_decided;
DROP INDEX outbox_sent;
DROP TABLE job_runs;
DROP TABLE facility_daily;
ALTER TABLE claim_versions DROP COLUMN payload_dropped_at;
ALTER TABLE outbox DROP COLUMN uncertain_since;
