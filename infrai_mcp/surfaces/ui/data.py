"""What the pages show, read through the Backend only.

Every read is one page of an indexed, cursor-paginated Backend list (``limit`` ≤ 500); the
dashboard never scans a table. Where a page needs more than one list page (the 24h chart,
the timeline), the number of pages read is capped and the page says when the cap was hit,
so a project with a huge history cannot make a refresh slow the engine.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from infrai_mcp.backends.base import Backend
from infrai_mcp.models import CronJob, Run, Schedule, Task, target_text
from infrai_mcp.services.upcoming import Ahead, window
from infrai_mcp.when.describe import describe_cron

KINDS = ("cron", "task", "schedule")
END = "-"  # cursor value meaning "this source is exhausted" in the combined job list

# Caps that bound the work of one refresh (see the module docstring).
CHART_MAX_PAGES = 4  # x 500 runs
TIMELINE_MAX_FIRES_PER_JOB = 96
TIMELINE_MAX_ROWS = 16


@dataclass
class JobRow:
    """One line of the combined job table: a cron job, a one-shot task or an agent schedule."""

    kind: str
    id: str
    name: str
    status: str
    target: str
    path: str  # page of the job, relative to the UI root
    cron: str | None = None
    words: str | None = None  # the schedule in words
    timezone: str = "UTC"
    next_run: datetime | None = None
    last_run: datetime | None = None
    last_state: str | None = None
    agent_id: str | None = None


def describe(expr: str | None) -> str | None:
    if not expr:
        return None
    try:
        return describe_cron(expr)
    except ValueError:
        return None


def cron_row(job: CronJob) -> JobRow:
    return JobRow(
        kind="cron",
        id=job.cron_id,
        name=job.name,
        status=job.status,
        target=target_text(job.url, job.queue, job.method),
        path=f"/cron/{job.cron_id}",
        cron=job.schedule,
        words=job.description or describe(job.schedule) or ("once" if job.run_at else None),
        timezone=job.timezone,
        next_run=job.next_run_at,
        last_run=job.last_run_at,
    )


def task_row(task: Task) -> JobRow:
    return JobRow(
        kind="task",
        id=task.task_id,
        name=task.name or "",
        status=task.state,
        target=target_text(task.url, task.queue, task.method),
        path=f"/tasks/{task.task_id}",
        words="once",
        next_run=task.run_at if task.state == "scheduled" else None,
        last_run=task.run_at if task.state != "scheduled" else None,
    )


def schedule_row(s: Schedule) -> JobRow:
    if s.callback_type == "url":
        target = f"{s.callback_method} {s.callback_url}"
    else:
        target = f"{s.callback_type} {s.callback_id}"
    words = s.description or describe(s.cron_expression) or s.type
    return JobRow(
        kind="schedule",
        id=s.id,
        name=s.name,
        status=s.status,
        target=target,
        path=f"/agents/{s.agent_id}/schedules/{s.id}",
        cron=s.cron_expression,
        words=words,
        timezone=s.timezone,
        next_run=s.next_run,
        last_run=s.last_run,
        agent_id=s.agent_id,
    )


@dataclass
class JobPage:
    rows: list[JobRow]
    cursors: dict[str, str]  # next cursor per kind; empty when every source is exhausted
    notes: list[str] = field(default_factory=list)


async def list_jobs(
    backend: Backend,
    *,
    kind: str | None,
    status: str | None,
    agent: str | None,
    cursors: dict[str, str],
    limit: int,
) -> JobPage:
    """One page of each selected source; ``cursors`` holds each source's own cursor."""
    rows: list[JobRow] = []
    nxt: dict[str, str] = {}
    notes: list[str] = []
    kinds = [kind] if kind in KINDS else list(KINDS)
    if "cron" in kinds and cursors.get("cron") != END:
        page = await backend.cron_list(cursor=cursors.get("cron"), limit=limit)
        # cron_list has no status filter in the contract: filter this page only.
        rows += [cron_row(j) for j in page.items if not status or j.status == status]
        nxt["cron"] = page.next_cursor or END
    if "task" in kinds and cursors.get("task") != END:
        tpage = await backend.task_list(state=status or None, cursor=cursors.get("task"), limit=limit)
        rows += [task_row(t) for t in tpage.items]
        nxt["task"] = tpage.next_cursor or END
    if "schedule" in kinds and cursors.get("schedule") != END:
        # Every agent's schedules, or one agent's when the filter names one.
        spage = await backend.schedule_list(
            agent or None, status=status or None, cursor=cursors.get("schedule"), limit=limit
        )
        rows += [schedule_row(s) for s in spage.items]
        nxt["schedule"] = spage.next_cursor or END
    await fill_last_states(backend, rows)
    if all(v == END for v in nxt.values()):
        nxt = {}
    return JobPage(rows=rows, cursors=nxt, notes=notes)


