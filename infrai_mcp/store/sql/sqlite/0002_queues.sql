-- Queues, messages (including dead letters), idempotency keys, push subscriptions and
-- outbound webhook deliveries. Instants are REAL unix seconds (UTC): comparisons and
-- ordering in the claim query stay numeric and index-friendly.

CREATE TABLE IF NOT EXISTS queues (
    project TEXT NOT NULL,
    name TEXT NOT NULL,
    id TEXT NOT NULL,                      -- time-ordered; the list cursor
    type TEXT NOT NULL,                    -- standard | fifo
    dead_letter_queue TEXT,
    max_retries INTEGER NOT NULL,
    message_retention_days INTEGER NOT NULL,
    visibility_timeout_default INTEGER NOT NULL,
    enable_priority INTEGER NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (project, name)
);
CREATE UNIQUE INDEX IF NOT EXISTS queues_by_id ON queues (project, id);

-- One row per message. ``seq`` (the rowid) is publish order: FIFO delivery and the
-- tie-break for equal priority. ``state``: ready (visible once visible_at <= now; later
-- than now means delayed), leased (visible_at is the lease expiry), dead (a dead letter
-- held in its source queue because that queue has no DLQ). A dead letter moved into a
-- DLQ is an ordinary ready message of the DLQ with source_queue/dead_lettered_at set.
CREATE TABLE IF NOT EXISTS queue_messages (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    project TEXT NOT NULL,
    queue TEXT NOT NULL,
    payload TEXT NOT NULL,                 -- JSON
    priority INTEGER NOT NULL DEFAULT 0,   -- as published
    rank INTEGER NOT NULL DEFAULT 0,       -- priority if the queue orders by priority, else 0
    group_id TEXT,
    state TEXT NOT NULL,
    visible_at REAL NOT NULL,
    receipt TEXT,
    receive_count INTEGER NOT NULL DEFAULT 0,  -- deliveries over the message's whole life
    attempts INTEGER NOT NULL DEFAULT 0,       -- deliveries in the current queue (max_retries)
    enqueued_at REAL NOT NULL,
    source_queue TEXT,
    dead_lettered_at REAL,
    last_error TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS queue_messages_by_id ON queue_messages (id);
-- The claim index: ready messages of one queue in delivery order (rank DESC, seq).
CREATE INDEX IF NOT EXISTS queue_messages_claim ON queue_messages (project, queue, state, rank DESC, seq);
-- FIFO claims: messages that carry a group. Partial, so queues without groups pay nothing
-- for it; it lets a claim skip a held no-group backlog without walking it.
CREATE INDEX IF NOT EXISTS queue_messages_grouped ON queue_messages (project, queue, state, seq)
    WHERE group_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS queue_messages_dead ON queue_messages (project, source_queue, id)
    WHERE source_queue IS NOT NULL;
CREATE INDEX IF NOT EXISTS queue_messages_in_dlq ON queue_messages (project, queue, id)
    WHERE source_queue IS NOT NULL;

-- Idempotency keys of publishes (scope = 'publish:<queue>'), batch publishes, queue
-- creation, subscriptions and webhook sends. Kept for the dedup window (docs/QUEUES.md).
CREATE TABLE IF NOT EXISTS queue_idempotency (
    project TEXT NOT NULL,
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    result TEXT NOT NULL,                  -- JSON: what the first call returned
    created_at REAL NOT NULL,
    PRIMARY KEY (project, scope, key)
);
CREATE INDEX IF NOT EXISTS queue_idempotency_age ON queue_idempotency (created_at);

CREATE TABLE IF NOT EXISTS queue_subscriptions (
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    queue TEXT NOT NULL,
    url TEXT NOT NULL,
    secret TEXT,                           -- write-only: never returned or logged
    max_retries INTEGER NOT NULL,
    visibility_timeout INTEGER NOT NULL,
    dead_letter_queue TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (project, id)
);
CREATE INDEX IF NOT EXISTS queue_subscriptions_by_queue ON queue_subscriptions (project, queue, id);

CREATE TABLE IF NOT EXISTS webhook_deliveries (
    project TEXT NOT NULL,
    id TEXT NOT NULL,
    webhook_id TEXT NOT NULL,              -- stable across retries (Standard Webhooks webhook-id)
    url TEXT NOT NULL,
    method TEXT NOT NULL,
    headers TEXT,                          -- JSON
    body TEXT,                             -- JSON payload as sent
    secret TEXT,                           -- write-only
    retries INTEGER NOT NULL,
    timeout_seconds INTEGER NOT NULL,
    state TEXT NOT NULL,                   -- pending | delivering | succeeded | failed
    next_attempt_at REAL NOT NULL,         -- pending: when due; delivering: lease expiry
    attempts TEXT NOT NULL DEFAULT '[]',   -- JSON list of Attempt records
    response_status INTEGER,
    error TEXT,
    created_at REAL NOT NULL,
    finished_at REAL,
    PRIMARY KEY (project, id)
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
