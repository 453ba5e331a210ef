-- The reference catalogues (danh mục) the catalogue rules check against: national and shared
-- lists (facility '') and each facility's own approved lists.
CREATE TABLE reference_lists (
    list TEXT NOT NULL,
    facility TEXT NOT NULL,
    entries BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    loaded_at BIGINT NOT NULL,
    loaded_by TEXT NOT NULL,
    PRIMARY KEY (list, facility)
);

CREATE TABLE reference_entries (
    list TEXT NOT NULL,
    facility TEXT NOT NULL,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    strength TEXT,
    registration TEXT,
    -- An exact decimal, as text.
    max_price TEXT,
    level TEXT,
    parent TEXT,
    PRIMARY KEY (list, facility, code)
);
