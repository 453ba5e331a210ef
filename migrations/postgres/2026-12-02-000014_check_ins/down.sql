DROP TABLE check_in_outbox;
DROP TABLE check_ins;
