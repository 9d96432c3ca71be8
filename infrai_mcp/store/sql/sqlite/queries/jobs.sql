-- Named queries of SqliteJobStore. Parameters are :named. Every query that serves a
-- caller filters by project; scheduler queries (due_jobs, claimable_*) span projects
-- because one dispatcher serves every project of a data dir.

-- name: job_insert
INSERT INTO jobs (id, project, kind, agent_id, name, schedule_type, schedule, timezone, run_at,
    delay_seconds, callback_type, callback_id, url, method, headers, payload, retries,
    timeout_seconds, secret, on_failure_webhook, overlap_policy, misfire_policy, max_runs,
    run_count, status, retention_days, idempotency_key, next_run_at, plan_at, created_at, updated_at,
    result_url, events_url, schedule_kind, schedule_start, exclusions, jitter_seconds, seq)
VALUES (:id, :project, :kind, :agent_id, :name, :schedule_type, :schedule, :timezone, :run_at,
    :delay_seconds, :callback_type, :callback_id, :url, :method, :headers, :payload, :retries,
    :timeout_seconds, :secret, :on_failure_webhook, :overlap_policy, :misfire_policy, :max_runs,
    0, :status, :retention_days, :idempotency_key, :next_run_at, COALESCE(:plan_at, :next_run_at), :created_at,
    :updated_at, :result_url, :events_url, COALESCE(:schedule_kind, 'cron'), :schedule_start, :exclusions,
    COALESCE(:jitter_seconds, 0), (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs));

-- name: job_by_idempotency
SELECT * FROM jobs WHERE project = :project AND kind = :kind AND idempotency_key = :key;

-- name: jobs_live_count
-- Jobs counting towards INFRAI_MAX_JOBS_PER_PROJECT (store_jobs.LIVE_JOB_STATUSES); index jobs_live (0005).
SELECT COUNT(*) FROM jobs
WHERE project = :project AND status IN ('active', 'paused', 'scheduled') AND deleted_at IS NULL;

-- name: job_get
SELECT * FROM jobs WHERE project = :project AND id = :id AND kind = :kind AND deleted_at IS NULL;

-- name: job_get_any
SELECT * FROM jobs WHERE project = :project AND id = :id AND kind = :kind;

-- name: job_delete
UPDATE jobs SET deleted_at = :now, updated_at = :now, next_run_at = NULL, plan_at = NULL, planned_runs = 0
WHERE project = :project AND id = :id AND kind = :kind AND deleted_at IS NULL;

-- name: runs_cancel_waiting
UPDATE runs SET state = 'cancelled', finished_at = :now, next_attempt_at = NULL,
    error = :reason
WHERE project = :project AND job_id = :job_id AND state IN ('pending', 'retrying');

-- name: task_cancel
UPDATE jobs SET status = 'cancelled', next_run_at = NULL, plan_at = NULL, planned_runs = 0, updated_at = :now
WHERE project = :project AND id = :id AND kind = 'task' AND status = 'scheduled' AND deleted_at IS NULL;

-- name: run_insert
INSERT INTO runs (id, project, job_id, job_kind, trigger, state, scheduled_for, next_attempt_at,
    finished_at, error, webhook_id, created_at)
VALUES (:id, :project, :job_id, :job_kind, :trigger, :state, :scheduled_for, :next_attempt_at,
    :finished_at, :error, :webhook_id, :created_at);

-- name: run_get
SELECT * FROM runs WHERE project = :project AND id = :id;

-- name: attempts_of_run
SELECT * FROM attempts WHERE project = :project AND run_id = :run_id ORDER BY attempt;

-- name: plans_withdraw
-- A change to a job withdraws its plans (docs/ENGINE.md, "Plans"); the caller resets plan_at.
DELETE FROM plans WHERE job_id = :job_id;

-- name: unfinished_runs_of_jobs
SELECT job_id, count(*) AS n FROM runs
WHERE job_id IN (SELECT value FROM json_each(:ids)) AND state IN ('pending', 'running', 'retrying')
GROUP BY job_id;

-- name: due_jobs
-- The planner's columns only (see planning.plan_fire): this runs for every fire.
SELECT id, project, kind, schedule, timezone, plan_at, planned_runs, run_count, max_runs, misfire_policy,
    schedule_kind, schedule_start, exclusions, jitter_seconds
FROM jobs
WHERE plan_at IS NOT NULL AND plan_at <= :horizon AND deleted_at IS NULL
ORDER BY plan_at LIMIT :limit;

-- Batched writes take a JSON array and run as ONE statement: each statement is a GIL
-- hand-off between the DB thread and the event loop, so per-row statements would cost
-- far more than the SQL itself.

-- name: plans_insert_many
INSERT INTO plans (id, project, job_id, job_kind, trigger, scheduled_for, owner, lease_expires_at, created_at,
    skip_reason)
