"""KeyStore on PostgreSQL: the API-key suite of tests/api/test_keys.py, re-run on PgKeyStore."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import psycopg
import pytest
from api.test_keys import test_list_and_projects

from infrai_mcp.store.postgres.db import PgDB
from infrai_mcp.store.postgres.keys import PgKeyStore
from infrai_mcp.surfaces.rest.keys import authenticate, create_key

pytestmark = pytest.mark.anyio
__all__ = ["test_list_and_projects"]  # collected here against the `store` fixture below


class KeysOnly(PgKeyStore):
    def __init__(self, url: str) -> None:
        self.db = PgDB(url, pool_size=2)


@pytest.fixture
async def store(pg_url: str) -> AsyncIterator[KeysOnly]:
    s = KeysOnly(pg_url)
    await s.db.start(listen=False)
    yield s
    await s.db.close()


async def test_key_round_trip_stores_only_the_hash(store: KeysOnly, pg_url: str) -> None:
    info, key = await create_key(store, "acme", "ci")
    found = await authenticate(store, key)
    assert found is not None and found.key_id == info.key_id
    with psycopg.connect(pg_url) as conn:
        raw = conn.execute("SELECT key_hash FROM api_keys").fetchall()
    assert raw == [(hashlib.sha256(key.encode()).hexdigest(),)]
    assert await authenticate(store, key + "x") is None
    revoked = await store.key_revoke(info.key_id, datetime.now(UTC))
    assert not revoked.active and revoked.revoked_at is not None
    again = await store.key_revoke(info.key_id, datetime.now(UTC))
    assert again.revoked_at == revoked.revoked_at
    assert await authenticate(store, key) is None
