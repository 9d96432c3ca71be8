"""Shared pieces of the REST routes: the envelope, errors, body and query parsing, aliases.

Every infrai route answers ``{"data": ...}`` and fails with
``{"error": {"code": "NOT_FOUND", "message": "..."}}`` (``field`` too for bad input); the
agent-schedule routes of seed 004 answer bare objects, as that seed shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from infrai_mcp.backends.base import DEFAULT_LIMIT, Backend
from infrai_mcp.core.errors import NUL_REFUSED, InfraiError, InvalidInput, PayloadTooLarge
from infrai_mcp.core.hints import render
from infrai_mcp.models import MAX_JOB_BATCH, MAX_PAGE, invalid_from_validation

M = TypeVar("M", bound=BaseModel)
JSON = dict[str, Any]

# A request body may carry a 1 MiB payload (the model limit) many times over in a batch;
# 10 MiB bounds memory per request while leaving room for a batch of large messages.
MAX_BODY_BYTES = 10 * 1024 * 1024


class BadRequest(InvalidInput):
    """The body is not a JSON object at all (400), as opposed to a wrong field (422)."""

    code = "BAD_REQUEST"
    http_status = 400


class NulGuard:
    """Refuses a NUL character (``%00``) in the path (an id) or a query value, on every route,
    before any store sees it: PostgreSQL cannot hold it in text, so the same input would
    otherwise be a 404 on SQLite and a server error on PostgreSQL."""

    def __init__(self, app: ASGIApp, *, status: Callable[[str, InfraiError], int]) -> None:
        self.app = app
        self.status = status

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            where = _nul_in(scope)
            if where is not None:
                exc = InvalidInput(f"{where} {NUL_REFUSED}", field=where)
                await error_response(exc, self.status(scope["path"], exc))(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _nul_in(scope: Scope) -> str | None:
    if "\x00" in scope["path"]:
        return "path"
    for name, value in parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return None


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse({"data": data}, status_code=status)


def error_response(exc: InfraiError, status: int | None = None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.http_status == 401 else None
    body = {**exc.to_dict(), "message": render(exc, "rest")}  # the route that lists valid ids
    return JSONResponse({"error": body}, status_code=status or exc.http_status, headers=headers)


def backend(request: Request) -> Backend:
    """The Backend bound to the project the auth middleware resolved for this request."""
    project: str = request.scope["state"]["infrai_project"]
    factory = request.app.state.backend_for
    result: Backend = factory(project)
    return result


async def read_json(request: Request) -> JSON:
    """The body as a JSON object; an empty body is ``{}`` (seed examples POST without one)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"request body is over {MAX_BODY_BYTES // (1024 * 1024)} MiB")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"request body is over {MAX_BODY_BYTES // (1024 * 1024)} MiB")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON ({exc}); send a JSON object") from None
    except RecursionError:  # json's C decoder recurses per nesting level
        raise BadRequest("the body is nested too deeply; send a JSON object") from None
    if not isinstance(data, dict):
        raise BadRequest("the body must be a JSON object, e.g. {\"name\": ...}")
    return data


def parse(model: type[M], data: JSON, prefix: str = "") -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_from_validation(exc, prefix, accepted=sorted(model.model_fields)) from None


def batch_items(data: JSON, name: str, model: type[M], shape: Callable[[JSON], JSON], example: str) -> list[M]:
    """The items of a batch body ``{name: [...]}``, each shaped and parsed as the single route's
    body is; an error names the item (``jobs[3].schedule``)."""
    items = data.get(name)
    extra = sorted(set(data) - {name})
    if extra or not isinstance(items, list) or not 1 <= len(items) <= MAX_JOB_BATCH:
        got = f"unknown field(s) {extra}" if extra else f"{name}: {len(items) if isinstance(items, list) else 0} items"
        raise InvalidInput(f"{got}; the body is {{\"{name}\": [...]}} with 1 to {MAX_JOB_BATCH} items, each the "
                           f"body of the single create, e.g. {{\"{name}\": [{example}]}}", field=name)
    out: list[M] = []
    for i, item in enumerate(items):
        where = f"{name}[{i}]"
        if not isinstance(item, dict):
            raise InvalidInput(f"{where}: each item is an object, e.g. {example}", field=where)
        try:
            out.append(parse(model, shape(item), prefix=f"{where}."))
        except InvalidInput as exc:
            raise exc.within(where) from None
    return out


def take_alias(data: JSON, canonical: str, *aliases: str) -> None:
    """Move whichever alias is present to ``canonical``; two different values is an error."""
    for alias in aliases:
        if alias not in data:
            continue
        value = data.pop(alias)
        if canonical in data and data[canonical] != value:
            raise InvalidInput(f"{alias} and {canonical} are the same field and disagree; send one", field=alias)
        data[canonical] = value


_JSON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "integer": (int,), "boolean": (bool,),
                                            "number": (int, float), "object": (dict,), "array": (list,)}


def _check_type(name: str, value: Any, schema: JSON) -> None:
    kind = schema.get("type")
    if not isinstance(kind, str) or kind not in _JSON_TYPES or value is None:
        return
    wrong = not isinstance(value, _JSON_TYPES[kind]) or (kind in ("integer", "number") and isinstance(value, bool))
    if wrong:
        raise InvalidInput(f"{name} must be a JSON {kind}, got {type(value).__name__}", field=name)


def drop(data: JSON, *fields: str) -> None:
    """Forget fields the seeds send but the path already carries (e.g. ``cron_id`` in pause);
    present, they must still be strings, as /openapi.json says."""
    for f in fields:
        _check_type(f, data.pop(f, None), {"type": "string"})


async def action_body(request: Request, accepted: dict[str, JSON]) -> JSON:
    """The body of a route whose path names the record (pause, delete, purge...): only the
    fields its OpenAPI schema lists (``accepted``, ids the path already carries), each of the
    type it says; anything else is refused rather than silently ignored."""
    data = await read_json(request)
    for name, value in data.items():
        if name not in accepted:
            takes = f"accepted: {', '.join(sorted(accepted))}" if accepted else "this route takes no body fields"
            raise InvalidInput(f"{name}: unknown field ({takes})", field=name)
        _check_type(name, value, accepted[name])
    return data


def _empty(name: str, example: str) -> InvalidInput:
    return InvalidInput(f"{name} is given empty; give a value ({name}={example}) or leave it out", field=name)


def query_int(request: Request, name: str, default: int | None, lo: int, hi: int) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if raw == "":
        raise _empty(name, str(min(max(lo, 20), hi)))
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be an integer from {lo} to {hi}", field=name) from None
    if not lo <= value <= hi:
        raise InvalidInput(f"{name} must be from {lo} to {hi}, got {value}", field=name)
    return value


def page_args(request: Request) -> tuple[str | None, int]:
    cursor = request.query_params.get("cursor") or None
    limit = query_int(request, "limit", DEFAULT_LIMIT, 1, MAX_PAGE)
    assert limit is not None
    return cursor, limit


def query_choice(request: Request, name: str, choices: tuple[str, ...]) -> str | None:
    value = request.query_params.get(name)
    if value == "":
        raise _empty(name, choices[0])
    if value is not None and value not in choices:
        raise InvalidInput(f"{name} must be one of {', '.join(choices)}; got {value!r}", field=name)
    return value


def dump(model: BaseModel) -> JSON:
    out: JSON = model.model_dump(mode="json")
    return out
