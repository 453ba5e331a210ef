DROP TABLE reference_entries;
DROP TABLE reference_lists;
