-- Files waiting for a facility's remote signing service (ký số từ xa): one row per file asked to
-- be signed. `document_digest` (the file's DigestValue, base64) and `file_date` (its NGAYLAP,
-- YYYYMMDD) let the dispatcher write the same file again once the key holder has confirmed, and
-- put `signature` (base64) in it; `status` is awaiting, signed, refused or expired, `reason`
-- why it failed. `next_poll_at` is also the poller's lease.
CREATE TABLE signature_requests (
    id BIGSERIAL PRIMARY KEY,
    facility_code TEXT NOT NULL,
    document_digest TEXT NOT NULL,
    file_date TEXT NOT NULL,
    transaction_id TEXT NOT NULL,
    status TEXT NOT NULL,
    signature TEXT,
    reason TEXT,
    created_at BIGINT NOT NULL,
    deadline_at BIGINT NOT NULL,
    next_poll_at BIGINT NOT NULL,
    settled_at BIGINT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX signature_requests_due ON signature_requests (status, next_poll_at);
CREATE INDEX signature_requests_file ON signature_requests (facility_code, document_digest);

-- The signature request a job's file waits for (status `awaiting_signature`), or was signed by.
ALTER TABLE outbox ADD COLUMN signature_request_id BIGINT;
CREATE INDEX outbox_signature_request ON outbox (signature_request_id);
