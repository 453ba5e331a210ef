DROP TABLE daily_snapshots;
DROP INDEX facility_daily_day;
ALTER TABLE facility_daily DROP COLUMN last_sent_at;
ALTER TABLE facility_daily DROP COLUMN delays_json;
ALTER TABLE facility_daily DROP COLUMN reasons_json;
ALTER TABLE facility_daily DROP COLUMN rules_json;
ALTER TABLE facility_daily DROP COLUMN refused_at_ingest;
