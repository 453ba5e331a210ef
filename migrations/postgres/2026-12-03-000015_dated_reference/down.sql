DELETE FROM reference_entries WHERE field <> '' OR valid_from <> '';
DELETE FROM reference_lists WHERE list IN ('code_lists', 'admin_unit_successors');
ALTER TABLE reference_entries DROP CONSTRAINT reference_entries_pkey;
ALTER TABLE reference_entries DROP COLUMN field, DROP COLUMN valid_from, DROP COLUMN valid_to,
    DROP COLUMN successor, DROP COLUMN status;
ALTER TABLE reference_entries ADD PRIMARY KEY (list, facility, code);
ALTER TABLE reference_lists DROP COLUMN versions;
