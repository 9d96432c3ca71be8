"""PostgreSQL implementation of KeyStore (queries in sql/postgres/queries/keys.sql)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg import errors

from infrai_mcp.core.errors import Conflict, NotFound
from infrai_mcp.store.keys import ApiKeyInfo, KeyStore
from infrai_mcp.store.postgres.db import Conn, PgDB


def _info(row: dict[str, Any]) -> ApiKeyInfo:
    return ApiKeyInfo(
        key_id=row["key_id"],
        project=row["project"],
        name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


class PgKeyStore(KeyStore):
    db: PgDB

    async def key_insert(
        self, *, key_id: str, project: str, name: str | None, prefix: str, key_hash: str, created_at: datetime
    ) -> ApiKeyInfo:
        q = self.db.queries["key_insert"]
        params = {
            "key_id": key_id, "project": project, "name": name, "prefix": prefix,
            "key_hash": key_hash, "created_at": created_at,
        }

        async def tx(conn: Conn) -> None:
            try:
                await conn.execute(q, params)
            except errors.UniqueViolation:
                raise Conflict("an API key with this id or hash already exists; create a new key") from None

        await self.db.write(tx)
        return ApiKeyInfo(key_id=key_id, project=project, name=name, prefix=prefix, created_at=created_at)

    async def key_find(self, key_hash: str) -> tuple[ApiKeyInfo, str] | None:
        q = self.db.queries["key_find"]

        async def tx(conn: Conn) -> tuple[ApiKeyInfo, str] | None:
            row = await (await conn.execute(q, {"key_hash": key_hash})).fetchone()
            return (_info(row), str(row["key_hash"])) if row else None

        return await self.db.read(tx)

    async def key_list(self, project: str | None = None) -> list[ApiKeyInfo]:
        if project is None:
            q, params = self.db.queries["key_list_all"], {}
        else:
            q, params = self.db.queries["key_list_project"], {"project": project}

        async def tx(conn: Conn) -> list[ApiKeyInfo]:
            return [_info(r) for r in await (await conn.execute(q, params)).fetchall()]

        return await self.db.read(tx)

    async def key_revoke(self, key_id: str, revoked_at: datetime) -> ApiKeyInfo:
        revoke, get = self.db.queries["key_revoke"], self.db.queries["key_get"]

        async def tx(conn: Conn) -> ApiKeyInfo:
            await conn.execute(revoke, {"key_id": key_id, "revoked_at": revoked_at})
            row = await (await conn.execute(get, {"key_id": key_id})).fetchone()
            if row is None:
                raise NotFound(f"no API key {key_id!r}; `infrai-mcp keys list` shows key ids")
            return _info(row)

        return await self.db.write(tx)

    async def key_projects(self) -> list[str]:
        q = self.db.queries["key_projects"]

        async def tx(conn: Conn) -> list[str]:
            return [str(r["project"]) for r in await (await conn.execute(q)).fetchall()]

        return await self.db.read(tx)
