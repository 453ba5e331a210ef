-- Check-ins (XML0, CHI_TIEU_TRANG_THAI_KCB): the real-time message at the first order of a visit.
-- One row per distinct content of a facility's check-in (the id is derived from that content, so
-- the same check-in sent again is the same row); linked to its claim by (facility, MA_LK) when read.
CREATE TABLE check_ins (
    id TEXT PRIMARY KEY NOT NULL,
    facility_code TEXT NOT NULL,
    episode_key TEXT NOT NULL,
    record_json TEXT NOT NULL,
    ordered_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    received_by TEXT NOT NULL
);
CREATE INDEX check_ins_facility ON check_ins (facility_code, received_at);
CREATE INDEX check_ins_episode ON check_ins (facility_code, episode_key);

-- Their own queue, so that a backlog of dossiers never delays them.
CREATE TABLE check_in_outbox (
    id INTEGER PRIMARY KEY NOT NULL,
    check_in_id TEXT NOT NULL REFERENCES check_ins (id),
    destination TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    lease_until BIGINT,
    leased_by TEXT,
    last_error TEXT,
    transaction_id TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    sent_at BIGINT,
    uncertain_since BIGINT
);
CREATE INDEX check_in_outbox_due ON check_in_outbox (status, destination, next_attempt_at, id);
CREATE INDEX check_in_outbox_check_in ON check_in_outbox (check_in_id);
