"""Hostile bytes to MCP over Streamable HTTP (/mcp on a real uvicorn on 127.0.0.1, behind
the bearer keys): malformed JSON-RPC, deep nesting, NUL bytes, huge and wrong-typed tool
arguments never produce a 5xx or a traceback, and change nothing in the store."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key
from infrai_mcp.surfaces.rest.mcp_mount import build_mcp_app
from tests.backends.conftest import running_uvicorn
from tests.hardening.conftest import snapshot

pytestmark = pytest.mark.anyio
SKIP = frozenset({"leases", "api_keys", "keys"})
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
    "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}


def call(name: str, args: object) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                       "params": {"name": name, "arguments": args}}).encode()


BODIES = [
    b"", b"{", b"null", b"[]", b"\x00", b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000,
    b'{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "cron_create", "arguments": '
    + b'{"a":' * 3000 + b"1" + b"}" * 3000 + b"}}",
    json.dumps({"jsonrpc": "2.0", "id": 7, "method": "no/such"}).encode(),
    json.dumps({"jsonrpc": "1.0", "id": {"x": 1}, "method": "tools/call"}).encode(),
    call("cron_create", {"url": "https://example.com/", "schedule": "\x00" * 10, "payload": "p" * 3_000_000}),
    call("cron_create", {"url": ["x"], "schedule": 5, "timezone": {"a": 1}}),
    call("queue_publish", {"queue": "../../x", "payload": float("1e308")}),
    call("when_preview", {"when": "in 99999999999999999999 years"}),
    call("no_such_tool", {}),
    call("cron_get", "not an object"),
]


async def test_raw_mcp_requests(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, timezone="UTC")
    async with Engine(settings, dispatch=False) as engine:
        _, key = await create_key(engine.store, "acme")
        app = create_app(engine, settings, mcp_app=build_mcp_app(engine, settings))
        async with running_uvicorn(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as c:
            headers = {"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream",
                       "Content-Type": "application/json"}
            r = await c.post("/mcp", json=INIT, headers=headers)
            assert r.status_code == 200, r.text
            sid = r.headers.get("mcp-session-id")
            if sid:
                headers["mcp-session-id"] = sid
            await c.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=headers)
            before = snapshot(tmp_path / "infrai.db", SKIP)
            for body in BODIES:
                r = await c.post("/mcp", content=body, headers=headers)
                assert r.status_code < 500, (body[:80], r.status_code, r.text[:300])
                assert "Traceback" not in r.text and "infrai_mcp/" not in r.text, r.text[:500]
            assert snapshot(tmp_path / "infrai.db", SKIP) == before
            # The session still works afterwards.
            r = await c.post("/mcp", content=call("cron_list", {}), headers=headers)
            assert r.status_code == 200 and "items" in r.text, r.text[:300]
