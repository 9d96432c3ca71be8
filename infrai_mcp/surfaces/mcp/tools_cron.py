"""Cron tools (seed 001/002 scheduling.cron.*): recurring HTTP requests, their runs and retention."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import anyio
from pydantic import Field

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import CronCreate, CronJob, CronUpdate, Deleted, Page, task_field
from infrai_mcp.services.upcoming import cron_fires

from .fields import Cursor, Headers, Idem, Limit, Method, Payload, Retries, Secret, Target, Timezone, build, pick
from .registry import ToolContext, ToolInput, Toolset
from .timefields import (
    PREVIEW_FIRES,
    describe_stored,
    notes,
    resolve_instant,
    resolve_recurrence,
    schedule_fields,
    zone,
)
from .views import CronConfirm, CronSummary, RunOutcome, runs_left, short, short_page

cron = Toolset("cron", list_hint="cron_list")
FINAL = ("succeeded", "failed", "cancelled", "skipped")
POLL_SECONDS = 0.1  # cron_trigger's wait: how often the run is read again

CronId = Field(description="cj_... id")
ONE_SHOT_HINT = "For a job that fires once pass run_at instead, or call task_schedule."
RECURRING_HINT = "For a recurring job pass it as schedule."


class CronJobView(CronJob):
    # REST-only destinations (seed 003): left out of MCP answers unless set.
    result_url: str | None = Field(None, exclude_if=lambda v: v is None)
    events_url: str | None = Field(None, exclude_if=lambda v: v is None)
    runs_left: int | None = None
    next_fires: list[datetime] = Field(default_factory=list)


def view(job: CronJob, ctx: ToolContext) -> CronJobView:
    fires, _ = cron_fires(job, ctx.now(), limit=PREVIEW_FIRES)
    # when_preview's wording first, so the agent sees one phrasing for one schedule
    plain = (job.schedule_kind or "cron") == "cron" and not job.exclusions and not job.jitter_seconds
    description = describe_stored(
        "cron" if job.schedule else "once", job.timezone, cron=job.schedule, run_at=job.run_at
    ) if plain or not job.schedule else job.description
    left = runs_left(job.max_runs, job.run_count)
    return CronJobView(**{**job.model_dump(), "description": description}, runs_left=left, next_fires=fires)


class CronCreateIn(ToolInput):
    url: Target
    schedule: str | None = Field(
        None,
        description="When it repeats: 'every weekday at 9am', 'every 15 minutes' or cron '0 9 * * 1-5'.",
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
    retention_days: int | None = Field(None, ge=0, le=3650, description="Days of run history kept (default 30).")
    on_failure_webhook: str | None = Field(None, description="URL told when a run finally fails.")
    idempotency_key: Idem = None


@cron.tool("Create cron job", open_world=True)
async def cron_create(ctx: ToolContext, args: CronCreateIn) -> CronConfirm:
    """Use for a repeating HTTP request (signed, retried); run_at fires once (prefer task_schedule for that).
    Confirm the answer's description and next fires with the user."""
    tz = zone(args.timezone, ctx.timezone)
    kinds: dict[str, Any] = {}
    run_at: datetime | None = None
    if (args.schedule is None) == (args.run_at is None):
        raise InvalidInput(
            "give exactly one of schedule (repeats, e.g. 'every weekday at 9am') or run_at (fires once)",
            field="schedule",
        )
    if args.schedule is not None:
        when = resolve_recurrence(args.schedule, field="schedule", tz=tz, now=ctx.now(), one_shot_hint=ONE_SHOT_HINT)
        kinds, tz = schedule_fields(when), when.timezone
    elif args.run_at is not None:
        run_at = resolve_instant(args.run_at, field="run_at", tz=tz, now=ctx.now(), recurring_hint=RECURRING_HINT)
    fields = pick(
        args, "name", "method", "headers", "payload", "retries", "timeout_seconds", "secret",
        "overlap_policy", "misfire_policy", "max_runs", "enabled", "retention_days", "on_failure_webhook",
        "idempotency_key",
    )
    fields[task_field(args.url)] = args.url
    req = build(CronCreate, **kinds, run_at=run_at, timezone=tz, **fields)
    out = short(CronConfirm, view(await ctx.backend.cron_create(req), ctx))
    out.warnings = notes((args.schedule, "schedule"), (args.run_at, "run_at"), tz=tz, now=ctx.now())
    return out


