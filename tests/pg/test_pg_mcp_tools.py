"""The MCP visibility tools (tests/mcp/test_mcp_visibility.py) re-run on PostgresStore: the
same SDK client in memory, the engine under the tools on a fresh PostgreSQL database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from mcp import Client

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.engine.engine import Engine
from infrai_mcp.engine.pg_store import PostgresStore
from infrai_mcp.mcp_server import build_server
from tests.mcp import test_mcp_visibility
from tests.mcp.conftest import Tools, settings_for
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio
collect(globals(), [test_mcp_visibility], needs={"tools"}, skip=frozenset({"tmp_path", "receiver"}))


@pytest.fixture
async def tools(tmp_path: Path, pg_url: str) -> AsyncIterator[Tools]:
    store = PostgresStore(pg_url, pool_size=4)
    async with (
        Engine(settings_for(tmp_path), store=store, dispatch=False) as engine,
        Client(build_server(EmbeddedBackend(engine), engine.settings)) as client,
    ):
        yield Tools(client)
