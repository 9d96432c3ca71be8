"""API fixtures: a real engine on a fresh SQLite file, our app, httpx clients per project.

Async tests run on anyio's pytest plugin (asyncio backend); no extra plugin needed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key


@dataclass
class Api:
    engine: Engine
    app: Starlette
    a: httpx.AsyncClient  # project "acme"
    b: httpx.AsyncClient  # project "umbrella"
    anon: httpx.AsyncClient  # no key
    key_a: str


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    # Seed 004's examples call back workflows: this server has a workflow URL configured.
    settings = Settings(home=tmp_path, workflow_url="http://127.0.0.1:9/workflows/{callback_id}")
    async with Engine(settings, dispatch=False) as engine:
        _, key_a = await create_key(engine.store, "acme")
        _, key_b = await create_key(engine.store, "umbrella")
        app = create_app(engine, settings)
        transport = httpx.ASGITransport(app=app)

        def client(key: str | None) -> httpx.AsyncClient:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            return httpx.AsyncClient(transport=transport, base_url="https://api.infrai.test", headers=headers)

        async with client(key_a) as a, client(key_b) as b, client(None) as anon:
            yield Api(engine, app, a, b, anon, key_a)
