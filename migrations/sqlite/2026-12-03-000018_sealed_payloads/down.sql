DROP INDEX check_ins_sealed_with;
ALTER TABLE check_ins DROP COLUMN sealed_with;
DROP INDEX claim_versions_sealed_with;
ALTER TABLE claim_versions DROP COLUMN sealed_with;
