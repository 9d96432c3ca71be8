-- Seed 003 shows a job's job_id as an integer (29180): every job gets a number, in creation
-- order. job_insert gives MAX(seq) + 1; jobs are never removed from this table (a delete sets
-- deleted_at), so no number is given twice. Existing jobs are numbered in rowid order.
ALTER TABLE jobs ADD COLUMN seq INTEGER;

UPDATE jobs SET seq = rowid;

CREATE UNIQUE INDEX jobs_seq ON jobs (seq);
