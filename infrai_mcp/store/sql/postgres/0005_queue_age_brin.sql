-- Retention finds old messages through a BRIN index instead of a b-tree: messages are
-- appended in publish order, so enqueued_at follows the physical order and a BRIN summary
-- per block range is enough. The b-tree cost every lease (a non-HOT update) one more index
-- insertion, ~13% of a claim of 100 messages here (bench/README.md).
DROP INDEX IF EXISTS queue_messages_age;
CREATE INDEX queue_messages_age_brin ON queue_messages USING brin (enqueued_at);
