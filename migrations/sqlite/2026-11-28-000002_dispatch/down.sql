DROP INDEX claim_versions_settlement;
DROP INDEX outbox_poll;
DROP TABLE queue_control;
DROP TABLE submission_errors;
DROP TABLE claim_outcomes;
ALTER TABLE outbox DROP COLUMN replay_of;
ALTER TABLE outbox DROP COLUMN next_poll_at;
ALTER TABLE outbox DROP COLUMN sent_at;
