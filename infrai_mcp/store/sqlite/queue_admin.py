"""SQLite queue administration (create, get, list, update, delete, purge, stats).

Split from sqlite_queues.py (the message path) to keep modules small; SqliteQueueStore
inherits it. Same conventions: one transaction per method, every query filters by project.
"""

from __future__ import annotations

import sqlite3

from infrai_mcp.store.queues import (
    MAX_DLQ_HOPS,
    QUEUE_UPDATE_COLUMNS,
    Row,
    check_dead_letter_target,
    dlq_in_use,
    next_dlq_hop,
    no_queue,
    queue_exists,
)
from infrai_mcp.store.sqlite.db import SqliteDB
from infrai_mcp.store.sqlite.rows import dlq_target, idem_get, idem_put
from infrai_mcp.store.sqlite.webhooks import SqliteWebhookStore


def rank_on(queue: Row) -> bool:
    # Priority orders standard queues only; FIFO order is publish order by definition.
    return bool(queue["enable_priority"]) and queue["type"] == "standard"


class SqliteQueueAdmin(SqliteWebhookStore):
    db: SqliteDB

    def _queue(self, conn: sqlite3.Connection, project: str, name: str) -> Row:
        found = dlq_target(conn, self.db.queries["queue_get"], project, name)
        if found is None:
            raise no_queue(name)
        return found

    # -- queues -------------------------------------------------------------------------
    async def insert_queue(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        q = self.db.queries
        project, name = row["project"], row["name"]

        def tx(conn: sqlite3.Connection) -> tuple[Row, bool]:
            if idempotency_key:
                first = idem_get(conn, q["idem_get"], project, "queue_create", idempotency_key, dedup_since)
                existing = dlq_target(conn, q["queue_get"], project, first) if first else None
                if existing is not None:
                    return existing, False
            if dlq_target(conn, q["queue_get"], project, name) is not None:
                raise queue_exists(name)
            dlq = row.get("dead_letter_queue")
            if dlq:
                target = dlq_target(conn, q["queue_get"], project, dlq)
                check_dead_letter_target(project, name, row["type"], target, dlq, "dead_letter_queue")
            conn.execute(q["queue_insert"], row)
            if idempotency_key:
                idem_put(conn, q["idem_put"], project, "queue_create", idempotency_key, name, row["created_at"])
            return self._queue(conn, project, name), True

        return await self.db.write(tx)

    async def get_queue(self, project: str, name: str) -> Row | None:
        sql = self.db.queries["queue_get"]
        return await self.db.read(lambda conn: dlq_target(conn, sql, project, name))

    async def list_queues(self, project: str, *, cursor: str | None, limit: int) -> list[Row]:
        sql = self.db.queries["queue_list"]
        args = {"project": project, "cursor": cursor or "", "limit": limit}
        return await self.db.read(lambda conn: [dict(r) for r in conn.execute(sql, args)])

    async def update_queue(self, project: str, name: str, changes: Row) -> Row:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> Row:
            current = self._queue(conn, project, name)
            new = {**current, **changes}
            dlq = new.get("dead_letter_queue")
            if dlq and dlq != current.get("dead_letter_queue"):
                target = dlq_target(conn, q["queue_get"], project, dlq)
                check_dead_letter_target(project, name, current["type"], target, dlq, "dead_letter_queue")
                hop: Row | None = target
                for _ in range(MAX_DLQ_HOPS):
                    if (next_name := next_dlq_hop(name, dlq, hop)) is None:
                        break
                    hop = dlq_target(conn, q["queue_get"], project, next_name)
            conn.execute(q["queue_update"], {key: new[key] for key in QUEUE_UPDATE_COLUMNS})
            return self._queue(conn, project, name)

        return await self.db.write(tx)

    async def delete_queue(self, project: str, name: str) -> None:
        q = self.db.queries
        args = {"project": project, "name": name}

        def tx(conn: sqlite3.Connection) -> None:
            self._queue(conn, project, name)
            users = [r[0] for r in conn.execute(q["queue_dlq_users"], args)]
            if users:
                raise dlq_in_use(name, users)
            conn.execute(q["queue_delete_messages"], args)
            conn.execute(q["queue_delete_subscriptions"], args)
            conn.execute(q["queue_delete"], args)

        await self.db.write(tx)

    async def purge_queue(self, project: str, name: str) -> int:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> int:
            self._queue(conn, project, name)
            purged: int = conn.execute(q["queue_purge"], {"project": project, "name": name}).rowcount
            conn.execute(q["queue_depth_zero"], {"project": project, "queue": name})  # dead letters never count
            return purged

        return await self.db.write(tx)

    async def queue_stats(self, project: str, name: str, now: float) -> Row:
        q = self.db.queries
        args = {"project": project, "name": name, "now": now}

        def tx(conn: sqlite3.Connection) -> Row:
            self._queue(conn, project, name)
            stats = dict(conn.execute(q["queue_stats"], args).fetchone())
            stats["dlq"] = conn.execute(q["queue_dlq_count"], args).fetchone()[0]
            return stats

        return await self.db.read(tx)
