-- Episode JSON is stored compressed once it passes 2 KB (TOAST). lz4 compresses several times
-- faster than PostgreSQL's default pglz for about the same size, which is most of the server's
-- work per accepted episode; servers built without lz4 keep pglz. Applies to new rows only.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE claim_versions ALTER COLUMN episode_json SET COMPRESSION lz4;
    END IF;
END $$;
