CREATE TABLE reference_entries_undated (
    list TEXT NOT NULL,
    facility TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    strength TEXT,
    registration TEXT,
    max_price TEXT,
    level TEXT,
    parent TEXT,
    PRIMARY KEY (list, facility, code)
);
INSERT OR IGNORE INTO reference_entries_undated
    SELECT list, facility, code, name, strength, registration, max_price, level, parent FROM reference_entries
    WHERE field = '';
DROP TABLE reference_entries;
ALTER TABLE reference_entries_undated RENAME TO reference_entries;
DELETE FROM reference_lists WHERE list IN ('code_lists', 'admin_unit_successors');
ALTER TABLE reference_lists DROP COLUMN versions;
