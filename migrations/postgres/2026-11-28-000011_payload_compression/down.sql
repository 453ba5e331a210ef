DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression') THEN
        ALTER TABLE claim_versions ALTER COLUMN episode_json SET COMPRESSION DEFAULT;
    END IF;
END $$;
