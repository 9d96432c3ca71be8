"""Tools about every kind of job at once: what fires next, and the runs of any job."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from infrai_mcp.models import Page, Run
from infrai_mcp.services.upcoming import window

from .fields import Cursor, Limit, Timezone
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
    """Answers "what runs in the next N hours?": every fire of cron jobs, tasks and agent schedules, earliest
    first, in UTC (at) and the user's zone (local). more=true: fires left out (raise limit or shorten hours)."""
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
    job_id: str | None = Field(None, description="Only runs of this cron job, task or schedule id.")
    state: Literal["pending", "running", "retrying", "succeeded", "failed", "skipped", "cancelled"] | None = None
    cursor: Cursor = None
    limit: Limit = 50


@jobs.tool("List runs", read_only=True)
async def run_list(ctx: ToolContext, args: RunListIn) -> Page[RunSummary]:
    """Past and running runs of every job (or one: job_id), newest first: state, response status, error."""
    page = await ctx.backend.run_list(job_id=args.job_id, state=args.state, cursor=args.cursor, limit=args.limit)
    return short_page(RunSummary, page)


class RunIdIn(ToolInput):
    run_id: str = Field(description="run_... id")


@jobs.tool("Get a run", read_only=True)
async def run_get(ctx: ToolContext, args: RunIdIn) -> Run:
    """One run of any job with every attempt (status, duration, error) and the response excerpt. state
    pending/running/retrying: not finished yet."""
    return await ctx.backend.run_get(args.run_id)
