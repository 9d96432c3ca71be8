"""``infrai-mcp ui``: the web dashboard for the local data dir, on 127.0.0.1, without a key.

It starts the engine on the data dir (so jobs keep firing while the dashboard is open; the
dispatch lease lets only one process fire work for a data dir) and serves ``/ui`` for the
project ``default`` (or ``--project``). No key is asked: reaching 127.0.0.1 is the
credential, so only loopback addresses are accepted, foreign ``Host`` headers are refused
(DNS rebinding) and actions need the page's per-process CSRF token. For a dashboard on the
network, run ``infrai-mcp serve``, which serves the same UI behind API keys.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import ipaddress
import signal
import socket
import sys
import webbrowser
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import uvicorn

LOOPBACK_NAMES = ("localhost",)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ui",
        help="Open the web dashboard for the local data dir on 127.0.0.1 (no key).",
        description="Serve the dashboard (jobs, runs, queues, DLQ, timeline) for the local data dir.",
    )
    p.add_argument("--port", type=int, default=0, help="Port to listen on (default: a free one).")
    p.add_argument("--host", default="127.0.0.1", help="Loopback address to bind (default 127.0.0.1).")
    p.add_argument("--home", type=Path, default=None, help="Data dir (default: INFRAI_HOME or the per-user dir).")
    p.add_argument("--project", default="default", help="Project to show (default: 'default', the embedded one).")
    p.add_argument("--no-dispatch", action="store_true", help="Only read and act; do not fire due work here.")
    p.add_argument("--open", action="store_true", help="Also open the dashboard in the default browser.")
    p.add_argument("--refresh", type=int, default=10, help="Seconds between live refreshes (default 10).")
    p.set_defaults(func=_run)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _run(args: argparse.Namespace) -> int:
    if not is_loopback(args.host):
        print(
            f"error: --host {args.host} is not a loopback address. The keyless dashboard serves only this "
            "machine; for a networked one run `infrai-mcp serve` (API keys).",
            file=sys.stderr,
        )
        return 2
    if not 0 <= args.port <= 65535 or args.refresh < 1:
        print("error: --port must be 0-65535 and --refresh at least 1", file=sys.stderr)
        return 2
    try:
        return asyncio.run(_serve(args))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 2


async def _serve(args: argparse.Namespace) -> int:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Mount

    from infrai_mcp.backends.embedded import EmbeddedBackend
    from infrai_mcp.config import Settings
    from infrai_mcp.runtime.engine import Engine
    from infrai_mcp.surfaces.ui.app import create_ui_app, root_redirect

    settings = Settings.from_env()
    if args.home is not None:
        settings = dataclasses.replace(settings, home=args.home.expanduser())
    settings.home.mkdir(parents=True, exist_ok=True)

    # Bind first so the printed URL has the real port when --port 0 picked a free one.
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    # Listen now: a client that reads the printed URL and connects at once waits in the
    # backlog until uvicorn accepts, instead of being refused.
    sock.listen(128)
    port = sock.getsockname()[1]

    async with Engine(settings, dispatch=not args.no_dispatch) as engine:
        backend = EmbeddedBackend(engine, args.project)

        def backend_for_request(request: Request) -> EmbeddedBackend:
            del request  # keyless: every request acts for the one local project
            return backend

        hosts = ["127.0.0.1", "localhost", "::1", "[::1]", args.host]
        ui = create_ui_app(backend_for_request, local=True, allowed_hosts=hosts, refresh_seconds=args.refresh)
        app = Starlette(routes=[root_redirect("/ui"), Mount("/ui", app=ui)])
        host_part = f"[{args.host}]" if ":" in args.host else args.host
        url = f"http://{host_part}:{port}/ui/"
        print(f"infrai-mcp dashboard: {url}", flush=True)
        print(f"data dir {settings.sqlite_path.parent}, project {args.project!r}; Ctrl-C to stop.", file=sys.stderr)
        if args.open:
            webbrowser.open(url)
        server = _server(app)
        await server.serve(sockets=[sock])
    return 0


def _server(app: Any) -> uvicorn.Server:
    # uvicorn is imported here, not at module level: every CLI start (the MCP stdio server
    # included) imports this module to register the command.
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown, which would kill the
        process before the engine's ``async with`` closes the store and releases the dispatch
        lease. Here a signal only asks the server to stop; the engine then stops cleanly."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            def stop(signum: int, frame: object) -> None:
                del signum, frame
                self.should_exit = True

            previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in previous.items():
                    signal.signal(sig, handler)

    return Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
