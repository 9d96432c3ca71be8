"""Cron tools (seed 001/002 scheduling.cron.*): recurring HTTP requests, their runs and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import anyio
from pydantic import Field

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import CronCreate, CronJob, CronUpdate, Deleted, Page, task_field
from infrai_mcp.services.upcoming import upcoming

from .fields import Cursor, Headers, Idem, Limit, Method, Payload, Retries, Secret, Target, Timezone, build, pick
from .registry import ToolContext, ToolInput, Toolset
from .timefields import PREVIEW_FIRES, describe_stored, resolve_instant, resolve_recurrence, zone
from .views import CronConfirm, CronState, CronSummary, RunOutcome, runs_left, short, short_page

cron = Toolset("cron", list_hint="cron_list")
FINAL = ("succeeded", "failed", "cancelled", "skipped")
POLL_SECONDS = 0.1  # cron_trigger's wait: how often the run is read again

CronId = Field(description="cj_... id")
ONE_SHOT_HINT = "For a job that fires once pass run_at instead, or call task_schedule."
RECURRING_HINT = "For a recurring job pass it as schedule."


class CronJobView(CronJob):
    runs_left: int | None = None
    next_fires: list[datetime] = Field(default_factory=list)


def view(job: CronJob, ctx: ToolContext) -> CronJobView:
    fires, _ = upcoming(schedule=job.schedule, timezone=job.timezone, status=job.status, next_run_at=job.next_run_at,
                        max_runs=job.max_runs, run_count=job.run_count, after=ctx.now(), limit=PREVIEW_FIRES)
    # when_preview's wording first, so the agent sees one phrasing for one schedule
    description = describe_stored(
        "cron" if job.schedule else "once", job.timezone, cron=job.schedule, run_at=job.run_at
    ) or job.description
    left = runs_left(job.max_runs, job.run_count)
    return CronJobView(**{**job.model_dump(), "description": description}, runs_left=left, next_fires=fires)


class CronCreateIn(ToolInput):
    url: Target
    schedule: str | None = Field(
        None,
        description="When it repeats: 'every weekday at 9am', 'every 15 minutes', 'on the 1st at 8:30', or cron "
        "'0 9 * * 1-5' / '@daily'.",
    )
    run_at: str | None = Field(
        None, description="Instead of schedule, fire once: 'tomorrow at 3pm', 'in 2 hours' or ISO 8601."
    )
    timezone: Timezone = None
    name: str | None = None
    method: Method = "POST"
    headers: Headers = None
    payload: Payload = None
    retries: Retries = 3
    timeout_seconds: int = Field(300, ge=1, le=900, description="Per attempt.")
    secret: Secret = None
    overlap_policy: Literal["allow", "skip", "queue"] = Field("allow", description="If the previous run still runs.")
    misfire_policy: Literal["run_once", "skip", "run_all"] = Field(
        "run_once", description="Fires missed while the server was down."
    )
    max_runs: int | None = Field(
        None, ge=1, description="Complete after this many scheduled fires since creation (cron_trigger's don't count)."
    )
    enabled: bool = True
    retention_days: int | None = Field(None, ge=0, le=3650, description="Keep run history this long (default 30).")
    on_failure_webhook: str | None = Field(None, description="URL told when a run finally fails.")
    idempotency_key: Idem = None


@cron.tool("Create cron job", open_world=True)
async def cron_create(ctx: ToolContext, args: CronCreateIn) -> CronConfirm:
    """Use for a repeating HTTP request (signed, retried) on schedule; run_at instead makes a one-time job
    (for one later request prefer task_schedule). Both take plain language or exact forms. Answers with the
    normalised cron, its description, timezone and next 5 fire times (UTC): confirm them with the user.
    Then: cron_trigger to test now, run_list(job_id) for results."""
    tz = zone(args.timezone, ctx.timezone)
    schedule: str | None = None
    run_at: datetime | None = None
    if (args.schedule is None) == (args.run_at is None):
        raise InvalidInput(
            "give exactly one of schedule (repeats, e.g. 'every weekday at 9am') or run_at (fires once)",
            field="schedule",
        )
    if args.schedule is not None:
        when = resolve_recurrence(args.schedule, field="schedule", tz=tz, now=ctx.now(), one_shot_hint=ONE_SHOT_HINT)
        schedule, tz = when.cron, when.timezone
    elif args.run_at is not None:
        run_at = resolve_instant(args.run_at, field="run_at", tz=tz, now=ctx.now(), recurring_hint=RECURRING_HINT)
    fields = pick(
        args, "name", "method", "headers", "payload", "retries", "timeout_seconds", "secret",
        "overlap_policy", "misfire_policy", "max_runs", "enabled", "retention_days", "on_failure_webhook",
        "idempotency_key",
    )
    fields[task_field(args.url)] = args.url
    req = build(CronCreate, schedule=schedule, run_at=run_at, timezone=tz, **fields)
    return short(CronConfirm, view(await ctx.backend.cron_create(req), ctx))


class CronListIn(ToolInput):
    name: str | None = Field(None, description="Only jobs whose name contains this (any case).")
    cursor: Cursor = None
    limit: Limit = 50


@cron.tool("List cron jobs", read_only=True)
async def cron_list(ctx: ToolContext, args: CronListIn) -> Page[CronSummary]:
    """List cron jobs, oldest first: schedule, description, status, next_run_at. cron_get for details."""
    page = await ctx.backend.cron_list(name=args.name, cursor=args.cursor, limit=args.limit)
    return short_page(CronSummary, page)


class CronIdIn(ToolInput):
    cron_id: str = CronId


@cron.tool("Get cron job", read_only=True)
async def cron_get(ctx: ToolContext, args: CronIdIn) -> CronJobView:
    """One cron job: its request, schedule, description, status and next fire times."""
    return view(await ctx.backend.cron_get(args.cron_id), ctx)


class CronUpdateIn(ToolInput):
    cron_id: str = CronId
    schedule: str | None = Field(None, description="New recurrence, plain language or cron.")
    run_at: str | None = Field(None, description="New one-shot time.")
    timezone: Timezone = None
    name: str | None = None
    url: Target | None = None
    method: str | None = None
    headers: Headers = None
    payload: Payload = None
    retries: int | None = Field(None, ge=0, le=10)
    timeout_seconds: int | None = Field(None, ge=1, le=900)
    secret: Secret = None
    overlap_policy: Literal["allow", "skip", "queue"] | None = None
    misfire_policy: Literal["run_once", "skip", "run_all"] | None = None
    max_runs: int | None = Field(None, ge=1)
    on_failure_webhook: str | None = None
    enabled: bool | None = None
    retention_days: int | None = Field(None, ge=0, le=3650)


@cron.tool("Update cron job", destructive=True, idempotent=True, open_world=True)
async def cron_update(ctx: ToolContext, args: CronUpdateIn) -> CronConfirm:
    """Change fields of a cron job; omitted ones stay. A new schedule is read in the given timezone, else
    the job's. Answers with the next fires."""
    fields = pick(
        args, "name", "method", "headers", "payload", "retries", "timeout_seconds", "secret",
        "overlap_policy", "misfire_policy", "max_runs", "on_failure_webhook", "enabled", "retention_days",
    )
    if args.url is not None:
        fields[task_field(args.url)] = args.url
    tz: str | None = zone(args.timezone, ctx.timezone) if args.timezone else None
    if args.schedule is not None:
        base_tz = tz or (await ctx.backend.cron_get(args.cron_id)).timezone
        when = resolve_recurrence(
            args.schedule, field="schedule", tz=base_tz, now=ctx.now(), one_shot_hint=ONE_SHOT_HINT
        )
        fields["schedule"], tz = when.cron, when.timezone
    if args.run_at is not None:
        fields["run_at"] = resolve_instant(
            args.run_at, field="run_at", tz=tz or ctx.timezone, now=ctx.now(), recurring_hint=RECURRING_HINT
        )
    req = build(CronUpdate, timezone=tz, **fields)
    return short(CronConfirm, view(await ctx.backend.cron_update(args.cron_id, req), ctx))


