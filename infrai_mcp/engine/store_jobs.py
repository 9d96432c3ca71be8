"""JobStore: persistence of jobs (cron, task, schedule), runs, attempts and leases.

The contract, once, for every implementation (SQLite now, PostgreSQL later):

- Rows are plain dicts keyed by the column names of ``sql/sqlite/0001_jobs.sql``; instants
  are float unix seconds (UTC); ``headers``/``payload`` are JSON text. The store never
  sees a pydantic model: ``JobService`` maps rows to records.
- Every method is ONE transaction. Methods serving a caller take and filter by
  ``project``; an id of another project behaves exactly like an unknown id.
- Deleted jobs are soft-deleted (``deleted_at``) so delete is idempotent; ``get_job`` and
  ``list_jobs`` never return them.
- The scheduler side (``claim_runs``, ``finish_runs``, ``renew_run_leases``, ``release_runs``,
  ``next_due_at``, ``take_lease``) spans projects: one dispatcher serves a whole data dir.
- ``claim_runs`` is the heart of "neither skip nor double a fire": in one transaction it
  turns due jobs into runs (asking the scheduler's ``planner`` what to create and how to
  advance the job) and leases claimable runs to ``owner``. A crash before commit leaves
  the job due; after commit the runs exist and their leases expire if nobody finishes
  them, which makes them claimable again (with the same ``webhook_id``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from infrai_mcp.errors import LimitExceeded

Row = dict[str, Any]

# Jobs that count towards the per-project limit (README, "Limits"): cron jobs (active or
# paused), scheduled tasks, active or paused agent schedules. Completed, cancelled and
# deleted jobs do not count.
LIVE_JOB_STATUSES = ("active", "paused", "scheduled")


def too_many_jobs(project: str, count: int, limit: int) -> LimitExceeded:
    return LimitExceeded(
        f"project {project!r} has {count} active jobs (cron jobs, scheduled tasks, active or paused agent "
        f"schedules); the limit is {limit} (INFRAI_MAX_JOBS_PER_PROJECT). Delete or cancel jobs you no "
        "longer need; completed, cancelled and deleted jobs do not count"
    )


@dataclass
class PlannedRun:
    scheduled_for: float
    trigger: str = "schedule"  # schedule | misfire
    state: str = "pending"  # pending, or skipped (overlap policy 'skip': recorded, not sent)
    error: str | None = None


@dataclass
class FirePlan:
    """What one due job turns into: runs to create and column changes for the job."""

    runs: list[PlannedRun] = field(default_factory=list)
    changes: Row = field(default_factory=dict)  # only next_run_at, run_count, status, last_run_at


# planner(job_row, now, unfinished_runs_of_job) -> FirePlan; pure, no I/O. The store sets
# last_run_id itself (the id of the last run it created for the job).
Planner = Callable[[Row, float, int], FirePlan]


@dataclass
class Claimed:
    run: Row
    job: Row
    due: float = 0.0  # when to send (claim_runs_ahead); 0 = at once


@dataclass
class Outcome:
    """The result of one attempt, as the executor hands it to ``finish_runs``."""

    run_id: str
    project: str
    attempt: int
    started_at: float
    finished_at: float
    state: str  # succeeded | failed | retrying
    response_status: int | None = None
    response_excerpt: str | None = None
    error: str | None = None
    duration_ms: int | None = None
    next_attempt_at: float | None = None


class JobStore(ABC):
    """Jobs, runs, attempts and the dispatch lease. See the module docstring."""

    # Set by the Engine from Settings; ``insert_job`` refuses a new job (``LimitExceeded``)
    # when the project already has this many live jobs (``LIVE_JOB_STATUSES``).
    max_jobs_per_project: int | None = None

    # -- jobs ---------------------------------------------------------------------------
    @abstractmethod
    async def insert_job(self, row: Row) -> tuple[Row, bool]:
        """Insert; when ``idempotency_key`` matches an earlier job of the same project and
        kind, insert nothing and return ``(that job, False)``. Else ``(row, True)``; but
        when the project already has ``max_jobs_per_project`` live jobs, raise
        ``LimitExceeded`` and insert nothing (counted in the same transaction)."""

    @abstractmethod
    async def get_job(self, project: str, kind: str, job_id: str) -> Row | None: ...

    @abstractmethod
    async def list_jobs(
        self,
        project: str,
        kind: str,
        *,
        cursor: str | None,
        limit: int,
        filters: Row | None = None,
    ) -> list[Row]:
        """Oldest first, ``id > cursor``, at most ``limit`` rows. ``filters`` are equality
        conditions on columns (``agent_id``, ``status``, ``schedule_type``)."""

    @abstractmethod
    async def update_job(
        self, project: str, kind: str, job_id: str, changes: Row, *, cancel_waiting: bool = False
    ) -> Row | None:
        """Apply column ``changes`` and return the new row (None: no such job).
        ``cancel_waiting`` also cancels the job's pending/retrying runs (pause of a
        one-shot schedule)."""

    @abstractmethod
    async def delete_job(self, project: str, kind: str, job_id: str, now: float) -> bool:
        """Soft-delete and cancel the job's waiting runs. True when the job exists or
        existed (already deleted); False for an unknown id."""

    @abstractmethod
    async def cancel_task(self, project: str, task_id: str, now: float) -> Row | None:
        """scheduled -> cancelled. Returns the row after the call (whatever its state,
        so the caller can tell a finished task from an unknown one)."""

    # -- runs ---------------------------------------------------------------------------
    @abstractmethod
    async def insert_run(self, row: Row) -> Row:
        """A run created outside the scheduler (manual trigger)."""

    @abstractmethod
    async def get_run(self, project: str, run_id: str) -> Row | None: ...

    @abstractmethod
    async def list_runs(
        self, project: str, *, cursor: str | None, limit: int, filters: Row | None = None
    ) -> list[Row]:
        """Newest first, ``id < cursor``. ``filters``: ``job_id``, ``state``, ``job_kind``."""

    @abstractmethod
    async def list_attempts(self, project: str, run_id: str) -> list[Row]: ...

    # -- scheduler ----------------------------------------------------------------------
    @abstractmethod
    async def claim_runs(
        self, now: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> list[Claimed]:
        """Materialise due jobs into runs and lease up to ``limit`` claimable runs.

        Claimable: pending/retrying runs whose ``next_attempt_at`` <= now (for a job with
        overlap policy 'queue', only its oldest unfinished run), and running runs whose
        lease expired. Claiming increments ``attempts`` and marks a task 'running'."""

    async def claim_runs_ahead(
        self, now: float, horizon: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> list[Claimed]:
        """``claim_runs`` looking ahead to ``horizon`` (>= now): jobs and runs due by then are
        claimed now and ``Claimed.due`` says when to send, so the scheduler can fire on the
        dot however slow the store is under load. Stores that cannot look ahead keep this
        default (claim what is due now; ``due`` = now)."""
        return await self.claim_runs(now, owner, lease_until, limit, planner)

    @abstractmethod
    async def finish_runs(self, owner: str, outcomes: list[Outcome]) -> list[str]:
        """Record attempts and new run states (only for runs still leased to ``owner``);
        the first attempt's start becomes the run's ``started_at``; finished tasks take
        the run's final state. Returns the ids that were applied."""

    @abstractmethod
    async def renew_run_leases(self, owner: str, until: float) -> None: ...

    @abstractmethod
    async def release_runs(self, owner: str, run_ids: list[str], now: float) -> None:
        """Give unfinished runs back (graceful stop): claimable again at once (or at their
        scheduled time, if still ahead), and the interrupted attempt does not count."""

    async def cancel_claimed(self, owner: str, run_ids: list[str], now: float, reason: str) -> None:
        """Runs leased to ``owner`` and claimed ahead but never started become 'cancelled'
        (the claim's attempt not counted) and their tasks go back to 'scheduled', so a
        following pause/delete/cancel applies to them. Stores that never claim ahead need
        not implement it (the scheduler then never has such runs to withdraw)."""
        raise NotImplementedError

    @abstractmethod
    async def next_due_at(self, owner: str) -> float | None:
        """The earliest instant at which ``claim_runs`` could return work (None: nothing)."""

    @abstractmethod
    async def take_lease(self, name: str, owner: str, now: float, until: float) -> bool:
        """Acquire or renew the named lease; False while another owner holds it."""

    @abstractmethod
    async def release_lease(self, name: str, owner: str) -> None: ...

    @abstractmethod
    async def prune_runs(self, now: float, limit: int = 5000) -> int:
        """Delete finished runs (and their attempts) older than their job's retention."""
