"""The fires a job still has ahead of it, as every surface shows them (MCP results, dashboard).

One rule, written once: only a live job (active cron job or schedule, scheduled task) has
fires ahead; ``max_runs`` caps them at the runs it still allows; a one-shot has its one time.
Fires that are only planned (docs/ENGINE.md, "Plans") are still ahead: ``run_count`` does not
count them, and their time is after now.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Literal, Protocol, TypeVar

from infrai_mcp.core.planning import recurrence_of
from infrai_mcp.models import CronJob, Page, Schedule, Task
from infrai_mcp.when.cron import CronError, iter_fires
from infrai_mcp.when.cron import next_fires as cron_next_fires
from infrai_mcp.when.fires import iter_fires as iter_rec_fires

LIVE = ("active", "scheduled")
J = TypeVar("J")


@dataclass(frozen=True)
class Kind:
    """A schedule's kind beyond a plain cron (docs/TIME.md, "Schedule kinds"); ``key``: the job id."""

    kind: str = "cron"
    start: str | None = None
    exclusions: str | None = None  # JSON text, as stored
    jitter_seconds: int = 0
    key: str | None = None

    @classmethod
    def of(cls, job: CronJob) -> Kind:
        ex = json.dumps(job.exclusions, separators=(",", ":")) if job.exclusions else None
        return cls(job.schedule_kind or "cron", job.schedule_start, ex, job.jitter_seconds, job.cron_id)

    @property
    def plain(self) -> bool:
        return self.kind == "cron" and not self.exclusions and not self.jitter_seconds


def _kind_fires(schedule: str, timezone: str, kind: Kind, after: datetime) -> Iterator[datetime]:
    try:
        rec = recurrence_of({"schedule": schedule, "schedule_kind": kind.kind, "schedule_start": kind.start,
                             "timezone": timezone, "exclusions": kind.exclusions,
                             "jitter_seconds": kind.jitter_seconds})
        if rec is not None:
            yield from iter_rec_fires(rec, after, key=kind.key)
    except (CronError, ValueError, KeyError):
        return


def upcoming(
    *,
    schedule: str | None,
    timezone: str,
    status: str,
    next_run_at: datetime | None,
    max_runs: int | None = None,
    run_count: int = 0,
    after: datetime,
    until: datetime | None = None,
    limit: int = 5,
    kind: Kind | None = None,
) -> tuple[list[datetime], bool]:
    """Up to ``limit`` fires after ``after`` (and not after ``until``); True when more follow.

    A stored expression the time module rejects yields none: a read never fails on it."""
    if schedule and kind is not None and not kind.plain:
        return _bounded(_kind_fires(schedule, timezone, kind, after), status=status, max_runs=max_runs,
                        run_count=run_count, until=until, limit=limit)
    if status not in LIVE:
        return [], False
    left = limit if max_runs is None else min(limit, max(0, max_runs - run_count))
    more_allowed = max_runs is None or max_runs - run_count > left
    if not schedule:
        fires = [next_run_at] if next_run_at is not None and left > 0 else []
        if until is not None:
            fires = [f for f in fires if f <= until]
        return fires, False
    if until is None:
        fires = next_fires(schedule, timezone, after, left + 1)
        return fires[:left], len(fires) > left and more_allowed
    out: list[datetime] = []
    try:
        for at in iter_fires(schedule, timezone, after):
            if at > until:
                return out, False
            if len(out) >= left:
                return out, more_allowed
            out.append(at)
    except (CronError, ValueError, KeyError):
        return [], False
    return out, False


def _bounded(fires: Iterator[datetime], *, status: str, max_runs: int | None, run_count: int,
             until: datetime | None, limit: int) -> tuple[list[datetime], bool]:
    if status not in LIVE:
        return [], False
    left = limit if max_runs is None else min(limit, max(0, max_runs - run_count))
    more_allowed = max_runs is None or max_runs - run_count > left
    out: list[datetime] = []
    for at in fires:
        if until is not None and at > until:
            return out, False
        if len(out) >= left:
            return out, more_allowed
        out.append(at)
    return out, False


def next_fires(expr: str, timezone: str, after: datetime, n: int) -> list[datetime]:
    """The next ``n`` fires of a stored cron strictly after ``after``; none for a rejected one.

    Fires of a 5-field cron fall on whole minutes, so "strictly after now" and "strictly after
    the minute now is in" give the same list; anchoring on the minute (the second, for 6-field
    crons) lets repeated reads share one computation (~0.3 ms with cronsim)."""
    step = 1 if len(expr.split()) == 6 else 60
    anchor = int(after.timestamp()) // step * step
    return list(_cached_fires(expr, timezone, anchor, n))


