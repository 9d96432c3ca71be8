"""Helpers every module of the SQLite store uses: rows as dicts, idempotency keys, queue rows."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from infrai_mcp.store.webhooks import Row


def row_dict(row: sqlite3.Row | None) -> Row | None:
    return dict(row) if row is not None else None


def idem_get(conn: sqlite3.Connection, sql: str, project: str, scope: str, key: str, since: float) -> Any:
    """The JSON result stored for an idempotency key (None when unseen or past the window)."""
    found = conn.execute(sql, {"project": project, "scope": scope, "key": key, "since": since}).fetchone()
    return json.loads(found[0]) if found is not None else None


def idem_put(conn: sqlite3.Connection, sql: str, project: str, scope: str, key: str, result: Any, now: float) -> None:
    # INSERT OR REPLACE: a key older than the window may still sit in the table until the
    # sweep removes it; reusing it after the window starts a new entry.
    conn.execute(
        sql, {"project": project, "scope": scope, "key": key, "result": json.dumps(result), "created_at": now}
    )


def dlq_target(conn: sqlite3.Connection, sql: str, project: str, name: str) -> Row | None:
    return row_dict(conn.execute(sql, {"project": project, "name": name}).fetchone())
