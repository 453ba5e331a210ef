DROP TABLE audit_log;
DROP TABLE outbox;
DROP TABLE claim_events;
DROP TABLE claim_versions;
DROP TABLE claims;
DROP TABLE api_keys;
DROP TABLE facilities;
