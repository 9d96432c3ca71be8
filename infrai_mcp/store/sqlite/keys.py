"""SQLite implementation of KeyStore (queries in sql/sqlite/queries/keys.sql)."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from infrai_mcp.core.errors import Conflict, NotFound
from infrai_mcp.store.keys import ApiKeyInfo, KeyStore
from infrai_mcp.store.sqlite.db import SqliteDB


def _ts(value: datetime) -> str:
    return value.isoformat()


def _info(row: sqlite3.Row) -> ApiKeyInfo:
    return ApiKeyInfo(
        key_id=row["key_id"],
        project=row["project"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=datetime.fromisoformat(row["created_at"]),
        revoked_at=datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"] else None,
    )


class SqliteKeyStore(KeyStore):
    db: SqliteDB

    async def key_insert(
        self, *, key_id: str, project: str, name: str | None, prefix: str, key_hash: str, created_at: datetime
    ) -> ApiKeyInfo:
        q = self.db.queries["key_insert"]
        params = {
            "key_id": key_id, "project": project, "name": name, "prefix": prefix,
            "key_hash": key_hash, "created_at": _ts(created_at),
        }

        def tx(conn: sqlite3.Connection) -> None:
            try:
                conn.execute(q, params)
            except sqlite3.IntegrityError:
                raise Conflict("an API key with this id or hash already exists; create a new key") from None

        await self.db.write(tx)
        return ApiKeyInfo(key_id=key_id, project=project, name=name, prefix=prefix, created_at=created_at)

    async def key_find(self, key_hash: str) -> tuple[ApiKeyInfo, str] | None:
        q = self.db.queries["key_find"]

        def tx(conn: sqlite3.Connection) -> tuple[ApiKeyInfo, str] | None:
            row = conn.execute(q, {"key_hash": key_hash}).fetchone()
            return (_info(row), str(row["key_hash"])) if row else None

        return await self.db.read(tx)

    async def key_list(self, project: str | None = None) -> list[ApiKeyInfo]:
        if project is None:
            q, params = self.db.queries["key_list_all"], {}
        else:
            q, params = self.db.queries["key_list_project"], {"project": project}

        def tx(conn: sqlite3.Connection) -> list[ApiKeyInfo]:
            return [_info(r) for r in conn.execute(q, params).fetchall()]

        return await self.db.read(tx)

    async def key_revoke(self, key_id: str, revoked_at: datetime) -> ApiKeyInfo:
        revoke, get = self.db.queries["key_revoke"], self.db.queries["key_get"]

        def tx(conn: sqlite3.Connection) -> ApiKeyInfo:
            conn.execute(revoke, {"key_id": key_id, "revoked_at": _ts(revoked_at)})
            row = conn.execute(get, {"key_id": key_id}).fetchone()
            if row is None:
                raise NotFound(f"no API key {key_id!r}; `infrai-mcp keys list` shows key ids")
            return _info(row)

        return await self.db.write(tx)

    async def key_projects(self) -> list[str]:
        q = self.db.queries["key_projects"]

        def tx(conn: sqlite3.Connection) -> list[str]:
            return [str(r[0]) for r in conn.execute(q).fetchall()]

        return await self.db.read(tx)
