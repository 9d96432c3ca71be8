-- Named queries of PgQueueStore / PgWebhookStore. Parameters are %(name)s (psycopg).
-- Every caller-facing query filters by project; worker queries (sweep, claims across
-- projects) say so. Claims lock rows FOR UPDATE SKIP LOCKED: concurrent consumers in any
-- number of processes take disjoint messages without waiting for each other.

-- name: queue_get
SELECT * FROM queues WHERE project = %(project)s AND name = %(name)s;

-- name: queue_list
SELECT * FROM queues WHERE project = %(project)s AND id > %(cursor)s ORDER BY id LIMIT %(limit)s;

-- name: queue_insert
INSERT INTO queues (project, name, id, type, dead_letter_queue, max_retries, message_retention_days,
                    visibility_timeout_default, enable_priority, created_at)
VALUES (%(project)s, %(name)s, %(id)s, %(type)s, %(dead_letter_queue)s, %(max_retries)s,
        %(message_retention_days)s, %(visibility_timeout_default)s, %(enable_priority)s, %(created_at)s)
ON CONFLICT (project, name) DO NOTHING
RETURNING *;

-- name: queue_update
UPDATE queues SET dead_letter_queue = %(dead_letter_queue)s, max_retries = %(max_retries)s,
    message_retention_days = %(message_retention_days)s,
    visibility_timeout_default = %(visibility_timeout_default)s, enable_priority = %(enable_priority)s
WHERE project = %(project)s AND name = %(name)s
RETURNING *;

-- name: queue_dlq_users
SELECT name AS who FROM queues WHERE project = %(project)s AND dead_letter_queue = %(name)s AND name <> %(name)s
UNION ALL
SELECT id AS who FROM queue_subscriptions
WHERE project = %(project)s AND dead_letter_queue = %(name)s AND queue <> %(name)s;

-- name: queue_delete
DELETE FROM queues WHERE project = %(project)s AND name = %(name)s;

-- name: queue_delete_messages
DELETE FROM queue_messages WHERE project = %(project)s AND queue = %(name)s;

-- name: queue_delete_subscriptions
DELETE FROM queue_subscriptions WHERE project = %(project)s AND queue = %(name)s;

-- name: queue_purge
DELETE FROM queue_messages WHERE project = %(project)s AND queue = %(name)s AND state <> 'dead';

-- name: queue_stats
SELECT
    count(*) FILTER (WHERE state <> 'dead' AND visible_at <= %(now)s) AS available,
    count(*) FILTER (WHERE state = 'leased' AND visible_at > %(now)s) AS in_flight,
    count(*) FILTER (WHERE state = 'ready' AND visible_at > %(now)s) AS delayed,
    min(enqueued_at) FILTER (WHERE state <> 'dead') AS oldest,
    (SELECT count(*) FROM queue_messages d WHERE d.project = %(project)s AND d.source_queue = %(name)s) AS dlq
FROM queue_messages WHERE project = %(project)s AND queue = %(name)s;

-- name: idem_get
SELECT result FROM queue_idempotency
WHERE project = %(project)s AND scope = %(scope)s AND key = %(key)s AND created_at >= %(since)s;

-- name: idem_claim
-- Take keys: new ones, and ones past the window (replaced). A key another transaction is
-- taking right now makes this wait for it, then skip: so concurrent publishes with one key
-- in different processes store one message. Returns the keys this call took.
INSERT INTO queue_idempotency (project, scope, key, result, created_at)
SELECT %(project)s, %(scope)s, k, r, %(now)s FROM unnest(%(keys)s::text[], %(results)s::text[]) AS v(k, r)
ON CONFLICT (project, scope, key) DO UPDATE SET result = excluded.result, created_at = excluded.created_at
    WHERE queue_idempotency.created_at < %(since)s
RETURNING key;

-- name: idem_results
SELECT key, result FROM queue_idempotency
WHERE project = %(project)s AND scope = %(scope)s AND key = ANY(%(keys)s::text[]);

