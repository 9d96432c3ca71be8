"""SQLite implementation of WebhookStore.

Each public method hands one function to ``self.db.write``/``read``: the whole
transaction runs on the DB thread in one hop (see sqlite_db.py for why).
"""

from __future__ import annotations

import json
import sqlite3

from infrai_mcp.core.errors import InvalidInput, NotFound
from infrai_mcp.store.queues import check_dead_letter_target, no_queue
from infrai_mcp.store.sqlite.db import SqliteDB
from infrai_mcp.store.sqlite.rows import dlq_target, idem_get, idem_put, row_dict
from infrai_mcp.store.webhooks import Row, WebhookStore


class SqliteWebhookStore(WebhookStore):
    db: SqliteDB

    # -- push subscriptions -------------------------------------------------------------
    async def insert_subscription(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        q = self.db.queries
        project, queue = row["project"], row["queue"]

        def tx(conn: sqlite3.Connection) -> tuple[Row, bool]:
            source = dlq_target(conn, q["queue_get"], project, queue)
            if source is None:
                raise no_queue(queue)
            scope = f"subscribe:{queue}"
            if idempotency_key:
                first = idem_get(conn, q["idem_get"], project, scope, idempotency_key, dedup_since)
                if first is not None:
                    found = row_dict(conn.execute(q["sub_get"], {"project": project, "id": first}).fetchone())
                    if found is not None:
                        return found, False
            dlq = row.get("dead_letter_queue")
            if dlq:
                target = dlq_target(conn, q["queue_get"], project, dlq)
                check_dead_letter_target(project, queue, source["type"], target, dlq, "dead_letter_queue")
            conn.execute(q["sub_insert"], row)
            if idempotency_key:
                idem_put(conn, q["idem_put"], project, scope, idempotency_key, row["id"], row["created_at"])
            return dict(row), True

        return await self.db.write(tx)

    async def list_subscriptions(self, project: str, queue: str) -> list[Row]:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> list[Row]:
            if conn.execute(q["queue_get"], {"project": project, "name": queue}).fetchone() is None:
                raise no_queue(queue)
            return [dict(r) for r in conn.execute(q["sub_list"], {"project": project, "queue": queue})]

        return await self.db.read(tx)

    async def delete_subscription(self, project: str, queue: str, subscription_id: str) -> bool:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(q["sub_delete"], {"project": project, "queue": queue, "id": subscription_id})
            return cur.rowcount > 0

        return await self.db.write(tx)

    async def push_candidates(self, now: float) -> list[Row]:
        sql = self.db.queries["push_candidates"]
        return await self.db.read(lambda conn: [dict(r) for r in conn.execute(sql, {"now": now})])

    # -- deliveries ---------------------------------------------------------------------
    async def insert_delivery(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        q = self.db.queries
        project = row["project"]

        def tx(conn: sqlite3.Connection) -> tuple[Row, bool]:
            if idempotency_key:
                first = idem_get(conn, q["idem_get"], project, "webhook", idempotency_key, dedup_since)
                if first is not None:
                    found = row_dict(conn.execute(q["delivery_get"], {"project": project, "id": first}).fetchone())
                    if found is not None:
                        return found, False
            conn.execute(q["delivery_insert"], row)
            if idempotency_key:
                idem_put(conn, q["idem_put"], project, "webhook", idempotency_key, row["id"], row["created_at"])
            stored = row_dict(conn.execute(q["delivery_get"], {"project": project, "id": row["id"]}).fetchone())
            if stored is None:  # pragma: no cover - inserted just above in this transaction
                raise NotFound(f"delivery {row['id']!r} vanished")
            return stored, True

        return await self.db.write(tx)

    async def get_delivery(self, project: str, delivery_id: str) -> Row | None:
        sql = self.db.queries["delivery_get"]
        return await self.db.read(
            lambda conn: row_dict(conn.execute(sql, {"project": project, "id": delivery_id}).fetchone())
        )

    async def list_deliveries(self, project: str, *, state: str | None, cursor: str | None, limit: int) -> list[Row]:
        sql = self.db.queries["delivery_list"]
        params = {"project": project, "state": state, "cursor": cursor, "limit": limit}
        return await self.db.read(lambda conn: [dict(r) for r in conn.execute(sql, params)])

    async def claim_deliveries(self, now: float, lease_margin: float, limit: int) -> list[Row]:
        q = self.db.queries

        def tx(conn: sqlite3.Connection) -> list[Row]:
            rows = [dict(r) for r in conn.execute(q["delivery_due"], {"now": now, "limit": limit})]
            for r in rows:
                until = now + r["timeout_seconds"] + lease_margin
                conn.execute(q["delivery_lease"], {"project": r["project"], "id": r["id"], "until": until})
            return rows

        return await self.db.write(tx)

    async def record_delivery_attempt(
        self, project: str, delivery_id: str, attempt: Row, *, state: str, next_attempt_at: float | None, now: float
    ) -> None:
        q = self.db.queries
        if state not in ("pending", "succeeded", "failed"):
            raise InvalidInput(f"state: {state!r} is not a delivery outcome", field="state")

        def tx(conn: sqlite3.Connection) -> None:
            found = conn.execute(q["delivery_get"], {"project": project, "id": delivery_id}).fetchone()
            if found is None:
                return
            attempts = json.loads(found["attempts"])
            attempts.append(attempt)
            conn.execute(
                q["delivery_record"],
                {
                    "project": project,
                    "id": delivery_id,
                    "attempts": json.dumps(attempts),
                    "state": state,
                    "next_attempt_at": next_attempt_at if next_attempt_at is not None else now,
                    "response_status": attempt.get("response_status"),
                    "error": attempt.get("error"),
                    "finished_at": now if state in ("succeeded", "failed") else None,
                },
            )

        await self.db.write(tx)

    async def next_delivery_due(self) -> float | None:
        sql = self.db.queries["delivery_next_due"]

        def tx(conn: sqlite3.Connection) -> float | None:
            value = conn.execute(sql).fetchone()[0]
            return float(value) if value is not None else None

        return await self.db.read(tx)

    async def prune_deliveries(self, finished_before: float, limit: int = 5000) -> int:
        sql = self.db.queries["delivery_prune"]
        args = {"before": finished_before, "limit": limit}
        return await self.db.write(lambda conn: conn.execute(sql, args).rowcount)
