-- Seed 003 (POST /api/jobs): where a job reports what happened.
-- result_url (003 callback_url): receives the result of each run (status, headers subset,
-- body excerpt, run id, attempts) once the run is final. events_url (003 webhook_url):
-- receives job.started, job.request, job.response, job.finished and job.error events.
-- Both best effort (engine/runner.py); NULL for jobs that did not ask.
ALTER TABLE jobs ADD COLUMN result_url TEXT;
ALTER TABLE jobs ADD COLUMN events_url TEXT;
