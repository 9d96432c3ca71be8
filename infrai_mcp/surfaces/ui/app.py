"""The dashboard's Starlette app: routing, auth, CSRF defence and rendering.

Auth: every page and action asks ``backend_for_request(request)`` for the Backend of the
request. In server mode the REST app's callable checks the bearer API key and raises
``Unauthorized`` (or an HTTP 401): the UI then answers 401 with a key form and no data.
The browser keeps the key in ``sessionStorage`` and ``ui.js`` sends it as an
``Authorization`` header on every fetch, so no cookie ever carries it.

CSRF: state changes are POSTs sent by ``ui.js`` with an ``X-CSRF-Token`` header holding a
per-app random token that only an authorised page contains. A cross-site form cannot set
a header, and a cross-site ``fetch`` with one needs a CORS preflight the UI never grants.
That matters most in the keyless local mode, where reaching 127.0.0.1 is the only
credential; there ``create_ui_app(..., allowed_hosts=...)`` also refuses foreign ``Host``
headers, which defeats DNS rebinding (a rebound page would otherwise read the token).
"""

from __future__ import annotations

import hmac
import inspect
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TypeAlias

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from infrai_mcp.backends.base import Backend
from infrai_mcp.core.errors import InfraiError, NotFound, Unauthorized
from infrai_mcp.surfaces.ui import actions, pages
from infrai_mcp.surfaces.ui.render import SECURITY_HEADERS, BackendProvider, UIConfig, base_path, render, ui_config

PageHandler: TypeAlias = Callable[[Request, Backend], Awaitable[Response]]
# An action returns (message for the user, page to show next relative to the UI root).
ActionHandler: TypeAlias = Callable[[Request, Backend], Awaitable[tuple[str, str]]]

HERE = Path(__file__).parent
CSRF_HEADER = "x-csrf-token"
log = logging.getLogger("infrai.ui")

async def backend_of(request: Request) -> Backend:
    result = ui_config(request).provider(request)
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, Backend)
    return result


def _is_401(exc: Exception) -> bool:
    return isinstance(exc, Unauthorized) or (isinstance(exc, HTTPException) and exc.status_code == 401)


def _auth_message(exc: Exception) -> str:
    if isinstance(exc, InfraiError):
        return exc.message
    return str(getattr(exc, "detail", "")) or "An API key is required."


def page(fn: PageHandler) -> Callable[[Request], Awaitable[Response]]:
    """A GET page: 401 with the key form when unauthorised, error pages for Backend errors."""

    async def endpoint(request: Request) -> Response:
        try:
            backend = await backend_of(request)
        except (Unauthorized, HTTPException) as exc:
            if not _is_401(exc):
                raise
            resp = render(request, "login.html", {"message": _auth_message(exc)}, 401, authed=False)
            resp.headers["WWW-Authenticate"] = 'Bearer realm="infrai-mcp"'
            return resp
        try:
            return await fn(request, backend)
        except NotFound as exc:
            return render(request, "error.html", {"title": "Not found", "error": exc}, 404)
        except InfraiError as exc:
            return render(request, "error.html", {"title": "Error", "error": exc}, exc.http_status)

    endpoint.__name__ = fn.__name__
    return endpoint


def _json_error(code: str, message: str, status: int) -> JSONResponse:
    return JSONResponse({"ok": False, "error": {"code": code, "message": message}}, status, headers=SECURITY_HEADERS)


def action(fn: ActionHandler) -> Callable[[Request], Awaitable[Response]]:
    """A POST action: authorised, CSRF-checked, answered with JSON for ``ui.js``."""

    async def endpoint(request: Request) -> Response:
        try:
            backend = await backend_of(request)
        except (Unauthorized, HTTPException) as exc:
            if not _is_401(exc):
                raise
            return _json_error("UNAUTHORIZED", _auth_message(exc), 401)
        token = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(token.encode(), ui_config(request).csrf_token.encode()):
            return _json_error("CSRF", "Missing or wrong X-CSRF-Token header: reload the page and retry.", 403)
        try:
            message, location = await fn(request, backend)
        except InfraiError as exc:
            return JSONResponse({"ok": False, "error": exc.to_dict()}, exc.http_status, headers=SECURITY_HEADERS)
        body = {"ok": True, "message": message, "location": base_path(request) + location}
        return JSONResponse(body, headers=SECURITY_HEADERS)

    endpoint.__name__ = fn.__name__
    return endpoint


def create_ui_app(
    backend_for_request: BackendProvider,
    *,
    local: bool = False,
    allowed_hosts: Sequence[str] | None = None,
    refresh_seconds: int = 10,
    csrf_token: str | None = None,
) -> Starlette:
    """The dashboard, to mount at ``/ui``.

    ``backend_for_request(request)`` (sync or async) returns the Backend of the request's
    project, or raises ``Unauthorized`` / ``HTTPException(401)``; the UI never closes it.
    ``local=True`` marks the keyless ``infrai-mcp ui`` mode (no key form); pass the
    loopback ``host:port`` names there as ``allowed_hosts``.
    """
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters.update(pages.FILTERS)
    routes: list[BaseRoute] = [
        Route("/", page(pages.overview), name="overview"),
        Route("/jobs", page(pages.jobs), name="jobs"),
        Route("/cron/{job_id}", page(pages.cron_job), name="cron"),
        Route("/tasks/{job_id}", page(pages.task), name="task"),
        Route("/agents/{agent_id}/schedules/{job_id}", page(pages.schedule), name="schedule"),
        Route("/runs", page(pages.runs), name="runs"),
        Route("/runs/{run_id}", page(pages.run), name="run"),
        Route("/queues", page(pages.queues), name="queues"),
        Route("/queues/{queue}", page(pages.queue), name="queue"),
        Route("/webhooks", page(pages.webhooks), name="webhooks"),
        Route("/webhooks/{delivery_id}", page(pages.delivery), name="delivery"),
        Route("/cron/{job_id}/{verb:str}", action(actions.cron_action), methods=["POST"]),
        Route("/tasks/{job_id}/cancel", action(actions.task_cancel), methods=["POST"]),
        Route("/agents/{agent_id}/schedules/{job_id}/{verb:str}", action(actions.schedule_action), methods=["POST"]),
        Route("/queues/{queue}/redrive", action(actions.redrive), methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))] if allowed_hosts else []
    app = Starlette(routes=routes, middleware=middleware)
    app.state.ui = UIConfig(
        provider=backend_for_request,
        templates=templates,
        csrf_token=csrf_token or secrets.token_urlsafe(32),
        local=local,
        refresh_seconds=refresh_seconds,
    )
    return app


def root_redirect(prefix: str = "/ui") -> Route:
    """``/`` → the dashboard, for a parent app that mounts the UI at ``prefix``."""

    async def to_ui(request: Request) -> Response:
        return RedirectResponse(prefix + "/", status_code=307)

    return Route("/", to_ui)
