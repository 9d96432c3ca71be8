"""Cron jobs: seed 001 ``/v1/scheduling/cron/...`` (and 000's short form) and seed 002 ``/v1/cron/...``.

The two seeds describe the same capability under two base paths, so each handler serves
both. Bodies accept every spelling the seeds use (``cron_expr``/``schedule``,
``task``/``task_url``/``url`` with ``task_type: "http_url"``, ``task``/``queue`` with ``task_type:
"queue"``, ``retry``/``retries``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import CronCreate, CronUpdate, task_field
from infrai_mcp.surfaces.rest.bodies import CronBatchBody
from infrai_mcp.surfaces.rest.common import (
    JSON,
    action_body,
    backend,
    batch_items,
    drop,
    ok,
    page_args,
    parse,
    read_json,
    take_alias,
)
from infrai_mcp.surfaces.rest.spec import BOOL, PAGE_QUERY, STR, Param, Registry, obj, page_of, ref
from infrai_mcp.surfaces.rest.views import deleted_view, page_view, view, views

registry = Registry("cron")
BASES = ("/v1/scheduling/cron", "/v1/cron")

# Seed spellings accepted in cron bodies (documented in /openapi.json next to the model's fields).
CRON_BODY_EXTRA: dict[str, JSON] = {
    "cron_expr": {"type": "string", "description": "Alias of schedule."},
    "task": {"type": "string", "description": "Alias of url; without :// (or with task_type queue) of queue."},
    "task_url": {"type": "string", "description": "Alias of url."},
    "task_type": {"type": "string", "enum": ["http_url", "queue"], "description": "What task names."},
    "retry": {"type": "integer", "description": "Alias of retries."},
}
# Ids some seed examples repeat in the body of a route whose path already names the job.
ID_EXTRA: dict[str, JSON] = {"cron_id": STR, "job_id": STR, "idempotency_key": STR}


def paths(suffix: str) -> tuple[str, ...]:
    return tuple(base + suffix for base in BASES)


def target_body(data: JSON) -> JSON:
    """The seed spellings of a job's target (cron jobs and one-shot tasks alike).

    ``task_type: "http_url"`` makes ``task`` the URL, ``"queue"`` the queue each fire publishes
    to; without ``task_type`` a ``task`` with ``://`` is a URL and a bare name a queue (seed 000's
    ``infra.cron.create("0 9 * * *", "send-daily-digest")``)."""
    take_alias(data, "retries", "retry")
    task_type = data.pop("task_type", None)
    if task_type not in (None, "http_url", "queue"):
        raise InvalidInput(
            f"task_type: {task_type!r} is not a target kind; use 'http_url' (task is the URL the job sends a "
            "request to) or 'queue' (task is the name of a queue each fire publishes to)", field="task_type",
        )
    if task_type == "queue":
        take_alias(data, "queue", "task", "task_url")
    elif task_type == "http_url":
        take_alias(data, "url", "task", "task_url")
    else:
        take_alias(data, task_field(data.get("task")), "task")
        take_alias(data, "url", "task_url")
    return data


def cron_body(data: JSON) -> JSON:
    take_alias(data, "schedule", "cron_expr")
    return target_body(data)


async def _ignore_body(request: Request) -> None:
    """Read and validate the body of an action route; ids in it are the path's, so ignored."""
    await action_body(request, ID_EXTRA)


@registry.op("POST", *paths("/create"), "/v1/scheduling/cron", summary="Create a cron job (or a one-shot with run_at)",
             body=CronCreate, body_extra=CRON_BODY_EXTRA, body_required=True, response=ref("CronJob"))
async def cron_create(request: Request) -> JSONResponse:
    req = parse(CronCreate, cron_body(await read_json(request)))
    return ok(view(await backend(request).cron_create(req)))


@registry.op("POST", *paths("/create_batch"), summary="Create 1-1000 cron jobs in one transaction, all or nothing "
             "(extension)", body=CronBatchBody, body_required=True,
             response=obj({"jobs": {"type": "array", "items": ref("CronJob")}}))
async def cron_create_batch(request: Request) -> JSONResponse:
    reqs = batch_items(await read_json(request), "jobs", CronCreate, cron_body,
                       '{"schedule": "0 9 * * 1-5", "url": "https://example.com/hook"}')
    return ok({"jobs": views(await backend(request).cron_create_batch(reqs))})


