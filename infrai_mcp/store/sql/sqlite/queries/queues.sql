-- Named queries of SqliteQueueStore / SqliteWebhookStore. Every caller-facing query
-- filters by project; worker queries (sweep, claims across projects) say so.

-- name: queue_get
SELECT * FROM queues WHERE project = :project AND name = :name;

-- name: queue_list
SELECT * FROM queues WHERE project = :project AND id > :cursor ORDER BY id LIMIT :limit;

-- name: queue_insert
INSERT INTO queues (project, name, id, type, dead_letter_queue, max_retries, message_retention_days,
                    visibility_timeout_default, enable_priority, created_at)
VALUES (:project, :name, :id, :type, :dead_letter_queue, :max_retries, :message_retention_days,
        :visibility_timeout_default, :enable_priority, :created_at);

-- name: queue_update
UPDATE queues SET dead_letter_queue = :dead_letter_queue, max_retries = :max_retries,
    message_retention_days = :message_retention_days, visibility_timeout_default = :visibility_timeout_default,
    enable_priority = :enable_priority
WHERE project = :project AND name = :name;

-- name: queue_dlq_users
SELECT name AS who FROM queues WHERE project = :project AND dead_letter_queue = :name AND name != :name
UNION ALL
SELECT id AS who FROM queue_subscriptions WHERE project = :project AND dead_letter_queue = :name AND queue != :name;

-- name: queue_delete
DELETE FROM queues WHERE project = :project AND name = :name;

-- name: queue_delete_messages
DELETE FROM queue_messages WHERE project = :project AND queue = :name;

-- name: queue_delete_subscriptions
DELETE FROM queue_subscriptions WHERE project = :project AND queue = :name;

-- name: queue_purge
DELETE FROM queue_messages WHERE project = :project AND queue = :name AND state != 'dead';

-- name: queue_stats
SELECT
    COALESCE(SUM(state != 'dead' AND visible_at <= :now), 0) AS available,
    COALESCE(SUM(state = 'leased' AND visible_at > :now), 0) AS in_flight,
    COALESCE(SUM(state = 'ready' AND visible_at > :now), 0) AS delayed,
    MIN(CASE WHEN state != 'dead' THEN enqueued_at END) AS oldest
FROM queue_messages WHERE project = :project AND queue = :name;

-- name: queue_dlq_count
SELECT COUNT(*) FROM queue_messages WHERE project = :project AND source_queue = :name;

-- name: idem_get
SELECT result FROM queue_idempotency
WHERE project = :project AND scope = :scope AND key = :key AND created_at >= :since;

-- name: idem_put
INSERT OR REPLACE INTO queue_idempotency (project, scope, key, result, created_at)
VALUES (:project, :scope, :key, :result, :created_at);

-- name: message_insert
INSERT INTO queue_messages (id, project, queue, payload, priority, rank, group_id, state, visible_at, enqueued_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 'ready', ?, ?);

-- name: message_expired_leases
SELECT seq, attempts FROM queue_messages
WHERE project = :project AND queue = :queue AND state = 'leased' AND visible_at <= :now
ORDER BY seq;

-- name: message_claim
-- Standard queues, one statement: lease the first visible messages in delivery order
-- (the claim index, visible_at filtered). The receipt is built here, from the values
-- before the update, so it carries the new receive_count. RETURNING order is unspecified:
-- the store sorts by (rank DESC, seq).
UPDATE queue_messages
SET state = 'leased', visible_at = :until, receive_count = receive_count + 1, attempts = attempts + 1,
    receipt = id || '.' || (receive_count + 1) || '.' || lower(hex(randomblob(8)))
WHERE seq IN (SELECT seq FROM queue_messages
              WHERE project = :project AND queue = :queue AND state = 'ready' AND visible_at <= :now
              ORDER BY rank DESC, seq LIMIT :limit)
RETURNING seq, rank, id, payload, priority, group_id, receive_count, attempts, enqueued_at, receipt;

