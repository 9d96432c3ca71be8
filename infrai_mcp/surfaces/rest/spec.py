"""A route table that serves both Starlette and ``/openapi.json``.

Each route is declared once with ``@registry.op(...)``: the handler, its paths, the request
model (plus the seed aliases it accepts), the query parameters and the response schema.
``openapi.py`` turns the same declarations into the document, so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

JSON = dict[str, Any]
Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Param:
    name: str
    schema: JSON
    description: str = ""
    required: bool = False


@dataclass(frozen=True)
class Op:
    method: str
    paths: tuple[str, ...]
    endpoint: Endpoint
    summary: str
    tag: str
    body: type[BaseModel] | None = None
    # Fields accepted besides the model's own: seed aliases and ids the path already has.
    body_extra: dict[str, JSON] = field(default_factory=dict)
    body_required: bool = False
    query: tuple[Param, ...] = ()
    response: JSON = field(default_factory=dict)
    envelope: bool = True  # False for the seed-004 routes, which answer bare objects


class Registry:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.ops: list[Op] = []

    def op(
        self,
        method: str,
        *paths: str,
        summary: str,
        body: type[BaseModel] | None = None,
        body_extra: dict[str, JSON] | None = None,
        body_required: bool = False,
        query: tuple[Param, ...] = (),
        response: JSON,
        envelope: bool = True,
    ) -> Callable[[Endpoint], Endpoint]:
        def deco(fn: Endpoint) -> Endpoint:
            self.ops.append(
                Op(method, paths, fn, summary, self.tag, body, body_extra or {}, body_required, query, response,
                   envelope)
            )
            return fn

        return deco

    def routes(self) -> list[Route]:
        return [Route(p, op.endpoint, methods=[op.method]) for op in self.ops for p in op.paths]


# -- schema helpers -----------------------------------------------------------------------
def ref(name: str) -> JSON:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict[str, JSON], required: tuple[str, ...] | None = None) -> JSON:
    return {"type": "object", "properties": props, "required": list(props if required is None else required)}


def page_of(name: str) -> JSON:
    return obj({"items": {"type": "array", "items": ref(name)}, "next_cursor": nullable({"type": "string"})},
               required=("items",))


def nullable(schema: JSON) -> JSON:
    return {"anyOf": [schema, {"type": "null"}]}


STR: JSON = {"type": "string"}
INT: JSON = {"type": "integer"}
BOOL: JSON = {"type": "boolean"}
PAGE_QUERY = (
    Param("cursor", STR, "Cursor from the previous page's next_cursor."),
    Param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}, "Page size (1-500)."),
)
