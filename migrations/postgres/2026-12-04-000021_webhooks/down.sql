ALTER TABLE outbox DROP COLUMN portal_received_at;
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
