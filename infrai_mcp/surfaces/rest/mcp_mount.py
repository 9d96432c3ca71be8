"""MCP over Streamable HTTP inside ``infrai-mcp serve``, behind the same bearer keys.

The MCP server is built once, over a Backend whose project is the one the auth middleware
resolved for the request being served (``current_project``), so a tool call made with a
key of project ``acme`` reads and writes ``acme``'s records only, exactly like REST.
The context variable reaches the tool handlers because the MCP SDK starts each session's
(or, stateless, each request's) server task from inside the HTTP request that opened it,
and asyncio tasks inherit the context of the code that creates them. The auth middleware
also pins each MCP session id to the project that opened it (auth.py), so a session can
never be continued with another project's key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.types import ASGIApp

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.surfaces.rest.auth import current_project

if TYPE_CHECKING:
    from infrai_mcp.runtime.engine import Engine


class RequestProjectBackend(EmbeddedBackend):
    """EmbeddedBackend whose project is the current request's (never a fixed one)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "")

    @property
    def project(self) -> str:
        # LookupError outside an authenticated request: fail closed rather than use a default.
        return current_project.get()

    @project.setter
    def project(self, value: str) -> None:
        """Ignored: the request decides the project (EmbeddedBackend.__init__ assigns one)."""


def build_mcp_app(engine: Engine, settings: Settings, host: str = "127.0.0.1") -> ASGIApp:
    from infrai_mcp.surfaces.mcp import build_server, http_app

    server = build_server(RequestProjectBackend(engine), settings)
    return http_app(server, host=host)
