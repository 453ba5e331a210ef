-- Encryption at rest: the id of the master key that wrapped a stored episode's or check-in's data
-- key. '' means stored in clear (a gateway without a master key, or a row from before this
-- migration, sealed by the `rewrap` job once a key is configured); NULL means nothing is stored
-- (retention dropped the episode). The rewrap job finds the rows not under the current key along
-- the index.
ALTER TABLE claim_versions ADD COLUMN sealed_with TEXT;
UPDATE claim_versions SET sealed_with = '' WHERE episode_json IS NOT NULL;
CREATE INDEX claim_versions_sealed_with ON claim_versions (sealed_with);
ALTER TABLE check_ins ADD COLUMN sealed_with TEXT;
UPDATE check_ins SET sealed_with = '';
CREATE INDEX check_ins_sealed_with ON check_ins (sealed_with);
