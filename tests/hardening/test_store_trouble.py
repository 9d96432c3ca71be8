"""Store trouble: the database locked by another writer, the database full (a size-limited
file: SQLite's max_page_count), a read-only data dir. Each gives a clear error (REST 503
STORE_UNAVAILABLE, an MCP isError text), writes nothing half, and the engine recovers by
itself when the condition clears."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.core.errors import StoreUnavailable
from infrai_mcp.models import MessageIn, QueueCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.mcp import build_server
from infrai_mcp.surfaces.rest import create_app
from tests.hardening.conftest import P, snapshot

pytestmark = pytest.mark.anyio


@dataclass
class Stack:
    engine: Engine
    http: httpx.AsyncClient
    mcp: Client
    db: Path


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with Engine(Settings(home=tmp_path), dispatch=False) as eng:
        app = create_app(eng, eng.settings, require_auth=False)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as http, \
                Client(build_server(EmbeddedBackend(eng), eng.settings)) as mcp:
            await eng.queues.queue_create(P, QueueCreate(name="q"))
            yield Stack(eng, http, mcp, tmp_path / "infrai.db")


CRON = {"schedule": "@daily", "url": "https://example.com/x"}
BATCH = {"queue": "q", "messages": [{"payload": {"i": i, "pad": "p" * 2000}} for i in range(100)]}


async def test_locked_by_another_writer(stack: Stack) -> None:
    before = snapshot(stack.db)
    other = sqlite3.connect(stack.db, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        r = await stack.http.post("/v1/scheduling/cron/create", json=CRON)
        assert r.status_code == 503, r.text
        err = r.json()["error"]
        assert err["code"] == "STORE_UNAVAILABLE" and "locked" in err["message"]
        # Reads keep answering while another process holds the write lock (WAL).
        assert (await stack.http.get("/v1/scheduling/cron/list")).status_code == 200
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert snapshot(stack.db) == before
    r = await stack.http.post("/v1/scheduling/cron/create", json=CRON)  # recovered, no restart
    assert r.status_code == 200, r.text


def _limit_pages(conn: sqlite3.Connection, extra: int) -> int:
    pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    return int(conn.execute(f"PRAGMA max_page_count = {pages + extra}").fetchone()[0])


async def test_database_full(stack: Stack) -> None:
    db = stack.engine.store.db  # type: ignore[attr-defined]
    await db.write(lambda c: _limit_pages(c, 8))  # a few pages left: a 200 KB batch cannot fit
    before = snapshot(stack.db)
    r = await stack.http.post("/v1/scheduling/queue/publish_batch", json=BATCH)
    assert r.status_code == 503, r.text
    err = r.json()["error"]
    assert err["code"] == "STORE_UNAVAILABLE" and "full" in err["message"]
    res = await stack.mcp.call_tool("queue_publish", {"queue": "q", "messages": BATCH["messages"]})
    text = res.content[0].text  # type: ignore[union-attr]
    assert res.is_error and "full" in text and "Traceback" not in text
    with pytest.raises(StoreUnavailable):
        await stack.engine.queues.queue_publish_batch(P, "q", [MessageIn(payload=m["payload"])
                                                               for m in BATCH["messages"]])
    assert snapshot(stack.db) == before  # all or nothing: not one message of the batch
    assert (await stack.engine.queues.queue_stats(P, "q")).available == 0
    await db.write(lambda c: _limit_pages(c, 1_000_000))  # space freed
    r = await stack.http.post("/v1/scheduling/queue/publish_batch", json=BATCH)
    assert r.status_code == 200, r.text
    assert (await stack.engine.queues.queue_stats(P, "q")).available == 100
    ok = sqlite3.connect(stack.db).execute("PRAGMA integrity_check").fetchone()[0]
    assert ok == "ok"


def _can_mount() -> bool:
    return os.geteuid() == 0 and sys.platform == "linux"


@contextlib.contextmanager
def tmpfs(where: Path) -> Any:
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _readonly(home: Path, on: bool) -> None:
    if _can_mount():
        subprocess.run(["mount", "-o", f"remount,{'ro' if on else 'rw'}", str(home)], check=True)
    else:
        for p in [home, *home.iterdir()]:
            p.chmod((0o555 if p.is_dir() else 0o444) if on else (0o755 if p.is_dir() else 0o644))


async def test_read_only_data_dir(tmp_path: Path) -> None:
    """Writable, then read-only, then writable again; as root a tmpfs remounted ro (root
    ignores file modes), otherwise file modes."""
    home = tmp_path / "home"
    cm = tmpfs(home) if _can_mount() else contextlib.nullcontext(home)
    with cm:
        home.mkdir(exist_ok=True)
        async with Engine(Settings(home=home), dispatch=False) as eng:
            await eng.queues.queue_create(P, QueueCreate(name="q"))
        before = snapshot(home / "infrai.db")
        _readonly(home, True)
        try:
            # Starting on a read-only data dir: one clear line, no traceback, exit code != 0.
            env = {**os.environ, "INFRAI_HOME": str(home)}
            proc = subprocess.run([sys.executable, "-m", "infrai_mcp.surfaces.cli.main", "cron", "add",
                                   "--schedule", "@daily", "--url", "https://example.com/x"], env=env,
                                  capture_output=True, text=True, timeout=60)
            out = proc.stdout + proc.stderr
            assert proc.returncode != 0 and "Traceback" not in out, out
            assert any(w in out.lower() for w in ("read-only", "readonly", "permission", "not writable")), out
            # An engine that opens anyway (reads work) answers writes with StoreUnavailable.
            with contextlib.suppress(StoreUnavailable, OSError, sqlite3.Error):
                async with Engine(Settings(home=home), dispatch=False) as eng:
                    assert (await eng.queues.queue_stats(P, "q")).available == 0
                    with pytest.raises(StoreUnavailable):
                        await eng.queues.queue_publish(P, "q", MessageIn(payload=1))
        finally:
            _readonly(home, False)
        assert snapshot(home / "infrai.db") == before
        async with Engine(Settings(home=home), dispatch=False) as eng:  # recovered
            await eng.queues.queue_publish(P, "q", MessageIn(payload=json.dumps({"ok": 1})))
            assert (await eng.queues.queue_stats(P, "q")).available == 1
