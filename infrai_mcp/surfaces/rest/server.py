"""Run the app under uvicorn in this process (``infrai-mcp serve`` calls ``serve_api``)."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import signal
import sys
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING

import uvicorn
from starlette.types import ASGIApp

from infrai_mcp.config import Settings
from infrai_mcp.surfaces.rest.app import create_app

if TYPE_CHECKING:
    from infrai_mcp.runtime.engine import Engine


class GracefulServer(uvicorn.Server):
    """On SIGTERM/SIGINT: stop accepting, finish requests in flight, run the lifespan
    shutdown, then RETURN. Stock uvicorn re-raises the signal after its graceful stop, which
    would kill the process before ``serve`` stops the engine (releasing in-flight runs)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield  # signals can only be handled on the main thread
            return
        original = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def server_for(app: ASGIApp, host: str, port: int, *, log_level: str = "info") -> uvicorn.Server:
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on",
                            proxy_headers=False, server_header=False)
    return GracefulServer(config)


async def serve_http(
    engine: Engine,
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8787,
    mcp_app: ASGIApp | None = None,
    *,
    require_auth: bool = True,
    rate_limit: float | None = None,
) -> None:
    """Serve REST (and MCP at /mcp) until SIGTERM/SIGINT; the caller owns the engine's lifecycle."""
    app = create_app(engine, settings, mcp_app=mcp_app, require_auth=require_auth, rate_limit=rate_limit)
    server = server_for(app, host, port, log_level="warning")
    task = asyncio.create_task(server.serve())
    while not server.started and not task.done():
        await asyncio.sleep(0.02)
    if server.started:
        # Port 0 means "any free port": say the one actually bound.
        bound = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://{host}:{bound}"
        print(f"infrai-mcp: REST API at {base}/v1/... and {base}/api/... "
              f"(OpenAPI {base}/openapi.json, health {base}/healthz, metrics {base}/metrics)", file=sys.stderr)
        if mcp_app is not None:
            print(f"infrai-mcp: MCP over Streamable HTTP at {base}/mcp", file=sys.stderr)
        print(f"infrai-mcp: dashboard at {base}/ui/" + (" (enter a key in the page)" if require_auth else ""),
              file=sys.stderr)
        if require_auth:
            print("infrai-mcp: send Authorization: Bearer <key>; make one with "
                  "`infrai-mcp keys create --project NAME`", file=sys.stderr, flush=True)
    await task


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host == "localhost"


async def serve_api(engine: Engine, host: str = "127.0.0.1", port: int = 8787) -> None:
    """What ``infrai-mcp serve`` runs beside the engine: REST and MCP on one port."""
    from infrai_mcp.surfaces.rest.mcp_mount import build_mcp_app

    if not engine.server_mode and not _is_loopback(host):
        # Anyone with a key could then make this server call addresses only it can reach.
        print(f"infrai-mcp: WARNING: listening on {host} with an engine not in server mode: jobs may target "
              "private, loopback and cloud-metadata addresses; `infrai-mcp serve` runs in server mode",
              file=sys.stderr, flush=True)
    await serve_http(engine, engine.settings, host, port, mcp_app=build_mcp_app(engine, engine.settings, host),
                     rate_limit=engine.settings.rate_limit)
