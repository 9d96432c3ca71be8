-- Jobs (cron jobs, one-shot tasks, agent schedules), their runs, attempts and leases.
-- Instants are REAL unix seconds (UTC): cheap to compare and to index, no format drift.

-- One table for every kind of job: the scheduler claims due work with one query.
CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    project          TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('cron', 'task', 'schedule')),
    agent_id         TEXT,                  -- agent schedules only
    name             TEXT,
    schedule_type    TEXT,                  -- agent schedules: once | delayed | cron
    schedule         TEXT,                  -- normalised cron expression (NULL for one-shots)
    timezone         TEXT NOT NULL DEFAULT 'UTC',
    run_at           REAL,                  -- one-shot fire time
    delay_seconds    INTEGER,
    -- target: an HTTP request, or (schedules) a queue/workflow callback
    callback_type    TEXT NOT NULL DEFAULT 'url',
    callback_id      TEXT,
    url              TEXT,
    method           TEXT NOT NULL DEFAULT 'POST',
    headers          TEXT,                  -- JSON object
    payload          TEXT,                  -- JSON
    retries          INTEGER NOT NULL DEFAULT 3,
    timeout_seconds  INTEGER NOT NULL DEFAULT 300,
    secret           TEXT,                  -- write-only; never returned
    on_failure_webhook TEXT,
    overlap_policy   TEXT NOT NULL DEFAULT 'allow',
    misfire_policy   TEXT NOT NULL DEFAULT 'run_once',
    max_runs         INTEGER,
    run_count        INTEGER NOT NULL DEFAULT 0,
    -- cron/schedule: active | paused | completed; task: scheduled | running | succeeded | failed | cancelled
    status           TEXT NOT NULL,
    retention_days   INTEGER NOT NULL DEFAULT 30,
    idempotency_key  TEXT,
    next_run_at      REAL,                  -- NULL when nothing is due (paused, completed, fired)
    last_run_at      REAL,
    last_run_id      TEXT,
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    deleted_at       REAL                   -- soft delete keeps delete idempotent
);
CREATE INDEX jobs_due ON jobs (next_run_at) WHERE next_run_at IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX jobs_project_kind ON jobs (project, kind, id);
CREATE INDEX jobs_agent ON jobs (project, agent_id, id) WHERE agent_id IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency ON jobs (project, kind, idempotency_key) WHERE idempotency_key IS NOT NULL;

-- One row per fire. pending/retrying runs wait for next_attempt_at; running runs hold a
-- lease (owner + expiry) that the executing process renews; an expired lease makes the
-- run claimable again (at-least-once, same webhook_id).
CREATE TABLE runs (
    id               TEXT PRIMARY KEY,
    project          TEXT NOT NULL,
    job_id           TEXT NOT NULL,
    job_kind         TEXT NOT NULL,
    trigger          TEXT NOT NULL DEFAULT 'schedule',
    state            TEXT NOT NULL,
    scheduled_for    REAL NOT NULL,
    next_attempt_at  REAL,
    started_at       REAL,
    finished_at      REAL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    response_status  INTEGER,
    response_excerpt TEXT,
    error            TEXT,
    duration_ms      INTEGER,
    webhook_id       TEXT NOT NULL,
    lease_owner      TEXT,
    lease_expires_at REAL,
    created_at       REAL NOT NULL
);
CREATE INDEX runs_job ON runs (job_id, id);
CREATE INDEX runs_project ON runs (project, id);
CREATE INDEX runs_waiting ON runs (next_attempt_at) WHERE state IN ('pending', 'retrying');
CREATE INDEX runs_leased ON runs (lease_expires_at) WHERE state = 'running';
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE attempts (
    run_id           TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    project          TEXT NOT NULL,
    started_at       REAL NOT NULL,
    finished_at      REAL,
    response_status  INTEGER,
    duration_ms      INTEGER,
    error            TEXT,
    PRIMARY KEY (run_id, attempt)
);

-- Named leases: 'dispatch' is held by the one process that fires work for a data dir.
CREATE TABLE leases (
    name             TEXT PRIMARY KEY,
    owner            TEXT NOT NULL,
    expires_at       REAL NOT NULL
);
