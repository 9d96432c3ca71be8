"""``SqliteStore``: the whole Store (jobs, queues, webhooks, API keys) in one SQLite file."""

from __future__ import annotations

from pathlib import Path

from infrai_mcp.store.base import Store
from infrai_mcp.store.sqlite.db import SqliteDB
from infrai_mcp.store.sqlite.jobs import SqliteJobStore
from infrai_mcp.store.sqlite.keys import SqliteKeyStore
from infrai_mcp.store.sqlite.queues import SqliteQueueStore


class SqliteStore(SqliteJobStore, SqliteQueueStore, SqliteKeyStore, Store):
    def __init__(self, path: Path | str) -> None:
        self.db = SqliteDB(path)

    async def open(self) -> None:
        await self.db.start()

    async def close(self) -> None:
        await self.db.close()