SELECT json_extract(value, '$.id'), json_extract(value, '$.project'), json_extract(value, '$.job_id'),
    json_extract(value, '$.job_kind'), json_extract(value, '$.trigger'), json_extract(value, '$.scheduled_for'),
    :owner, :until, :now, json_extract(value, '$.skip_reason')
FROM json_each(:rows);

-- name: jobs_plan_many
-- next_run_at only where the planner set it (a job that had nothing planned).
UPDATE jobs SET plan_at = json_extract(v.value, '$.plan_at'),
    planned_runs = json_extract(v.value, '$.planned_runs'),
    next_run_at = CASE WHEN json_type(v.value, '$.next_run_at') IS NULL THEN jobs.next_run_at
                       ELSE json_extract(v.value, '$.next_run_at') END
FROM json_each(:rows) AS v
WHERE jobs.id = json_extract(v.value, '$.id');

-- name: plans_reclaim
-- Plans of a process that died or stopped (lease expired): taken over as they are, same id,
-- so each fire is still confirmed once; a late one meets the misfire policy in settle.
UPDATE plans SET owner = :owner, lease_expires_at = :until
WHERE id IN (SELECT id FROM plans WHERE lease_expires_at <= :now ORDER BY scheduled_for LIMIT :limit)
RETURNING id, job_id, scheduled_for;

-- name: plans_release
-- Graceful stop: the plans are left for the next claim (lease expired now).
UPDATE plans SET lease_expires_at = 0 WHERE owner = :owner;

-- name: plans_take
-- confirm_plans: the plans still leased to this process (a change may have withdrawn some).
DELETE FROM plans WHERE id IN (SELECT value FROM json_each(:ids)) AND owner = :owner RETURNING *;

-- name: plans_span_of_jobs
-- Plans that fire (a plan of a skipped time is not a next fire).
SELECT job_id, min(scheduled_for) AS first, max(scheduled_for) AS last FROM plans
WHERE job_id IN (SELECT value FROM json_each(:ids)) AND skip_reason IS NULL GROUP BY job_id;

-- name: jobs_full_by_ids
SELECT * FROM jobs WHERE id IN (SELECT value FROM json_each(:ids));

-- name: runs_insert_many
INSERT INTO runs (id, project, job_id, job_kind, trigger, state, scheduled_for, next_attempt_at,
    started_at, finished_at, error, attempts, lease_owner, lease_expires_at, webhook_id, created_at)
SELECT json_extract(value, '$.id'), json_extract(value, '$.project'), json_extract(value, '$.job_id'),
    json_extract(value, '$.job_kind'), json_extract(value, '$.trigger'), json_extract(value, '$.state'),
    json_extract(value, '$.scheduled_for'), json_extract(value, '$.next_attempt_at'),
    json_extract(value, '$.started_at'), json_extract(value, '$.finished_at'), json_extract(value, '$.error'),
    json_extract(value, '$.attempts'), json_extract(value, '$.lease_owner'), json_extract(value, '$.lease_expires_at'),
    json_extract(value, '$.webhook_id'), json_extract(value, '$.created_at')
FROM json_each(:rows);

-- name: jobs_settle_many
-- planning.settle's changes; plan_at and status only where settle set them.
UPDATE jobs SET run_count = json_extract(v.value, '$.run_count'),
    planned_runs = json_extract(v.value, '$.planned_runs'),
    last_run_at = json_extract(v.value, '$.last_run_at'), last_run_id = json_extract(v.value, '$.last_run_id'),
    next_run_at = json_extract(v.value, '$.next_run_at'),
    plan_at = CASE WHEN json_type(v.value, '$.plan_at') IS NULL THEN jobs.plan_at
                   ELSE json_extract(v.value, '$.plan_at') END,
    status = COALESCE(json_extract(v.value, '$.status'), jobs.status)
FROM json_each(:rows) AS v
WHERE jobs.id = json_extract(v.value, '$.id');

-- name: claimable_waiting
SELECT r.id, r.next_attempt_at AS due FROM runs r JOIN jobs j ON j.id = r.job_id
WHERE r.state IN ('pending', 'retrying') AND r.next_attempt_at <= :now
  AND NOT (j.overlap_policy = 'queue' AND EXISTS (
      SELECT 1 FROM runs r2 WHERE r2.job_id = r.job_id AND r2.id < r.id
        AND r2.state IN ('pending', 'running', 'retrying')))
ORDER BY r.next_attempt_at LIMIT :limit;

-- name: claimable_expired
SELECT r.id, :now AS due FROM runs r
WHERE r.state = 'running' AND r.lease_expires_at <= :now
ORDER BY r.lease_expires_at LIMIT :limit;

-- name: runs_claim_many
UPDATE runs SET state = 'running', lease_owner = :owner, lease_expires_at = :until,
    attempts = attempts + 1, next_attempt_at = NULL
