-- Seed 003 (POST /api/jobs): where a job reports what happened (see sql/sqlite/0004_job_events.sql).
-- result_url = 003 callback_url (the result of each run), events_url = 003 webhook_url
-- (job.started, job.request, job.response, job.finished, job.error). NULL when not asked.
ALTER TABLE jobs ADD COLUMN result_url text;
ALTER TABLE jobs ADD COLUMN events_url text;
