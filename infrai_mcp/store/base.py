"""The Store seam: everything the engine persists, behind one interface.

``Store`` is the union of ``JobStore`` (store_jobs.py), ``QueueStore``
(store_queues.py) and ``KeyStore`` (store_keys.py: the REST server's API keys); each
documents its own methods' contract once. Every method is one transaction, takes the
``project`` it acts for, and raises ``infrai_mcp.core.errors`` types.
Implementations: ``SqliteStore`` (default, embedded) and ``PostgresStore`` (pg_store.py).
"""

from __future__ import annotations

from abc import ABC
from pathlib import Path

from infrai_mcp.store.jobs import JobStore
from infrai_mcp.store.keys import KeyStore
from infrai_mcp.store.queues import QueueStore
from infrai_mcp.store.sqlite.db import SqliteDB
from infrai_mcp.store.sqlite.jobs import SqliteJobStore
from infrai_mcp.store.sqlite.keys import SqliteKeyStore
from infrai_mcp.store.sqlite.queues import SqliteQueueStore


class Store(JobStore, QueueStore, KeyStore, ABC):
    async def open(self) -> None:
        """Connect and apply migrations."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError


class SqliteStore(SqliteJobStore, SqliteQueueStore, SqliteKeyStore, Store):
    def __init__(self, path: Path | str) -> None:
        self.db = SqliteDB(path)

    async def open(self) -> None:
        await self.db.start()

    async def close(self) -> None:
        await self.db.close()
