ALTER TABLE claim_versions ADD COLUMN episode_json TEXT;
ALTER TABLE claim_versions ADD COLUMN sealed_with TEXT;
UPDATE claim_versions SET episode_json = (SELECT body FROM episode_payloads WHERE version_id = claim_versions.id),
    sealed_with = (SELECT sealed_with FROM episode_payloads WHERE version_id = claim_versions.id);
CREATE INDEX claim_versions_sealed_with ON claim_versions (sealed_with);
DROP TABLE episode_payloads;
