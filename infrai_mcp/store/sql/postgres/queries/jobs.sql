-- Named queries of PgJobStore. Parameters are %(name)s (psycopg). Scheduler queries span
-- projects; every other query filters by project. Batches travel as arrays (unnest), so
-- a claim or a finish of N runs costs a fixed number of round trips, not N.

-- name: jobs_project_lock
SELECT pg_advisory_xact_lock(hashtext('infrai.jobs:' || %(project)s));

-- name: jobs_live_bound
-- Upper bound of the project's live jobs (0011); read under jobs_project_lock.
SELECT bound FROM job_live_bounds WHERE project = %(project)s;

-- name: jobs_live_bound_set
INSERT INTO job_live_bounds (project, bound) VALUES (%(project)s, %(bound)s)
ON CONFLICT (project) DO UPDATE SET bound = excluded.bound;

-- name: jobs_live_bound_add
-- Creates made with the limit off, and a finished job made live again by a change (no create
-- checked the limit for it), keep the bound an upper bound for processes that check.
UPDATE job_live_bounds SET bound = bound + %(n)s WHERE project = %(project)s;

-- name: jobs_by_idempotency
SELECT * FROM jobs WHERE project = %(project)s
    AND (kind, idempotency_key) IN (SELECT * FROM unnest(%(kinds)s::text[], %(keys)s::text[]));

-- name: jobs_insert_many
-- Rows as one JSON array (jsonb_populate_recordset types each field by the jobs table).
INSERT INTO jobs (id, project, kind, agent_id, name, schedule_type, schedule, timezone, run_at,
    delay_seconds, callback_type, callback_id, url, method, headers, payload, retries,
    timeout_seconds, secret, on_failure_webhook, overlap_policy, misfire_policy, max_runs,
    run_count, status, retention_days, idempotency_key, next_run_at, plan_at, created_at, updated_at,
    result_url, events_url, schedule_kind, schedule_start, exclusions, jitter_seconds)
SELECT id, project, kind, agent_id, name, schedule_type, schedule, COALESCE(timezone, 'UTC'), run_at,
    delay_seconds, callback_type, callback_id, url, method, headers, payload, retries,
    timeout_seconds, secret, on_failure_webhook, overlap_policy, misfire_policy, max_runs,
    0, status, retention_days, idempotency_key, next_run_at, COALESCE(plan_at, next_run_at), created_at, updated_at,
    result_url, events_url, COALESCE(schedule_kind, 'cron'), schedule_start, exclusions, COALESCE(jitter_seconds, 0)