-- name: message_fifo_order
-- FIFO queues: every ready message in publish order; the store skips held groups.
SELECT seq, group_id, visible_at FROM queue_messages
WHERE project = :project AND queue = :queue AND state = 'ready'
ORDER BY rank DESC, seq;

-- name: message_fifo_grouped_order
-- FIFO queues whose no-group messages are held: only grouped messages can be claimed.
SELECT seq, group_id, visible_at FROM queue_messages
WHERE project = :project AND queue = :queue AND state = 'ready' AND group_id IS NOT NULL
ORDER BY seq;

-- name: message_fifo_has_grouped
SELECT EXISTS (SELECT 1 FROM queue_messages
               WHERE project = :project AND queue = :queue AND state = 'ready' AND group_id IS NOT NULL);

-- name: message_inflight_groups
SELECT DISTINCT COALESCE(group_id, '') AS g FROM queue_messages
WHERE project = :project AND queue = :queue AND state = 'leased';

-- name: message_lease_seqs
-- FIFO queues: lease the messages the store picked (``seqs`` is a JSON array).
UPDATE queue_messages
SET state = 'leased', visible_at = :until, receive_count = receive_count + 1, attempts = attempts + 1,
    receipt = id || '.' || (receive_count + 1) || '.' || lower(hex(randomblob(8)))
WHERE seq IN (SELECT value FROM json_each(:seqs))
RETURNING seq, rank, id, payload, priority, group_id, receive_count, attempts, enqueued_at, receipt;

-- name: message_by_id
SELECT * FROM queue_messages WHERE project = :project AND queue = :queue AND id = :id;

-- name: message_ack_many
-- One statement per ack batch. A receipt names its message, so "current receipt in the
-- list" is a per-message match; the id list is there for the index lookup (the unary +
-- keeps the planner off the claim index, which would walk every leased message).
DELETE FROM queue_messages
WHERE id IN (SELECT value FROM json_each(:ids)) AND +project = :project AND +queue = :queue
  AND +state = 'leased' AND visible_at > :now AND receipt IN (SELECT value FROM json_each(:receipts))
RETURNING id;

-- name: message_delete
DELETE FROM queue_messages WHERE seq = :seq;

-- name: message_requeue
UPDATE queue_messages SET state = 'ready', visible_at = :visible_at, receipt = NULL, last_error = :error
WHERE seq = :seq;

-- name: message_to_dlq
UPDATE queue_messages SET queue = :dlq, state = 'ready', visible_at = :now, receipt = NULL, attempts = 0,
    rank = CASE WHEN :rank_on THEN priority ELSE 0 END, source_queue = queue, dead_lettered_at = :now,
    last_error = :error
WHERE seq = :seq;

-- name: message_hold_dead
UPDATE queue_messages SET state = 'dead', receipt = NULL, source_queue = queue, dead_lettered_at = :now,
    last_error = :error
WHERE seq = :seq;

-- name: dlq_list
-- Two index searches (dead letters by source, dead letters sitting in this DLQ) instead of an OR scan.
SELECT * FROM queue_messages WHERE seq IN (
    SELECT seq FROM queue_messages WHERE project = :project AND source_queue = :queue AND id > :cursor
    UNION
    SELECT seq FROM queue_messages
    WHERE project = :project AND queue = :queue AND source_queue IS NOT NULL AND id > :cursor)
ORDER BY id LIMIT :limit;

-- name: dlq_select
SELECT seq, id, source_queue, priority FROM queue_messages
WHERE seq IN (
    SELECT seq FROM queue_messages WHERE project = :project AND source_queue = :queue
    UNION
    SELECT seq FROM queue_messages WHERE project = :project AND queue = :queue AND source_queue IS NOT NULL)
  AND (:message_id IS NULL OR id = :message_id)
  AND (:since IS NULL OR dead_lettered_at >= :since)
ORDER BY seq LIMIT :limit;

