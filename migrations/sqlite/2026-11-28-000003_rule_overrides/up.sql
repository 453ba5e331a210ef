-- Severities an administrator has changed from the shipped rule catalogue.
CREATE TABLE rule_overrides (
    code TEXT PRIMARY KEY NOT NULL,
    severity TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT NOT NULL
);
