-- The background card check of accepted claims: when it ran and what the BHXH lookup answered
-- (`maKetQua`, or `-` when no answer could be used).
ALTER TABLE claim_versions ADD COLUMN card_checked_at BIGINT;
ALTER TABLE claim_versions ADD COLUMN card_check_code TEXT;
CREATE INDEX claim_versions_card_unchecked ON claim_versions (card_checked_at, id);
