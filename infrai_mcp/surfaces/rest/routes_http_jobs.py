"""``POST /api/jobs`` (seed 003): one HTTP request now, later, or on a schedule.

It maps onto the Backend: ``schedule_in``/``scheduled_at`` (or nothing: run now) become a
one-shot task; ``cron`` and ``repeat_every`` become a cron job. ``callback_url`` and
``webhook_url`` become the job's ``result_url`` and ``events_url`` (the engine's runner
reports there, docs/REST.md). ``repeat_every`` is an interval job: any whole number of seconds
(``30``, ``[7, "minutes"]``, ``[36, "hours"]``), exact elapsed time, first fire one period after
the request. The body's dynamic fields ``"$job"``, ``"$state"``, ``"$previous"`` are filled in
at each fire of a recurring job (core/dynamic.py).
``GET``/``DELETE /api/jobs/{id}`` (ours) read and cancel what ``POST`` made.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from pydantic import Field, field_validator
from starlette.requests import Request
from starlette.responses import JSONResponse

from infrai_mcp.core.errors import InvalidInput, NotFound
from infrai_mcp.models import CronCreate, CronJob, Model, Run, Task, TaskCreate
from infrai_mcp.surfaces.rest.common import JSON, backend, ok, parse, read_json
from infrai_mcp.surfaces.rest.spec import STR, Registry, nullable, obj

registry = Registry("jobs (seed 003)")
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
UNIT_NAMES = ", ".join(f"{u}s" for u in UNITS)
Duration = float | list[Any]


class JobCreate(Model):
    method: Literal["get", "post", "put", "patch", "delete", "GET", "POST", "PUT", "PATCH", "DELETE"] = "get"
    url: str = Field(description="Target URL (http:// or https://).")
    query: dict[str, Any] | None = Field(None, description="Query parameters added to url.")
    body: Any = Field(None, description="JSON body of the request (sent as the payload).")
    headers: dict[str, str] | None = None
    schedule_in: Duration | None = Field(None, description='Seconds, or [n, "minutes"|"hours"|...].')
    scheduled_at: str | float | None = Field(None, description="ISO 8601 time (UTC if no offset) or unix seconds.")
    repeat_every: Duration | None = Field(None, description='Any period: seconds or [n, unit] (an interval from now).')
    cron: str | None = Field(None, description="5-field cron expression, evaluated in UTC.")
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)
    name: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    callback_url: str | None = Field(None, description="Receives each run's result (status, headers, body excerpt, "
                                      "run id, attempts) once it is final.")
    webhook_url: str | None = Field(None, description="Receives job.started, job.request, job.response, "
                                     "job.finished and job.error events.")

    # One message per field instead of pydantic's one per union member ("schedule_in.float: ...").
    @field_validator("schedule_in", "repeat_every", mode="before")
    @classmethod
    def _duration_shape(cls, value: Any) -> Any:
        if value is None or isinstance(value, list) or (isinstance(value, int | float) and not isinstance(value, bool)):
            return value
        raise ValueError(f'must be seconds or [n, unit] with unit one of {UNIT_NAMES}, e.g. 30 or [5, "minutes"]')

    @field_validator("scheduled_at", mode="before")
    @classmethod
    def _instant_shape(cls, value: Any) -> Any:
        if value is None or isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
            return value
        raise ValueError("must be an ISO 8601 time or unix seconds, e.g. \"2026-12-01T09:00:00Z\"")


def seconds(value: Duration, field: str) -> int:
    """``30`` or ``[30, "seconds"]`` / ``[5, "minutes"]`` → whole seconds."""
    if isinstance(value, list):
        if len(value) != 2 or isinstance(value[0], bool) or not isinstance(value[0], int | float) \
                or not isinstance(value[1], str) or value[1].lower().rstrip("s") not in UNITS:
            raise InvalidInput(f"{field} must be seconds or [n, unit] with unit one of {UNIT_NAMES}", field=field)
        total = value[0] * UNITS[value[1].lower().rstrip("s")]
    elif isinstance(value, bool):
        raise InvalidInput(f"{field} must be a number of seconds", field=field)
    else:
        total = value
    if total < 0 or total != int(total) or total > 366 * 86400:
        raise InvalidInput(f"{field} must be whole seconds from 0 to 366 days", field=field)
    return int(total)


def repeat_period(period: int) -> str:
    """The interval kind's rule: whole seconds >= 1 (exact elapsed time, from one period after now)."""
    if period < 1:
        raise InvalidInput('repeat_every must be at least 1 second, e.g. 30, [7, "minutes"] or [36, "hours"]',
                           field="repeat_every")
    return str(period)


