"""The MCP queue tools (tests/mcp/test_mcp_queue_webhook.py) re-run on PostgresStore.

The same SDK client in memory and the same server; only the engine under the tools is
built on a fresh PostgreSQL database. Tests that need a receiver or their own SQLite
set-up stay SQLite-only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore
from infrai_mcp.surfaces.mcp import build_server
from tests.mcp import test_mcp_queue_webhook
from tests.mcp.conftest import Tools, settings_for
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio
collect(globals(), [test_mcp_queue_webhook], needs={"tools"}, skip=frozenset({"tmp_path", "receiver"}))


@pytest.fixture
async def tools(tmp_path: Path, pg_url: str) -> AsyncIterator[Tools]:
    store = PostgresStore(pg_url, pool_size=4)
    async with (
        Engine(settings_for(tmp_path), store=store, dispatch=False) as engine,
        Client(build_server(EmbeddedBackend(engine), engine.settings)) as client,
    ):
        yield Tools(client)
