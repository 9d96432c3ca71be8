"""Cron jobs, one-shot tasks and their runs (seeds 001 cron.* / task.schedule / run.list, 002)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from infrai_mcp.models.common import (
    AwareDatetime,
    Headers,
    HttpUrl,
    IdempotencyKey,
    Method,
    Model,
    Name,
    Payload,
    Record,
    Secret,
)
from infrai_mcp.models.queues import QUEUE_NAME_PATTERN

OverlapPolicy = Literal["allow", "skip", "queue"]
MisfirePolicy = Literal["run_once", "skip", "run_all"]
JobStatus = Literal["active", "paused", "completed"]
TaskState = Literal["scheduled", "running", "succeeded", "failed", "cancelled"]
RunState = Literal["pending", "running", "retrying", "succeeded", "failed", "skipped", "cancelled"]
RunTrigger = Literal["schedule", "manual", "misfire"]
ScheduleKind = Literal["cron", "interval", "rrule"]

DEFAULT_RETRIES = 3
DEFAULT_TIMEOUT = 300
DEFAULT_RETENTION_DAYS = 30
# Items of one cron/create_batch or task/schedule_batch call (one transaction).
MAX_JOB_BATCH = 1000


QUEUE_TARGET_HELP = (
    "give url (an http:// or https:// URL the job sends a request to) or queue (the name of a queue each "
    "fire publishes to, e.g. \"send-daily-digest\"), not both"
)


def check_one_target(url: str | None, queue: str | None) -> None:
    """A job's target is a URL or a queue (docs/QUEUES.md, "Jobs that publish"): exactly one."""
    if (url is None) == (queue is None):
        raise ValueError(QUEUE_TARGET_HELP)


def task_field(task: object) -> str:
    """Where a seed's ``task`` goes: a URL (``://`` in it) is ``url``, anything else names a queue."""
    return "url" if isinstance(task, str) and "://" in task else "queue"


def target_text(url: str | None, queue: str | None, method: str = "") -> str:
    """A job's target in one line (CLI tables, dashboard): ``POST https://...`` or ``queue NAME``."""
    if queue is not None:
        return f"queue {queue}"
    return f"{method} {url}".strip() if method else url or ""


class TargetFields(Model):
    """What a job does each time it fires: send an HTTP request (url) or publish to a queue."""

    url: HttpUrl | None = None
    queue: str | None = Field(
        None, pattern=QUEUE_NAME_PATTERN,
        description="Publish each fire (payload, job id, run id, scheduled time) to this queue instead of a URL.",
    )
    method: Method = "POST"
    headers: Headers = None
    payload: Payload = None
    retries: int = Field(DEFAULT_RETRIES, ge=0, le=10, description="Retry attempts after a failed request (0-10).")
    timeout_seconds: int = Field(DEFAULT_TIMEOUT, ge=1, le=900, description="Per-attempt timeout (1-900 s).")
    secret: Secret | None = Field(
        None, description="Signing secret (Standard Webhooks, 'whsec_<base64>' or any 8+ char string). Write-only."
    )
    on_failure_webhook: HttpUrl | None = None
    result_url: HttpUrl | None = Field(
        None, description="Receives each run's result once it is final (seed 003 callback_url). Best effort."
    )
    events_url: HttpUrl | None = Field(
        None, description="Receives job.started/request/response/finished/error events (seed 003 webhook_url)."
    )


class ExclusionsIn(Model):
    """Days and occurrences a recurring job skips; each skipped time is recorded as a skipped run."""

    holidays: list[str] = Field(
        default_factory=list, max_length=10,
        description="Public-holiday calendars: ISO country, optional subdivision ('US', 'DE/BY').")
    dates: list[str] = Field(default_factory=list, max_length=366,
                             description="Local dates: '2026-12-24' (that day) or '--12-25' (every year).")
    skip_next: int = Field(0, ge=0, le=100, description="Skip the next N fires (resolved when saved).")
    skip: list[AwareDatetime] = Field(default_factory=list, max_length=100,
                                      description="Occurrences to skip: the rule's times (before jitter).")


class KindFields(Model):
    """How ``schedule`` is read, and what a recurring job skips (docs/TIME.md, "Schedule kinds")."""

    schedule_kind: ScheduleKind | None = Field(
        None, description="How schedule is read: cron (default), interval (whole seconds), rrule (RFC 5545 RRULE "
                          "lines, their union).")
    schedule_start: str | None = Field(
        None, description="interval: first fire, ISO 8601 (default: one period after saving); rrule: DTSTART, "
                          "a wall time in timezone (default: now).")
    exclusions: ExclusionsIn | None = None
    jitter_seconds: int | None = Field(None, ge=0, le=3600,
                                       description="Fire a fixed offset (0..N s, chosen per job) after each time.")


class CronCreate(KindFields, TargetFields):
    """Create a recurring job (``schedule``) or, as seed 002 allows, a one-shot one (``run_at``)."""

    name: Name | None = None
    schedule: str | None = Field(None, description="5-field cron (6 with seconds first) or @daily-style macro.")
    run_at: AwareDatetime | None = Field(None, description="One-shot alternative to schedule (fires once).")
    timezone: str = "UTC"
    overlap_policy: OverlapPolicy = "allow"
    misfire_policy: MisfirePolicy = "run_once"
    max_runs: int | None = Field(None, ge=1)
    enabled: bool = True
    retention_days: int = Field(DEFAULT_RETENTION_DAYS, ge=0, le=3650)
    idempotency_key: IdempotencyKey | None = None

    @model_validator(mode="after")
    def _one_schedule(self) -> CronCreate:
        check_one_target(self.url, self.queue)
        if (self.schedule is None) == (self.run_at is None):
            raise ValueError("give exactly one of schedule (cron expression) or run_at (one-shot ISO 8601 time)")
        return self


