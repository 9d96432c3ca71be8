"""What the dashboard's app, pages and actions share: its config on the app, rendering a
template with the security headers, and reading an action's JSON body."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from infrai_mcp.backends.base import Backend
from infrai_mcp.core.errors import InvalidInput

BackendProvider: TypeAlias = Callable[[Request], "Backend | Awaitable[Backend]"]

# No inline script or style anywhere, so the policy can forbid both: agent-written text
# (names, payloads, response excerpts) is escaped by Jinja2 and could not run even if not.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class UIConfig:
    provider: BackendProvider
    templates: Jinja2Templates
    csrf_token: str
    local: bool
    refresh_seconds: int


def ui_config(request: Request) -> UIConfig:
    cfg: UIConfig = request.app.state.ui
    return cfg


def base_path(request: Request) -> str:
    """Where the UI is mounted (``/ui`` under ``serve``); links are built from it."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def render(request: Request, name: str, context: dict[str, Any], status: int = 200, *, authed: bool = True) -> Response:
    cfg = ui_config(request)
    ctx = {
        "base": base_path(request),
        # The token goes only into pages of an authorised request.
        "csrf": cfg.csrf_token if authed else "",
        "local": cfg.local,
        "refresh": cfg.refresh_seconds,
        "authed": authed,
        "path": request.url.path,
        **context,
    }
    resp = cfg.templates.TemplateResponse(request, name, ctx, status_code=status)
    resp.headers.update(SECURITY_HEADERS)
    return resp


async def body_json(request: Request) -> dict[str, Any]:
    """The action's JSON body ({} when empty); ``ui.js`` sends form fields as JSON."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than the decoder goes
        raise InvalidInput("the request body must be a JSON object") from None
    return data if isinstance(data, dict) else {}
