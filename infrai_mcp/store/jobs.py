"""JobStore: persistence of jobs (cron, task, schedule), runs, attempts and leases.

The contract, once, for every implementation (SQLite now, PostgreSQL later):

- Rows are plain dicts keyed by the column names of ``sql/sqlite/0001_jobs.sql``; instants
  are float unix seconds (UTC); ``headers``/``payload`` are JSON text. The store never
  sees a pydantic model: ``JobService`` maps rows to records.
- Every method is ONE transaction. Methods serving a caller take and filter by
  ``project``; an id of another project behaves exactly like an unknown id.
- Deleted jobs are soft-deleted (``deleted_at``) so delete is idempotent; ``get_job`` and
  ``list_jobs`` never return them.
- The scheduler side (``claim_due``, ``confirm_plans``, ``finish_runs``, ``renew_run_leases``,
  ``release_runs``, ``next_due_at``, ``take_lease``) spans projects: one dispatcher serves a whole data dir.
- Fires are claimed as PLANS, not runs (docs/ENGINE.md, "Plans"). ``claim_due`` in one
  transaction turns jobs whose ``plan_at`` is within the horizon into plans leased to the
  claiming process (asking the scheduler's ``planner``), and leases runs that are due now.
  ``confirm_plans``, at the plans' time, turns the plans that still exist into runs (asking
  ``settle``) in one transaction; only what it returns may be sent. Every change to a job
  (``update_job``, ``delete_job``, ``cancel_task``) deletes the job's plans in its own
  transaction and moves ``plan_at`` back to ``next_run_at``: a plan made under old settings
  can never be confirmed after the change committed, in any process.
- A crash before a claim commits leaves the job due; after it, plans and runs whose lease
  expired are taken over by the next ``claim_due`` as they are (same ids, same ``webhook_id``).
  A fire can be neither skipped nor doubled by a crash.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from infrai_mcp.core.errors import LimitExceeded
from infrai_mcp.core.planning import Planner

Row = dict[str, Any]

# Jobs that count towards the per-project limit (README, "Limits"): cron jobs (active or
# paused), scheduled tasks, active or paused agent schedules. Completed, cancelled and
# deleted jobs do not count.
LIVE_JOB_STATUSES = ("active", "paused", "scheduled")


# Column allow-lists both stores enforce: column names are spliced into SQL, values never are.
UPDATABLE_JOB_COLUMNS = frozenset(
    {
        "name", "schedule_type", "schedule", "timezone", "run_at", "delay_seconds", "callback_type",
        "callback_id", "url", "method", "headers", "payload", "retries", "timeout_seconds", "secret",
        "on_failure_webhook", "overlap_policy", "misfire_policy", "max_runs", "run_count", "status",
        "retention_days", "next_run_at", "last_run_at", "last_run_id", "updated_at", "result_url", "events_url",
        "schedule_kind", "schedule_start", "exclusions", "jitter_seconds", "plan_at",
    }
)
JOB_FILTERS = frozenset({"agent_id", "status", "schedule_type", "name"})
RUN_FILTERS = frozenset({"job_id", "state", "job_kind"})
RUN_COLUMNS = ("id", "project", "job_id", "job_kind", "trigger", "state", "scheduled_for",
               "next_attempt_at", "finished_at", "error", "webhook_id", "created_at")


def check_job_changes(changes: Row) -> None:
    """``update_job`` sets only allow-listed columns (a programming error otherwise)."""
    bad = set(changes) - UPDATABLE_JOB_COLUMNS
    if bad:
        raise ValueError(f"cannot update job columns {sorted(bad)}")


def too_many_jobs(project: str, count: int, limit: int, adding: int = 1) -> LimitExceeded:
    more = f"; {adding} more would pass" if adding > 1 else ""
    return LimitExceeded(
        f"project {project!r} has {count} active jobs (cron jobs, scheduled tasks, active or paused agent "
        f"schedules){more}; the limit is {limit} (INFRAI_MAX_JOBS_PER_PROJECT). Delete or cancel jobs you no "
        "longer need; completed, cancelled and deleted jobs do not count"
    )


@dataclass
class Claimed:
    """A run leased to this process with the job columns the executor needs."""

    run: Row
    job: Row
    due: float = 0.0  # when to send; <= now: at once


@dataclass(frozen=True)
class PlanRef:
    """A plan leased to this process: confirm it at ``due`` (``confirm_plans``)."""

    id: str
    job_id: str
    due: float


@dataclass
class Claim:
    plans: list[PlanRef] = field(default_factory=list)  # ordered by due
    runs: list[Claimed] = field(default_factory=list)  # due now


@dataclass(frozen=True)
class Due:
    """When ``claim_due`` could next return work: ``plan`` may be claimed ahead (it is a job's
    ``plan_at`` or a dead owner's plan lease); ``run`` only when reached (a waiting run, a
    dead owner's run lease)."""

    plan: float | None
    run: float | None


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
    async def insert_job(self, row: Row) -> tuple[Row, bool]:
        """Insert; when ``idempotency_key`` matches an earlier job of the same project and
        kind, insert nothing and return ``(that job, False)``. Else ``(row, True)``; but
        when the project already has ``max_jobs_per_project`` live jobs, raise
        ``LimitExceeded`` and insert nothing (counted in the same transaction)."""
        return (await self.insert_jobs(row["project"], [row]))[0]

    @abstractmethod
    async def insert_jobs(self, project: str, rows: list[Row]) -> list[tuple[Row, bool]]:
        """``insert_job`` for many rows of one project in ONE transaction, all or nothing: one
        answer per row, in order. A row whose ``idempotency_key`` matches an earlier job (or
        an earlier row of the same call) is ``(that job, False)``. When the new rows would
        take the project past ``max_jobs_per_project`` live jobs, raise ``LimitExceeded`` and
        insert none of them."""

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
        conditions on columns (``agent_id``, ``status``, ``schedule_type``), except ``name``:
        a part of the name, in any case."""

    @abstractmethod
    async def update_job(
        self, project: str, kind: str, job_id: str, changes: Row, *, cancel_waiting: bool = False
    ) -> Row | None:
        """Apply column ``changes`` and return the new row (None: no such job). The job's plans
        are withdrawn in the same transaction and ``plan_at`` becomes the new ``next_run_at``
        (``planned_runs`` 0): whatever changed, the scheduler plans again under the new
        settings. ``cancel_waiting`` also cancels the job's pending/retrying runs (pause of a
        one-shot schedule)."""

    @abstractmethod
    async def delete_job(self, project: str, kind: str, job_id: str, now: float) -> bool:
        """Soft-delete, withdraw the job's plans and cancel its waiting runs. True when the job
        exists or existed (already deleted); False for an unknown id."""

    @abstractmethod
    async def cancel_task(self, project: str, task_id: str, now: float) -> Row | None:
        """scheduled -> cancelled, withdrawing its plan. Returns the row after the call
        (whatever its state, so the caller can tell a finished task from an unknown one)."""

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
    async def claim_due(
        self, now: float, horizon: float, owner: str, lease_until: float, limit: int, planner: Planner
    ) -> Claim:
        """One transaction: take over plans whose lease expired (a process died or stopped;
        same plan, now leased to ``owner``); turn jobs whose ``plan_at`` <= ``horizon`` into
        plans leased to ``owner`` until ``lease_until`` (``planner`` decides the fires and the
        job's cursor); lease up to ``limit`` runs due now — pending/retrying runs whose
        ``next_attempt_at`` <= now (for a job with overlap policy 'queue', only its oldest
        unfinished run) and running runs whose
        lease expired. Claiming a run increments its ``attempts``."""

    @abstractmethod
    async def confirm_plans(
        self, owner: str, plan_ids: list[str], now: float, lease_until: float, misfire_grace: float
    ) -> list[Claimed]:
        """One transaction, at the plans' time: the plans of ``plan_ids`` still leased to
        ``owner`` become runs (``planning.settle``: sent now, waiting behind an unfinished run,
        or skipped; late ones meet the misfire policy) and their jobs advance (tasks become
        'running'). Returns the runs to send now, leased to ``owner``; a plan withdrawn by a
        change, or taken over by another process after its lease expired, is not there."""

    @abstractmethod
    async def finish_runs(self, owner: str, outcomes: list[Outcome]) -> list[str]:
        """Record attempts and new run states (only for runs still leased to ``owner``);
        the first attempt's start becomes the run's ``started_at``; finished tasks take
        the run's final state. Returns the ids that were applied."""

    @abstractmethod
    async def renew_run_leases(self, owner: str, until: float) -> None: ...

    @abstractmethod
    async def release_runs(self, owner: str, run_ids: list[str], now: float) -> None:
        """Give back what ``owner`` holds (graceful stop): its plans and the runs of ``run_ids``
        become claimable at once by the next claim; the interrupted attempt does not count."""

    @abstractmethod
    async def next_due_at(self, owner: str) -> Due:
        """When ``claim_due`` could next return work (see ``Due``)."""

    @abstractmethod
    async def take_lease(self, name: str, owner: str, now: float, until: float) -> bool:
        """Acquire or renew the named lease; False while another owner holds it."""

    @abstractmethod
    async def release_lease(self, name: str, owner: str) -> None: ...

    @abstractmethod
    async def prune_runs(self, now: float, limit: int = 5000) -> int:
        """Delete finished runs (and their attempts) older than their job's retention."""
