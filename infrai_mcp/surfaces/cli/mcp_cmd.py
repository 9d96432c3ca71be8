"""``infrai-mcp mcp`` (also ``infrai-mcp`` with no arguments): the MCP server.

stdio by default, which is what Claude Desktop, IDEs and the MCP Inspector start; Streamable
HTTP with ``--transport http`` (path ``/mcp``). Nothing but protocol messages may reach
stdout in stdio mode, so all logging goes to stderr.

The backend is chosen in one place, ``make_backend``: with ``INFRAI_BASE_URL`` set the tools
call that server over REST (``RemoteBackend``) and no engine runs here. On the embedded
SQLite store the stdio server makes sure the data dir's background engine runs (starting it
detached if needed, ``runtime/background.py``) and serves the tools without dispatching, so
jobs keep firing after the client closes; ``INFRAI_BACKGROUND=0`` / ``--in-process`` (and
the HTTP transport, and PostgreSQL) run the engine inside the server's lifespan instead, so
jobs fire while the server is up. Several servers may share one data dir (two IDE windows):
the dispatch lease lets exactly one process dispatch at a time.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import anyio

from infrai_mcp.backends.base import Backend
from infrai_mcp.config import TOOLSETS, ConfigError, Settings, check_home, check_timezone

DEFAULT_HTTP_PORT = 8787


@dataclass
class BackendChoice:
    backend: Backend
    # Entered while the server runs: starts/stops the embedded engine, or closes the HTTP client.
    lifespan: Callable[[], AbstractAsyncContextManager[Any]]
    description: str
    # Where jobs fire from, said to the agent (instructions, create/update results).
    fires_from: Callable[[], str] | None = None


def make_backend(settings: Settings, *, background: bool = False) -> BackendChoice:
    """The backend the tools call: remote when INFRAI_BASE_URL is set, else the embedded engine;
    with ``background`` (stdio on SQLite) the data dir's background engine dispatches."""
    if settings.base_url:
        # Imported here: the embedded path must not pay for (or depend on) the REST client.
        from infrai_mcp.backends.remote import RemoteBackend

        remote = RemoteBackend(settings.base_url, settings.api_key)

        @asynccontextmanager
        async def close_after() -> AsyncIterator[None]:
            try:
                yield
            finally:
                await remote.aclose()

        url = settings.base_url
        return BackendChoice(remote, close_after, f"remote {url}",
                             lambda: f"Jobs fire on the server at {url}, whether or not this client is open.")

    from infrai_mcp.backends.embedded import EmbeddedBackend
    from infrai_mcp.runtime.engine import Engine

    if background and not settings.is_postgres:
        from infrai_mcp.runtime.background import BackgroundError, ensure_engine, fires_from

        try:
            info = ensure_engine(settings)
        except BackgroundError as exc:
            logging.getLogger("infrai.mcp").warning("%s; the engine runs inside this server instead", exc)
        else:
            engine = Engine(settings, dispatch=False)
            return BackendChoice(EmbeddedBackend(engine), lambda: engine,
                                 f"background engine pid {info.pid}, store {settings.sqlite_path}",
                                 lambda: fires_from(settings.home))
    engine = Engine(settings, dispatch=True)
    said = ("Jobs fire from this server process while it runs and from any infrai-mcp serve/worker on the same "
            "PostgreSQL database; with none of those running, nothing fires while this client is closed."
            if settings.is_postgres else
            "Jobs fire from this server process, only while it runs (in-process engine): tell the user nothing "
            "fires while the client is closed.")
    return BackendChoice(EmbeddedBackend(engine), lambda: engine, f"embedded engine, store {settings.sqlite_path}",
                         lambda: said)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Environment first, then the flags given on the command line."""
    try:
        settings = Settings.from_env()
    except ConfigError as exc:  # e.g. an unknown name in INFRAI_TOOLSETS: say so, no traceback
        raise SystemExit(f"infrai-mcp: {exc}") from None
    changes: dict[str, Any] = {}
    if args.toolsets:
        names = tuple(t.strip() for t in args.toolsets.split(",") if t.strip())
        unknown = [t for t in names if t not in TOOLSETS and t != "all"]
        if unknown:
            raise SystemExit(f"--toolsets: unknown toolset(s) {unknown}; choose from {', '.join(TOOLSETS)}")
        changes["toolsets"] = TOOLSETS if "all" in names else names
    if args.read_only:
        changes["read_only"] = True
    if args.timezone:
        changes["timezone"] = check_timezone(args.timezone, "--timezone")
    if args.home:
        changes["home"] = check_home(Path(args.home).expanduser(), "--home")
    if getattr(args, "in_process", False):
        changes["background"] = False
    return replace(settings, **changes) if changes else settings


def register(sub: Any) -> None:
    p = sub.add_parser(
        "mcp",
        help="run the MCP server (stdio by default; this is what MCP clients start)",
        description="Run the MCP server. Over stdio on the embedded store, jobs fire from the data dir's "
        "background engine (started if needed; INFRAI_BACKGROUND=0 or --in-process: inside this server). "
        "Environment: INFRAI_HOME, INFRAI_TIMEZONE, INFRAI_TOOLSETS, INFRAI_READ_ONLY, INFRAI_BACKGROUND, "
        "INFRAI_BASE_URL + INFRAI_API_KEY (use a remote engine). See docs/MCP.md.",
    )
    p.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="default: stdio")
    p.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_HTTP_PORT, help=f"HTTP port (default {DEFAULT_HTTP_PORT})")
    p.add_argument("--toolsets", help=f"comma list of {', '.join(TOOLSETS)} (default all; INFRAI_TOOLSETS)")
    p.add_argument("--read-only", action="store_true", help="only read-only tools (INFRAI_READ_ONLY=1)")
    p.add_argument("--timezone", help="default IANA zone for time phrases (INFRAI_TIMEZONE)")
    p.add_argument("--home", help="data directory (INFRAI_HOME)")
    p.add_argument("--in-process", action="store_true",
                   help="run the engine inside this server, not in the background engine (INFRAI_BACKGROUND=0)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging (stderr)")
    p.add_argument(
        "--list-sizes", action="store_true", help="print the bytes of tools/list per toolset (JSON) and exit"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from infrai_mcp.surfaces.cli.engine_cmd import setup_logging
    from infrai_mcp.surfaces.mcp import build_server

    setup_logging(args.verbose, default=logging.WARNING)
    settings = settings_from_args(args)
    if args.list_sizes:
        print(json.dumps(anyio.run(tools_list_sizes, settings), indent=2))
        return 0
    choice = make_backend(settings, background=args.transport == "stdio" and settings.background)
    server = build_server(choice.backend, settings, lifespan=choice.lifespan, fires_from=choice.fires_from)
    logging.getLogger("infrai.mcp").info("MCP server over %s (%s)", args.transport, choice.description)
    if args.transport == "stdio":
        anyio.run(server.run_stdio_async)
        return 0
    anyio.run(serve_http, server, args.host, args.port)
    return 0


async def tools_list_sizes(settings: Settings) -> dict[str, dict[str, int]]:
    """Bytes of the tools/list result as sent on the wire (compact JSON), for the full set, each
    toolset alone, and read-only mode. No backend is needed to list tools."""
    from mcp_types import ListToolsResult

    from infrai_mcp.surfaces.mcp import build_server

    async def size(s: Settings) -> dict[str, int]:
        # Listing tools never calls the backend, so none is opened (no data dir is touched).
        tools = await build_server(cast(Backend, None), s).list_tools()
        return {"tools": len(tools), "bytes": len(ListToolsResult(tools=tools).model_dump_json(by_alias=True,
                                                                                         exclude_none=True))}

    out = {"all": await size(replace(settings, toolsets=TOOLSETS, read_only=False))}
    for name in TOOLSETS:
        out[name] = await size(replace(settings, toolsets=(name,), read_only=False))
    out["read_only"] = await size(replace(settings, toolsets=TOOLSETS, read_only=True))
    return out


async def serve_http(server: Any, host: str, port: int) -> None:
    import uvicorn

    from infrai_mcp.surfaces.mcp import http_app

    config = uvicorn.Config(http_app(server, host=host), host=host, port=port, log_level="warning")
    print(f"infrai-mcp: MCP over Streamable HTTP at http://{host}:{port}/mcp", file=sys.stderr, flush=True)
    await uvicorn.Server(config).serve()
