"""Tools about every kind of job at once: what fires next, pausing and resuming groups, the runs of any job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import CronJob, Page, Run, Schedule, ScheduleUpdate
from infrai_mcp.services.upcoming import WINDOW_PAGE, read_pages, window

from .fields import Cursor, Limit, Timezone, build
from .registry import ToolContext, ToolInput, Toolset
from .timefields import zone
from .views import RunSummary, short_page

# Listed with every toolset that creates jobs: a cron-only server still answers "what runs next?".
jobs = Toolset("task", list_hint="run_list", also=("cron", "schedule"))

Kind = Literal["cron", "task", "schedule"]


class UpcomingIn(ToolInput):
    hours: float = Field(24, gt=0, le=24 * 31, description="Window from now.")
    agent_id: str | None = Field(None, description="Only this agent's jobs.")
    timezone: Timezone = None
    limit: int = Field(100, ge=1, le=500, description="Max fires.")


class Fire(BaseModel):
    at: datetime
    local: str
    kind: Kind
    id: str
    name: str


class Upcoming(BaseModel):
    timezone: str
    until: datetime
    fires: list[Fire]
    more: bool


@jobs.tool("What runs next", read_only=True)
async def upcoming(ctx: ToolContext, args: UpcomingIn) -> Upcoming:
    """Every fire of cron jobs, tasks and agent schedules in the next N hours, earliest first, in UTC (at) and
    local time."""
    tz = zone(args.timezone, ctx.timezone)
    now = ctx.now()
    w = await window(ctx.backend, now, now + timedelta(hours=args.hours), agent=args.agent_id,
                     max_fires=args.limit)
    pairs = w.fires()
    local = ZoneInfo(tz)
    fires = [
        Fire(at=t, local=t.astimezone(local).isoformat(timespec="minutes"), kind=a.kind, id=job_id(a.job),
             name=a.job.name or "")
        for t, a in pairs[: args.limit]
    ]
    more = w.capped or len(pairs) > args.limit or any(a.more for a in w.jobs)
    return Upcoming(timezone=tz, until=w.end, fires=fires, more=more)


def job_id(job: object) -> str:
    for attr in ("cron_id", "task_id", "id"):
        value = getattr(job, attr, None)
        if isinstance(value, str):
            return value
    raise TypeError(f"not a job: {job!r}")


class RunListIn(ToolInput):
    job_id: str | None = Field(None, description="A cron job, task or schedule id.")
    state: Literal["pending", "running", "retrying", "succeeded", "failed", "skipped", "cancelled"] | None = None
    cursor: Cursor = None
    limit: Limit = 50


@jobs.tool("List runs", read_only=True)
async def run_list(ctx: ToolContext, args: RunListIn) -> Page[RunSummary]:
    """Runs of every job (or job_id's), newest first."""
    page = await ctx.backend.run_list(job_id=args.job_id, state=args.state, cursor=args.cursor, limit=args.limit)
    return short_page(RunSummary, page)


class RunIdIn(ToolInput):
    run_id: str = Field(description="run_... id")


@jobs.tool("Get a run", read_only=True)
async def run_get(ctx: ToolContext, args: RunIdIn) -> Run:
    """One run with every attempt and the response excerpt."""
    return await ctx.backend.run_get(args.run_id)


# -- pause and resume groups ----------------------------------------------------------------


class SelectIn(ToolInput):
    ids: list[str] | None = Field(None, max_length=100, description="cj_ / sch_ ids.")
    name: str | None = Field(None, description="Jobs whose name contains this (any case).")
    agent_id: str | None = Field(None, description="Every schedule of this agent.")
    resume: bool = Field(False, description="true: resume what pause stopped (same selectors).")
    confirm: bool = Field(False, description="true: act on more than one job.")


class JobState(BaseModel):
    id: str
    kind: Literal["cron", "schedule"]
    name: str
    status: str
    next_run: datetime | None = None


class Changed(BaseModel):
    items: list[JobState]


async def _select(ctx: ToolContext, args: SelectIn) -> list[CronJob | Schedule]:
    """The cron jobs and agent schedules matching every selector given (any status)."""
    if not (args.ids or args.name or args.agent_id):
        raise InvalidInput(
            "say which jobs: ids (e.g. ['cj_...']), name (part of it, e.g. 'payroll') or agent_id", field="ids"
        )
    found: list[CronJob | Schedule] = []
    if args.agent_id is None:  # cron jobs belong to no agent
        crons, _ = await read_pages(lambda c: ctx.backend.cron_list(name=args.name, cursor=c, limit=WINDOW_PAGE))
        found += crons
    scheds, _ = await read_pages(lambda c: ctx.backend.schedule_list(args.agent_id, cursor=c, limit=WINDOW_PAGE))
    found += [s for s in scheds if not args.name or args.name.lower() in s.name.lower()]
    wanted = set(args.ids or ())
    unknown = wanted - {job_id(j) for j in found}
    if unknown:
        raise InvalidInput(
            f"ids: no cron job or agent schedule {', '.join(sorted(unknown))}"
            + (" among those name/agent_id select" if args.name or args.agent_id else "")
            + "; cron_list and schedule_list show them",
            field="ids",
        )
    return [j for j in found if not wanted or job_id(j) in wanted]


async def _change(ctx: ToolContext, args: SelectIn, *, to: Literal["active", "paused"]) -> Changed:
    chosen = await _select(ctx, args)
    todo = [j for j in chosen if j.status == ("paused" if to == "active" else "active")]
    if len(todo) > 1 and not args.confirm:
        names = ", ".join(f"{job_id(j)} ({j.name})" for j in todo[:20])
        verb = "resume" if to == "active" else "pause"
        raise InvalidInput(
            f"confirm: this would {verb} {len(todo)} jobs: {names}{' ...' if len(todo) > 20 else ''}. Confirm with "
            "the user, then call again with confirm=true",
            field="confirm",
        )
    done: dict[str, CronJob | Schedule] = {}
    for j in todo:
        if isinstance(j, CronJob):
            call = ctx.backend.cron_resume if to == "active" else ctx.backend.cron_pause
            done[j.cron_id] = await call(j.cron_id)
        else:
            done[j.id] = await ctx.backend.schedule_update(j.agent_id, j.id, build(ScheduleUpdate, status=to))
    return Changed(items=[_state(done.get(job_id(j), j)) for j in chosen])


def _state(j: CronJob | Schedule) -> JobState:
    if isinstance(j, CronJob):
        return JobState(id=j.cron_id, kind="cron", name=j.name, status=j.status, next_run=j.next_run_at)
    return JobState(id=j.id, kind="schedule", name=j.name, status=j.status, next_run=j.next_run)


@jobs.tool("Pause or resume jobs", idempotent=True, open_world=True)
async def pause(ctx: ToolContext, args: SelectIn) -> Changed:
    """Pause (resume=true: resume, from now on) cron jobs and agent schedules chosen by ids, name and/or
    agent_id (all must match), e.g. everything of one agent. More than one needs confirm=true after the user
    agreed."""
    return await _change(ctx, args, to="active" if args.resume else "paused")
