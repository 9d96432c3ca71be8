"""One-shot tasks (seed 001 task.schedule, seed 003): one HTTP request at a later time."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import Page, Task, TaskCreate, task_field

from .fields import (
    Cursor,
    Headers,
    Idem,
    Limit,
    Method,
    Payload,
    Retries,
    Secret,
    Target,
    Timezone,
    build,
    pick,
)
from .registry import ToolContext, ToolInput, Toolset
from .timefields import describe_instant, notes, resolve_delay, resolve_instant, zone
from .views import TaskConfirm, TaskSummary, short, short_page, summary_fields

tasks = Toolset("task", list_hint="task_list")

RECURRING_HINT = "For a repeating request call cron_create (or schedule_create for an agent callback)."


class TaskScheduleIn(ToolInput):
    url: Target
    run_at: str | None = Field(
        None, description="When: 'tomorrow at 3pm', 'in 2 seconds', 'next friday 9:30' or ISO 8601."
    )
    delay: int | str | None = Field(None, description="Instead of run_at: seconds, or '20 minutes'.")
    timezone: Timezone = None
    name: str | None = None
    method: Method = "POST"
    headers: Headers = None
    payload: Payload = None
    retries: Retries = 3
    timeout_seconds: int = Field(300, ge=1, le=900, description="Per attempt.")
    secret: Secret = None
    on_failure_webhook: str | None = Field(None, description="URL told if it finally fails.")
    idempotency_key: Idem = None


@tasks.tool("Schedule one-shot request", open_world=True)
async def task_schedule(ctx: ToolContext, args: TaskScheduleIn) -> TaskConfirm:
    """Use for one HTTP request later (signed, retried), at run_at or after delay. Confirm the answer's
    description with the user."""
    if (args.run_at is None) == (args.delay is None):
        raise InvalidInput("give exactly one of run_at ('tomorrow at 3pm') or delay ('20 minutes')", field="run_at")
    tz = zone(args.timezone, ctx.timezone)
    now = ctx.now()
    run_at: datetime | None = None
    delay: int | None = None
    if args.run_at is not None:
        run_at = resolve_instant(args.run_at, field="run_at", tz=tz, now=now, recurring_hint=RECURRING_HINT)
    else:
        assert args.delay is not None
        delay = resolve_delay(args.delay, field="delay")
    fields = pick(
        args, "name", "method", "headers", "payload", "retries", "timeout_seconds", "secret",
        "on_failure_webhook", "idempotency_key",
    )
    fields[task_field(args.url)] = args.url
    task = await ctx.backend.task_schedule(build(TaskCreate, run_at=run_at, delay_seconds=delay, **fields))
    description = describe_instant(task.run_at, tz)
    warned = notes((args.run_at, "run_at"), tz=tz, now=now)
    return TaskConfirm.model_validate(
        {**summary_fields(task), "timezone": tz, "description": description, "warnings": warned}
    )


class TaskIdIn(ToolInput):
    task_id: str = Field(description="tk_... id")


@tasks.tool("Cancel one-shot task", destructive=True)
async def task_cancel(ctx: ToolContext, args: TaskIdIn) -> TaskSummary:
    """Cancel a task that has not fired yet."""
    return short(TaskSummary, await ctx.backend.task_cancel(args.task_id))


class TaskListIn(ToolInput):
    state: Literal["scheduled", "running", "succeeded", "failed", "cancelled"] | None = None
    cursor: Cursor = None
    limit: Limit = 50


@tasks.tool("List one-shot tasks", read_only=True)
async def task_list(ctx: ToolContext, args: TaskListIn) -> Page[TaskSummary]:
    """One-shot tasks, oldest first (state scheduled: not sent yet)."""
    return short_page(TaskSummary, await ctx.backend.task_list(state=args.state, cursor=args.cursor, limit=args.limit))


@tasks.tool("Get one-shot task", read_only=True)
async def task_get(ctx: ToolContext, args: TaskIdIn) -> Task:
    """One task with its run_id (run_get shows the response)."""
    return await ctx.backend.task_get(args.task_id)