@registry.op("GET", *paths("/list"), "/v1/scheduling/cron", summary="List cron jobs (oldest first)",
             query=(Param("name", STR, "Only jobs whose name contains this (any case)."), *PAGE_QUERY),
             response=page_of("CronJob"))
async def cron_list(request: Request) -> JSONResponse:
    cursor, limit = page_args(request)
    name = request.query_params.get("name") or None
    return ok(page_view(await backend(request).cron_list(name=name, cursor=cursor, limit=limit)))


@registry.op("GET", *paths("/get/{id}"), summary="Get a cron job with its next run time", response=ref("CronJob"))
async def cron_get(request: Request) -> JSONResponse:
    return ok(view(await backend(request).cron_get(request.path_params["id"])))


@registry.op("PATCH", *paths("/update/{id}"), summary="Update a cron job's schedule, target or policies",
             body=CronUpdate, body_extra={**CRON_BODY_EXTRA, **ID_EXTRA}, response=ref("CronJob"))
async def cron_update(request: Request) -> JSONResponse:
    data = cron_body(await read_json(request))
    drop(data, "cron_id", "job_id", "idempotency_key")
    req = parse(CronUpdate, data)
    return ok(view(await backend(request).cron_update(request.path_params["id"], req)))


@registry.op("DELETE", *paths("/delete/{id}"), summary="Delete a cron job (idempotent)",
             body_extra=ID_EXTRA, response=obj({"cron_id": STR, "id": STR, "deleted": BOOL}))
async def cron_delete(request: Request) -> JSONResponse:
    await _ignore_body(request)
    return ok(deleted_view(await backend(request).cron_delete(request.path_params["id"]), "cron_id"))


@registry.op("POST", *paths("/pause/{id}"), summary="Pause a cron job", body_extra=ID_EXTRA, response=ref("CronJob"))
async def cron_pause(request: Request) -> JSONResponse:
    await _ignore_body(request)
    return ok(view(await backend(request).cron_pause(request.path_params["id"])))


@registry.op("POST", *paths("/resume/{id}"), summary="Resume a paused cron job from now", body_extra=ID_EXTRA,
             response=ref("CronJob"))
async def cron_resume(request: Request) -> JSONResponse:
    await _ignore_body(request)
    return ok(view(await backend(request).cron_resume(request.path_params["id"])))


@registry.op("POST", *paths("/trigger/{id}"), summary="Run a cron job now (also when paused)", body_extra=ID_EXTRA,
             response=ref("Run"))
async def cron_trigger(request: Request) -> JSONResponse:
    await _ignore_body(request)
    return ok(view(await backend(request).cron_trigger(request.path_params["id"])))


@registry.op("GET", *paths("/runs/list/{id}"), summary="List a cron job's runs (newest first)", query=PAGE_QUERY,
             response=page_of("Run"))
async def cron_runs_list(request: Request) -> JSONResponse:
    cursor, limit = page_args(request)
    page = await backend(request).cron_runs_list(request.path_params["id"], cursor=cursor, limit=limit)
    return ok(page_view(page))


@registry.op("GET", *paths("/runs/get/{id}/{run_id}"), summary="Get one run with its attempts", response=ref("Run"))
async def cron_run_get(request: Request) -> JSONResponse:
    p = request.path_params
    return ok(view(await backend(request).cron_run_get(p["id"], p["run_id"])))


@registry.op("GET", *paths("/retention/get/{id}"), summary="Days of run history kept", response=ref("Retention"))
async def cron_retention_get(request: Request) -> JSONResponse:
    return ok((await backend(request).cron_retention_get(request.path_params["id"])).model_dump(mode="json"))


@registry.op("PUT", *paths("/retention/set/{id}"), summary="Set the days of run history kept",
             body_extra={"retention_days": {"type": "integer", "minimum": 0, "maximum": 3650}, **ID_EXTRA},
             body_required=True, response=ref("Retention"))
async def cron_retention_set(request: Request) -> JSONResponse:
    data = await read_json(request)
    days = data.get("retention_days")
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        raise InvalidInput("retention_days must be an integer from 0 to 3650", field="retention_days")
    result = await backend(request).cron_retention_set(request.path_params["id"], days)
    return ok(result.model_dump(mode="json"))


__all__ = ["registry"]
