-- Sign-ins to the web dashboard: a browser holds a random token in a cookie; only its SHA-256 is
-- stored. A session acts as the API key it was opened with, so revoking the key ends it.
CREATE TABLE dashboard_sessions (
    token_sha256 TEXT PRIMARY KEY NOT NULL,
    key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);

-- The province's latest receipt without a scan of every claim.
CREATE INDEX claims_received ON claims (received_at);
