-- PostgreSQL only (its TOAST compression of episode JSON); kept so both backends number their
-- migrations alike.
SELECT 1;
