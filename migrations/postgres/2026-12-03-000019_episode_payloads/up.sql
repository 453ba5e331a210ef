-- Stored episodes move to a table of their own, partitioned by month of receipt (YYYYMM, Vietnam
-- time): retention deletes the rows of settled claims, and a month whose rows are all gone is
-- dropped whole, giving its files back without rewriting any live row. The gateway creates the
-- partitions of this month and the next two at start and daily; a row of a month without one
-- lands in the default partition rather than fail.
CREATE TABLE episode_payloads (
    version_id BIGINT NOT NULL REFERENCES claim_versions (id),
    month INTEGER NOT NULL,
    sealed_with TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (version_id, month)
) PARTITION BY RANGE (month);
CREATE TABLE episode_payloads_default PARTITION OF episode_payloads DEFAULT;
DO $$
DECLARE m INTEGER;
BEGIN
    FOR m IN
        SELECT DISTINCT to_char(to_timestamp(received_at / 1000.0) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMM')::INTEGER
        FROM claim_versions WHERE episode_json IS NOT NULL
    LOOP
        EXECUTE format('CREATE TABLE episode_payloads_%s PARTITION OF episode_payloads FOR VALUES FROM (%s) TO (%s)',
                       m, m, CASE WHEN m % 100 = 12 THEN (m / 100 + 1) * 100 + 1 ELSE m + 1 END);
    END LOOP;
END $$;
INSERT INTO episode_payloads (version_id, month, sealed_with, body)
SELECT id, to_char(to_timestamp(received_at / 1000.0) AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYYMM')::INTEGER,
       COALESCE(sealed_with, ''), episode_json
FROM claim_versions WHERE episode_json IS NOT NULL;
CREATE INDEX episode_payloads_sealed_with ON episode_payloads (sealed_with);
DROP INDEX claim_versions_sealed_with;
-- Emptied before the drop, so that VACUUM frees their TOAST pages (a dropped column keeps its
-- data until each row is rewritten).
UPDATE claim_versions SET episode_json = NULL WHERE episode_json IS NOT NULL;
ALTER TABLE claim_versions DROP COLUMN sealed_with;
ALTER TABLE claim_versions DROP COLUMN episode_json;
