"""UI fixtures: a real engine on a SQLite file in tmp_path, the dashboard app over it, and
an httpx client on the same event loop (ASGITransport), so requests hit the real Backend.

Async tests run on anyio's pytest plugin (asyncio backend), as the engine tests do.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.ui import create_ui_app
from tests import waiting
from tests.receiver import Receiver

T = TypeVar("T")
CSRF = "test-csrf-token"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with Engine(Settings(home=tmp_path), lease_seconds=3.0) as eng:
        eng.dispatcher.backoff_base = 0.05  # retries within tests take milliseconds
        yield eng


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


async def until(check: Callable[[], Awaitable[T]], timeout: float = 30.0, what: str = "condition") -> T:
    """``tests.waiting.until`` with this suite's default bound (30 s)."""
    return await waiting.until(check, timeout, what)
