"""API keys: stored hashed, shown once, revocable; the CLI prints a key only at creation."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infrai_mcp.core.errors import InvalidInput, NotFound
from infrai_mcp.store.sqlite.db import SqliteDB
from infrai_mcp.store.sqlite.keys import SqliteKeyStore
from infrai_mcp.surfaces.cli.main import main
from infrai_mcp.surfaces.rest.keys import authenticate, create_key

pytestmark = pytest.mark.anyio


class KeysOnly(SqliteKeyStore):
    """Just the key tables of the SQLite store (the job and queue halves are not needed here)."""

    def __init__(self, path: Path) -> None:
        self.db = SqliteDB(path)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[KeysOnly]:
    s = KeysOnly(tmp_path / "keys.db")
    await s.db.start()
    yield s
    await s.db.close()


async def test_key_round_trip(store: KeysOnly, tmp_path: Path) -> None:
    info, key = await create_key(store, "acme", "ci")
    assert key.startswith("ifr_") and len(key) > 40
    assert info.prefix == key[:12] and info.project == "acme"
    found = await authenticate(store, key)
    assert found is not None and found.key_id == info.key_id

    # Only the hash is on disk.
    raw = sqlite3.connect(tmp_path / "keys.db").execute("SELECT key_hash FROM api_keys").fetchall()
    assert raw == [(hashlib.sha256(key.encode()).hexdigest(),)]
    assert key not in (tmp_path / "keys.db").read_bytes().decode("latin-1")

    assert await authenticate(store, key + "x") is None
    assert await authenticate(store, "Bearer " + key) is None
    assert await authenticate(store, "") is None

    revoked = await store.key_revoke(info.key_id, datetime.now(UTC))
    assert not revoked.active
    again = await store.key_revoke(info.key_id, datetime.now(UTC))
    assert again.revoked_at == revoked.revoked_at
    assert await authenticate(store, key) is None


async def test_list_and_projects(store: KeysOnly) -> None:
    a, _ = await create_key(store, "a")
    b, _ = await create_key(store, "b")
    assert [k.key_id for k in await store.key_list()] == [a.key_id, b.key_id]
    assert [k.key_id for k in await store.key_list("b")] == [b.key_id]
    assert await store.key_projects() == ["a", "b"]
    with pytest.raises(NotFound):
        await store.key_revoke("key_nope", datetime.now(UTC))
    with pytest.raises(InvalidInput):
        await create_key(store, "bad project!")


def test_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INFRAI_HOME", str(tmp_path))
    monkeypatch.delenv("INFRAI_DATABASE_URL", raising=False)
    assert main(["keys", "create", "--project", "acme", "--name", "ci"]) == 0
    out, err = capsys.readouterr()
    key = out.strip()
    assert key.startswith("ifr_") and "not shown again" in err

    assert main(["keys", "list"]) == 0
    out, _ = capsys.readouterr()
    assert "acme" in out and key[:12] in out and key not in out
    key_id = out.split("\t")[0]

    assert main(["keys", "revoke", key_id]) == 0
    assert main(["keys", "list", "--project", "acme"]) == 0
    out, _ = capsys.readouterr()
    assert "revoked" in out
    assert main(["keys", "revoke", "key_unknown"]) == 2
    assert main(["keys", "create", "--project", "no spaces"]) == 2
