"""``/openapi.json``: built from the route table (spec.py) and the pydantic models.

Response schemas are the records' serialization schemas plus the seed aliases the views
add (views.ALIASES); request schemas are the models' validation schemas plus the aliases
and repeated ids each route accepts. Errors share one ``Error`` schema.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from infrai_mcp import __version__
from infrai_mcp.models import (
    AckResult,
    CronJob,
    DeadLetter,
    Delivery,
    Message,
    NackResult,
    Published,
    Purged,
    Queue,
    QueueStats,
    Redriven,
    Retention,
    Run,
    Schedule,
    Subscription,
    Task,
)
from infrai_mcp.surfaces.rest.spec import JSON, Op, obj, ref
from infrai_mcp.surfaces.rest.views import ALIASES

RECORDS: tuple[type[BaseModel], ...] = (
    AckResult, CronJob, DeadLetter, Delivery, Message, NackResult, Published, Purged, Queue, QueueStats, Redriven,
    Retention, Run, Schedule, Subscription, Task,
)
ERROR = obj({"error": obj({"code": {"type": "string"}, "message": {"type": "string"},
                           "field": {"type": "string"}}, required=("code", "message"))})
_ERRORS = {
    "400": "The body is not a JSON object (or, on /api/agents, a field is invalid).",
    "401": "Missing or invalid API key.",
    "404": "Unknown id, or another project's id.",
    "409": "The record's state forbids this (stale lease, queue in use as a DLQ).",
    "413": "Body or payload over the limit.",
    "422": "A field is invalid; field names it.",
    "429": "Too many requests.",
    "503": "The store cannot be written now; retry.",
}


def _schema(model: type[BaseModel], mode: str, components: dict[str, JSON]) -> JSON:
    schema = model.model_json_schema(mode=mode, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    for name, sub in schema.pop("$defs", {}).items():
        components.setdefault(name, sub)
    return schema


def _with_alias_props(name: str, schema: JSON) -> JSON:
    props = schema.setdefault("properties", {})
    for alias, (_, alias_schema) in ALIASES.get(name, {}).items():
        props[alias] = alias_schema
    # Records tolerate extra fields (forward compatibility); say so instead of forbidding them.
    schema.pop("additionalProperties", None)
    return schema


def _request_schema(op: Op, components: dict[str, JSON]) -> JSON:
    if op.body is None:
        return {"type": "object", "properties": dict(op.body_extra), "additionalProperties": False}
    schema = _schema(op.body, "validation", components)
    schema.setdefault("properties", {}).update(op.body_extra)
    if op.body_extra:
        # An alias makes its canonical field optional on the wire (cron_expr instead of schedule).
        schema["required"] = [r for r in schema.get("required", []) if r not in _canonical_of(op)]
    return schema


def _canonical_of(op: Op) -> set[str]:
    found = set()
    for extra in op.body_extra.values():
        m = re.match(r"Alias of (\w+)\.", str(extra.get("description", "")))
        if m:
            found.add(m.group(1))
    return found


def _operation(op: Op, path: str, components: dict[str, JSON]) -> JSON:
    params: list[JSON] = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for n in re.findall(r"{(\w+)}", path)
    ]
    params += [
        {"name": p.name, "in": "query", "required": p.required, "schema": p.schema, "description": p.description}
        for p in op.query
    ]
    response = {"type": "object", "properties": {"data": op.response}, "required": ["data"]} if op.envelope \
        else op.response
    out: JSON = {
        "operationId": f"{op.endpoint.__name__}_{re.sub(r'[^a-z0-9]+', '_', path.lower()).strip('_')}",
        "summary": op.summary,
        "tags": [op.tag],
        "parameters": params,
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": response}}},
            **{code: {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
               for code, text in _ERRORS.items()},
        },
        "security": [{"bearer": []}],
    }
    if op.method in ("POST", "PUT", "PATCH") or op.body_extra:
        out["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": _request_schema(op, components)}},
        }
    return out


def build_openapi(ops: list[Op]) -> dict[str, Any]:
    components: dict[str, JSON] = {"Error": ERROR}
    for model in RECORDS:
        components[model.__name__] = _with_alias_props(model.__name__, _schema(model, "serialization", components))
    paths: dict[str, JSON] = {}
    for op in ops:
        for path in op.paths:
            paths.setdefault(path, {})[op.method.lower()] = _operation(op, path, components)
    paths["/healthz"] = {"get": {
        "operationId": "healthz", "summary": "Liveness and store check (no auth)", "security": [],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": obj(
            {"status": {"type": "string"}, "version": {"type": "string"}})}}},
            "503": {"description": "Store unavailable", "content": {"application/json": {"schema": ref("Error")}}}},
    }}
    paths["/metrics"] = {"get": {
        "operationId": "metrics", "summary": "Prometheus metrics of the caller's project",
        "security": [{"bearer": []}],
        "responses": {"200": {"description": "Prometheus text format",
                              "content": {"text/plain": {"schema": {"type": "string"}}}},
                      "401": {"description": "Missing or invalid API key.",
                              "content": {"application/json": {"schema": ref("Error")}}}},
    }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "infrai-mcp REST API", "version": __version__,
                 "description": "Cron jobs, one-shot tasks, agent schedules, queues and signed webhooks. "
                                "See docs/REST.md."},
        "paths": paths,
        "components": {"schemas": components,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }

