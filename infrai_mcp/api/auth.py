"""Bearer-key authentication for every route but ``/healthz`` (REST and the mounted MCP app).

A pure ASGI middleware, so it guards the MCP Streamable HTTP endpoint exactly like the REST
routes. The resolved project is put in ``scope["state"]["infrai_project"]`` (Starlette's
``request.state.infrai_project``) and in the ``current_project`` context variable.
A missing, malformed, unknown or revoked key gets the same 401: nothing tells them apart.
"""

from __future__ import annotations

import contextvars
import json

from starlette.types import ASGIApp, Receive, Scope, Send

from infrai_mcp.api.keys import authenticate
from infrai_mcp.engine.store_keys import KeyStore
from infrai_mcp.errors import Unauthorized

DEFAULT_PROJECT = "default"
OPEN_PATHS = frozenset({"/healthz"})
current_project: contextvars.ContextVar[str] = contextvars.ContextVar("infrai_project")
_DENIED = Unauthorized("missing or invalid API key; send Authorization: Bearer <key> (infrai-mcp keys create)")


def bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            text = value.decode("latin-1").strip()
            scheme, _, token = text.partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


class AuthMiddleware:
    def __init__(self, app: ASGIApp, *, keys: KeyStore, require_auth: bool = True) -> None:
        self.app = app
        self.keys = keys
        self.require_auth = require_auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        project: str | None = DEFAULT_PROJECT
        if self.require_auth:
            token = bearer(scope)
            info = await authenticate(self.keys, token) if token else None
            project = info.project if info else None
        if project is None:
            await _deny(send)
            return
        scope.setdefault("state", {})["infrai_project"] = project
        reset = current_project.set(project)
        try:
            await self.app(scope, receive, send)
        finally:
            current_project.reset(reset)


async def _deny(send: Send) -> None:
    body = json.dumps({"error": _DENIED.to_dict()}).encode()
    await send({
        "type": "http.response.start",
        "status": 401,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b"Bearer")],
    })
    await send({"type": "http.response.body", "body": body})
