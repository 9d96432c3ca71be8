"""Short records for answers that do not need the whole thing.

tools/list carries every output schema to the model on every turn, and lists fill its
context, so lists, state changes and "started" answers return these; the *_get tools return
the full record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, Field, model_validator

from infrai_mcp.models import Page, Record

S = TypeVar("S", bound=Record)


class CronSummary(Record):
    cron_id: str
    name: str
    schedule: str | None = None
    timezone: str
    description: str | None = None
    url: str  # the target as the tools take it: a URL or a queue name (summary_fields)
    status: Literal["active", "paused", "completed"]
    next_run_at: datetime | None = None
    max_runs: int | None = None
    run_count: int = 0
    runs_left: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _left(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "runs_left": runs_left(data.get("max_runs"), data.get("run_count") or 0)}
        return data


def runs_left(max_runs: int | None, run_count: int) -> int | None:
    """Scheduled fires a job still has before max_runs completes it; None: no limit."""
    return None if max_runs is None else max(0, max_runs - run_count)


Warnings = Annotated[list[str], Field(default=[], exclude_if=lambda v: not v)]  # left out when empty


class CronConfirm(CronSummary):
    """What create/update answer: enough to confirm the schedule with the user."""

    warnings: Warnings
    run_at: datetime | None = None
    next_fires: list[datetime] = []


class CronState(Record):
    cron_id: str
    status: Literal["active", "paused", "completed"]
    enabled: bool
    next_run_at: datetime | None = None
    next_fires: list[datetime] = []


class RunSummary(Record):
    run_id: str
    job_id: str
    state: str
    trigger: str
    scheduled_for: datetime
    finished_at: datetime | None = None
    attempts: int = 0
    response_status: int | None = None
    error: str | None = None


class RunOutcome(RunSummary):
    response_excerpt: str | None = None


class ScheduleSummary(Record):
    id: str
    name: str
    type: Literal["once", "delayed", "cron"]
    status: Literal["active", "paused", "completed"]
    cron_expression: str | None = None
    timezone: str
    next_run: datetime | None = None
    last_run: datetime | None = None
    callback_type: str
    callback_id: str | None = None


class ScheduleConfirm(ScheduleSummary):
    warnings: Warnings
    delay_seconds: int | None = None
    description: str | None = None
    next_fires: list[datetime] = []


class TaskConfirm(Record):
    warnings: Warnings
    task_id: str
    name: str | None = None
    url: str
    state: str
    run_at: datetime
    timezone: str
    description: str


class TaskSummary(Record):
    task_id: str
    name: str | None = None
    url: str
    state: str
    run_at: datetime


class DeliveryRef(Record):
    delivery_id: str
    state: str
    webhook_id: str


def summary_fields(record: BaseModel) -> dict[str, Any]:
    """A record's fields for a summary. A job's target is one field there, ``url``, holding a
    URL or a queue name, as cron_create/task_schedule take it (the *_get tools show both
    ``url`` and ``queue``): one field instead of two keeps tools/list smaller."""
    data = record.model_dump()
    if data.get("url") is None and data.get("queue"):
        data["url"] = data["queue"]
    return data


def short(model: type[S], record: BaseModel) -> S:
    """The summary of a full record (extra fields are ignored by Record)."""
    return model.model_validate(summary_fields(record))


def short_page(model: type[S], page: Page[Any]) -> Page[S]:
    items = [short(model, r) for r in page.items]
    return Page(items=items, next_cursor=page.next_cursor)
