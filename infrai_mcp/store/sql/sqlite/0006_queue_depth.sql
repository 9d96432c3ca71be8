-- The queue depth limit (INFRAI_MAX_QUEUE_DEPTH): each queue keeps its depth, the number
-- of its messages that are ready (available or delayed) or leased (in flight), in its own
-- row, in the same transaction as every change, so publish reads one row instead of
-- counting up to a million. SQLite has one writer, so the row is no contention point.
-- Publish, ack, purge and retention adjust it in code, once per statement (a per-row
-- trigger on insert and delete cost a third of queue throughput, bench/queue_throughput.py);
-- the rarer moves (dead-lettering, redrive, a dead letter kept in its source queue) are
-- caught by the trigger below. Dead letters held in their source queue (state 'dead') do
-- not count; a dead letter moved into a DLQ counts in the DLQ.
ALTER TABLE queues ADD COLUMN depth INTEGER NOT NULL DEFAULT 0;

UPDATE queues SET depth = (
    SELECT COUNT(*) FROM queue_messages m
    WHERE m.project = queues.project AND m.queue = queues.name AND m.state IN ('ready', 'leased')
);

CREATE TRIGGER queue_depth_move AFTER UPDATE OF queue, state ON queue_messages
WHEN OLD.queue != NEW.queue OR (OLD.state IN ('ready', 'leased')) != (NEW.state IN ('ready', 'leased'))
BEGIN
    UPDATE queues SET depth = depth - 1
    WHERE OLD.state IN ('ready', 'leased') AND project = OLD.project AND name = OLD.queue;
    UPDATE queues SET depth = depth + 1
    WHERE NEW.state IN ('ready', 'leased') AND project = NEW.project AND name = NEW.queue;
END;
