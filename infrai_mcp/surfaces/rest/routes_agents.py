"""Agent schedules (seed 004): ``/api/agents/{agent_id}/schedules[/{schedule_id}]``.

Seed 004 answers bare objects (``{"schedules": [...]}``, a schedule) rather than the
``{"data": ...}`` envelope, and calls bad input 400; both are kept as the seed shows.
``GET /v1/scheduling/schedules`` (ours) lists every agent's schedules, in the
``/v1/scheduling`` style (``{"data": {"items", "next_cursor"}}``).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import ScheduleCreate, ScheduleUpdate
from infrai_mcp.surfaces.rest.common import backend, dump, ok, page_args, parse, query_choice, read_json
from infrai_mcp.surfaces.rest.spec import BOOL, PAGE_QUERY, STR, Param, Registry, nullable, obj, page_of, ref

registry = Registry("agent schedules")
BASE = "/api/agents/{agent_id}/schedules"
STATUSES = ("active", "paused", "completed")
TYPES = ("once", "delayed", "cron")
MAX_AGENT_ID = 200


def _agent(request: Request) -> str:
    agent_id = str(request.path_params["agent_id"])
    if len(agent_id) > MAX_AGENT_ID:
        raise InvalidInput(f"agent id is longer than {MAX_AGENT_ID} characters", field="agent_id")
    return agent_id


@registry.op("GET", BASE, summary="List an agent's schedules, optionally by status and type",
             query=(Param("status", {"type": "string", "enum": list(STATUSES)}),
                    Param("type", {"type": "string", "enum": list(TYPES)}), *PAGE_QUERY),
             response=obj({"schedules": {"type": "array", "items": ref("Schedule")},
                           "next_cursor": nullable(STR)}, required=("schedules",)),
             envelope=False)
async def schedule_list(request: Request) -> JSONResponse:
    status = query_choice(request, "status", STATUSES)
    type_ = query_choice(request, "type", TYPES)
    cursor, limit = page_args(request)
    page = await backend(request).schedule_list(_agent(request), status=status, type=type_, cursor=cursor,
                                                limit=limit)
    return JSONResponse({"schedules": [dump(s) for s in page.items], "next_cursor": page.next_cursor})


@registry.op("GET", "/v1/scheduling/schedules", summary="List every agent's schedules (extension)",
             query=(Param("agent_id", STR, "Only this agent's schedules."),
                    Param("status", {"type": "string", "enum": list(STATUSES)}),
                    Param("type", {"type": "string", "enum": list(TYPES)}), *PAGE_QUERY),
             response=page_of("Schedule"))
async def schedule_list_all(request: Request) -> JSONResponse:
    agent_id = request.query_params.get("agent_id") or None
    if agent_id is not None and len(agent_id) > MAX_AGENT_ID:
        raise InvalidInput(f"agent id is longer than {MAX_AGENT_ID} characters", field="agent_id")
    status = query_choice(request, "status", STATUSES)
    type_ = query_choice(request, "type", TYPES)
    cursor, limit = page_args(request)
    page = await backend(request).schedule_list(agent_id, status=status, type=type_, cursor=cursor, limit=limit)
    return ok({"items": [dump(s) for s in page.items], "next_cursor": page.next_cursor})


@registry.op("POST", BASE, summary="Create a schedule (cron, once or delayed)", body=ScheduleCreate,
             body_required=True, response=ref("Schedule"), envelope=False)
async def schedule_create(request: Request) -> JSONResponse:
    req = parse(ScheduleCreate, await read_json(request))
    return JSONResponse(dump(await backend(request).schedule_create(_agent(request), req)))


@registry.op("GET", BASE + "/{schedule_id}", summary="Get a schedule with its recent executions",
             response=ref("Schedule"), envelope=False)
async def schedule_get(request: Request) -> JSONResponse:
    result = await backend(request).schedule_get(_agent(request), request.path_params["schedule_id"])
    return JSONResponse(dump(result))


@registry.op("PUT", BASE + "/{schedule_id}", summary="Update a schedule; {\"status\": \"paused\"} pauses it",
             body=ScheduleUpdate, response=ref("Schedule"), envelope=False)
async def schedule_update(request: Request) -> JSONResponse:
    req = parse(ScheduleUpdate, await read_json(request))
    result = await backend(request).schedule_update(_agent(request), request.path_params["schedule_id"], req)
    return JSONResponse(dump(result))


@registry.op("DELETE", BASE + "/{schedule_id}", summary="Delete a schedule",
             response=obj({"id": STR, "deleted": BOOL}), envelope=False)
async def schedule_delete(request: Request) -> JSONResponse:
    result = await backend(request).schedule_delete(_agent(request), request.path_params["schedule_id"])
    return JSONResponse({"id": result.id, "deleted": result.deleted})
