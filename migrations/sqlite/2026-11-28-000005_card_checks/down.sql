DROP INDEX claim_versions_card_unchecked;
ALTER TABLE claim_versions DROP COLUMN card_check_code;
ALTER TABLE claim_versions DROP COLUMN card_checked_at;
