"""Queue administration on PostgreSQL (create, list, update, delete, purge, stats) and the
queue depth limit that publish checks (INFRAI_MAX_QUEUE_DEPTH).

Split from pg_queues.py (messages) to keep modules small; PgQueueStore inherits both.
"""

from __future__ import annotations

import json

from infrai_mcp.store.postgres.db import Conn, PgDB
from infrai_mcp.store.postgres.rows import idem_get, many, one, queue_row
from infrai_mcp.store.queues import (
    MAX_DLQ_HOPS,
    QUEUE_UPDATE_COLUMNS,
    Row,
    check_dead_letter_target,
    dlq_in_use,
    next_dlq_hop,
    no_queue,
    queue_exists,
    queue_full,
)


def near_margin(limit: int) -> int:
    """How far below INFRAI_MAX_QUEUE_DEPTH a queue counts as near it (then publishes lock)."""
    return max(limit // 10, 1000)


def _known(known: tuple[int, int, bool] | None, locked_only: bool) -> Row:
    """Probe arguments for a remembered count (None: none usable)."""
    if known is None or (locked_only and not known[2]):
        return {"known": None, "known_mark": None}
    return {"known": known[0], "known_mark": known[1]}


class PgQueueAdmin:
    db: PgDB
    # (project, queue) -> (live messages counted, seq mark then, counted under the lock):
    # per instance, see _check_depth.
    _depth_counts: dict[tuple[str, str], tuple[int, int, bool]] | None = None

    @property
    def _depths(self) -> dict[tuple[str, str], tuple[int, int, bool]]:
        if self._depth_counts is None:
            self._depth_counts = {}
        return self._depth_counts

    async def _queue(self, conn: Conn, project: str, name: str) -> Row:
        found = await queue_row(conn, self.db.queries["queue_get"], project, name)
        if found is None:
            raise no_queue(name)
        return found

    async def _check_depth(self, conn: Conn, project: str, queue: str, adding: int, limit: int) -> None:
        """Refuse (``queue_full``) when the queue's live messages plus ``adding`` pass ``limit``.

        Far from the limit (more than ``near_margin(limit)`` below it) nothing is locked and
        usually nothing counted: an upper bound (queue_depth_probe) decides, else a capped
        count. Near it, publishers of the queue take turns on an advisory lock, then the
        bound or an exact count decides (docs/GUARANTEES.md, "Limits").
        """
        q = self.db.queries
        key = (project, queue)
        known = self._depths.get(key)
        args: Row = {"project": project, "queue": queue}
        far = limit - near_margin(limit) - adding
        if far >= 0:
            row = await one(conn, q["queue_depth_probe"], {**args, **_known(known, False), "far": far,
                                                           "cap": far + 1})
            assert row is not None
            if row["depth"] is None or row["depth"] <= far:
                self._remember(key, row, far + 1, locked=False)
                return
        await conn.execute(q["queue_depth_lock"], args)
        # Under the lock only counts made under it: one made without it may have missed a
        # near-limit batch that was being written then.
        row = await one(conn, q["queue_depth_probe"], {**args, **_known(known, True), "far": limit - adding,
                                                       "cap": limit + 1})
        assert row is not None
        self._remember(key, row, limit + 1, locked=True)
        if row["depth"] is not None and row["depth"] + adding > limit:
            raise queue_full(queue, row["depth"], adding, limit)

    def _remember(self, key: tuple[str, str], row: Row, cap: int, *, locked: bool) -> None:
        """Keep an exact count (below its cap) with its mark, for later bounds."""
        if row["depth"] is None or row["depth"] >= cap:
            return
        if len(self._depths) >= 4096:
            self._depths.clear()
        self._depths[key] = (int(row["depth"]), int(row["mark"]), locked)

    # -- queues -------------------------------------------------------------------------
    async def insert_queue(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        q = self.db.queries
        project, name = row["project"], row["name"]

        async def tx(conn: Conn) -> tuple[Row, bool]:
            if idempotency_key:
                first = await idem_get(conn, q["idem_get"], project, "queue_create", idempotency_key, dedup_since)
                existing = await queue_row(conn, q["queue_get"], project, first) if first else None
                if existing is not None:
                    return existing, False
            dlq = row.get("dead_letter_queue")
            if dlq:
                target = await queue_row(conn, q["queue_get"], project, dlq)
                check_dead_letter_target(project, name, row["type"], target, dlq, "dead_letter_queue")
            # ON CONFLICT DO NOTHING: a concurrent create of the same name waits for ours and
            # then reports the conflict, instead of failing with a unique violation.
            inserted = await one(conn, q["queue_insert"], row)
            if inserted is None:
                raise queue_exists(name)
            if idempotency_key:
                await conn.execute(q["idem_claim"], {
                    "project": project, "scope": "queue_create", "keys": [idempotency_key],
                    "results": [json.dumps(name)], "now": row["created_at"], "since": dedup_since})
            return inserted, True

        return await self.db.write(tx)

    async def get_queue(self, project: str, name: str) -> Row | None:
        q = self.db.queries["queue_get"]
        return await self.db.read(lambda conn: queue_row(conn, q, project, name))

    async def list_queues(self, project: str, *, cursor: str | None, limit: int) -> list[Row]:
        q = self.db.queries["queue_list"]
        return await self.db.read(lambda c: many(c, q, {"project": project, "cursor": cursor or "", "limit": limit}))

    async def update_queue(self, project: str, name: str, changes: Row) -> Row:
        q = self.db.queries

        async def tx(conn: Conn) -> Row:
            current = await self._queue(conn, project, name)
            new = {**current, **changes}
            dlq = new.get("dead_letter_queue")
            if dlq and dlq != current.get("dead_letter_queue"):
                target = await queue_row(conn, q["queue_get"], project, dlq)
                check_dead_letter_target(project, name, current["type"], target, dlq, "dead_letter_queue")
                hop: Row | None = target
                for _ in range(MAX_DLQ_HOPS):
                    if (next_name := next_dlq_hop(name, dlq, hop)) is None:
                        break
                    hop = await queue_row(conn, q["queue_get"], project, next_name)
            updated = await one(conn, q["queue_update"], {key: new[key] for key in QUEUE_UPDATE_COLUMNS})
            if updated is None:
                raise no_queue(name)
            return updated

        return await self.db.write(tx)

    async def delete_queue(self, project: str, name: str) -> None:
        q = self.db.queries
        args = {"project": project, "name": name}

        async def tx(conn: Conn) -> None:
            await self._queue(conn, project, name)
            users = [r["who"] for r in await many(conn, q["queue_dlq_users"], args)]
            if users:
                raise dlq_in_use(name, users)
            await conn.execute(q["queue_delete_messages"], args)
            await conn.execute(q["queue_delete_subscriptions"], args)
            await conn.execute(q["queue_delete"], args)

        await self.db.write(tx)

    async def purge_queue(self, project: str, name: str) -> int:
        q = self.db.queries

        async def tx(conn: Conn) -> int:
            await self._queue(conn, project, name)
            cur = await conn.execute(q["queue_purge"], {"project": project, "name": name})
            return cur.rowcount

        return await self.db.write(tx)

    async def queue_stats(self, project: str, name: str, now: float) -> Row:
        q = self.db.queries

        async def tx(conn: Conn) -> Row:
            await self._queue(conn, project, name)
            stats = await one(conn, q["queue_stats"], {"project": project, "name": name, "now": now})
            assert stats is not None
            return {k: (int(v) if k in ("available", "in_flight", "delayed", "dlq") else v) for k, v in stats.items()}

        return await self.db.read(tx)
