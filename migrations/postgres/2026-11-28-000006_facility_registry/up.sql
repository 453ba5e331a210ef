-- The Department of Health's facility registry.
ALTER TABLE facilities ADD COLUMN district TEXT;
ALTER TABLE facilities ADD COLUMN commune TEXT;
ALTER TABLE facilities ADD COLUMN parent_code TEXT REFERENCES facilities (code);
-- Dates are YYYY-MM-DD.
ALTER TABLE facilities ADD COLUMN connected_on TEXT;
ALTER TABLE facilities ADD COLUMN contact TEXT;
ALTER TABLE facilities ADD COLUMN certificate_expires_on TEXT;
ALTER TABLE facilities ADD COLUMN updated_at BIGINT;
CREATE INDEX facilities_kind_status ON facilities (kind, status);
