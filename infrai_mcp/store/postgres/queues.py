"""PostgreSQL implementation of QueueStore (queries in sql/postgres/queries/queues.sql).

Same contract and row shapes as SqliteQueueStore; what differs is concurrency. Consumers
in many processes claim from one queue at once:

- standard queues: ``FOR UPDATE SKIP LOCKED`` picks disjoint batches without waiting;
- FIFO queues: claims of one queue take turns on a transaction-scoped advisory lock, since
  "hold a group while one of its messages is in flight" must see every consumer's leases;
- acks/nacks lock the named rows (``FOR UPDATE``) and re-check the lease, so an ack racing
  a reap or a second delivery is decided by one of them, never both;
- idempotent publishes take their keys with ``INSERT .. ON CONFLICT``: a concurrent
  publisher with the same key waits for the first one's commit and returns its id.

A batch costs a fixed number of round trips, whatever its size. The hot paths run in
autocommit and are ONE statement each (no BEGIN/COMMIT round trips): a standard queue's
claim, when no lease is there to reap, is one UPDATE .. SKIP LOCKED .. RETURNING (receipts
made in SQL); an ack of receipts is one DELETE, and only the handles it refused go through
a diagnosing transaction. Anything else (FIFO, expired leases, id-only handles) runs the
full transaction. Publishes, nacks and redrives NOTIFY ``infrai_queue`` so long-polls in
other processes claim at once.
"""

from __future__ import annotations

import json
import secrets

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.core.ids import new_id
from infrai_mcp.store.postgres.db import Conn, PgDB
from infrai_mcp.store.postgres.queue_admin import PgQueueAdmin
from infrai_mcp.store.postgres.rows import (
    QUEUE_CHANNEL,
    many,
    notify_queue,
    one,
    queue_row,
    take_keys,
)
from infrai_mcp.store.postgres.webhooks import PgWebhookStore
from infrai_mcp.store.queues import (
    Handle,
    NewMessage,
    QueueStore,
    Row,
    Settled,
    check_lease,
    no_message,
    no_queue,
    receipt_message_id,
)

__all__ = ["QUEUE_CHANNEL", "PgQueueStore"]
LEASE_EXPIRED = "visibility timeout expired before an ack"


def _rank_on(queue: Row) -> bool:
    # Priority orders standard queues only; FIFO order is publish order by definition.
    return bool(queue["enable_priority"]) and queue["type"] == "standard"


