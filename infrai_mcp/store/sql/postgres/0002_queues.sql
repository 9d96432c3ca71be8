-- Queues, messages (including dead letters), idempotency keys, push subscriptions and
-- outbound webhook deliveries. Mirrors sql/sqlite/0002_queues.sql column for column
-- (instants are float unix seconds; enable_priority stays an integer 0/1) so both stores
-- hand QueueService the same row dicts.

CREATE TABLE queues (
    project text NOT NULL,
    name text NOT NULL,
    id text NOT NULL,
    type text NOT NULL,
    dead_letter_queue text,
    max_retries integer NOT NULL,
    message_retention_days integer NOT NULL,
    visibility_timeout_default integer NOT NULL,
    enable_priority integer NOT NULL,
    created_at double precision NOT NULL,
    PRIMARY KEY (project, name)
);
CREATE UNIQUE INDEX queues_by_id ON queues (project, id);

-- seq (an identity) is publish order, like SQLite's rowid. Messages are updated in place
-- by every lease/ack, so leave room on each page for HOT updates (fillfactor).
CREATE TABLE queue_messages (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id text NOT NULL,
    project text NOT NULL,
    queue text NOT NULL,
    payload text NOT NULL,
    priority integer NOT NULL DEFAULT 0,
    rank integer NOT NULL DEFAULT 0,
    group_id text,
    state text NOT NULL,
    visible_at double precision NOT NULL,
    receipt text,
    receive_count integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    enqueued_at double precision NOT NULL,
    source_queue text,
    dead_lettered_at double precision,
    last_error text
) WITH (fillfactor = 80);
CREATE UNIQUE INDEX queue_messages_by_id ON queue_messages (id);
-- The claim index: ready messages of one queue in delivery order (rank DESC, seq).
CREATE INDEX queue_messages_claim ON queue_messages (project, queue, rank DESC, seq) WHERE state = 'ready';
CREATE INDEX queue_messages_leased ON queue_messages (project, queue, visible_at) WHERE state = 'leased';
CREATE INDEX queue_messages_dead ON queue_messages (project, source_queue, id) WHERE source_queue IS NOT NULL;
CREATE INDEX queue_messages_age ON queue_messages (project, queue, enqueued_at);

CREATE TABLE queue_idempotency (
    project text NOT NULL,
    scope text NOT NULL,
    key text NOT NULL,
    result text NOT NULL,
    created_at double precision NOT NULL,
    PRIMARY KEY (project, scope, key)
);
CREATE INDEX queue_idempotency_age ON queue_idempotency (created_at);

CREATE TABLE queue_subscriptions (
    project text NOT NULL,
    id text NOT NULL,
    queue text NOT NULL,
    url text NOT NULL,
    secret text,
    max_retries integer NOT NULL,
    visibility_timeout integer NOT NULL,
    dead_letter_queue text,
    created_at double precision NOT NULL,
    PRIMARY KEY (project, id)
);
CREATE INDEX queue_subscriptions_by_queue ON queue_subscriptions (project, queue, id);

CREATE TABLE webhook_deliveries (
    project text NOT NULL,
    id text NOT NULL,
    webhook_id text NOT NULL,
    url text NOT NULL,
    method text NOT NULL,
    headers text,
    body text,
    secret text,
    retries integer NOT NULL,
    timeout_seconds integer NOT NULL,
    state text NOT NULL,
    next_attempt_at double precision NOT NULL,
    attempts text NOT NULL DEFAULT '[]',
    response_status integer,
    error text,
    created_at double precision NOT NULL,
    finished_at double precision,
    PRIMARY KEY (project, id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