def scheduled_at(value: str | float) -> datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidInput("scheduled_at is not a valid unix timestamp", field="scheduled_at") from None
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput("scheduled_at must be an ISO 8601 time or unix seconds", field="scheduled_at") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def target_url(url: str, query: dict[str, Any] | None) -> str:
    if not query:
        return url
    parts = urlsplit(url)
    extra = urlencode({k: v if isinstance(v, str) else str(v) for k, v in query.items()})
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def to_request(job: JobCreate) -> TaskCreate | CronCreate:
    timing = [f for f in ("schedule_in", "scheduled_at", "repeat_every", "cron") if getattr(job, f) is not None]
    if len(timing) > 1:
        raise InvalidInput(f"give at most one of schedule_in, scheduled_at, repeat_every, cron (got {timing})",
                           field=timing[1])
    common: JSON = {
        "url": target_url(job.url, job.query), "method": job.method.upper(), "headers": job.headers,
        "payload": job.body, "name": job.name, "idempotency_key": job.idempotency_key,
        # The engine's names: result_url gets each run's result, events_url the job.* events.
        "result_url": job.callback_url, "events_url": job.webhook_url,
    }
    try:
        if job.cron is not None:
            return parse(CronCreate, {**common, "schedule": job.cron, "timezone": "UTC"})
        if job.repeat_every is not None:
            period = repeat_period(seconds(job.repeat_every, "repeat_every"))
            return parse(CronCreate, {**common, "schedule": period, "schedule_kind": "interval", "timezone": "UTC"})
        if job.scheduled_at is not None:
            return parse(TaskCreate, {**common, "run_at": scheduled_at(job.scheduled_at)})
        delay = seconds(job.schedule_in, "schedule_in") if job.schedule_in is not None else 0
        return parse(TaskCreate, {**common, "delay_seconds": delay})
    except InvalidInput as exc:
        raise seed_names(exc, job) from None


def seed_names(exc: InvalidInput, job: JobCreate) -> InvalidInput:
    """Name the seed's fields, not the engine's: the caller sent scheduled_at, not run_at."""
    timing = "cron" if job.cron is not None else "repeat_every" if job.repeat_every is not None else None
    renames = {"result_url": "callback_url", "events_url": "webhook_url", "run_at": "scheduled_at",
               "delay_seconds": "schedule_in", "payload": "body"}
    if timing:
        renames["schedule"] = timing
    theirs = renames.get(exc.field or "")
    if theirs:
        ours = exc.field or ""
        exc.field = theirs
        exc.message = re.sub(rf"\b{ours}\b", theirs, exc.message)
    return exc


_TASK_STATE = {"scheduled": "scheduled", "running": "executing", "succeeded": "completed", "failed": "discarded",
               "cancelled": "cancelled"}
