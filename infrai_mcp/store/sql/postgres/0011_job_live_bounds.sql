-- The per-project job limit (INFRAI_MAX_JOBS_PER_PROJECT) without counting on every create:
-- ``bound`` is an upper bound of the project's live jobs. Creates add what they insert (under
-- the project's advisory lock, in their own transaction), a change that makes a finished job
-- live again adds one; nothing subtracts, so jobs that finish or are deleted leave it high.
-- Only when bound + new jobs would pass the limit does a create count exactly (index
-- jobs_live, 0006) and reset bound to the count: O(1) per create until a project nears its
-- limit, instead of O(live jobs) on every create.
CREATE TABLE IF NOT EXISTS job_live_bounds (
    project text PRIMARY KEY,
    bound   bigint NOT NULL
);
