-- Planned fires: see sql/sqlite/0007_plans.sql for what a plan is. Same columns.
CREATE TABLE plans (
    id               text PRIMARY KEY,
    project          text NOT NULL,
    job_id           text NOT NULL,
    job_kind         text NOT NULL,
    trigger          text NOT NULL,
    scheduled_for    double precision NOT NULL,
    owner            text NOT NULL,
    lease_expires_at double precision NOT NULL,
    created_at       double precision NOT NULL
);
CREATE INDEX plans_job ON plans (job_id, scheduled_for);
CREATE INDEX plans_lease ON plans (lease_expires_at);
CREATE INDEX plans_owner ON plans (owner);

ALTER TABLE jobs ADD COLUMN plan_at double precision;
ALTER TABLE jobs ADD COLUMN planned_runs integer NOT NULL DEFAULT 0;
UPDATE jobs SET plan_at = next_run_at;
CREATE INDEX jobs_plan ON jobs (plan_at) WHERE plan_at IS NOT NULL AND deleted_at IS NULL;
DROP INDEX IF EXISTS jobs_due;
