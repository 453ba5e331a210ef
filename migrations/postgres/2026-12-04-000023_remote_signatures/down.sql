DROP INDEX outbox_signature_request;
ALTER TABLE outbox DROP COLUMN signature_request_id;
DROP TABLE signature_requests;