class CronUpdate(KindFields):
    """Any subset of fields; ``next_run_at`` is recomputed when timing fields change. ``schedule``
    without ``schedule_kind`` is a cron; ``exclusions`` replaces the job's (null clears them)."""

    name: Name | None = None
    schedule: str | None = None
    run_at: AwareDatetime | None = Field(
        None, description="New one-shot time (future); a recurring job given run_at becomes a one-shot."
    )
    timezone: str | None = None
    url: HttpUrl | None = Field(None, description="New URL target (a queue target becomes a URL target).")
    queue: str | None = Field(None, pattern=QUEUE_NAME_PATTERN, description="New queue target (instead of url).")
    method: Method | None = None
    headers: Headers = None
    payload: Payload = None
    retries: int | None = Field(None, ge=0, le=10)
    timeout_seconds: int | None = Field(None, ge=1, le=900)
    overlap_policy: OverlapPolicy | None = None
    misfire_policy: MisfirePolicy | None = None
    max_runs: int | None = Field(None, ge=1)
    on_failure_webhook: HttpUrl | None = None
    result_url: HttpUrl | None = Field(None, description="Where each run's result goes; null stops it.")
    events_url: HttpUrl | None = Field(None, description="Where job.* events go; null stops them.")
    secret: Secret | None = None
    enabled: bool | None = None
    retention_days: int | None = Field(None, ge=0, le=3650)

    @model_validator(mode="after")
    def _one_target(self) -> CronUpdate:
        if self.url is not None and self.queue is not None:
            raise ValueError(QUEUE_TARGET_HELP)
        return self


class CronJob(Record):
    cron_id: str
    name: str
    schedule: str | None
    run_at: datetime | None = None
    timezone: str
    description: str | None = None
    # The schedule kind's fields (docs/TIME.md); in answers, left out of schemas like ``warnings``
    # below (tools/list carries every output schema; ``description`` says the rule in words).
    schedule_kind: SkipJsonSchema[ScheduleKind | None] = None
    schedule_start: SkipJsonSchema[str | None] = None
    exclusions: SkipJsonSchema[dict[str, Any] | None] = None  # {"holidays", "dates", "skip"}
    jitter_seconds: SkipJsonSchema[int] = 0
    url: str | None = None
    queue: str | None = None  # a queue target instead of url
    method: str
    headers: dict[str, str] | None = None  # credential headers masked
    payload: Any = None
    retries: int
    timeout_seconds: int
    overlap_policy: OverlapPolicy
    misfire_policy: MisfirePolicy
    max_runs: int | None = None
    run_count: int = 0
    on_failure_webhook: str | None = None
    result_url: str | None = None
    events_url: str | None = None
    has_secret: bool = False
    enabled: bool
    status: JobStatus
    retention_days: int
    next_run_at: datetime | None = None
    last_run_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    # What the call did beyond the request (its queue was created). Only on the answer to the
    # call that did it; left out of schemas, where it would weigh on every MCP tools/list.
    warnings: SkipJsonSchema[list[str]] = Field(default=[], exclude_if=lambda v: not v)
    # The job's integer number (seed 003's job_id), in creation order; schemas leave it out too.
    number: SkipJsonSchema[int | None] = Field(default=None, exclude_if=lambda v: v is None)


class TaskCreate(TargetFields):
    """A one-shot HTTP request at ``run_at`` or after ``delay_seconds``."""

    name: Name | None = None
    run_at: AwareDatetime | None = None
    delay_seconds: int | None = Field(None, ge=0, le=366 * 86400)
    idempotency_key: IdempotencyKey | None = None

    @model_validator(mode="after")
    def _one_time(self) -> TaskCreate:
        check_one_target(self.url, self.queue)
        if (self.run_at is None) == (self.delay_seconds is None):
            raise ValueError("give exactly one of run_at (ISO 8601 time) or delay_seconds")
        return self


class Task(Record):
    task_id: str
    name: str | None = None
    url: str | None = None
    queue: str | None = None  # a queue target instead of url
    method: str
    headers: dict[str, str] | None = None
    payload: Any = None
    retries: int
    timeout_seconds: int
    on_failure_webhook: str | None = None
    result_url: str | None = None
    events_url: str | None = None
    has_secret: bool = False
    run_at: datetime
    state: TaskState
    run_id: str | None = None
    created_at: datetime
    updated_at: datetime
    # What the call did beyond the request (its queue was created). Only on the answer to the
    # call that did it; left out of schemas, where it would weigh on every MCP tools/list.
    warnings: SkipJsonSchema[list[str]] = Field(default=[], exclude_if=lambda v: not v)
    # The job's integer number (seed 003's job_id), in creation order; schemas leave it out too.
    number: SkipJsonSchema[int | None] = Field(default=None, exclude_if=lambda v: v is None)


class Attempt(Record):
    attempt: int
    started_at: datetime
    finished_at: datetime | None = None
    response_status: int | None = None
    duration_ms: int | None = None
    error: str | None = None


class Run(Record):
    run_id: str
    job_id: str
    job_kind: Literal["cron", "task", "schedule", "webhook"]
    cron_id: str | None = None
    task_id: str | None = None
    schedule_id: str | None = None
    state: RunState
    trigger: RunTrigger = "schedule"
    scheduled_for: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    attempts: int = 0
    response_status: int | None = None
    response_excerpt: str | None = None
    error: str | None = None
    duration_ms: int | None = None
    webhook_id: str
    attempt_log: list[Attempt] | None = None  # filled by run get


class Retention(Record):
    cron_id: str
    retention_days: int


class Deleted(Record):
    id: str
    deleted: bool
