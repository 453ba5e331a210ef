ALTER TABLE ingest_rejections DROP COLUMN violations_json;
