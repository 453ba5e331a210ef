ALTER TABLE claim_versions ADD COLUMN episode_json TEXT;
ALTER TABLE claim_versions ADD COLUMN sealed_with TEXT;
UPDATE claim_versions v SET episode_json = p.body, sealed_with = p.sealed_with FROM episode_payloads p
WHERE p.version_id = v.id;
CREATE INDEX claim_versions_sealed_with ON claim_versions (sealed_with);
DROP TABLE episode_payloads;
