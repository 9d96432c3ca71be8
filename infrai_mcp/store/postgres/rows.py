"""Helpers every module of the PostgreSQL store uses: fetching rows, idempotency keys,
queue wake-ups (NOTIFY channels)."""

from __future__ import annotations

import json
from typing import Any

from infrai_mcp.store.postgres.db import Conn
from infrai_mcp.store.webhooks import Row

DELIVERY_CHANNEL = "infrai_deliveries"
# Payload "<project>/<queue>": consumers long-polling that queue in any process claim again.
QUEUE_CHANNEL = "infrai_queue"


async def one(conn: Conn, query: str, params: Row | None = None) -> Row | None:
    cur = await conn.execute(query, params)
    return await cur.fetchone()  # dict_row: already a fresh dict


async def many(conn: Conn, query: str, params: Row | None = None) -> list[Row]:
    cur = await conn.execute(query, params)
    return await cur.fetchall()


async def idem_get(conn: Conn, query: str, project: str, scope: str, key: str, since: float) -> Any:
    """The JSON result stored for an idempotency key (None when unseen or past the window)."""
    found = await one(conn, query, {"project": project, "scope": scope, "key": key, "since": since})
    return json.loads(found["result"]) if found is not None else None


async def idem_take(
    conn: Conn, queries: dict[str, str], project: str, scope: str, key: str, result: Any, now: float, since: float
) -> Any:
    """Record ``result`` under ``key`` unless a live entry exists; return None when recorded
    here, else the earlier result. Safe against a concurrent taker in another process: the
    loser waits for the winner's commit and then reads its result."""
    params = {"project": project, "scope": scope, "keys": [key], "results": [json.dumps(result)],
              "now": now, "since": since}
    if await one(conn, queries["idem_claim"], params) is not None:
        return None
    found = await one(conn, queries["idem_results"], params)
    return json.loads(found["result"]) if found else None


async def notify_queue(conn: Conn, project: str, queue: str | None) -> None:
    if queue:
        await conn.execute("SELECT pg_notify(%s, %s)", (QUEUE_CHANNEL, f"{project}/{queue}"))


async def take_keys(
    conn: Conn, q: dict[str, str], project: str, scope: str, results: dict[str, Any], now: float, since: float
) -> dict[str, Any]:
    """Take idempotency ``keys`` (recording ``results``); return the EARLIER results of the
    keys that were already taken (live), which the caller must answer with instead."""
    keys = sorted(results)  # one lock order for every caller: no deadlock between batches
    params = {"project": project, "scope": scope, "keys": keys, "results": [json.dumps(results[k]) for k in keys],
              "now": now, "since": since}
    taken = {r["key"] for r in await many(conn, q["idem_claim"], params)}
    others = [k for k in keys if k not in taken]
    if not others:
        return {}
    rows = await many(conn, q["idem_results"], {**params, "keys": others})
    return {r["key"]: json.loads(r["result"]) for r in rows}


async def queue_row(conn: Conn, query: str, project: str, name: str) -> Row | None:
    return await one(conn, query, {"project": project, "name": name})
