"""``open_store(settings)``: the Store the settings name (PostgreSQL by URL, else the SQLite file)."""

from __future__ import annotations

from infrai_mcp.config import Settings
from infrai_mcp.store.base import Store
from infrai_mcp.store.sqlite.store import SqliteStore


def open_store(settings: Settings) -> Store:
    if settings.is_postgres:
        # Imported here: psycopg is an optional extra (infrai-mcp[postgres]).
        from infrai_mcp.store.postgres.store import PostgresStore

        assert settings.database_url is not None
        return PostgresStore(settings.database_url, pool_size=settings.pg_pool_size)
    return SqliteStore(settings.sqlite_path)
