"""Bearer-key authentication for every route but ``/healthz`` (REST and the mounted MCP app).

A pure ASGI middleware, so it guards the MCP Streamable HTTP endpoint exactly like the REST
routes. The resolved project is put in ``scope["state"]["infrai_project"]`` (Starlette's
``request.state.infrai_project``) and in the ``current_project`` context variable.
A missing, malformed, unknown or revoked key gets the same 401: nothing tells them apart.
"""

from __future__ import annotations

import contextvars
import json
from collections import OrderedDict

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infrai_mcp.core.errors import Unauthorized
from infrai_mcp.store.keys import KeyStore
from infrai_mcp.surfaces.rest.keys import authenticate

DEFAULT_PROJECT = "default"
OPEN_PATHS = frozenset({"/healthz"})
# The dashboard checks the same keys itself (a browser's first visit has no header and must
# get its HTML key form, not JSON); a valid key is still resolved here for it (docs/UI.md).
SELF_AUTH_PREFIX = "/ui"
MCP_PATH = "/mcp"
MAX_PINNED_SESSIONS = 100_000
current_project: contextvars.ContextVar[str] = contextvars.ContextVar("infrai_project")
_DENIED = Unauthorized("missing or invalid API key; send Authorization: Bearer <key> (infrai-mcp keys create)")


def header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


def bearer(scope: Scope) -> str | None:
    text = header(scope.get("headers", []), b"authorization")
    if text is None:
        return None
    scheme, _, token = text.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class AuthMiddleware:
    def __init__(self, app: ASGIApp, *, keys: KeyStore, require_auth: bool = True) -> None:
        self.app = app
        self.keys = keys
        self.require_auth = require_auth
        # MCP session id -> the project that opened it. The SDK keeps per-session state (and
        # the session's task carries the opener's project), so a session is never continued
        # under another project's key: it answers 404 as an unknown session would.
        self._sessions: OrderedDict[str, str] = OrderedDict()

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
            path = scope["path"]
            if path == SELF_AUTH_PREFIX or path.startswith(SELF_AUTH_PREFIX + "/"):
                await self.app(scope, receive, send)
            else:
                await _deny(send)
            return
        if scope["path"] == MCP_PATH:
            sid = header(scope.get("headers", []), b"mcp-session-id")
            if sid is not None and self._sessions.get(sid, project) != project:
                await reply(send, 404, {"error": {"code": "NOT_FOUND", "message": "unknown MCP session"}})
                return
            send = self._pin_sessions(send, project)
        scope.setdefault("state", {})["infrai_project"] = project
        reset = current_project.set(project)
        try:
            await self.app(scope, receive, send)
        finally:
            current_project.reset(reset)

    def _pin_sessions(self, send: Send, project: str) -> Send:
        async def pinning(message: Message) -> None:
            if message["type"] == "http.response.start":
                sid = header(list(message.get("headers", [])), b"mcp-session-id")
                if sid is not None:
                    self._sessions[sid] = project
                    self._sessions.move_to_end(sid)
                    while len(self._sessions) > MAX_PINNED_SESSIONS:
                        self._sessions.popitem(last=False)
            await send(message)

        return pinning


async def _deny(send: Send) -> None:
    await reply(send, 401, {"error": _DENIED.to_dict()}, [(b"www-authenticate", b"Bearer")])


async def reply(send: Send, status: int, payload: dict[str, object],
                 extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = json.dumps(payload).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    *(extra or [])],
    })
    await send({"type": "http.response.body", "body": body})
