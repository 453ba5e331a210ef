-- The facility worklist shows what an episode refused at ingest must correct: the critical
-- violations it was answered with (rule, field, message, value masked and bounded), as JSON.
ALTER TABLE ingest_rejections ADD COLUMN violations_json TEXT;
