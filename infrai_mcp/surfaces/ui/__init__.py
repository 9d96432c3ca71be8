"""The web dashboard served at ``/ui``: what the agents scheduled, what ran, what failed.

``create_ui_app(backend_for_request)`` returns a Starlette app to mount at ``/ui``. It reads
and acts only through the ``Backend`` the callable returns for each request, so the REST
app applies its API-key → project auth, and ``infrai-mcp ui`` serves the local data dir's
default project without a key. See docs/UI.md.
"""

from __future__ import annotations

from infrai_mcp.surfaces.ui.app import create_ui_app
from infrai_mcp.surfaces.ui.render import BackendProvider

__all__ = ["BackendProvider", "create_ui_app"]
