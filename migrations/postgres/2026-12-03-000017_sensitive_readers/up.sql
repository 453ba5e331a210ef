-- Keys granted to read the sensitive tables (XML6 HIV care by default): other keys see a claim
-- without them.
ALTER TABLE api_keys ADD COLUMN sensitive_reader BOOLEAN NOT NULL DEFAULT FALSE;
