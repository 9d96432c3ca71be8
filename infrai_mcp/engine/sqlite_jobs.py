"""SQLite implementation of JobStore (queries in sql/sqlite/queries/jobs.sql)."""

from __future__ import annotations

from infrai_mcp.engine.sqlite_db import SqliteDB
from infrai_mcp.engine.store_jobs import JobStore


class SqliteJobStore(JobStore):
    db: SqliteDB
