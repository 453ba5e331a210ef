-- The daily snapshot keeps everything the DoH figures add up, so that a long period sums stored
-- days instead of scanning every claim: episodes refused at ingest and their rules, the portals'
-- reasons, and BHXH submissions by delay from discharge (minutes to three significant digits),
-- each as a JSON object of counts; and the facility's latest portal acknowledgement of the day.
ALTER TABLE facility_daily ADD COLUMN refused_at_ingest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE facility_daily ADD COLUMN rules_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE facility_daily ADD COLUMN reasons_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE facility_daily ADD COLUMN delays_json TEXT NOT NULL DEFAULT '{}';
ALTER TABLE facility_daily ADD COLUMN last_sent_at BIGINT;
CREATE INDEX facility_daily_day ON facility_daily (day);

-- Days whose snapshot was taken after the day ended: their figures are final and read from
-- facility_daily; any other day is counted from the claims.
CREATE TABLE daily_snapshots (
    day TEXT PRIMARY KEY NOT NULL,
    computed_at BIGINT NOT NULL
);
