DROP INDEX facilities_kind_status;
ALTER TABLE facilities DROP COLUMN updated_at;
ALTER TABLE facilities DROP COLUMN certificate_expires_on;
ALTER TABLE facilities DROP COLUMN contact;
ALTER TABLE facilities DROP COLUMN connected_on;
ALTER TABLE facilities DROP COLUMN parent_code;
ALTER TABLE facilities DROP COLUMN commune;
ALTER TABLE facilities DROP COLUMN district;