-- name: messages_insert
-- Arrays go in binary (the b placeholders): psycopg's text format quotes every element through a regex,
-- which cost more client CPU than the statement's round trip (bench/README.md).
INSERT INTO queue_messages (id, project, queue, payload, priority, rank, group_id, state, visible_at, enqueued_at)
SELECT id, %(project)s, %(queue)s, payload, priority, rank, group_id, 'ready', visible_at, %(now)s
FROM unnest(%(id)b::text[], %(payload)b::text[], %(priority)b::int[], %(rank)b::int[], %(group_id)b::text[],
            %(visible_at)b::float8[]) WITH ORDINALITY AS v(id, payload, priority, rank, group_id, visible_at, ord)
ORDER BY ord;

-- name: queue_depth_probe
-- INFRAI_MAX_QUEUE_DEPTH without a counter row that every publish and ack would update
-- (which would serialise producers and consumers of a queue across processes).
-- `depth` is NULL when an upper bound of the queue's live messages is at most `far`:
-- - the whole table's seq span (two primary-key endpoint probes), or
-- - a count made earlier (`known`, at sequence mark `known_mark`) plus every seq handed out
--   since: publishes take one each, and moves INTO a queue (DLQ moves, redrives) take one
--   per message too (depth_moved), so nothing joins a queue without advancing the mark.
-- Otherwise `depth` is the queue's live messages (ready, which includes delayed, and leased;
-- dead letters are not), counted through the claim and lease indexes and never past `cap`:
-- O(min(depth, cap)). `mark` is the sequence's last value, read after this statement's
-- snapshot: rows it did not count either have a larger seq or were being written then.
WITH b AS (
    SELECT COALESCE(pg_sequence_last_value('queue_messages_seq_seq'::regclass), 0) AS mark,
           (SELECT COALESCE(max(seq) - min(seq) + 1, 0) FROM queue_messages) AS span)
SELECT b.mark,
       CASE WHEN LEAST(b.span, %(known)s::bigint + b.mark - %(known_mark)s::bigint) <= %(far)s THEN NULL
       ELSE (SELECT count(*) FROM (
                SELECT 1 FROM queue_messages
                WHERE project = %(project)s AND queue = %(queue)s AND state = 'ready'
                UNION ALL
                SELECT 1 FROM queue_messages
                WHERE project = %(project)s AND queue = %(queue)s AND state = 'leased'
                LIMIT %(cap)s) live)
       END AS depth
FROM b;

-- name: depth_moved
-- A move of n messages into a queue advances the seq mark by n (see queue_depth_probe);
-- the numbers are never used, gaps in seq are harmless.
SELECT count(nextval('queue_messages_seq_seq'::regclass)) FROM generate_series(1, %(n)s);

-- name: queue_depth_lock
-- Publishers that find a queue near its depth limit take turns on this lock (released at
-- commit), so near the limit each one counts what the previous one stored. The key differs
-- from queue_lock's (FIFO claims) so publishes never wait for claims.
SELECT pg_advisory_xact_lock(hashtextextended(%(project)s || '/' || %(queue)s, 43));

-- name: queue_for_claim
-- The queue row, and whether any lease of it has expired (only then is a reap needed).
SELECT q.*, EXISTS (SELECT 1 FROM queue_messages m
                    WHERE m.project = q.project AND m.queue = q.name AND m.state = 'leased'
                      AND m.visible_at <= %(now)s) AS has_expired
FROM queues q WHERE q.project = %(project)s AND q.name = %(name)s;

-- name: queue_lock
-- FIFO claims of one queue take turns: "hold the group while one is in flight" needs
-- every consumer to see the others' leases, which SKIP LOCKED alone would hide.
SELECT pg_advisory_xact_lock(hashtextextended(%(project)s || '/' || %(queue)s, 42));