FROM jsonb_populate_recordset(NULL::jobs, %(rows)s::jsonb)
ON CONFLICT (project, kind, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING *;

-- name: jobs_live_count
-- Jobs counting towards INFRAI_MAX_JOBS_PER_PROJECT (store_jobs.LIVE_JOB_STATUSES); index jobs_live (0006).
SELECT COUNT(*) AS n FROM jobs
WHERE project = %(project)s AND status IN ('active', 'paused', 'scheduled') AND deleted_at IS NULL;

-- name: job_get
SELECT * FROM jobs WHERE project = %(project)s AND id = %(id)s AND kind = %(kind)s AND deleted_at IS NULL;

-- name: job_lock
-- A change to a job locks its row first (then withdraws its plans): a concurrent claim either
-- committed its plans before (they are withdrawn) or skips the locked job (SKIP LOCKED).
SELECT id, status FROM jobs WHERE project = %(project)s AND id = %(id)s AND kind = %(kind)s FOR UPDATE;

-- name: plans_withdraw
DELETE FROM plans WHERE job_id = %(job_id)s;

-- name: job_delete
UPDATE jobs SET deleted_at = %(now)s, updated_at = %(now)s, next_run_at = NULL, plan_at = NULL, planned_runs = 0
WHERE project = %(project)s AND id = %(id)s AND kind = %(kind)s AND deleted_at IS NULL;

-- name: runs_cancel_waiting
UPDATE runs SET state = 'cancelled', finished_at = %(now)s, next_attempt_at = NULL, error = %(reason)s
WHERE project = %(project)s AND job_id = %(job_id)s AND state IN ('pending', 'retrying');

-- name: task_cancel
UPDATE jobs SET status = 'cancelled', next_run_at = NULL, plan_at = NULL, planned_runs = 0, updated_at = %(now)s
WHERE project = %(project)s AND id = %(id)s AND kind = 'task' AND status = 'scheduled' AND deleted_at IS NULL;

-- name: run_insert
INSERT INTO runs (id, project, job_id, job_kind, trigger, state, scheduled_for, next_attempt_at,
    finished_at, error, webhook_id, created_at)
VALUES (%(id)s, %(project)s, %(job_id)s, %(job_kind)s, %(trigger)s, %(state)s, %(scheduled_for)s,
    %(next_attempt_at)s, %(finished_at)s, %(error)s, %(webhook_id)s, %(created_at)s)
RETURNING *;

-- name: run_get
SELECT * FROM runs WHERE project = %(project)s AND id = %(id)s;

-- name: attempts_of_run
SELECT * FROM attempts WHERE project = %(project)s AND run_id = %(run_id)s ORDER BY attempt;

-- name: due_jobs
-- Row locks taken here are what make a fire planned once: a second worker skips these
-- jobs, and after commit their plan_at has moved on.
SELECT id, project, kind, schedule, timezone, plan_at, planned_runs, run_count, max_runs, misfire_policy,
    schedule_kind, schedule_start, exclusions, jitter_seconds
FROM jobs
WHERE plan_at IS NOT NULL AND plan_at <= %(horizon)s AND deleted_at IS NULL
ORDER BY plan_at LIMIT %(limit)s
FOR UPDATE SKIP LOCKED;

-- name: unfinished_runs_of_jobs
SELECT job_id, count(*) AS n FROM runs
WHERE job_id = ANY(%(job_ids)s::text[]) AND state IN ('pending', 'running', 'retrying')
GROUP BY job_id;

-- name: plans_insert_many
INSERT INTO plans (id, project, job_id, job_kind, trigger, scheduled_for, skip_reason, owner, lease_expires_at,
    created_at)
SELECT v.*, %(owner)s, %(until)s, %(now)s
FROM unnest(%(id)s::text[], %(project)s::text[], %(job_id)s::text[], %(job_kind)s::text[], %(trigger)s::text[],
    %(scheduled_for)s::float8[], %(skip_reason)s::text[]) AS v;

-- name: jobs_plan_many
-- next_run_at only where the planner set it (keep: a job that already had plans).
UPDATE jobs j SET plan_at = v.plan_at, planned_runs = v.planned_runs,
    next_run_at = CASE WHEN v.keep THEN j.next_run_at ELSE v.next_run_at END
FROM unnest(%(id)s::text[], %(plan_at)s::float8[], %(planned_runs)s::int[], %(next_run_at)s::float8[],
    %(keep)s::bool[]) AS v(id, plan_at, planned_runs, next_run_at, keep)
WHERE j.id = v.id;

-- name: plans_reclaim
-- Plans of a process that died or stopped (lease expired): taken over as they are, same id,
-- so each fire is still confirmed once; a late one meets the misfire policy in settle.
WITH c AS (
    SELECT id FROM plans WHERE lease_expires_at <= %(now)s ORDER BY scheduled_for LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED)
UPDATE plans p SET owner = %(owner)s, lease_expires_at = %(until)s
FROM c WHERE p.id = c.id
RETURNING p.id, p.job_id, p.scheduled_for;

-- name: plans_release
UPDATE plans SET lease_expires_at = 0 WHERE owner = %(owner)s;

-- name: jobs_lock_for_plans
-- confirm_plans locks the plans' jobs first, in id order (the order every writer uses), so it
-- cannot deadlock with a change (which locks the job, then deletes its plans).
SELECT * FROM jobs WHERE id IN (
    SELECT job_id FROM plans WHERE id = ANY(%(ids)s::text[]) AND owner = %(owner)s)
ORDER BY id FOR UPDATE;

-- name: plans_take
DELETE FROM plans WHERE id = ANY(%(ids)s::text[]) AND owner = %(owner)s RETURNING *;

-- name: plans_span_of_jobs
-- Plans that fire (a plan of a skipped time is not a next fire).
SELECT job_id, min(scheduled_for) AS first, max(scheduled_for) AS last FROM plans
WHERE job_id = ANY(%(ids)s::text[]) AND skip_reason IS NULL GROUP BY job_id;

-- name: runs_insert_many
INSERT INTO runs (id, project, job_id, job_kind, trigger, state, scheduled_for, next_attempt_at,
    started_at, finished_at, error, attempts, lease_owner, lease_expires_at, webhook_id, created_at)
SELECT * FROM unnest(%(id)s::text[], %(project)s::text[], %(job_id)s::text[], %(job_kind)s::text[],
    %(trigger)s::text[], %(state)s::text[], %(scheduled_for)s::float8[], %(next_attempt_at)s::float8[],
    %(started_at)s::float8[], %(finished_at)s::float8[], %(error)s::text[], %(attempts)s::int[],
    %(lease_owner)s::text[], %(lease_expires_at)s::float8[], %(webhook_id)s::text[], %(created_at)s::float8[]);

-- name: jobs_settle_many
-- planning.settle's changes; plan_at and status only where settle set them (set_plan_at).
UPDATE jobs j SET run_count = v.run_count, planned_runs = v.planned_runs, last_run_at = v.last_run_at,
    last_run_id = v.last_run_id, next_run_at = v.next_run_at,
    plan_at = CASE WHEN v.set_plan_at THEN v.plan_at ELSE j.plan_at END,
    status = COALESCE(v.status, j.status)
FROM unnest(%(id)s::text[], %(run_count)s::int[], %(planned_runs)s::int[], %(last_run_at)s::float8[],
    %(last_run_id)s::text[], %(next_run_at)s::float8[], %(set_plan_at)s::bool[], %(plan_at)s::float8[],
    %(status)s::text[])
    AS v(id, run_count, planned_runs, last_run_at, last_run_id, next_run_at, set_plan_at, plan_at, status)
WHERE j.id = v.id;

-- name: claim_expired
WITH c AS (
    SELECT id FROM runs
    WHERE state = 'running' AND lease_expires_at <= %(now)s
    ORDER BY lease_expires_at LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED)
UPDATE runs r SET lease_owner = %(owner)s, lease_expires_at = %(until)s,
    attempts = r.attempts + 1, next_attempt_at = NULL
FROM c WHERE r.id = c.id
RETURNING r.*, %(now)s::float8 AS due;

-- name: claim_waiting
-- Overlap 'queue': only the job's oldest unfinished run is claimable. A concurrent claim
-- of an older run is either committed (then it is 'running' here) or holds its row lock
-- (then this snapshot still sees it 'pending'): either way the EXISTS keeps us off.
WITH c AS (
    SELECT r.id, r.next_attempt_at AS due FROM runs r JOIN jobs j ON j.id = r.job_id
    WHERE r.state IN ('pending', 'retrying') AND r.next_attempt_at <= %(now)s
      AND NOT (j.overlap_policy = 'queue' AND EXISTS (
          SELECT 1 FROM runs r2 WHERE r2.job_id = r.job_id AND r2.id < r.id
            AND r2.state IN ('pending', 'running', 'retrying')))
    ORDER BY r.next_attempt_at LIMIT %(limit)s
    FOR UPDATE OF r SKIP LOCKED)
UPDATE runs r SET state = 'running', lease_owner = %(owner)s, lease_expires_at = %(until)s,
    attempts = r.attempts + 1, next_attempt_at = NULL
FROM c WHERE r.id = c.id
RETURNING r.*, c.due;

-- name: jobs_by_ids
SELECT * FROM jobs WHERE id = ANY(%(ids)s::text[]);

-- name: tasks_mark_running
UPDATE jobs SET status = 'running', updated_at = %(now)s
WHERE id = ANY(%(ids)s::text[]) AND kind = 'task' AND status = 'scheduled';

-- name: runs_finish
-- The first attempt's start becomes the run's started_at (claims may happen ahead of time).
UPDATE runs r SET state = v.state, response_status = v.response_status,
    response_excerpt = v.response_excerpt, error = v.error, duration_ms = v.duration_ms,
    started_at = COALESCE(r.started_at, v.started_at),
    finished_at = v.finished_at, next_attempt_at = v.next_attempt_at,
    lease_owner = NULL, lease_expires_at = NULL
FROM unnest(%(id)s::text[], %(state)s::text[], %(response_status)s::int[], %(response_excerpt)s::text[],
    %(error)s::text[], %(duration_ms)s::int[], %(started_at)s::float8[], %(finished_at)s::float8[],
    %(next_attempt_at)s::float8[])
    AS v(id, state, response_status, response_excerpt, error, duration_ms, started_at, finished_at, next_attempt_at)
WHERE r.id = v.id AND r.state = 'running' AND r.lease_owner = %(owner)s
RETURNING r.id, r.job_id, r.job_kind, r.state;

-- name: attempts_upsert
INSERT INTO attempts (run_id, attempt, project, started_at, finished_at, response_status, duration_ms, error)
SELECT * FROM unnest(%(run_id)s::text[], %(attempt)s::int[], %(project)s::text[], %(started_at)s::float8[],
    %(finished_at)s::float8[], %(response_status)s::int[], %(duration_ms)s::int[], %(error)s::text[])
ON CONFLICT (run_id, attempt) DO UPDATE SET project = excluded.project, started_at = excluded.started_at,
    finished_at = excluded.finished_at, response_status = excluded.response_status,
    duration_ms = excluded.duration_ms, error = excluded.error;

-- name: tasks_finish
UPDATE jobs j SET status = v.state, updated_at = v.now
FROM unnest(%(id)s::text[], %(state)s::text[], %(now)s::float8[]) AS v(id, state, now)
WHERE j.id = v.id AND j.kind = 'task' AND j.status IN ('scheduled', 'running');

-- name: leases_renew
UPDATE runs SET lease_expires_at = %(until)s WHERE state = 'running' AND lease_owner = %(owner)s;

-- name: plan_leases_renew
UPDATE plans SET lease_expires_at = %(until)s WHERE owner = %(owner)s;

-- name: runs_release
UPDATE runs SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END,
    attempts = attempts - 1, next_attempt_at = %(now)s, lease_owner = NULL, lease_expires_at = NULL
WHERE id = ANY(%(ids)s::text[]) AND state = 'running' AND lease_owner = %(owner)s;

-- name: next_due
-- LEAST ignores NULLs: the earliest of each, or NULL when none exists.
SELECT LEAST(
    (SELECT min(plan_at) FROM jobs WHERE plan_at IS NOT NULL AND deleted_at IS NULL),
    (SELECT min(lease_expires_at) FROM plans WHERE owner <> %(owner)s)
) AS plan, LEAST(
    (SELECT min(next_attempt_at) FROM runs WHERE state IN ('pending', 'retrying')),
    (SELECT min(lease_expires_at) FROM runs WHERE state = 'running' AND lease_owner IS DISTINCT FROM %(owner)s)
) AS run;

-- name: lease_take
INSERT INTO leases (name, owner, expires_at) VALUES (%(name)s, %(owner)s, %(until)s)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE leases.owner = excluded.owner OR leases.expires_at <= %(now)s
RETURNING owner;

-- name: lease_release
UPDATE leases SET expires_at = 0 WHERE name = %(name)s AND owner = %(owner)s;

-- name: leases_forget
DELETE FROM leases WHERE name LIKE %(prefix)s AND expires_at < %(before)s;

-- name: lease_drop
DELETE FROM leases WHERE name = %(name)s AND owner = %(owner)s;

-- name: prune_runs
-- Every process prunes: SKIP LOCKED keeps two pruners off each other's rows (no waits,
-- no deadlocks between their batches).
WITH gone AS (
    DELETE FROM runs WHERE id IN (
        SELECT r.id FROM runs r JOIN jobs j ON j.id = r.job_id
        WHERE r.finished_at IS NOT NULL AND r.finished_at < %(now)s - j.retention_days * 86400.0
        LIMIT %(limit)s
        FOR UPDATE OF r SKIP LOCKED)
    RETURNING id),
att AS (DELETE FROM attempts WHERE run_id IN (SELECT id FROM gone))
SELECT count(*) AS n FROM gone;