-- name: message_redrive
UPDATE queue_messages SET queue = :target, state = 'ready', visible_at = :now, receipt = NULL, attempts = 0,
    rank = CASE WHEN :rank_on THEN priority ELSE 0 END, source_queue = NULL, dead_lettered_at = NULL,
    last_error = NULL
WHERE seq = :seq;

-- name: next_visible
SELECT MIN(visible_at) FROM queue_messages
WHERE project = :project AND queue = :queue AND state IN ('ready', 'leased') AND visible_at > :now;

-- name: sweep_queues
-- Worker query: every queue of every project.
SELECT * FROM queues;

-- name: retention_delete
DELETE FROM queue_messages WHERE project = :project AND queue = :queue AND enqueued_at < :cutoff
RETURNING state IN ('ready', 'leased');

-- name: queue_depth_add
-- The depth kept for INFRAI_MAX_QUEUE_DEPTH (migration 0006): ready + leased messages.
UPDATE queues SET depth = depth + :n WHERE project = :project AND name = :queue;

-- name: queue_depth_zero
UPDATE queues SET depth = 0 WHERE project = :project AND name = :queue;

-- name: idem_expire
-- Worker query: keys of every project past the dedup window.
DELETE FROM queue_idempotency WHERE created_at < :since;

-- name: sub_insert
INSERT INTO queue_subscriptions (project, id, queue, url, secret, max_retries, visibility_timeout,
                                 dead_letter_queue, created_at)
VALUES (:project, :id, :queue, :url, :secret, :max_retries, :visibility_timeout, :dead_letter_queue, :created_at);

-- name: sub_get
SELECT * FROM queue_subscriptions WHERE project = :project AND id = :id;

-- name: sub_list
SELECT * FROM queue_subscriptions WHERE project = :project AND queue = :queue ORDER BY id;

-- name: sub_delete
DELETE FROM queue_subscriptions WHERE project = :project AND queue = :queue AND id = :id;

-- name: push_candidates
-- Worker query: subscriptions (all projects) whose queue has something visible now.
SELECT s.* FROM queue_subscriptions s
WHERE EXISTS (SELECT 1 FROM queue_messages m
              WHERE m.project = s.project AND m.queue = s.queue AND m.state IN ('ready', 'leased')
                AND m.visible_at <= :now)
ORDER BY s.project, s.queue, s.id;

-- name: delivery_insert
INSERT INTO webhook_deliveries (project, id, webhook_id, url, method, headers, body, secret, retries,
                                timeout_seconds, state, next_attempt_at, created_at)
VALUES (:project, :id, :webhook_id, :url, :method, :headers, :body, :secret, :retries,
        :timeout_seconds, 'pending', :next_attempt_at, :created_at);

-- name: delivery_get
SELECT * FROM webhook_deliveries WHERE project = :project AND id = :id;

-- name: delivery_due
-- Worker query: due deliveries of every project.
SELECT * FROM webhook_deliveries
WHERE state IN ('pending', 'delivering') AND next_attempt_at <= :now
ORDER BY next_attempt_at LIMIT :limit;

-- name: delivery_lease
UPDATE webhook_deliveries SET state = 'delivering', next_attempt_at = :until WHERE project = :project AND id = :id;

-- name: delivery_record
UPDATE webhook_deliveries SET attempts = :attempts, state = :state, next_attempt_at = :next_attempt_at,
    response_status = :response_status, error = :error, finished_at = :finished_at
WHERE project = :project AND id = :id;

-- name: delivery_next_due
SELECT MIN(next_attempt_at) FROM webhook_deliveries WHERE state IN ('pending', 'delivering');

-- name: delivery_prune
-- Worker query: finished deliveries of every project past the history window.
DELETE FROM webhook_deliveries WHERE rowid IN (
    SELECT rowid FROM webhook_deliveries
    WHERE state IN ('succeeded', 'failed') AND finished_at < :before LIMIT :limit);