-- name: claim_standard
-- The whole claim of a STANDARD queue with no expired lease to reap, as ONE statement
-- (run in autocommit). Anything else (FIFO, a lease to reap, an unknown queue, nothing
-- visible) returns no row and the caller runs the full transaction. A receipt is
-- <id>.<receive_count>.<token>: (id, receive_count) already differs for every lease of a
-- message, and the token (16 random hex characters, one per claim, made by the caller
-- with secrets.token_hex(8)) makes receipts unguessable to other consumers. One token per
-- claim instead of random bytes per row: ~0.15 ms less per 100 messages (bench/README.md).
WITH q AS (
    SELECT visibility_timeout_default FROM queues
    WHERE project = %(project)s AND name = %(queue)s AND type = 'standard'
      AND NOT EXISTS (SELECT 1 FROM queue_messages e
                      WHERE e.project = %(project)s AND e.queue = %(queue)s AND e.state = 'leased'
                        AND e.visible_at <= %(now)s)),
c AS (
    SELECT seq FROM queue_messages
    WHERE project = %(project)s AND queue = %(queue)s AND state = 'ready' AND visible_at <= %(now)s
      AND EXISTS (SELECT 1 FROM q)
    ORDER BY rank DESC, seq LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED),
u AS (
    UPDATE queue_messages m SET state = 'leased',
        visible_at = %(now)s + COALESCE(%(lease)s::float8, (SELECT visibility_timeout_default FROM q)),
        receipt = m.id || '.' || (m.receive_count + 1) || '.' || %(token)s::text,
        receive_count = m.receive_count + 1, attempts = m.attempts + 1
    FROM c WHERE m.seq = c.seq
    RETURNING m.seq, m.rank, m.id, m.payload, m.priority, m.group_id, m.receive_count, m.attempts,
        m.receipt, m.enqueued_at, m.visible_at)
-- Rows in the QueueStore.claim shape and delivery order, ready to hand back as they are.
SELECT id, %(queue)s::text AS queue, payload, priority, group_id, receive_count, attempts, receipt,
    enqueued_at, visible_at
FROM u ORDER BY rank DESC, seq;

-- name: ack_receipts
-- Ack by receipts as ONE statement: deletes each message still leased under its receipt.
-- A receipt refused here can never become valid later (a new lease changes the receipt),
-- so the caller diagnoses only the refused ones, with the same answers one transaction
-- would give.
-- (id, receipt) pairs joined through the unique id index: one index probe and one receipt
-- comparison per handle (`id = ANY(..) AND receipt = ANY(..)` compared every row with both
-- lists; about a tenth slower per 100, bench/README.md). OFFSET 0 keeps the pairs a separate step,
-- so the plan stays "for each pair, probe the id index" (checked with generic plans and
-- 20,000 leases in flight). Binary arrays: see messages_insert.
-- One row back: how many were deleted, and their ids only when some were refused (parsing
-- 100 returned rows cost the client more than the one count).
WITH d AS (
    DELETE FROM queue_messages m
    USING (SELECT * FROM unnest(%(ids)b::text[], %(receipts)b::text[]) OFFSET 0) AS v(id, receipt)
    WHERE m.id = v.id AND m.receipt = v.receipt
      AND m.project = %(project)s AND m.queue = %(queue)s AND m.state = 'leased' AND m.visible_at > %(now)s
    RETURNING m.id)
SELECT count(*) AS n, CASE WHEN count(*) < %(expected)s THEN array_agg(id) END AS ids FROM d;

-- name: message_expired_leases
SELECT seq, attempts FROM queue_messages
WHERE project = %(project)s AND queue = %(queue)s AND state = 'leased' AND visible_at <= %(now)s
ORDER BY seq
FOR UPDATE SKIP LOCKED;

-- name: message_claim_order
SELECT seq, id, payload, priority, group_id, receive_count, attempts, enqueued_at FROM queue_messages
WHERE project = %(project)s AND queue = %(queue)s AND state = 'ready' AND visible_at <= %(now)s
ORDER BY rank DESC, seq LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: message_fifo_order
SELECT seq, id, payload, priority, group_id, receive_count, attempts, enqueued_at, visible_at FROM queue_messages
WHERE project = %(project)s AND queue = %(queue)s AND state = 'ready'
ORDER BY rank DESC, seq;

