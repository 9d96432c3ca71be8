"""UI fixtures: a real engine on a SQLite file in tmp_path, the dashboard app over it, and
an httpx client on the same event loop (ASGITransport), so requests hit the real Backend.

Async tests run on anyio's pytest plugin (asyncio backend), as the engine tests do.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import TypeVar

import httpx
import pytest

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.ui import create_ui_app

T = TypeVar("T")
CSRF = "test-csrf-token"


@pytest.fixture
def backend(engine: Engine) -> EmbeddedBackend:
    return EmbeddedBackend(engine, "default")


def client_for(app: object, base_url: str = "http://127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)  # type: ignore[arg-type]


@pytest.fixture
async def client(backend: EmbeddedBackend) -> AsyncIterator[httpx.AsyncClient]:
    """The keyless local-mode dashboard (what ``infrai-mcp ui`` serves)."""
    app = create_ui_app(lambda request: backend, local=True, csrf_token=CSRF)
    async with client_for(app) as c:
        yield c


async def post(client: httpx.AsyncClient, path: str, body: dict[str, object] | None = None,
               headers: dict[str, str] | None = None) -> httpx.Response:
    """An action as ui.js sends it: JSON body and the page's CSRF token."""
    return await client.post(path, json=body or {}, headers={"X-CSRF-Token": CSRF, **(headers or {})})


def csrf_of(html: str) -> str:
    m = re.search(r'<meta name="infrai-csrf" content="([^"]*)"', html)
    return m.group(1) if m else ""