class CronListIn(ToolInput):
    name: str | None = Field(None, description="Only jobs whose name contains this (any case).")
    cursor: Cursor = None
    limit: Limit = 50


@cron.tool("List cron jobs", read_only=True)
async def cron_list(ctx: ToolContext, args: CronListIn) -> Page[CronSummary]:
    """Cron jobs, oldest first, with status and next_run_at; cron_get for details."""
    page = await ctx.backend.cron_list(name=args.name, cursor=args.cursor, limit=args.limit)
    return short_page(CronSummary, page)


class CronIdIn(ToolInput):
    cron_id: str = CronId


@cron.tool("Get cron job", read_only=True)
async def cron_get(ctx: ToolContext, args: CronIdIn) -> CronJobView:
    """One cron job: request, schedule, status, retention_days and next fires."""
    return view(await ctx.backend.cron_get(args.cron_id), ctx)


class CronUpdateIn(ToolInput):
    cron_id: str = CronId
    schedule: str | None = Field(None, description="New recurrence, plain language or cron.")
    run_at: str | None = Field(None, description="New one-shot time.")
    timezone: str | None = None  # described on cron_create (as url, payload, secret)
    name: str | None = None
    url: str | None = None
    method: str | None = None
    headers: Headers = None
    payload: Any = None
    retries: int | None = Field(None, ge=0, le=10)
    timeout_seconds: int | None = Field(None, ge=1, le=900)
    secret: str | None = None
    overlap_policy: Literal["allow", "skip", "queue"] | None = None
    misfire_policy: Literal["run_once", "skip", "run_all"] | None = None
    max_runs: int | None = Field(None, ge=1)
    on_failure_webhook: str | None = None
    enabled: bool | None = None
    retention_days: int | None = Field(None, ge=0, le=3650)


@cron.tool("Update cron job", destructive=True, idempotent=True, open_world=True)
async def cron_update(ctx: ToolContext, args: CronUpdateIn) -> CronConfirm:
    """Change a cron job's fields (omitted ones stay); a new schedule is read in timezone, else the job's."""
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
        fields.update(schedule_fields(when))
        tz = when.timezone
    if args.run_at is not None:
        fields["run_at"] = resolve_instant(
            args.run_at, field="run_at", tz=tz or ctx.timezone, now=ctx.now(), recurring_hint=RECURRING_HINT
        )
    req = build(CronUpdate, timezone=tz, **fields)
    out = short(CronConfirm, view(await ctx.backend.cron_update(args.cron_id, req), ctx))
    out.warnings = notes((args.schedule, "schedule"), (args.run_at, "run_at"), tz=out.timezone, now=ctx.now())
    return out


@cron.tool("Delete cron job", destructive=True, idempotent=True)
async def cron_delete(ctx: ToolContext, args: CronIdIn) -> Deleted:
    """Delete a cron job (twice is fine)."""
    return await ctx.backend.cron_delete(args.cron_id)


class CronTriggerIn(ToolInput):
    cron_id: str = CronId
    wait_seconds: float = Field(0, ge=0, le=60, description="Wait up to this long for the run to finish.")


@cron.tool("Run cron job now", open_world=True)
async def cron_trigger(ctx: ToolContext, args: CronTriggerIn) -> RunOutcome:
    """Fire a job once now (also when paused; not counted in max_runs). wait_seconds: answer with the finished
    run and response excerpt if it ends in time."""
    run = await ctx.backend.cron_trigger(args.cron_id)
    deadline = anyio.current_time() + args.wait_seconds
    while run.state not in FINAL and anyio.current_time() < deadline:
        await anyio.sleep(min(POLL_SECONDS, max(0.0, deadline - anyio.current_time())))
        run = await ctx.backend.run_get(run.run_id)
    return short(RunOutcome, run)
