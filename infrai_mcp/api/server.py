"""Run the app under uvicorn in this process (``infrai-mcp serve`` calls ``serve_http``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import uvicorn
from starlette.types import ASGIApp

from infrai_mcp.api.app import create_app
from infrai_mcp.config import Settings

if TYPE_CHECKING:
    from infrai_mcp.engine.engine import Engine


def server_for(app: ASGIApp, host: str, port: int, *, log_level: str = "info") -> uvicorn.Server:
    # uvicorn's own signal handling gives the graceful shutdown on SIGTERM/SIGINT: it stops
    # accepting, lets requests in flight finish, then runs the app's lifespan shutdown.
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on",
                            proxy_headers=False, server_header=False)
    return uvicorn.Server(config)


async def serve_http(
    engine: Engine,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8787,
    mcp_app: ASGIApp | None = None,
    *,
    require_auth: bool = True,
) -> None:
    """Serve REST (and MCP at /mcp) until SIGTERM/SIGINT; the caller owns the engine's lifecycle."""
    app = create_app(engine, settings, mcp_app=mcp_app, require_auth=require_auth)
    await server_for(app, host, port).serve()