-- name: message_inflight_groups
SELECT DISTINCT COALESCE(group_id, '') AS g FROM queue_messages
WHERE project = %(project)s AND queue = %(queue)s AND state = 'leased';

-- name: messages_lease
UPDATE queue_messages m SET state = 'leased', visible_at = %(until)s, receipt = v.receipt,
    receive_count = m.receive_count + 1, attempts = m.attempts + 1
FROM unnest(%(seq)s::bigint[], %(receipt)s::text[]) AS v(seq, receipt)
WHERE m.seq = v.seq;

-- name: messages_by_ids
SELECT * FROM queue_messages
WHERE project = %(project)s AND queue = %(queue)s AND id = ANY(%(ids)s::text[])
ORDER BY seq
FOR UPDATE;

-- name: messages_delete
DELETE FROM queue_messages WHERE seq = ANY(%(seqs)s::bigint[]);

-- name: messages_requeue
UPDATE queue_messages SET state = 'ready', visible_at = %(visible_at)s, receipt = NULL, last_error = %(error)s
WHERE seq = ANY(%(seqs)s::bigint[]);

-- name: messages_to_dlq
UPDATE queue_messages SET queue = %(dlq)s, state = 'ready', visible_at = %(now)s, receipt = NULL, attempts = 0,
    rank = CASE WHEN %(rank_on)s THEN priority ELSE 0 END, source_queue = queue, dead_lettered_at = %(now)s,
    last_error = %(error)s
WHERE seq = ANY(%(seqs)s::bigint[]);

-- name: messages_hold_dead
UPDATE queue_messages SET state = 'dead', receipt = NULL, source_queue = queue, dead_lettered_at = %(now)s,
    last_error = %(error)s
WHERE seq = ANY(%(seqs)s::bigint[]);

-- name: dlq_list
SELECT * FROM queue_messages WHERE seq IN (
    SELECT seq FROM queue_messages WHERE project = %(project)s AND source_queue = %(queue)s AND id > %(cursor)s
    UNION
    SELECT seq FROM queue_messages
    WHERE project = %(project)s AND queue = %(queue)s AND source_queue IS NOT NULL AND id > %(cursor)s)
ORDER BY id LIMIT %(limit)s;

-- name: dlq_select
SELECT seq, id, source_queue, priority FROM queue_messages
WHERE seq IN (
    SELECT seq FROM queue_messages WHERE project = %(project)s AND source_queue = %(queue)s
    UNION
    SELECT seq FROM queue_messages
    WHERE project = %(project)s AND queue = %(queue)s AND source_queue IS NOT NULL)
  AND (%(message_id)s::text IS NULL OR id = %(message_id)s::text)
  AND (%(since)s::float8 IS NULL OR dead_lettered_at >= %(since)s::float8)
ORDER BY seq LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: messages_redrive
UPDATE queue_messages SET queue = %(target)s, state = 'ready', visible_at = %(now)s, receipt = NULL, attempts = 0,
    rank = CASE WHEN %(rank_on)s THEN priority ELSE 0 END, source_queue = NULL, dead_lettered_at = NULL,
    last_error = NULL
WHERE seq = ANY(%(seqs)s::bigint[]);

-- name: next_visible
SELECT min(visible_at) AS v FROM queue_messages
WHERE project = %(project)s AND queue = %(queue)s AND state IN ('ready', 'leased') AND visible_at > %(now)s;

-- name: sweep_queues
-- Worker query: queues (every project) with an expired lease.
SELECT q.* FROM queues q WHERE EXISTS (
    SELECT 1 FROM queue_messages m WHERE m.project = q.project AND m.queue = q.name
      AND m.state = 'leased' AND m.visible_at <= %(now)s);

