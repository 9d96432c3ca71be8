-- Planned fires (docs/ENGINE.md, "Plans"): the scheduler claims work a few seconds before it
-- is due; what it claims is a PLAN, not a run. A plan is no history: no list, last_run,
-- execution, metric or dashboard shows it. At its time the process that owns it turns it into
-- a run in one transaction (confirm_plans) and only then sends the request; every change to
-- the job deletes its plans in the change's own transaction, so a plan made under old settings
-- can never be confirmed after the change has returned.
--
-- jobs.next_run_at stays what callers see: the next fire that has not happened yet.
-- jobs.plan_at is the scheduler's cursor: the next fire not planned yet (equal to next_run_at
-- whenever the job has no plans). jobs.planned_runs counts its plans, so max_runs is not
-- passed by plans that are not runs yet.
CREATE TABLE plans (
    id               TEXT PRIMARY KEY,      -- becomes the run's id
    project          TEXT NOT NULL,
    job_id           TEXT NOT NULL,
    job_kind         TEXT NOT NULL,
    trigger          TEXT NOT NULL,         -- schedule | misfire
    scheduled_for    REAL NOT NULL,
    owner            TEXT NOT NULL,
    lease_expires_at REAL NOT NULL,
    created_at       REAL NOT NULL
);
CREATE INDEX plans_job ON plans (job_id, scheduled_for);
CREATE INDEX plans_lease ON plans (lease_expires_at);
CREATE INDEX plans_owner ON plans (owner);

ALTER TABLE jobs ADD COLUMN plan_at REAL;
ALTER TABLE jobs ADD COLUMN planned_runs INTEGER NOT NULL DEFAULT 0;
UPDATE jobs SET plan_at = next_run_at;
CREATE INDEX jobs_plan ON jobs (plan_at) WHERE plan_at IS NOT NULL AND deleted_at IS NULL;
DROP INDEX IF EXISTS jobs_due;
