"""Agent schedules (seed 004): once / delayed / cron, calling back a URL, a queue or a workflow."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import Deleted, Page, Schedule, ScheduleCreate, ScheduleUpdate
from infrai_mcp.services.upcoming import upcoming

from .fields import AgentId, Cursor, Headers, Limit, Payload, Timezone, build, pick
from .registry import ToolContext, ToolInput, Toolset
from .timefields import (
    PREVIEW_FIRES,
    When,
    describe_stored,
    describe_when,
    notes,
    resolve_delay,
    resolve_instant,
    resolve_recurrence,
    resolve_when,
    zone,
)
from .views import ScheduleConfirm, ScheduleSummary, short, short_page

schedules = Toolset("schedule", list_hint="schedule_list")

ScheduleId = Field(description="sch_... id")
CallbackType = Literal["url", "queue", "workflow"]
ONE_SHOT_HINT = "For a one-time schedule pass it as when (or next_run / delay_seconds)."
RECURRING_HINT = "Pass a recurring phrase as when (or cron_expression)."


class ScheduleView(Schedule):
    # Only a url callback has a method; on queue/workflow callbacks it is left out, not "POST".
    callback_method: str | None = Field(None, exclude_if=lambda v: v is None)  # type: ignore[assignment]
    next_fires: list[datetime] = Field(default_factory=list)


def view(s: Schedule, ctx: ToolContext) -> ScheduleView:
    fires, _ = upcoming(schedule=s.cron_expression if s.type == "cron" else None, timezone=s.timezone,
                        status=s.status, next_run_at=s.next_run, after=ctx.now(), limit=PREVIEW_FIRES)
    # when_preview's wording first, so the agent sees one phrasing for one schedule
    description = describe_stored(
        s.type, s.timezone, cron=s.cron_expression, run_at=s.next_run, delay_seconds=s.delay_seconds
    ) or s.description
    method = s.callback_method if s.callback_type == "url" else None
    return ScheduleView(**{**s.model_dump(), "description": description, "callback_method": method},
                        next_fires=fires)


class ScheduleCreateIn(ToolInput):
    name: str = Field(min_length=1, max_length=200)
    when: str | None = Field(
        None,
        description="'in 3 seconds', 'tomorrow at 9am', 'every weekday at 9am' or cron; sets type. Or type with "
        "next_run / delay_seconds / cron_expression.",
    )
    type: Literal["once", "delayed", "cron"] | None = None
    next_run: str | None = Field(None, description="type=once: a time phrase or ISO 8601.")
    delay_seconds: int | str | None = Field(None, description="type=delayed: seconds or '20 minutes'.")
    cron_expression: str | None = Field(None, description="type=cron: cron or a recurring phrase.")
    timezone: Timezone = None
    callback_type: CallbackType = Field(
        "url",
        description="url: request to callback_url. queue: publish to queue callback_id (an inbox; drain with "
        "queue_consume). workflow: signed POST to workflow callback_id.",
    )
    callback_id: str | None = Field(None, description="Queue name or workflow id.")
    callback_url: str | None = None
    callback_method: str = "POST"
    callback_headers: Headers = None
    payload: Payload = None
    status: Literal["active", "paused"] = "active"
    agent_id: AgentId = "default"


def _timing(ctx: ToolContext, args: Any, tz: str, *, creating: bool) -> tuple[dict[str, Any], str]:
    """type/next_run/delay_seconds/cron_expression (exact) from `when` or the explicit fields."""
    now = ctx.now()
    out: dict[str, Any] = {}
    if args.when is not None:
        if any(getattr(args, f) is not None for f in ("next_run", "delay_seconds", "cron_expression")):
            raise InvalidInput("give when, or next_run / delay_seconds / cron_expression, not both", field="when")
        w: When = resolve_when(args.when, field="when", tz=tz, now=now)
        tz = w.timezone
        if w.type == "recurring":  # seed 004 stores cron, once or delayed
            raise InvalidInput(
                f"when: '{args.when}' reads as {describe_when(w)}; an agent schedule repeats only as a cron: say it "
                "as one ('every weekday at 9am', '0 9 * * 1-5'), or use cron_create, which takes every kind",
                field="when")
        if creating:
            out["type"] = w.type
        if w.type == "cron":
            out["cron_expression"] = w.cron
        elif w.type == "delayed":
            out["delay_seconds"] = w.delay_seconds
        else:
            out["next_run"] = w.run_at
        return out, tz
    if args.next_run is not None:
        out["next_run"] = resolve_instant(
            args.next_run, field="next_run", tz=tz, now=now, recurring_hint=RECURRING_HINT
        )
    if args.delay_seconds is not None:
        out["delay_seconds"] = resolve_delay(args.delay_seconds, field="delay_seconds")
    if args.cron_expression is not None:
        w = resolve_recurrence(
            args.cron_expression, field="cron_expression", tz=tz, now=now, one_shot_hint=ONE_SHOT_HINT
        )
        out["cron_expression"], tz = w.cron, w.timezone
    return out, tz


@schedules.tool("Create agent schedule", open_world=True)
async def schedule_create(ctx: ToolContext, args: ScheduleCreateIn) -> ScheduleConfirm:
    """Use for an agent's own schedule: a callback once, after a delay or on a cron. To be woken later:
    callback_type='queue' with your inbox queue (queue_create it first), then queue_consume it."""
    tz = zone(args.timezone, ctx.timezone)
    timing, tz = _timing(ctx, args, tz, creating=True)
    if args.when is None:
        if args.type is None:
            raise InvalidInput("give when (a time phrase) or type with its time field", field="when")
        timing["type"] = args.type
    elif args.type is not None and args.type != timing["type"]:
        raise InvalidInput(
            f"type: '{args.when}' is a {timing['type']} time, not {args.type}; omit type (when decides it)",
            field="type",
        )
    fields = pick(
        args, "name", "callback_type", "callback_id", "callback_url", "callback_method", "callback_headers",
        "payload", "status",
    )
    req = build(ScheduleCreate, timezone=tz, **timing, **fields)
    out = short(ScheduleConfirm, view(await ctx.backend.schedule_create(args.agent_id, req), ctx))
    out.warnings = _notes(ctx, args, out.timezone)
    return out


class ScheduleListIn(ToolInput):
    agent_id: str | None = Field(None, description="Omit: all agents.")
    status: Literal["active", "paused", "completed"] | None = None
    type: Literal["once", "delayed", "cron"] | None = None
    cursor: Cursor = None
    limit: Limit = 50


@schedules.tool("List agent schedules", read_only=True)
async def schedule_list(ctx: ToolContext, args: ScheduleListIn) -> Page[ScheduleSummary]:
    """Schedules (one agent's or all), by status and type."""
    page = await ctx.backend.schedule_list(
        args.agent_id, status=args.status, type=args.type, cursor=args.cursor, limit=args.limit
    )
    return short_page(ScheduleSummary, page)


class ScheduleIdIn(ToolInput):
    schedule_id: str = ScheduleId
    agent_id: AgentId = "default"


@schedules.tool("Get agent schedule", read_only=True)
async def schedule_get(ctx: ToolContext, args: ScheduleIdIn) -> ScheduleView:
    """One schedule with its executions (newest first) and next fires."""
    return view(await ctx.backend.schedule_get(args.agent_id, args.schedule_id), ctx)


class ScheduleUpdateIn(ToolInput):
    schedule_id: str = ScheduleId
    agent_id: AgentId = "default"
    name: str | None = None
    when: str | None = Field(None, description="New time, any phrase (keeps the schedule's type).")
    next_run: str | None = None
    delay_seconds: int | str | None = None
    cron_expression: str | None = None
    timezone: str | None = None  # described on schedule_create (as payload)
    status: Literal["active", "paused"] | None = Field(None, description="paused stops firing; active resumes.")
    callback_type: CallbackType | None = None
    callback_id: str | None = None
    callback_url: str | None = None
    callback_method: str | None = None
    callback_headers: Headers = None
    payload: Any = None


@schedules.tool("Update agent schedule", destructive=True, idempotent=True, open_world=True)
async def schedule_update(ctx: ToolContext, args: ScheduleUpdateIn) -> ScheduleConfirm:
    """Change a schedule's name, time, callback or status; omitted fields stay."""
    tz = zone(args.timezone, ctx.timezone) if args.timezone else None
    timing: dict[str, Any] = {}
    if any(getattr(args, f) is not None for f in ("when", "next_run", "delay_seconds", "cron_expression")):
        current = await ctx.backend.schedule_get(args.agent_id, args.schedule_id)
        timing, tz = _timing(ctx, args, tz or current.timezone, creating=False)
        if args.when is not None and ("cron_expression" in timing) != (current.type == "cron"):
            # A schedule keeps its type; say so in terms of the argument the caller used.
            wanted = "a recurrence such as 'every day at 9am'" if current.type == "cron" else "one time or a delay"
            raise InvalidInput(
                f"when: schedule {current.id} is type '{current.type}', so when must be {wanted}; "
                "to change the type, schedule_delete it and schedule_create a new one",
                field="when",
            )
    fields = pick(
        args, "name", "status", "callback_type", "callback_id", "callback_url", "callback_method",
        "callback_headers", "payload",
    )
    req = build(ScheduleUpdate, timezone=tz, **timing, **fields)
    out = short(ScheduleConfirm, view(await ctx.backend.schedule_update(args.agent_id, args.schedule_id, req), ctx))
    out.warnings = _notes(ctx, args, out.timezone)
    return out


def _notes(ctx: ToolContext, args: Any, tz: str) -> list[str]:
    texts = ((args.when, "when"), (args.next_run, "next_run"), (args.cron_expression, "cron_expression"))
    return notes(*texts, tz=tz, now=ctx.now())


@schedules.tool("Delete agent schedule", destructive=True, idempotent=True)
async def schedule_delete(ctx: ToolContext, args: ScheduleIdIn) -> Deleted:
    """Delete a schedule; it will not fire again."""
    return await ctx.backend.schedule_delete(args.agent_id, args.schedule_id)
