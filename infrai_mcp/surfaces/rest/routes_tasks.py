"""One-shot tasks, runs and outbound webhooks under ``/v1/scheduling`` (seeds 000/001).

``task/schedule``, ``run/list`` and ``webhook/send`` are the seeds' routes; ``task/get``,
``task/list``, ``task/cancel``, ``run/get`` and ``webhook/get`` are ours, in the same style,
so that RemoteBackend can offer every Backend method (docs/REST.md, "Extensions").
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from infrai_mcp.models import TaskCreate, WebhookSend
from infrai_mcp.surfaces.rest.bodies import TaskBatchBody
from infrai_mcp.surfaces.rest.common import (
    action_body,
    backend,
    batch_items,
    dump,
    ok,
    page_args,
    parse,
    query_choice,
    read_json,
)
from infrai_mcp.surfaces.rest.routes_cron import CRON_BODY_EXTRA, target_body
from infrai_mcp.surfaces.rest.spec import PAGE_QUERY, STR, Param, Registry, obj, page_of, ref
from infrai_mcp.surfaces.rest.views import page_view, view, views

registry = Registry("tasks")
TASK_STATES = ("scheduled", "running", "succeeded", "failed", "cancelled")
DELIVERY_STATES = ("pending", "delivering", "succeeded", "failed")
RUN_STATES = ("pending", "running", "retrying", "succeeded", "failed", "skipped", "cancelled")
TASK_BODY_EXTRA = {k: v for k, v in CRON_BODY_EXTRA.items() if k != "cron_expr"}


@registry.op("POST", "/v1/scheduling/task/schedule", summary="Schedule a one-shot HTTP request (run_at or delay)",
             body=TaskCreate, body_extra=TASK_BODY_EXTRA, body_required=True, response=ref("Task"))
async def task_schedule(request: Request) -> JSONResponse:
    data = target_body(await read_json(request))
    return ok(view(await backend(request).task_schedule(parse(TaskCreate, data))))


@registry.op("POST", "/v1/scheduling/task/schedule_batch", summary="Schedule 1-1000 one-shot tasks in one "
             "transaction, all or nothing (extension)",
             body=TaskBatchBody, body_required=True, response=obj({"tasks": {"type": "array", "items": ref("Task")}}))
async def task_schedule_batch(request: Request) -> JSONResponse:
    reqs = batch_items(await read_json(request), "tasks", TaskCreate, target_body,
                       '{"delay_seconds": 60, "url": "https://example.com/hook"}')
    return ok({"tasks": views(await backend(request).task_schedule_batch(reqs))})


@registry.op("GET", "/v1/scheduling/task/get/{id}", summary="Get a task (extension)", response=ref("Task"))
async def task_get(request: Request) -> JSONResponse:
    return ok(view(await backend(request).task_get(request.path_params["id"])))


@registry.op("GET", "/v1/scheduling/task/list", summary="List tasks, optionally by state (extension)",
             query=(Param("state", {"type": "string", "enum": list(TASK_STATES)}), *PAGE_QUERY),
             response=page_of("Task"))
async def task_list(request: Request) -> JSONResponse:
    state = query_choice(request, "state", TASK_STATES)
    cursor, limit = page_args(request)
    return ok(page_view(await backend(request).task_list(state=state, cursor=cursor, limit=limit)))


@registry.op("POST", "/v1/scheduling/task/cancel/{id}", summary="Cancel a scheduled task (extension)",
             response=ref("Task"))
async def task_cancel(request: Request) -> JSONResponse:
    await action_body(request, {})
    return ok(view(await backend(request).task_cancel(request.path_params["id"])))


@registry.op("GET", "/v1/scheduling/run/list", summary="List every run of the project (newest first)",
             query=(Param("job_id", STR, "Only runs of this cron job, task or schedule."),
                    Param("cron_id", STR, "Alias of job_id."),
                    Param("state", {"type": "string", "enum": list(RUN_STATES)}), *PAGE_QUERY),
             response=page_of("Run"))
async def run_list(request: Request) -> JSONResponse:
    job_id = request.query_params.get("job_id") or request.query_params.get("cron_id") or None
    state = query_choice(request, "state", RUN_STATES)
    cursor, limit = page_args(request)
    return ok(page_view(await backend(request).run_list(job_id=job_id, state=state, cursor=cursor, limit=limit)))


@registry.op("GET", "/v1/scheduling/run/get/{run_id}", summary="Get a run (extension)", response=ref("Run"))
async def run_get(request: Request) -> JSONResponse:
    return ok(view(await backend(request).run_get(request.path_params["run_id"])))


@registry.op("POST", "/v1/scheduling/webhook/send", summary="Send a signed outbound webhook with retries",
             body=WebhookSend, body_required=True, response=ref("Delivery"))
async def webhook_send(request: Request) -> JSONResponse:
    req = parse(WebhookSend, await read_json(request))
    return ok(dump(await backend(request).webhook_send(req)))


@registry.op("GET", "/v1/scheduling/webhook/get/{delivery_id}", summary="Get a delivery and its attempts (extension)",
             response=ref("Delivery"))
async def webhook_get(request: Request) -> JSONResponse:
    return ok(dump(await backend(request).webhook_get(request.path_params["delivery_id"])))


@registry.op("GET", "/v1/scheduling/webhook/list", summary="List webhook deliveries, newest first (extension)",
             query=(Param("state", {"type": "string", "enum": list(DELIVERY_STATES)}), *PAGE_QUERY),
             response=page_of("Delivery"))
async def webhook_list(request: Request) -> JSONResponse:
    state = query_choice(request, "state", DELIVERY_STATES)
    cursor, limit = page_args(request)
    page = await backend(request).webhook_list(state=state, cursor=cursor, limit=limit)
    return ok({"items": [dump(d) for d in page.items], "next_cursor": page.next_cursor})
