-- Every reference entry carries the days it is in force (inclusive, '' for open), a code may have
-- entries for several periods, the code lists are a list whose entries name their field, and the
-- successors list names the unit that took over an abolished one.
ALTER TABLE reference_entries
    -- The coded field of a code-list entry; '' elsewhere.
    ADD COLUMN field TEXT NOT NULL DEFAULT '',
    -- YYYY-MM-DD, or '' for open.
    ADD COLUMN valid_from TEXT NOT NULL DEFAULT '',
    ADD COLUMN valid_to TEXT NOT NULL DEFAULT '',
    ADD COLUMN successor TEXT,
    -- 'uncertain' for an entry whose standing is not known; NULL otherwise.
    ADD COLUMN status TEXT;
ALTER TABLE reference_entries DROP CONSTRAINT reference_entries_pkey;
ALTER TABLE reference_entries ADD PRIMARY KEY (list, facility, field, code, valid_from);

-- The list's versions (spans with the same entries in force), as JSON; lists stored before had
-- no dates: one version.
ALTER TABLE reference_lists ADD COLUMN versions TEXT NOT NULL DEFAULT '[]';
UPDATE reference_lists SET versions = '[{"valid_from":null,"valid_to":null,"entries":' || entries || '}]';
