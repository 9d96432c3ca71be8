-- The per-project job limit (INFRAI_MAX_JOBS_PER_PROJECT) counts live jobs of a project in
-- the insert's transaction; this index keeps that count to the project's live rows.
CREATE INDEX IF NOT EXISTS jobs_live ON jobs (project, status) WHERE deleted_at IS NULL;
