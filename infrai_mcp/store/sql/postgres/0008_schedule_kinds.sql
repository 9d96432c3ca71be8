-- Schedule kinds (docs/TIME.md, "Schedule kinds"): jobs.schedule holds the rule's text, read
-- as schedule_kind says: 'cron' (5 or 6 fields), 'interval' (whole seconds), 'rrule' (RFC 5545
-- RRULE lines). schedule_start: the interval's first fire (ISO 8601 UTC) or the RRULE's DTSTART
-- (a wall time in the job's zone). exclusions: JSON {holidays, dates, skip} or NULL.
-- jitter_seconds: the bound of the job's fixed offset (0: none).
ALTER TABLE jobs ADD COLUMN schedule_kind text NOT NULL DEFAULT 'cron';
ALTER TABLE jobs ADD COLUMN schedule_start text;
ALTER TABLE jobs ADD COLUMN exclusions text;
ALTER TABLE jobs ADD COLUMN jitter_seconds integer NOT NULL DEFAULT 0;
-- A plan of a time the job's exclusions skip: settled as a skipped run with this reason.
ALTER TABLE plans ADD COLUMN skip_reason text;
