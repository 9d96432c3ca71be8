"""MCP fixtures: the real server over a real engine (SQLite in tmp_path), reached through
the SDK's own ``Client`` in memory, and a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.mcp import build_server, select_tools

TZ = "America/New_York"
ALL_TOOLS = {t.name for t in select_tools(Settings())}  # every toolset, read-write


def settings_for(home: Path, **kw: Any) -> Settings:
    return Settings(home=home, timezone=TZ, **kw)


class Tools:
    """Calls tools and unpacks results: ``ok`` expects success, ``err`` an isError text."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def call(self, name: str, /, **args: Any) -> CallToolResult:
        return await self.client.call_tool(name, args)

    async def ok(self, name: str, /, **args: Any) -> dict[str, Any]:
        res = await self.call(name, **args)
        text = res.content[0].text if res.content else ""  # type: ignore[union-attr]
        assert not res.is_error, f"{name} failed: {text}"
        assert res.structured_content is not None
        # The text content is the same object, for clients that only read text.
        assert json.loads(text) == res.structured_content
        return res.structured_content

    async def err(self, name: str, /, **args: Any) -> str:
        res = await self.call(name, **args)
        assert res.is_error, f"{name} should have failed: {res.structured_content}"
        text: str = res.content[0].text  # type: ignore[union-attr]
        assert "Traceback" not in text
        return text


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with Engine(settings_for(tmp_path), lease_seconds=3.0) as eng:
        eng.dispatcher.backoff_base = 0.05
        yield eng


@pytest.fixture
async def tools(engine: Engine) -> AsyncIterator[Tools]:
    server = build_server(EmbeddedBackend(engine), engine.settings)
    async with Client(server) as client:
        yield Tools(client)