@cron.tool("Delete cron job", destructive=True, idempotent=True)
async def cron_delete(ctx: ToolContext, args: CronIdIn) -> Deleted:
    """Delete a cron job and stop its future runs. Deleting twice is fine."""
    return await ctx.backend.cron_delete(args.cron_id)


@cron.tool("Pause cron job", idempotent=True)
async def cron_pause(ctx: ToolContext, args: CronIdIn) -> CronState:
    """Stop a job firing until cron_resume. Keeps its history."""
    return short(CronState, view(await ctx.backend.cron_pause(args.cron_id), ctx))


@cron.tool("Resume cron job", idempotent=True, open_world=True)
async def cron_resume(ctx: ToolContext, args: CronIdIn) -> CronState:
    """Resume a paused job from now on (missed fires are not replayed). Answers with the next fires."""
    return short(CronState, view(await ctx.backend.cron_resume(args.cron_id), ctx))


class CronTriggerIn(ToolInput):
    cron_id: str = CronId
    wait_seconds: float = Field(0, ge=0, le=60, description="Wait up to this long for the run to finish.")


@cron.tool("Run cron job now", open_world=True)
async def cron_trigger(ctx: ToolContext, args: CronTriggerIn) -> RunOutcome:
    """Fire a job once now (also when paused; not counted in max_runs). With wait_seconds, answers with the
    finished run (state, response status and excerpt) if it finishes in time; else the run so far (then run_get)."""
    run = await ctx.backend.cron_trigger(args.cron_id)
    deadline = anyio.current_time() + args.wait_seconds
    while run.state not in FINAL and anyio.current_time() < deadline:
        await anyio.sleep(min(POLL_SECONDS, max(0.0, deadline - anyio.current_time())))
        run = await ctx.backend.run_get(run.run_id)
    return short(RunOutcome, run)
