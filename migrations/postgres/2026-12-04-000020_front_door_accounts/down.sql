DROP TABLE front_door_receipts;
DROP TABLE front_door_sessions;
DROP TABLE front_door_accounts;
