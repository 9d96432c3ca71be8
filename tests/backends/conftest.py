"""One Backend, three ways: embedded, remote over httpx.ASGITransport, remote over uvicorn.

Each variant gets its own engine on a fresh SQLite file. The remote variants talk to our
REST app with an API key of project ``acme``; the embedded one is bound to ``acme`` too, so
every variant sees the same project. Async tests run on anyio's plugin (asyncio).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from infrai_mcp.backends.base import Backend
from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.backends.remote import RemoteBackend
from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key
from infrai_mcp.surfaces.rest.server import server_for

KINDS = ("embedded", "remote_asgi", "remote_uvicorn")
PROJECT = "acme"


@contextlib.asynccontextmanager
async def running_uvicorn(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) in this event loop; yields the base URL."""
    server = server_for(app, "127.0.0.1", 0, log_level="warning")
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def open_backend(kind: str, home: Path, **engine_kwargs: Any) -> AsyncIterator[Backend]:
    settings = Settings(home=home)
    async with Engine(settings, **engine_kwargs) as engine:
        if kind == "embedded":
            yield EmbeddedBackend(engine, PROJECT)
            return
        _, key = await create_key(engine.store, PROJECT)
        app = create_app(engine, settings)
        if kind == "remote_asgi":
            remote = RemoteBackend("http://testserver", key, transport=httpx.ASGITransport(app=app))
            try:
                yield remote
            finally:
                await remote.aclose()
            return
        async with running_uvicorn(app) as url:
            remote = RemoteBackend(url, key)
            try:
                yield remote
            finally:
                await remote.aclose()


@pytest.fixture(params=KINDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    async with open_backend(request.param, tmp_path, dispatch=False) as b:
        yield b


BackendOpener = Callable[..., contextlib.AbstractAsyncContextManager[Backend]]


@pytest.fixture
def opener(tmp_path: Path) -> BackendOpener:
    """``async with opener(kind, **engine_kwargs) as backend`` for tests that need several."""
    counter = iter(range(1000))

    def make(kind: str, **kwargs: Any) -> contextlib.AbstractAsyncContextManager[Backend]:
        return open_backend(kind, tmp_path / f"{kind}-{next(counter)}", **kwargs)

    return make