class PgQueueStore(PgQueueAdmin, PgWebhookStore, QueueStore):
    db: PgDB
    # -- helpers (inside the caller's transaction) ----------------------------------------
    async def _fail(
        self, conn: Conn, queue: Row, failed: list[tuple[int, int]], *, requeue: bool, error: str | None,
        now: float, delay: float = 0.0, max_retries: int | None = None, dead_letter_queue: str | None = None,
    ) -> set[int]:
        """Requeue or dead-letter leased messages ``(seq, attempts)``; the seqs dead-lettered."""
        q = self.db.queries
        limit = queue["max_retries"] if max_retries is None else max_retries
        back = [seq for seq, attempts in failed if requeue and attempts <= limit]
        dead = [seq for seq, attempts in failed if not (requeue and attempts <= limit)]
        if back:
            await conn.execute(q["messages_requeue"], {"seqs": back, "visible_at": now + delay, "error": error})
        if dead:
            target_name = dead_letter_queue or queue["dead_letter_queue"]
            target = await queue_row(conn, q["queue_get"], queue["project"], target_name) if target_name else None
            if target is not None:
                await conn.execute(q["messages_to_dlq"], {"seqs": dead, "dlq": target["name"], "now": now,
                                                          "error": error, "rank_on": _rank_on(target)})
                await conn.execute(q["depth_moved"], {"n": len(dead)})
            else:
                await conn.execute(q["messages_hold_dead"], {"seqs": dead, "now": now, "error": error})
        return set(dead)

    async def _reap(self, conn: Conn, queue: Row, now: float) -> int:
        """Expired leases count as a nack with requeue (docs/QUEUES.md)."""
        rows = await many(conn, self.db.queries["message_expired_leases"],
                          {"project": queue["project"], "queue": queue["name"], "now": now})
        if rows:
            await self._fail(conn, queue, [(r["seq"], r["attempts"]) for r in rows], requeue=True,
                             error=LEASE_EXPIRED, now=now)
        return len(rows)

    # -- messages -----------------------------------------------------------------------
    async def publish(
        self, project: str, queue: str, messages: list[NewMessage], *, now: float, dedup_since: float,
        batch_key: str | None = None,
    ) -> list[tuple[str, bool]]:
        q = self.db.queries

        async def tx(conn: Conn) -> list[tuple[str, bool]]:
            qrow = await self._queue(conn, project, queue)
            ids = [new_id("msg") for _ in messages]
            out: list[tuple[str, bool]] = [(mid, False) for mid in ids]
            if batch_key:
                # Taking the batch key first serialises concurrent retries of one batch.
                first = await take_keys(conn, q, project, f"batch:{queue}", {batch_key: None}, now, dedup_since)
                if first:
                    return [(mid, True) for mid, _ in first[batch_key]]
            # Keys: the first message with a key in this batch carries it; repeats point at it.
            keyed: dict[str, str] = {}
            for i, m in enumerate(messages):
                key = m.idempotency_key
                if key and key in keyed:
                    out[i] = (keyed[key], True)
                elif key:
                    keyed[key] = ids[i]
            if keyed:
                earlier = await take_keys(conn, q, project, f"publish:{queue}", dict(keyed), now, dedup_since)
                for i, m in enumerate(messages):
                    key = m.idempotency_key
                    if key and key in earlier:
                        out[i] = (str(earlier[key]), True)
            fresh = [(mid, m) for (mid, dup), m in zip(out, messages, strict=True) if not dup]
            if fresh and self.max_queue_depth is not None:
                await self._check_depth(conn, project, queue, len(fresh), self.max_queue_depth)
            if fresh:
                rank_on = _rank_on(qrow)
                await conn.execute(q["messages_insert"], {
                    "project": project, "queue": queue, "now": now,
                    "id": [mid for mid, _ in fresh], "payload": [m.payload for _, m in fresh],
                    "priority": [m.priority for _, m in fresh],
                    "rank": [m.priority if rank_on else 0 for _, m in fresh],
                    "group_id": [m.group_id for _, m in fresh],
                    "visible_at": [now + m.delay_seconds for _, m in fresh],
                })
                await notify_queue(conn, project, queue)
            if batch_key:
                await conn.execute(
                    "UPDATE queue_idempotency SET result = %s WHERE project = %s AND scope = %s AND key = %s",
                    (json.dumps(out), project, f"batch:{queue}", batch_key))
            return out

        return await self.db.write(tx)

    async def claim(self, project: str, queue: str, limit: int, lease_seconds: float | None, now: float) -> list[Row]:
        q = self.db.queries

        # One random token per claim; receipts are <id>.<receive_count>.<token> (see the query).
        token = secrets.token_hex(8)

        async def fast(conn: Conn) -> list[Row]:
            # Already in the claim's row shape and delivery order (see the query). Binary
            # results: the same Python types, parsed with less client CPU than text.
            cur = conn.cursor(binary=True)
            await cur.execute(q["claim_standard"], {"project": project, "queue": queue, "now": now,
                                                    "limit": limit, "lease": lease_seconds, "token": token})
            return await cur.fetchall()

        # Nothing claimed (empty, FIFO, a lease to reap, unknown queue): the full transaction.
        claimed = await self.db.single(fast)
        if claimed:
            return claimed

        async def tx(conn: Conn) -> list[Row]:
            qrow = await one(conn, q["queue_for_claim"], {"project": project, "name": queue, "now": now})
            if qrow is None:
                raise no_queue(queue)
            args = {"project": project, "queue": queue, "now": now, "limit": limit}
            fifo = qrow["type"] == "fifo"
            if fifo:
                await conn.execute(q["queue_lock"], args)
            if qrow.pop("has_expired"):
                await self._reap(conn, qrow, now)
            if fifo:
                held = {r["g"] for r in await many(conn, q["message_inflight_groups"], args)}
                picked: list[Row] = []
                for r in await many(conn, q["message_fifo_order"], args):
                    group = r["group_id"] or ""
                    if group in held:
                        continue
                    if r["visible_at"] > now:
                        held.add(group)  # a delayed head holds its group: publish order is kept
                        continue
                    picked.append(r)
                    if len(picked) >= limit:
                        break
            else:
                picked = await many(conn, q["message_claim_order"], args)
            if not picked:
                return []
            # None: the queue's default visibility timeout.
            until = now + (lease_seconds if lease_seconds is not None else qrow["visibility_timeout_default"])
            out: list[Row] = []
            for r in picked:
                count = r["receive_count"] + 1
                out.append({
                    "id": r["id"], "queue": queue, "payload": r["payload"], "priority": r["priority"],
                    "group_id": r["group_id"], "receive_count": count, "attempts": r["attempts"] + 1,
                    "receipt": f"{r['id']}.{count}.{token}", "enqueued_at": r["enqueued_at"],
                    "visible_at": until,
                })
            await conn.execute(q["messages_lease"], {
                "until": until, "seq": [r["seq"] for r in picked], "receipt": [o["receipt"] for o in out]})
            return out

        return await self.db.write(tx)

    async def _leased_many(
        self, conn: Conn, project: str, queue: str, handles: list[Handle], now: float
    ) -> list[Row | Settled]:
        """For each handle: the message row if it holds the current lease, else why not."""
        mids: list[str | None] = []
        for h in handles:
            mids.append(h.message_id or (receipt_message_id(h.receipt) if h.receipt else None))
        wanted = sorted({m for m in mids if m})
        rows = {}
        if wanted:
            found = await many(conn, self.db.queries["messages_by_ids"], {"project": project, "queue": queue,
                                                                         "ids": wanted})
            rows = {r["id"]: r for r in found}
        out: list[Row | Settled] = []
        for h, mid in zip(handles, mids, strict=True):
            out.append(check_lease(h, mid, rows.get(mid) if mid else None, now))
        return out

    async def ack(self, project: str, queue: str, handles: list[Handle], now: float) -> list[Settled]:
        q = self.db.queries
        ids: list[str | None] = []
        receipts: list[str] = []
        for h in handles:
            rid = receipt_message_id(h.receipt) if h.receipt else None
            ids.append(h.message_id or rid)
            # The one-statement path takes receipts naming their own message only.
            if h.receipt and rid and (h.message_id is None or h.message_id == rid):
                receipts.append(h.receipt)
        done: set[str] = set()
        if handles and len(receipts) == len(handles) and len(set(ids)) == len(ids):
            # Every handle a receipt of a distinct message: one DELETE; only refused handles
            # (if any) go through the diagnosing transaction below.
            args = {"project": project, "queue": queue, "now": now, "ids": ids, "receipts": receipts,
                    "expected": len(handles)}
            row = await self.db.single(lambda conn: one(conn, q["ack_receipts"], args))
            if row is not None and row["n"] == len(handles):
                return [Settled(str(mid)) for mid in ids]
            done = set(row["ids"] or ()) if row is not None else set()
        rest = [h for h, mid in zip(handles, ids, strict=True) if mid not in done]

        async def tx(conn: Conn) -> list[Settled]:
            if not done:
                await self._queue(conn, project, queue)  # NotFound only if nothing was acked
            diagnosed = iter(await self._leased_many(conn, project, queue, rest, now))
            out: list[Settled] = []
            seqs: list[int] = []
            for mid in ids:
                if mid in done:
                    out.append(Settled(str(mid)))
                    continue
                found = next(diagnosed)
                if isinstance(found, Settled):
                    out.append(found)
                elif found["seq"] in seqs:
                    out.append(Settled(found["id"], "unknown"))  # acked earlier in this same call
                else:
                    seqs.append(found["seq"])
                    out.append(Settled(found["id"]))
            if seqs:
                await conn.execute(q["messages_delete"], {"seqs": seqs})
            return out

        return await self.db.write(tx)

    async def nack(
        self, project: str, queue: str, handle: Handle, *, requeue: bool, error: str | None, now: float,
        delay: float = 0.0, max_retries: int | None = None, dead_letter_queue: str | None = None,
    ) -> Settled:
        async def tx(conn: Conn) -> Settled:
            qrow = await self._queue(conn, project, queue)
            [found] = await self._leased_many(conn, project, queue, [handle], now)
            if isinstance(found, Settled):
                return found
            dead = await self._fail(conn, qrow, [(found["seq"], found["attempts"])], requeue=requeue, error=error,
                                    now=now, delay=delay, max_retries=max_retries,
                                    dead_letter_queue=dead_letter_queue)
            await notify_queue(conn, project, queue if not dead else (dead_letter_queue or qrow["dead_letter_queue"]))
            return Settled(found["id"], requeued=not dead, dead_lettered=bool(dead))

        return await self.db.write(tx)

    async def list_dead_letters(self, project: str, queue: str, *, cursor: str | None, limit: int) -> list[Row]:
        q = self.db.queries
        args = {"project": project, "queue": queue, "cursor": cursor or "", "limit": limit}

        async def tx(conn: Conn) -> list[Row]:
            await self._queue(conn, project, queue)
            return await many(conn, q["dlq_list"], args)

        return await self.db.read(tx)

    async def redrive(
        self, project: str, queue: str, *, message_id: str | None, since: float | None, limit: int, now: float
    ) -> int:
        q = self.db.queries
        args = {"project": project, "queue": queue, "message_id": message_id, "since": since, "limit": limit}

        async def tx(conn: Conn) -> int:
            await self._queue(conn, project, queue)
            rows = await many(conn, q["dlq_select"], args)
            if message_id and not rows:
                raise no_message(f"{queue} (dead letters)", message_id)
            by_source: dict[str, list[int]] = {}
            for r in rows:
                by_source.setdefault(r["source_queue"], []).append(r["seq"])
            moved = 0
            for name, seqs in by_source.items():
                target = await queue_row(conn, q["queue_get"], project, name)
                if target is None:
                    if message_id:
                        raise InvalidInput(
                            f"message_id: its source queue {name!r} no longer exists; recreate it to redrive",
                            field="message_id",
                        )
                    continue  # source deleted: leave it listed rather than guess a destination
                await conn.execute(q["messages_redrive"], {"seqs": seqs, "target": name, "now": now,
                                                           "rank_on": _rank_on(target)})
                await conn.execute(q["depth_moved"], {"n": len(seqs)})
                moved += len(seqs)
                await notify_queue(conn, project, name)
            return moved

        return await self.db.write(tx)

    async def sweep(self, now: float, dedup_since: float) -> Row:
        q = self.db.queries

        async def tx(conn: Conn) -> Row:
            reaped = 0
            for qrow in await many(conn, q["sweep_queues"], {"now": now}):
                reaped += await self._reap(conn, qrow, now)
            expired = (await conn.execute(q["retention_delete"], {"now": now})).rowcount
            keys = (await conn.execute(q["idem_expire"], {"since": dedup_since})).rowcount
            return {"reaped": reaped, "expired": expired, "keys": keys}

        return await self.db.write(tx)

    async def next_visible(self, project: str, queue: str, now: float) -> float | None:
        q = self.db.queries["next_visible"]

        async def tx(conn: Conn) -> float | None:
            row = await one(conn, q, {"project": project, "queue": queue, "now": now})
            return float(row["v"]) if row and row["v"] is not None else None

        return await self.db.read(tx)
