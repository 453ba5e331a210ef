-- Episodes refused at ingest (critical rules broken): nothing of them is stored but this, so that
-- the Department of Health sees what each facility sends and which rules it breaks.
CREATE TABLE ingest_rejections (
    id INTEGER PRIMARY KEY NOT NULL,
    facility_code TEXT NOT NULL,
    episode_key TEXT,
    at BIGINT NOT NULL,
    -- JSON array of the critical rule codes broken.
    rules_json TEXT NOT NULL
);
CREATE INDEX ingest_rejections_facility_at ON ingest_rejections (facility_code, at);
CREATE INDEX ingest_rejections_at ON ingest_rejections (at);