async def fill_last_states(backend: Backend, rows: list[JobRow]) -> None:
    """The state of each job's newest run: one indexed ``run_list(job_id, limit=1)`` per row."""

    async def last(row: JobRow) -> None:
        if row.kind == "task":
            row.last_state = row.status if row.status not in ("scheduled",) else None
            return
        page = await backend.run_list(job_id=row.id, limit=1)
        if page.items:
            row.last_state = page.items[0].state
            row.last_run = row.last_run or page.items[0].scheduled_for

    await asyncio.gather(*(last(r) for r in rows))


# -- the 24h chart of runs per hour, by outcome -------------------------------------------

OUTCOMES = ("succeeded", "failed", "retrying", "other")


def outcome(state: str) -> str:
    return state if state in ("succeeded", "failed", "retrying") else "other"


def run_time(run: Run) -> datetime:
    return run.finished_at or run.started_at or run.scheduled_for


@dataclass
class HourBucket:
    start: datetime
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class RunsPerHour:
    buckets: list[HourBucket]
    capped: bool  # more runs than CHART_MAX_PAGES pages: the oldest hours are undercounted
    failures: list[Run]  # the newest failed runs of the window, for the overview

    @property
    def peak(self) -> int:
        return max((b.total for b in self.buckets), default=0)


async def runs_per_hour(backend: Backend, now: datetime) -> RunsPerHour:
    """Runs of the last 24 hours (newest-first pages of ``run_list``) counted per hour."""
    first = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=23)
    buckets = [HourBucket(first + timedelta(hours=i), dict.fromkeys(OUTCOMES, 0)) for i in range(24)]
    failures: list[Run] = []
    cursor: str | None = None
    capped = False
    for page_no in range(CHART_MAX_PAGES + 1):
        if page_no == CHART_MAX_PAGES:
            capped = True
            break
        page = await backend.run_list(cursor=cursor, limit=500)
        done = False
        for run in page.items:
            if run.scheduled_for < first - timedelta(hours=1):
                # Newest first by creation: everything after this is older than the window.
                done = True
                break
            t = run_time(run)
            if t < first or t > now + timedelta(minutes=1):
                continue
            idx = min(23, int((t - first).total_seconds() // 3600))
            buckets[idx].counts[outcome(run.state)] += 1
            if run.state == "failed" and len(failures) < 10:
                failures.append(run)
        cursor = page.next_cursor
        if done or not cursor:
            break
    return RunsPerHour(buckets=buckets, capped=capped, failures=failures)


# -- the timeline of the next 24 hours ----------------------------------------------------


@dataclass
class TimelineRow:
    job: JobRow
    fires: list[datetime]
    more: bool  # fires beyond TIMELINE_MAX_FIRES_PER_JOB were not drawn


@dataclass
class Timeline:
    start: datetime
    end: datetime
    rows: list[TimelineRow]
    hidden_rows: int
    capped: bool

    def upcoming(self, n: int = 40) -> list[tuple[datetime, JobRow]]:
        pairs = [(t, r.job) for r in self.rows for t in r.fires]
        pairs.sort(key=lambda p: p[0])
        return pairs[:n]


def row_of(a: Ahead) -> JobRow:
    if isinstance(a.job, CronJob):
        return cron_row(a.job)
    if isinstance(a.job, Task):
        return task_row(a.job)
    return schedule_row(a.job)


async def timeline(backend: Backend, now: datetime, agent: str | None = None) -> Timeline:
    """Fires of the next 24 hours (``infrai_mcp.services.upcoming.window``, which the MCP ``upcoming`` tool
    reads too)."""
    w = await window(backend, now, now + timedelta(hours=24), agent=agent or None,
                     max_fires=TIMELINE_MAX_FIRES_PER_JOB)
    rows = [TimelineRow(row_of(a), a.fires, a.more) for a in w.jobs]
    hidden = max(0, len(rows) - TIMELINE_MAX_ROWS)
    return Timeline(start=w.start, end=w.end, rows=rows, hidden_rows=hidden, capped=w.capped)
