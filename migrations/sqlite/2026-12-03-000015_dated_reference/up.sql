-- Every reference entry carries the days it is in force (inclusive, '' for open), a code may have
-- entries for several periods, the code lists are a list whose entries name their field, and the
-- successors list names the unit that took over an abolished one.
CREATE TABLE reference_entries_dated (
    list TEXT NOT NULL,
    facility TEXT NOT NULL,
    -- The coded field of a code-list entry; '' elsewhere.
    field TEXT NOT NULL DEFAULT '',
    code TEXT NOT NULL,
    -- YYYY-MM-DD, or '' for open.
    valid_from TEXT NOT NULL DEFAULT '',
    valid_to TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    strength TEXT,
    registration TEXT,
    -- An exact decimal, as text.
    max_price TEXT,
    level TEXT,
    parent TEXT,
    successor TEXT,
    -- 'uncertain' for an entry whose standing is not known; NULL otherwise.
    status TEXT,
    PRIMARY KEY (list, facility, field, code, valid_from)
);
INSERT INTO reference_entries_dated (list, facility, code, name, strength, registration, max_price, level, parent)
    SELECT list, facility, code, name, strength, registration, max_price, level, parent FROM reference_entries;
DROP TABLE reference_entries;
ALTER TABLE reference_entries_dated RENAME TO reference_entries;

-- The list's versions (spans with the same entries in force), as JSON; lists stored before had
-- no dates: one version.
ALTER TABLE reference_lists ADD COLUMN versions TEXT NOT NULL DEFAULT '[]';
UPDATE reference_lists SET versions = '[{"valid_from":null,"valid_to":null,"entries":' || entries || '}]';
