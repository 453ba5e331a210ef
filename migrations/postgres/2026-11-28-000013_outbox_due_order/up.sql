-- A dispatch lease reads the due jobs of one destination in the order they became due: with the
-- destination and the id in the index, that is a walk of the index that stops after the lease's
-- size, where (status, next_attempt_at) made it sort every due job of the queue.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (status, destination, next_attempt_at, id);
