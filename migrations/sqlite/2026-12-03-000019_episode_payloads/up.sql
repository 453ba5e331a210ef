-- Stored episodes move to a table of their own, keyed (and so laid out) by version: rows that
-- retention deletes are whole pages of old versions, which incremental vacuum gives back to the
-- file system; in `claim_versions` they were pieces of pages shared with rows that stay.
-- `month` (YYYYMM of receipt, Vietnam time) is PostgreSQL's partition key; kept alike here.
CREATE TABLE episode_payloads (
    version_id INTEGER PRIMARY KEY NOT NULL REFERENCES claim_versions (id),
    month INTEGER NOT NULL,
    sealed_with TEXT NOT NULL,
    body TEXT NOT NULL
);
INSERT INTO episode_payloads (version_id, month, sealed_with, body)
SELECT id, CAST(strftime('%Y%m', received_at / 1000 + 25200, 'unixepoch') AS INTEGER), COALESCE(sealed_with, ''),
       episode_json
FROM claim_versions WHERE episode_json IS NOT NULL;
CREATE INDEX episode_payloads_sealed_with ON episode_payloads (sealed_with);
DROP INDEX claim_versions_sealed_with;
ALTER TABLE claim_versions DROP COLUMN sealed_with;
ALTER TABLE claim_versions DROP COLUMN episode_json;