_CRON_STATE = {"active": "scheduled", "paused": "cancelled", "completed": "completed"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def job_view(
    record: Task | CronJob, project: str, args: JSON, idempotency_key: str | None = None,
    description: str | None = None, run: Run | None = None,
) -> JSON:
    at: datetime | None
    if isinstance(record, Task):
        rid, state, at, schedule_id = record.task_id, _TASK_STATE[record.state], record.run_at, None
        completed = record.updated_at if record.state == "succeeded" else None
        discarded = record.updated_at if record.state == "failed" else None
        cancelled = record.updated_at if record.state == "cancelled" else None
    else:
        rid, state, at, schedule_id = record.cron_id, _CRON_STATE[record.status], record.next_run_at, record.cron_id
        completed = discarded = cancelled = None
    # The seed's job_id is an integer (29180): the job's number. ``id`` stays the string id that
    # GET/DELETE /api/jobs/{id} and every other route take (docs/REST.md).
    number: int | str = record.number if record.number is not None else rid
    return {
        "id": rid, "idempotency_key": idempotency_key, "inserted_at": _iso(record.created_at),
        "name": record.name, "description": description, "user_id": project, "schedule_id": schedule_id,
        "job_id": number,
        "job": {"attempted_at": _iso(run.started_at if run else None), "cancelled_at": _iso(cancelled),
                "completed_at": _iso(completed),
                "discarded_at": _iso(discarded), "has_confict": False, "id": number,
                "inserted_at": _iso(record.created_at), "scheduled_at": _iso(at), "state": state},
        "args": args,
    }


# An integer from this server; a server without job numbers answers the string id.
NUMBER = {"type": ["integer", "string"], "description": "The job's number (seed 003's job_id)."}
JOB_SCHEMA = obj({
    "id": STR, "idempotency_key": nullable(STR), "inserted_at": STR, "name": nullable(STR),
    "description": nullable(STR), "user_id": STR, "schedule_id": nullable(STR), "job_id": NUMBER,
    "job": obj({"attempted_at": nullable(STR), "cancelled_at": nullable(STR), "completed_at": nullable(STR),
                "discarded_at": nullable(STR), "has_confict": {"type": "boolean"}, "id": NUMBER,
                "inserted_at": STR, "scheduled_at": nullable(STR), "state": STR}),
    "args": {"type": "object"},
})


@registry.op("POST", "/api/jobs", summary="Schedule an HTTP request (seed 003)", body=JobCreate, body_required=True,
             response=JOB_SCHEMA)
async def job_create(request: Request) -> JSONResponse:
    data = await read_json(request)
    job = parse(JobCreate, data)
    req = to_request(job)
    b = backend(request)
    try:
        record: Task | CronJob = await (b.cron_create(req) if isinstance(req, CronCreate) else b.task_schedule(req))
    except InvalidInput as exc:  # e.g. a past scheduled_at, found by the engine as a past run_at
        raise seed_names(exc, job) from None
    # args echo the request as the seed's example does (method lower-case, empty headers as {}),
    # with credential headers masked as every read shows them.
    args: JSON = {"body": job.body, "headers": record.headers or {}, "method": job.method.lower(), "url": job.url}
    args.update({k: data[k] for k in ("query", "schedule_in", "scheduled_at", "repeat_every", "cron",
                                      "callback_url", "webhook_url")
                 if data.get(k) is not None})
    return ok(job_view(record, request.scope["state"]["infrai_project"], args, job.idempotency_key,
                       job.description))


async def _lookup(request: Request) -> Task | CronJob:
    job_id = str(request.path_params["id"])
    b = backend(request)
    if job_id.startswith("tk_"):
        return await b.task_get(job_id)
    if job_id.startswith("cj_"):
        return await b.cron_get(job_id)
    raise NotFound(f"No job {job_id!r}. Ids come from POST /api/jobs.")


@registry.op("GET", "/api/jobs/{id}", summary="Get a job made by POST /api/jobs (extension)", response=JOB_SCHEMA)
async def job_get(request: Request) -> JSONResponse:
    record = await _lookup(request)
    args = {"method": record.method.lower(), "url": record.url, "body": record.payload,
            "headers": record.headers or {}}
    if record.result_url:
        args["callback_url"] = record.result_url
    if record.events_url:
        args["webhook_url"] = record.events_url
    run = None
    if isinstance(record, CronJob) and record.schedule_kind == "interval":
        args["repeat_every"] = int(record.schedule or 0)
    elif isinstance(record, CronJob):
        args["cron"] = record.schedule
    elif record.run_id:
        run = await backend(request).run_get(record.run_id)  # when the request was attempted
    return ok(job_view(record, request.scope["state"]["infrai_project"], args, run=run))


@registry.op("DELETE", "/api/jobs/{id}", summary="Cancel a one-shot job or delete a recurring one (extension)",
             response=obj({"id": STR, "deleted": {"type": "boolean"}}))
async def job_delete(request: Request) -> JSONResponse:
    record = await _lookup(request)
    b = backend(request)
    if isinstance(record, Task):
        await b.task_cancel(record.task_id)
        return ok({"id": record.task_id, "deleted": True})
    result = await b.cron_delete(record.cron_id)
    return ok({"id": result.id, "deleted": result.deleted})
