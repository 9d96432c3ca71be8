"""SQLite implementation of QueueStore (queries in sql/sqlite/queries/queues.sql).

Throughput comes from doing a whole batch in one write transaction: a consume of 100
messages is one claim statement (UPDATE ... RETURNING); an ack batch one DELETE ... RETURNING.
Per-message transactions would cap out near 5k msg/s (the WAL commit), batches near 140k.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.store.queues import (
    Handle,
    NewMessage,
    QueueStore,
    Row,
    Settled,
    check_lease,
    message_ids,
    no_message,
    queue_full,
    receipt_message_id,
)
from infrai_mcp.store.sqlite.db import SqliteDB
from infrai_mcp.store.sqlite.queue_admin import SqliteQueueAdmin, rank_on
from infrai_mcp.store.sqlite.rows import dlq_target, idem_get, idem_put, row_dict

LEASE_EXPIRED = "visibility timeout expired before an ack"


def _delivery_order(row: sqlite3.Row) -> tuple[int, int]:
    return (-row[1], row[0])  # (rank DESC, seq): the claim index's order


class SqliteQueueStore(SqliteQueueAdmin, QueueStore):
    db: SqliteDB

    # -- helpers (run on the DB thread, inside the caller's transaction) ------------------
    def _fail(
        self,
        conn: sqlite3.Connection,
        queue: Row,
        seq: int,
        attempts: int,
        *,
        requeue: bool,
        error: str | None,
        now: float,
        delay: float = 0.0,
        max_retries: int | None = None,
        dead_letter_queue: str | None = None,
    ) -> bool:
        """Requeue or dead-letter one leased message; True when dead-lettered."""
        q = self.db.queries
        limit = queue["max_retries"] if max_retries is None else max_retries
        if requeue and attempts <= limit:
            conn.execute(q["message_requeue"], {"seq": seq, "visible_at": now + delay, "error": error})
            return False
        target_name = dead_letter_queue or queue["dead_letter_queue"]
        target = dlq_target(conn, q["queue_get"], queue["project"], target_name) if target_name else None
        if target is not None:
            conn.execute(
                q["message_to_dlq"],
                {"seq": seq, "dlq": target["name"], "now": now, "error": error, "rank_on": rank_on(target)},
            )
        else:
            conn.execute(q["message_hold_dead"], {"seq": seq, "now": now, "error": error})
        return True

    def _reap(self, conn: sqlite3.Connection, queue: Row, now: float) -> int:
        """Expired leases count as a nack with requeue (documented in docs/QUEUES.md)."""
        sql = self.db.queries["message_expired_leases"]
        rows = conn.execute(sql, {"project": queue["project"], "queue": queue["name"], "now": now}).fetchall()
        for r in rows:
            self._fail(conn, queue, r["seq"], r["attempts"], requeue=True, error=LEASE_EXPIRED, now=now)
        return len(rows)

    # -- messages -----------------------------------------------------------------------
    async def publish(
        self,
        project: str,
        queue: str,
        messages: list[NewMessage],
        *,
        now: float,
        dedup_since: float,
        batch_key: str | None = None,
    ) -> list[tuple[str, bool]]:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> list[tuple[str, bool]]:
            qrow = self._queue(conn, project, queue)
            if batch_key:
                first = idem_get(conn, q["idem_get"], project, f"batch:{queue}", batch_key, dedup_since)
                if first is not None:
                    return [(mid, True) for mid, _ in first]
            by_priority = rank_on(qrow)
            scope = f"publish:{queue}"
            out: list[tuple[str, bool]] = []
            rows: list[tuple[Any, ...]] = []
            seen: dict[str, str] = {}
            fresh = iter(message_ids(len(messages)))
            for m in messages:
                key = m.idempotency_key
                if key:
                    first_id = seen.get(key) or idem_get(conn, q["idem_get"], project, scope, key, dedup_since)
                    if first_id is not None:
                        out.append((first_id, True))
                        continue
                mid = next(fresh)
                rank = m.priority if by_priority else 0
                rows.append((mid, project, queue, m.payload, m.priority, rank, m.group_id, now + m.delay_seconds, now))
                if key:
                    seen[key] = mid
                    idem_put(conn, q["idem_put"], project, scope, key, mid, now)
                out.append((mid, False))
            limit = self.max_queue_depth
            if limit is not None and rows and qrow["depth"] + len(rows) > limit:
                raise queue_full(queue, qrow["depth"], len(rows), limit)
            conn.executemany(q["message_insert"], rows)
            if rows:
                conn.execute(q["queue_depth_add"], {"n": len(rows), "project": project, "queue": queue})
            if batch_key:
                idem_put(conn, q["idem_put"], project, f"batch:{queue}", batch_key, out, now)
            return out

        return await self.db.write(tx)

    async def claim(self, project: str, queue: str, limit: int, lease_seconds: float | None, now: float) -> list[Row]:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> list[Row]:
            qrow = self._queue(conn, project, queue)
            self._reap(conn, qrow, now)
            until = now + (lease_seconds if lease_seconds is not None else qrow["visibility_timeout_default"])
            args = {"project": project, "queue": queue, "now": now, "limit": limit, "until": until}
            if qrow["type"] == "fifo":
                picked = self._pick_fifo(conn, args, limit, now)
                if not picked:
                    return []
                rows = conn.execute(q["message_lease_seqs"], {"until": until, "seqs": json.dumps(picked)}).fetchall()
            else:
                rows = conn.execute(q["message_claim"], args).fetchall()
            rows.sort(key=_delivery_order)
            return [
                {
                    "id": r[2],
                    "queue": queue,
                    "payload": r[3],
                    "priority": r[4],
                    "group_id": r[5],
                    "receive_count": r[6],
                    "attempts": r[7],
                    "receipt": r[9],
                    "enqueued_at": r[8],
                    "visible_at": until,
                }
                for r in rows
            ]

        return await self.db.write(tx)

    def _pick_fifo(self, conn: sqlite3.Connection, args: Row, limit: int, now: float) -> list[int]:
        """Seqs to lease from a FIFO queue: publish order per group, held groups skipped.

        Walking every ready message would make each claim O(backlog) while a big no-group
        backlog is held behind one message in flight; the grouped-only walk (a partial
        index) and the early stop keep that case O(grouped messages)."""
        q = self.db.queries
        held = {r[0] for r in conn.execute(q["message_inflight_groups"], args)}
        has_grouped = bool(conn.execute(q["message_fifo_has_grouped"], args).fetchone()[0])
        if "" in held and not has_grouped:
            return []
        walk = q["message_fifo_grouped_order"] if "" in held else q["message_fifo_order"]
        picked: list[int] = []
        for seq, group_id, visible_at in conn.execute(walk, args):
            group = group_id or ""
            if group in held:
                continue
            if visible_at > now:
                held.add(group)  # a delayed head holds its group: publish order is kept
                if group == "" and not has_grouped:
                    break  # nothing after it can be claimed
                continue
            picked.append(seq)
            if len(picked) >= limit:
                break
        return picked

    def _leased(self, conn: sqlite3.Connection, project: str, queue: str, h: Handle, now: float) -> Row | Settled:
        """The message row if ``h`` holds its current lease, else why not (``check_lease``)."""
        mid = h.message_id or (receipt_message_id(h.receipt) if h.receipt else None)
        found = None if mid is None else row_dict(
            conn.execute(self.db.queries["message_by_id"], {"project": project, "queue": queue, "id": mid}).fetchone()
        )
        return check_lease(h, mid, found, now)

    async def ack(self, project: str, queue: str, handles: list[Handle], now: float) -> list[Settled]:
        sql = self.db.queries["message_delete"]
        many = self.db.queries["message_ack_many"]
        depth = self.db.queries["queue_depth_add"]

        def tx(conn: sqlite3.Connection) -> list[Settled]:
            self._queue(conn, project, queue)
            # Fast path: one DELETE for every handle with a consistent receipt, succeeding
            # only under current leases; handles it did not delete are diagnosed one by one.
            ids: list[str] = []
            receipts: list[str] = []
            for h in handles:
                mid = receipt_message_id(h.receipt) if h.receipt else None
                if mid and h.receipt and (h.message_id is None or h.message_id == mid):
                    ids.append(mid)
                    receipts.append(h.receipt)
            done: set[str] = set()
            if ids:
                args = {"project": project, "queue": queue, "now": now, "ids": json.dumps(ids),
                        "receipts": json.dumps(receipts)}
                done = {r[0] for r in conn.execute(many, args).fetchall()}
            removed = len(done)
            out: list[Settled] = []
            for h in handles:
                mid = h.message_id or (receipt_message_id(h.receipt) if h.receipt else None)
                if mid in done and h.receipt:
                    done.discard(mid)  # the same receipt twice in one batch: the second is unknown
                    out.append(Settled(mid))
                    continue
                found = self._leased(conn, project, queue, h, now)
                if isinstance(found, Settled):
                    out.append(found)
                    continue
                conn.execute(sql, {"seq": found["seq"]})
                removed += 1
                out.append(Settled(found["id"]))
            if removed:
                conn.execute(depth, {"n": -removed, "project": project, "queue": queue})
            return out

        return await self.db.write(tx)

    async def nack(
        self,
        project: str,
        queue: str,
        handle: Handle,
        *,
        requeue: bool,
        error: str | None,
        now: float,
        delay: float = 0.0,
        max_retries: int | None = None,
        dead_letter_queue: str | None = None,
    ) -> Settled:
        def tx(conn: sqlite3.Connection) -> Settled:
            qrow = self._queue(conn, project, queue)
            found = self._leased(conn, project, queue, handle, now)
            if isinstance(found, Settled):
                return found
            dead = self._fail(
                conn, qrow, found["seq"], found["attempts"], requeue=requeue, error=error, now=now, delay=delay,
                max_retries=max_retries, dead_letter_queue=dead_letter_queue,
            )
            return Settled(found["id"], requeued=not dead, dead_lettered=dead)

        return await self.db.write(tx)

    async def list_dead_letters(self, project: str, queue: str, *, cursor: str | None, limit: int) -> list[Row]:
        q = self.db.queries
        args = {"project": project, "queue": queue, "cursor": cursor or "", "limit": limit}

        def tx(conn: sqlite3.Connection) -> list[Row]:
            self._queue(conn, project, queue)
            return [dict(r) for r in conn.execute(q["dlq_list"], args)]

        return await self.db.read(tx)

    async def redrive(
        self, project: str, queue: str, *, message_id: str | None, since: float | None, limit: int, now: float
    ) -> int:
        q = self.db.queries
        args = {"project": project, "queue": queue, "message_id": message_id, "since": since, "limit": limit}

        def tx(conn: sqlite3.Connection) -> int:
            self._queue(conn, project, queue)
            rows = conn.execute(q["dlq_select"], args).fetchall()
            if message_id and not rows:
                raise no_message(f"{queue} (dead letters)", message_id)
            targets: dict[str, Row | None] = {}
            moved = 0
            for r in rows:
                name = r["source_queue"]
                if name not in targets:
                    targets[name] = dlq_target(conn, q["queue_get"], project, name)
                target = targets[name]
                if target is None:
                    if message_id:
                        raise InvalidInput(
                            f"message_id: its source queue {name!r} no longer exists; recreate it to redrive",
                            field="message_id",
                        )
                    continue  # source deleted: leave it listed rather than guess a destination
                conn.execute(
                    q["message_redrive"], {"seq": r["seq"], "target": name, "now": now, "rank_on": rank_on(target)}
                )
                moved += 1
            return moved

        return await self.db.write(tx)

    async def sweep(self, now: float, dedup_since: float) -> Row:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> Row:
            reaped = expired = 0
            for qrow in [dict(r) for r in conn.execute(q["sweep_queues"])]:
                reaped += self._reap(conn, qrow, now)
                cutoff = now - qrow["message_retention_days"] * 86400
                args = {"project": qrow["project"], "queue": qrow["name"], "cutoff": cutoff}
                gone = conn.execute(q["retention_delete"], args).fetchall()
                expired += len(gone)
                live = sum(1 for r in gone if r[0])
                if live:
                    conn.execute(q["queue_depth_add"], {"n": -live, "project": qrow["project"], "queue": qrow["name"]})
            keys = conn.execute(q["idem_expire"], {"since": dedup_since}).rowcount
            return {"reaped": reaped, "expired": expired, "keys": keys}

        return await self.db.write(tx)

    async def next_visible(self, project: str, queue: str, now: float) -> float | None:
        sql = self.db.queries["next_visible"]

        def tx(conn: sqlite3.Connection) -> float | None:
            value = conn.execute(sql, {"project": project, "queue": queue, "now": now}).fetchone()[0]
            return float(value) if value is not None else None

        return await self.db.read(tx)
