"""REST and MCP over Streamable HTTP in one uvicorn process, behind the same bearer keys."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key
from infrai_mcp.surfaces.rest.mcp_mount import build_mcp_app
from tests.backends.conftest import running_uvicorn

pytestmark = pytest.mark.anyio


def mcp_client(url: str, key: str) -> Client:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=30)
    return Client(streamable_http_client(f"{url}/mcp", http_client=http))


async def tool(client: Client, name: str, /, **args: Any) -> Any:
    res = await client.call_tool(name, args)
    text = res.content[0].text if res.content else ""  # type: ignore[union-attr]
    assert not res.is_error, text
    return json.loads(text)


@contextlib.asynccontextmanager
async def served(home: Path) -> AsyncIterator[tuple[str, str, str]]:
    """REST + MCP on uvicorn over a fresh engine; yields (base URL, key of acme, key of umbrella)."""
    settings = Settings(home=home, timezone="UTC")
    async with Engine(settings, dispatch=False) as engine:
        _, key_a = await create_key(engine.store, "acme")
        _, key_b = await create_key(engine.store, "umbrella")
        app = create_app(engine, settings, mcp_app=build_mcp_app(engine, settings))
        async with running_uvicorn(app) as url:
            yield url, key_a, key_b


async def test_mcp_and_rest_share_keys_and_projects(tmp_path: Path) -> None:
    async with served(tmp_path) as (url, key_a, key_b):
        async with mcp_client(url, key_a) as a:
            job = await tool(a, "cron_create", name="digest", schedule="every weekday at 9am",
                             url="https://example.com/d")
            assert job["schedule"] == "0 9 * * 1-5"
        async with mcp_client(url, key_b) as b:
            assert (await tool(b, "cron_list"))["items"] == []

        async with httpx.AsyncClient(base_url=url) as rest:
            seen_a = (await rest.get("/v1/cron/list", headers={"Authorization": f"Bearer {key_a}"})).json()
            seen_b = (await rest.get("/v1/cron/list", headers={"Authorization": f"Bearer {key_b}"})).json()
            assert [j["cron_id"] for j in seen_a["data"]["items"]] == [job["cron_id"]]
            assert seen_b["data"]["items"] == []
            # No key, no MCP: the same 401 as REST.
            denied = await rest.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                                     headers={"Accept": "application/json, text/event-stream"})
            assert denied.status_code == 401 and denied.json()["error"]["code"] == "UNAUTHORIZED"


async def test_an_mcp_session_stays_with_its_project(tmp_path: Path) -> None:
    async with served(tmp_path) as (url, key_a, key_b):
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
        accept = {"Accept": "application/json, text/event-stream"}
        async with httpx.AsyncClient(base_url=url) as http:
            opened = await http.post("/mcp", json=init, headers={**accept, "Authorization": f"Bearer {key_a}"})
            assert opened.status_code == 200, opened.text
            sid = opened.headers["mcp-session-id"]
            ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
            session = {**accept, "mcp-session-id": sid, "mcp-protocol-version": "2025-06-18"}
            other = await http.post("/mcp", json=ping, headers={**session, "Authorization": f"Bearer {key_b}"})
            assert other.status_code == 404 and other.json()["error"]["message"] == "unknown MCP session"
            same = await http.post("/mcp", json=ping, headers={**session, "Authorization": f"Bearer {key_a}"})
            assert same.status_code == 200, same.text


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("::1", True), ("[::1]", True),
                                                ("localhost", True), ("0.0.0.0", False), ("10.0.0.5", False)])
def test_non_loopback_hosts_are_warned_about(host: str, loopback: bool) -> None:
    from infrai_mcp.surfaces.rest.server import _is_loopback

    assert _is_loopback(host) is loopback