@lru_cache(maxsize=1024)
def _cached_fires(expr: str, tz: str, anchor: int, n: int) -> tuple[datetime, ...]:
    try:
        return tuple(cron_next_fires(expr, tz, datetime.fromtimestamp(anchor, UTC), n))
    except (CronError, ValueError, KeyError):
        return ()


# -- what fires in a window, across every kind ----------------------------------------------


class Lister(Protocol):
    """The three list reads a window needs (a ``Backend`` has them)."""

    async def cron_list(self, *, cursor: str | None = ..., limit: int = ...) -> Page[CronJob]: ...

    async def task_list(
        self, *, state: str | None = ..., cursor: str | None = ..., limit: int = ...
    ) -> Page[Task]: ...

    async def schedule_list(
        self,
        agent_id: str | None = ...,
        *,
        status: str | None = ...,
        type: str | None = ...,
        cursor: str | None = ...,
        limit: int = ...,
    ) -> Page[Schedule]: ...


Job = CronJob | Task | Schedule
WINDOW_PAGE = 500
WINDOW_MAX_PAGES = 4  # x 500 jobs per kind: one read never scans an unbounded project


@dataclass
class Ahead:
    """One job with its fires inside the window (``more``: fires beyond the cap were left out)."""

    kind: Literal["cron", "task", "schedule"]
    job: Job
    fires: list[datetime]
    more: bool


@dataclass
class Window:
    start: datetime
    end: datetime
    jobs: list[Ahead]  # by first fire
    capped: bool  # a kind had more than WINDOW_MAX_PAGES pages of live jobs: some were not read

    def fires(self) -> list[tuple[datetime, Ahead]]:
        """Every fire of the window with its job, earliest first."""
        return sorted(((t, a) for a in self.jobs for t in a.fires), key=lambda p: p[0])


def cron_fires(job: CronJob, after: datetime, until: datetime | None = None,
               limit: int = 5) -> tuple[list[datetime], bool]:
    """A cron job's fires ahead (status and max_runs respected)."""
    return upcoming(schedule=job.schedule, timezone=job.timezone, status=job.status, next_run_at=job.next_run_at,
                    max_runs=job.max_runs, run_count=job.run_count, after=after, until=until, limit=limit,
                    kind=Kind.of(job))


def schedule_fires(s: Schedule, after: datetime, until: datetime | None = None,
                   limit: int = 5) -> tuple[list[datetime], bool]:
    return upcoming(schedule=s.cron_expression if s.type == "cron" else None, timezone=s.timezone,
                    status=s.status, next_run_at=s.next_run, after=after, until=until, limit=limit)


async def read_pages(fetch: Callable[[str | None], Awaitable[Page[J]]]) -> tuple[list[J], bool]:
    """Up to WINDOW_MAX_PAGES pages of a list call; True when more were left unread."""
    items: list[J] = []
    cursor: str | None = None
    for _ in range(WINDOW_MAX_PAGES):
        page = await fetch(cursor)
        items += page.items
        cursor = page.next_cursor
        if not cursor:
            return items, False
    return items, True


async def window(
    source: Lister, start: datetime, end: datetime, *, agent: str | None = None, max_fires: int = 96
) -> Window:
    """What fires from ``start`` to ``end``: cron jobs, scheduled tasks and active agent schedules
    (one agent's when ``agent`` is given; cron jobs and tasks belong to no agent and are then left
    out). A task already due but not yet sent counts as firing at ``start``."""
    out: list[Ahead] = []
    capped = False
    if agent is None:
        jobs, capped = await read_pages(lambda c: source.cron_list(cursor=c, limit=WINDOW_PAGE))
        for job in jobs:
            fires, more = cron_fires(job, start, end, max_fires)
            if fires:
                out.append(Ahead("cron", job, fires, more))
        tasks, tcapped = await read_pages(lambda c: source.task_list(state="scheduled", cursor=c, limit=WINDOW_PAGE))
        capped = capped or tcapped
        out += [Ahead("task", t, [max(t.run_at, start)], False) for t in tasks if t.run_at <= end]
    scheds, scapped = await read_pages(
        lambda c: source.schedule_list(agent, status="active", cursor=c, limit=WINDOW_PAGE)
    )
    for s in scheds:
        fires, more = schedule_fires(s, start, end, max_fires)
        if fires:
            out.append(Ahead("schedule", s, fires, more))
    out.sort(key=lambda a: a.fires[0])
    return Window(start=start, end=end, jobs=out, capped=capped or scapped)
