DROP INDEX claims_received;
DROP TABLE dashboard_sessions;
