"""The Starlette app: every REST route over a project-scoped Backend, auth, errors, docs.

``create_app(engine, settings)`` is what ``infrai-mcp serve`` runs. Each request is
authenticated to a project (auth.py) and served by ``EmbeddedBackend(engine, project)``,
a cheap object, so the engine is shared and every record stays inside its project.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Route
from starlette.types import ASGIApp

from infrai_mcp import __version__
from infrai_mcp.backends.base import Backend
from infrai_mcp.config import Settings
from infrai_mcp.core.errors import InfraiError, InvalidInput, NotFound, PayloadTooLarge
from infrai_mcp.surfaces.rest import routes_agents, routes_cron, routes_http_jobs, routes_queue, routes_tasks
from infrai_mcp.surfaces.rest.auth import AuthMiddleware
from infrai_mcp.surfaces.rest.common import NulGuard, error_response
from infrai_mcp.surfaces.rest.metrics import HttpCounters, HttpMetrics, metrics_endpoint
from infrai_mcp.surfaces.rest.openapi import build_openapi
from infrai_mcp.surfaces.rest.ratelimit import RateLimit
from infrai_mcp.surfaces.rest.spec import Op

if TYPE_CHECKING:
    from infrai_mcp.runtime.engine import Engine

log = logging.getLogger("infrai.api")
REGISTRIES = (routes_cron.registry, routes_tasks.registry, routes_queue.registry, routes_agents.registry,
              routes_http_jobs.registry)
SEED_004_PREFIX = "/api/agents/"


def all_ops() -> list[Op]:
    return [op for reg in REGISTRIES for op in reg.ops]


def _invalid_status(path: str, exc: InfraiError) -> int:
    # Seed 004 documents 400 for invalid schedule data; the infrai routes use 422.
    if path.startswith(SEED_004_PREFIX) and isinstance(exc, InvalidInput) and not isinstance(exc, PayloadTooLarge):
        return 400
    return exc.http_status


async def _infrai_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InfraiError)
    return error_response(exc, _invalid_status(request.url.path, exc))


def _allowed(request: Request) -> list[str]:
    """Every method some route of the app serves on this path (Starlette's own 405 names only
    the first route that matched the path, and several routes may share one)."""
    methods: set[str] = set()
    for route in request.app.routes:
        if isinstance(route, Route) and route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return sorted(methods)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(NotFound(f"no route {request.method} {request.url.path}; see /openapi.json"))
    if exc.status_code == 405:
        allow = _allowed(request)
        return JSONResponse({"error": {"code": "METHOD_NOT_ALLOWED",
                                       "message": f"{request.method} is not allowed on {request.url.path}; "
                                                  f"allowed: {', '.join(allow)}"}},
                            status_code=405, headers={"Allow": ", ".join(allow)})
    return JSONResponse({"error": {"code": "HTTP_ERROR", "message": str(exc.detail)}}, status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # The traceback goes to the log; the caller gets no internals (and no request data).
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"error": {"code": "INTERNAL", "message": "internal error; the server log has details"}},
                        status_code=500)


def create_app(
    engine: Engine,
    settings: Settings,
    *,
    mcp_app: ASGIApp | None = None,
    require_auth: bool = True,
    backend_for: Callable[[str], Backend] | None = None,
    rate_limit: float | None = None,
    ui: bool = True,
) -> Starlette:
    """The REST API (and, when given, the MCP Streamable HTTP app at ``/mcp``) over ``engine``.

    ``backend_for(project)`` defaults to ``EmbeddedBackend(engine, project)``. With
    ``require_auth=False`` every request acts for the ``default`` project (local use only).
    ``rate_limit``: requests per second per project (burst twice that); None or 0: no limit.
    ``ui``: mount the dashboard at ``/ui`` (it checks the same keys itself, see auth.py).
    """
    if backend_for is None:
        from infrai_mcp.backends.embedded import EmbeddedBackend

        def backend_for(project: str) -> Backend:
            return EmbeddedBackend(engine, project)

    ops = all_ops()
    openapi = build_openapi(ops)
    api_routes = [route for reg in REGISTRIES for route in reg.routes()]

    async def healthz(request: Request) -> JSONResponse:
        try:
            await engine.store.key_projects()
        except InfraiError as exc:
            return error_response(exc)
        return JSONResponse({"status": "ok", "version": __version__})

    async def openapi_json(request: Request) -> JSONResponse:
        return JSONResponse(openapi)

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/openapi.json", openapi_json, methods=["GET"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
        *api_routes,
    ]
    if mcp_app is not None:
        # A Route (not a Mount) keeps the path "/mcp" intact for the MCP app's own router.
        routes.append(Route("/mcp", mcp_app))
    if ui:
        from infrai_mcp.surfaces.ui.server import ui_mount  # the dashboard at /ui (docs/UI.md)

        routes.append(ui_mount(engine.store, backend_for, require_auth=require_auth))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Sub-app lifespans do not run by themselves; the MCP session manager needs its own.
        router = getattr(mcp_app, "router", None)
        if router is not None and hasattr(router, "lifespan_context"):
            async with router.lifespan_context(mcp_app):
                yield
        else:
            yield

    counters = HttpCounters()
    handlers: dict[Any, Any] = {InfraiError: _infrai_error, HTTPException: _http_error, Exception: _unexpected}
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(HttpMetrics, routes=[r for r in routes if isinstance(r, Route)], sink=counters),
            Middleware(AuthMiddleware, keys=engine.store, require_auth=require_auth),
            Middleware(RateLimit, per_second=rate_limit or 0),
            Middleware(NulGuard, status=_invalid_status),
        ],
        exception_handlers=handlers,
        lifespan=lifespan,
    )
    app.state.backend_for = backend_for
    app.state.http_counters = counters
    app.state.settings = settings
    return app