WHERE id IN (SELECT value FROM json_each(:ids))
RETURNING id, project, job_id, job_kind, attempts, scheduled_for, webhook_id;

-- name: jobs_by_ids
-- Only what the executor needs (runs claimed for a retry or after a dead owner).
-- (schedule, timezone, status, max_runs: the body's dynamic fields, core/dynamic.py).
SELECT id, project, kind, agent_id, name, url, method, headers, payload, retries, timeout_seconds,
    secret, on_failure_webhook, callback_type, callback_id, overlap_policy, result_url, events_url,
    schedule, timezone, status, max_runs
FROM jobs WHERE id IN (SELECT value FROM json_each(:ids));

-- name: tasks_mark_running
UPDATE jobs SET status = 'running', updated_at = :now
WHERE kind = 'task' AND status = 'scheduled' AND id IN (SELECT value FROM json_each(:ids));

-- name: runs_finish_many
UPDATE runs SET state = json_extract(v.value, '$.state'),
    response_status = json_extract(v.value, '$.response_status'),
    response_excerpt = json_extract(v.value, '$.response_excerpt'), error = json_extract(v.value, '$.error'),
    duration_ms = json_extract(v.value, '$.duration_ms'),
    started_at = COALESCE(runs.started_at, json_extract(v.value, '$.started_at')),
    finished_at = CASE WHEN json_extract(v.value, '$.state') IN ('succeeded', 'failed')
                       THEN json_extract(v.value, '$.finished_at') END,
    next_attempt_at = json_extract(v.value, '$.next_attempt_at'),
    lease_owner = NULL, lease_expires_at = NULL
FROM json_each(:rows) AS v
WHERE runs.id = json_extract(v.value, '$.run_id') AND runs.state = 'running' AND runs.lease_owner = :owner
RETURNING runs.id, runs.job_id, runs.job_kind, runs.state;

-- name: attempts_insert_many
INSERT OR REPLACE INTO attempts (run_id, attempt, project, started_at, finished_at, response_status,
    duration_ms, error)
SELECT json_extract(value, '$.run_id'), json_extract(value, '$.attempt'), json_extract(value, '$.project'),
    json_extract(value, '$.started_at'), json_extract(value, '$.finished_at'),
    json_extract(value, '$.response_status'), json_extract(value, '$.duration_ms'), json_extract(value, '$.error')
FROM json_each(:rows)
WHERE json_extract(value, '$.run_id') IN (SELECT value FROM json_each(:applied));

-- name: tasks_finish_many
UPDATE jobs SET status = json_extract(v.value, '$.state'), updated_at = :now
FROM json_each(:rows) AS v
WHERE jobs.id = json_extract(v.value, '$.job_id') AND jobs.kind = 'task'
  AND jobs.status IN ('scheduled', 'running');

-- name: job_by_id
SELECT * FROM jobs WHERE id = :id;

-- name: leases_renew
UPDATE runs SET lease_expires_at = :until WHERE state = 'running' AND lease_owner = :owner;

-- name: plan_leases_renew
UPDATE plans SET lease_expires_at = :until WHERE owner = :owner;

-- name: run_release
UPDATE runs SET state = CASE WHEN attempts > 1 THEN 'retrying' ELSE 'pending' END,
    attempts = attempts - 1, next_attempt_at = :now, lease_owner = NULL, lease_expires_at = NULL
WHERE id = :id AND state = 'running' AND lease_owner = :owner;

-- name: next_due_plan
SELECT min(t) FROM (
    SELECT min(plan_at) AS t FROM jobs WHERE plan_at IS NOT NULL AND deleted_at IS NULL
    UNION ALL SELECT min(lease_expires_at) FROM plans WHERE owner != :owner);

-- name: next_due_run
SELECT min(t) FROM (
    SELECT min(next_attempt_at) AS t FROM runs WHERE state IN ('pending', 'retrying')
    UNION ALL SELECT min(lease_expires_at) FROM runs WHERE state = 'running' AND lease_owner IS NOT :owner);

-- name: lease_take
INSERT INTO leases (name, owner, expires_at) VALUES (:name, :owner, :until)
ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
WHERE leases.owner = excluded.owner OR leases.expires_at <= :now;

-- name: lease_get
SELECT owner, expires_at FROM leases WHERE name = :name;

-- name: lease_release
UPDATE leases SET expires_at = 0 WHERE name = :name AND owner = :owner;

-- name: prune_runs
DELETE FROM runs WHERE id IN (
    SELECT r.id FROM runs r JOIN jobs j ON j.id = r.job_id
    WHERE r.finished_at IS NOT NULL AND r.finished_at < :now - j.retention_days * 86400.0
    LIMIT :limit);

-- name: prune_attempts
DELETE FROM attempts WHERE run_id NOT IN (SELECT id FROM runs);
