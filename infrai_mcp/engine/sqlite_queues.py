"""SQLite implementation of QueueStore (queries in sql/sqlite/queries/queues.sql)."""

from __future__ import annotations

from infrai_mcp.engine.sqlite_db import SqliteDB
from infrai_mcp.engine.store_queues import QueueStore


class SqliteQueueStore(QueueStore):
    db: SqliteDB
