"""The dashboard inside ``infrai-mcp serve``: ``ui_mount(...)`` → a ``Mount("/ui")`` for the REST app.

The UI authenticates with the same API keys as the REST API (``api.keys.authenticate``),
itself, because it must answer a browser's first, header-less visit with an HTML key form
(and serve its script and stylesheet), not with the REST API's JSON 401. So the REST auth
middleware lets ``/ui`` through; if it has already resolved the project
(``scope["state"]["infrai_project"]``) that project is used as is.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.routing import Mount

from infrai_mcp.backends.base import Backend
from infrai_mcp.core.errors import Unauthorized
from infrai_mcp.store.keys import KeyStore
from infrai_mcp.surfaces.ui.app import create_ui_app
from infrai_mcp.surfaces.ui.render import BackendProvider

UI_PREFIX = "/ui"
DEFAULT_PROJECT = "default"
_DENIED = "An API key is required: enter a key of this server's project (infrai-mcp keys create)."


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def keyed_provider(keys: KeyStore, backend_for: Callable[[str], Backend]) -> BackendProvider:
    """Bearer API key → ``backend_for(project)``; a missing, unknown or revoked key → 401."""

    async def provider(request: Request) -> Backend:
        state = request.scope.get("state") or {}
        project = state.get("infrai_project")
        if not project:
            from infrai_mcp.surfaces.rest.keys import authenticate  # late: the api package imports this module

            token = bearer_token(request)
            info = await authenticate(keys, token) if token else None
            if info is None:
                raise Unauthorized(_DENIED)
            project = info.project
        return backend_for(str(project))

    return provider


def ui_mount(
    keys: KeyStore,
    backend_for: Callable[[str], Backend],
    *,
    require_auth: bool = True,
    refresh_seconds: int = 10,
) -> Mount:
    """``Mount("/ui", ...)`` for ``create_app``: keyed (default), or the ``default`` project
    without a key when the REST app runs with ``require_auth=False`` (local use)."""
    provider: BackendProvider
    if require_auth:
        provider = keyed_provider(keys, backend_for)
    else:
        def provider(request: Request) -> Backend:
            del request
            return backend_for(DEFAULT_PROJECT)

    app = create_ui_app(provider, local=not require_auth, refresh_seconds=refresh_seconds)
    return Mount(UI_PREFIX, app=app)
