"""PostgreSQL implementation of WebhookStore."""

from __future__ import annotations

import json

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.store.postgres.db import Conn, PgDB
from infrai_mcp.store.postgres.rows import (
    DELIVERY_CHANNEL,
    idem_take,
    many,
    one,
    queue_row,
)
from infrai_mcp.store.queues import check_dead_letter_target, no_queue
from infrai_mcp.store.webhooks import Row, WebhookStore


class PgWebhookStore(WebhookStore):
    db: PgDB

    # -- push subscriptions -------------------------------------------------------------
    async def insert_subscription(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        q = self.db.queries
        project, queue = row["project"], row["queue"]

        async def tx(conn: Conn) -> tuple[Row, bool]:
            source = await queue_row(conn, q["queue_get"], project, queue)
            if source is None:
                raise no_queue(queue)
            dlq = row.get("dead_letter_queue")
            if dlq:
                target = await queue_row(conn, q["queue_get"], project, dlq)
                check_dead_letter_target(project, queue, source["type"], target, dlq, "dead_letter_queue")
            if idempotency_key:
                first = await idem_take(conn, q, project, f"subscribe:{queue}", idempotency_key, row["id"],
                                        row["created_at"], dedup_since)
                if first is not None:
                    found = await one(conn, q["sub_get"], {"project": project, "id": first})
                    if found is not None:
                        return found, False
            await conn.execute(q["sub_insert"], row)
            return dict(row), True

        return await self.db.write(tx)

    async def list_subscriptions(self, project: str, queue: str) -> list[Row]:
        q = self.db.queries

        async def tx(conn: Conn) -> list[Row]:
            if await queue_row(conn, q["queue_get"], project, queue) is None:
                raise no_queue(queue)
            return await many(conn, q["sub_list"], {"project": project, "queue": queue})

        return await self.db.read(tx)

    async def delete_subscription(self, project: str, queue: str, subscription_id: str) -> bool:
        q = self.db.queries["sub_delete"]

        async def tx(conn: Conn) -> bool:
            cur = await conn.execute(q, {"project": project, "queue": queue, "id": subscription_id})
            return cur.rowcount > 0

        return await self.db.write(tx)

    async def push_candidates(self, now: float) -> list[Row]:
        q = self.db.queries["push_candidates"]
        return await self.db.read(lambda conn: many(conn, q, {"now": now}))

    # -- deliveries ---------------------------------------------------------------------
    async def insert_delivery(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        q = self.db.queries
        project = row["project"]

        async def tx(conn: Conn) -> tuple[Row, bool]:
            if idempotency_key:
                first = await idem_take(conn, q, project, "webhook", idempotency_key, row["id"],
                                        row["created_at"], dedup_since)
                if first is not None:
                    found = await one(conn, q["delivery_get"], {"project": project, "id": first})
                    if found is not None:
                        return found, False
            stored = await one(conn, q["delivery_insert"], row)
            assert stored is not None
            await conn.execute("SELECT pg_notify(%s, '')", (DELIVERY_CHANNEL,))
            return stored, True

        return await self.db.write(tx)

    async def get_delivery(self, project: str, delivery_id: str) -> Row | None:
        q = self.db.queries["delivery_get"]
        return await self.db.read(lambda conn: one(conn, q, {"project": project, "id": delivery_id}))

    async def list_deliveries(self, project: str, *, state: str | None, cursor: str | None, limit: int) -> list[Row]:
        q = self.db.queries["delivery_list"]
        params = {"project": project, "state": state, "cursor": cursor, "limit": limit}
        return await self.db.read(lambda conn: many(conn, q, params))

    async def claim_deliveries(self, now: float, lease_margin: float, limit: int) -> list[Row]:
        q = self.db.queries["delivery_claim"]

        async def tx(conn: Conn) -> list[Row]:
            rows = await many(conn, q, {"now": now, "margin": lease_margin, "limit": limit})
            rows.sort(key=lambda r: (r["next_attempt_at"], r["id"]))  # oldest due first
            return rows

        return await self.db.write(tx)

    async def prune_deliveries(self, finished_before: float, limit: int = 5000) -> int:
        q = self.db.queries["delivery_prune"]

        async def tx(conn: Conn) -> int:
            return (await conn.execute(q, {"before": finished_before, "limit": limit})).rowcount

        return await self.db.write(tx)

    async def record_delivery_attempt(
        self, project: str, delivery_id: str, attempt: Row, *, state: str, next_attempt_at: float | None, now: float
    ) -> None:
        q = self.db.queries
        if state not in ("pending", "succeeded", "failed"):
            raise InvalidInput(f"state: {state!r} is not a delivery outcome", field="state")

        async def tx(conn: Conn) -> None:
            found = await one(conn, q["delivery_get_for_update"], {"project": project, "id": delivery_id})
            if found is None:
                return
            attempts = json.loads(found["attempts"])
            attempts.append(attempt)
            await conn.execute(q["delivery_record"], {
                "project": project, "id": delivery_id, "attempts": json.dumps(attempts), "state": state,
                "next_attempt_at": next_attempt_at if next_attempt_at is not None else now,
                "response_status": attempt.get("response_status"), "error": attempt.get("error"),
                "finished_at": now if state in ("succeeded", "failed") else None,
            })

        await self.db.write(tx)

    async def next_delivery_due(self) -> float | None:
        q = self.db.queries["delivery_next_due"]

        async def tx(conn: Conn) -> float | None:
            row = await one(conn, q)
            return float(row["v"]) if row and row["v"] is not None else None

        return await self.db.read(tx)
