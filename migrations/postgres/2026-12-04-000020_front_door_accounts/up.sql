-- Accounts of the BHXH-compatible front door (`/bhxh`): a HIS logs in as it does at the portal.
-- `password_hash` is an argon2id hash of the MD5 the protocol sends (never the MD5 itself); an
-- account acts for one facility, or for every facility of a province (a DoH account).
CREATE TABLE front_door_accounts (
    username TEXT PRIMARY KEY NOT NULL,
    facility_code TEXT REFERENCES facilities (code),
    province_code TEXT,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- The sessions `token/take` opened: digests of the access and id tokens and of the MD5 given at
-- login (each later call repeats it as `passwordHash`), so a copy of the table opens no session.
CREATE TABLE front_door_sessions (
    access_token_sha256 TEXT PRIMARY KEY NOT NULL,
    id_token_sha256 TEXT NOT NULL,
    password_sha256 TEXT NOT NULL,
    username TEXT NOT NULL REFERENCES front_door_accounts (username),
    expires_at BIGINT NOT NULL
);
CREATE INDEX front_door_sessions_expires_at ON front_door_sessions (expires_at);

-- What each front-door submission was answered (`maGiaoDich`), so that `nhanChiTietLoiHS` can
-- list its errors: `errors` is the JSON list of what ingest refused or warned (bounded and masked
-- as every answer is), `claims` the JSON list of the claim ids it stored.
CREATE TABLE front_door_receipts (
    transaction_id TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL REFERENCES front_door_accounts (username),
    facility_code TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    errors TEXT NOT NULL,
    claims TEXT NOT NULL
);
