-- Jobs (cron jobs, one-shot tasks, agent schedules), their runs, attempts and leases.
-- Mirrors sql/sqlite/0001_jobs.sql column for column, so both stores hand the engine the
-- same row dicts. Instants stay float unix seconds (double precision), not timestamptz:
-- the JobStore contract speaks floats, and converting at every boundary buys nothing.

CREATE TABLE jobs (
    id               text PRIMARY KEY,
    project          text NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('cron', 'task', 'schedule')),
    agent_id         text,
    name             text,
    schedule_type    text,
    schedule         text,
    timezone         text NOT NULL DEFAULT 'UTC',
    run_at           double precision,
    delay_seconds    integer,
    callback_type    text NOT NULL DEFAULT 'url',
    callback_id      text,
    url              text,
    method           text NOT NULL DEFAULT 'POST',
    headers          text,
    payload          text,
    retries          integer NOT NULL DEFAULT 3,
    timeout_seconds  integer NOT NULL DEFAULT 300,
    secret           text,
    on_failure_webhook text,
    overlap_policy   text NOT NULL DEFAULT 'allow',
    misfire_policy   text NOT NULL DEFAULT 'run_once',
    max_runs         integer,
    run_count        integer NOT NULL DEFAULT 0,
    status           text NOT NULL,
    retention_days   integer NOT NULL DEFAULT 30,
    idempotency_key  text,
    next_run_at      double precision,
    last_run_at      double precision,
    last_run_id      text,
    created_at       double precision NOT NULL,
    updated_at       double precision NOT NULL,
    deleted_at       double precision
);
CREATE INDEX jobs_due ON jobs (next_run_at) WHERE next_run_at IS NOT NULL AND deleted_at IS NULL;
CREATE INDEX jobs_project_kind ON jobs (project, kind, id);
CREATE INDEX jobs_agent ON jobs (project, agent_id, id) WHERE agent_id IS NOT NULL;
CREATE UNIQUE INDEX jobs_idempotency ON jobs (project, kind, idempotency_key) WHERE idempotency_key IS NOT NULL;

CREATE TABLE runs (
    id               text PRIMARY KEY,
    project          text NOT NULL,
    job_id           text NOT NULL,
    job_kind         text NOT NULL,
    trigger          text NOT NULL DEFAULT 'schedule',
    state            text NOT NULL,
    scheduled_for    double precision NOT NULL,
    next_attempt_at  double precision,
    started_at       double precision,
    finished_at      double precision,
    attempts         integer NOT NULL DEFAULT 0,
    response_status  integer,
    response_excerpt text,
    error            text,
    duration_ms      integer,
    webhook_id       text NOT NULL,
    lease_owner      text,
    lease_expires_at double precision,
    created_at       double precision NOT NULL
);
CREATE INDEX runs_job ON runs (job_id, id);
CREATE INDEX runs_project ON runs (project, id);
CREATE INDEX runs_waiting ON runs (next_attempt_at) WHERE state IN ('pending', 'retrying');
CREATE INDEX runs_leased ON runs (lease_expires_at) WHERE state = 'running';
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;

CREATE TABLE attempts (
    run_id           text NOT NULL,
    attempt          integer NOT NULL,
    project          text NOT NULL,
    started_at       double precision NOT NULL,
    finished_at      double precision,
    response_status  integer,
    duration_ms      integer,
    error            text,
    PRIMARY KEY (run_id, attempt)
);

-- Named leases. With PostgreSQL every worker claims runs itself (SKIP LOCKED), so no
-- lease gates dispatch; the table serves singleton chores (see pg_jobs.take_lease).
CREATE TABLE leases (
    name             text PRIMARY KEY,
    project          text NOT NULL DEFAULT '*',
    owner            text NOT NULL,
    expires_at       double precision NOT NULL
);