-- name: retention_delete
-- Worker query: every project's messages older than their queue's retention. SKIP LOCKED:
-- sweeps of several processes (and consumers holding rows) never wait on each other.
DELETE FROM queue_messages WHERE seq IN (
    SELECT m.seq FROM queue_messages m JOIN queues q ON q.project = m.project AND q.name = m.queue
    WHERE m.enqueued_at < %(now)s - q.message_retention_days * 86400.0
      AND m.enqueued_at < %(now)s - 86400.0  -- retention is >= 1 day: lets the BRIN index prune
    FOR UPDATE OF m SKIP LOCKED);

-- name: idem_expire
DELETE FROM queue_idempotency WHERE created_at < %(since)s;

-- name: sub_insert
INSERT INTO queue_subscriptions (project, id, queue, url, secret, max_retries, visibility_timeout,
                                 dead_letter_queue, created_at)
VALUES (%(project)s, %(id)s, %(queue)s, %(url)s, %(secret)s, %(max_retries)s, %(visibility_timeout)s,
        %(dead_letter_queue)s, %(created_at)s);

-- name: sub_get
SELECT * FROM queue_subscriptions WHERE project = %(project)s AND id = %(id)s;

-- name: sub_list
SELECT * FROM queue_subscriptions WHERE project = %(project)s AND queue = %(queue)s ORDER BY id;

-- name: sub_delete
DELETE FROM queue_subscriptions WHERE project = %(project)s AND queue = %(queue)s AND id = %(id)s;

-- name: push_candidates
SELECT s.* FROM queue_subscriptions s
WHERE EXISTS (SELECT 1 FROM queue_messages m
              WHERE m.project = s.project AND m.queue = s.queue AND m.state IN ('ready', 'leased')
                AND m.visible_at <= %(now)s)
ORDER BY s.project, s.queue, s.id;

-- name: delivery_insert
INSERT INTO webhook_deliveries (project, id, webhook_id, url, method, headers, body, secret, retries,
                                timeout_seconds, state, next_attempt_at, created_at)
VALUES (%(project)s, %(id)s, %(webhook_id)s, %(url)s, %(method)s, %(headers)s, %(body)s, %(secret)s, %(retries)s,
        %(timeout_seconds)s, 'pending', %(next_attempt_at)s, %(created_at)s)
RETURNING *;

-- name: delivery_get
SELECT * FROM webhook_deliveries WHERE project = %(project)s AND id = %(id)s;

-- name: delivery_claim
-- Worker query (every project): due deliveries, leased until their timeout plus a margin;
-- SKIP LOCKED so several processes deliver disjoint sets. Returns the rows as they were
-- before the lease (like the SQLite store).
WITH c AS (
    SELECT * FROM webhook_deliveries
    WHERE state IN ('pending', 'delivering') AND next_attempt_at <= %(now)s
    ORDER BY next_attempt_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED)
UPDATE webhook_deliveries d SET state = 'delivering',
    next_attempt_at = %(now)s + d.timeout_seconds + %(margin)s
FROM c WHERE d.project = c.project AND d.id = c.id
RETURNING c.*;

-- name: delivery_prune
-- Worker query: finished deliveries of every project past the history window.
DELETE FROM webhook_deliveries WHERE (project, id) IN (
    SELECT project, id FROM webhook_deliveries
    WHERE state IN ('succeeded', 'failed') AND finished_at < %(before)s LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED);

-- name: delivery_get_for_update
SELECT * FROM webhook_deliveries WHERE project = %(project)s AND id = %(id)s FOR UPDATE;

-- name: delivery_record
UPDATE webhook_deliveries SET attempts = %(attempts)s, state = %(state)s, next_attempt_at = %(next_attempt_at)s,
    response_status = %(response_status)s, error = %(error)s, finished_at = %(finished_at)s
WHERE project = %(project)s AND id = %(id)s;

-- name: delivery_next_due
SELECT min(next_attempt_at) AS v FROM webhook_deliveries WHERE state IN ('pending', 'delivering');
