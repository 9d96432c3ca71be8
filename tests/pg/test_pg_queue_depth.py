"""INFRAI_MAX_QUEUE_DEPTH on PostgreSQL (the SQLite test is tests/hardening/test_limits.py).

PostgreSQL keeps no depth counter: publish bounds or counts the queue's live messages in its
own transaction (PgQueueStore._check_depth). These tests walk every way of deciding: the
table-wide bound, a capped count, a remembered count plus the sequence mark (which moves
into a queue must advance), and the locked exact count near the limit.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from infrai_mcp.config import Settings
from infrai_mcp.core.errors import LimitExceeded
from infrai_mcp.models import MessageIn, QueueCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.queue_admin import near_margin
from infrai_mcp.store.postgres.store import PostgresStore
from infrai_mcp.store.queues import Handle, NewMessage
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key

pytestmark = pytest.mark.anyio
P = "acme"


async def _engine(tmp_path: Path, pg_url: str, depth: int) -> Engine:
    return Engine(Settings(home=tmp_path, max_queue_depth=depth), store=PostgresStore(pg_url, pool_size=4),
                  dispatch=False)


@pytest.fixture
async def small(tmp_path: Path, pg_url: str) -> AsyncIterator[Engine]:
    async with await _engine(tmp_path, pg_url, 5) as eng:
        yield eng


async def _depth(eng: Engine, queue: str) -> int:
    s = await eng.queues.queue_stats(P, queue)
    return s.available + s.in_flight + s.delayed


async def test_depth_limit_pg(small: Engine) -> None:
    eng, qs = small, small.queues
    await qs.queue_create(P, QueueCreate(name="dlq"))
    await qs.queue_create(P, QueueCreate(name="q", dead_letter_queue="dlq", max_retries=0))
    await qs.queue_create(P, QueueCreate(name="held", max_retries=0))  # no DLQ: dead letters stay
    await qs.queue_publish_batch(P, "q", [MessageIn(payload=1), MessageIn(payload=2, delay_seconds=600),
                                          MessageIn(payload=3, idempotency_key="k3")])
    await qs.queue_publish_batch(P, "q", [MessageIn(payload=4), MessageIn(payload=5)])
    assert await _depth(eng, "q") == 5  # available + delayed

    with pytest.raises(LimitExceeded, match="INFRAI_MAX_QUEUE_DEPTH") as err:
        await qs.queue_publish(P, "q", MessageIn(payload=6))
    assert "holds 5 messages" in str(err.value) and "limit of 5 messages" in str(err.value)
    replay = await qs.queue_publish(P, "q", MessageIn(payload=3, idempotency_key="k3"))
    assert replay.duplicate  # an idempotent replay stores nothing, so it still answers

    _, key = await create_key(eng.store, P)
    app = create_app(eng, eng.settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test",
                                 headers={"Authorization": f"Bearer {key}"}) as c:
        r = await c.post("/v1/scheduling/queue/publish_batch", json={"queue": "q", "messages": [{"payload": 7}]})
        assert r.status_code == 422, r.text
        body = r.json()["error"]
        assert body["code"] == "LIMIT_EXCEEDED" and "INFRAI_MAX_QUEUE_DEPTH" in body["message"], body
    assert await _depth(eng, "q") == 5

    # In flight still counts; an ack frees a place.
    got = await qs.queue_consume(P, "q", max_messages=2)
    assert len(got) == 2
    with pytest.raises(LimitExceeded):
        await qs.queue_publish(P, "q", MessageIn(payload=9))
    await qs.queue_ack(P, "q", receipt=got[0].receipt)
    await qs.queue_publish(P, "q", MessageIn(payload=10))
    # A message dead-lettered into the DLQ leaves q and counts in the DLQ.
    await qs.queue_nack(P, "q", receipt=got[1].receipt, requeue=False, error="boom")
    await qs.queue_publish(P, "q", MessageIn(payload=11))
    assert await _depth(eng, "q") == 5 and await _depth(eng, "dlq") == 1

    # Dead letters kept in place (no DLQ) do not count.
    await qs.queue_publish_batch(P, "held", [MessageIn(payload=i) for i in range(5)])
    for m in await qs.queue_consume(P, "held", max_messages=3):
        await qs.queue_nack(P, "held", receipt=m.receipt, requeue=False, error="poison")
    assert (await qs.queue_stats(P, "held")).dlq == 3
    await qs.queue_publish_batch(P, "held", [MessageIn(payload=i) for i in range(3)])
    assert await _depth(eng, "held") == 5

    # A batch that would pass the limit stores nothing, keys included.
    await qs.queue_purge(P, "q")
    await qs.queue_publish_batch(P, "q", [MessageIn(payload=i) for i in range(4)])
    with pytest.raises(LimitExceeded, match="adding 2 would pass the limit of 5"):
        await qs.queue_publish_batch(P, "q", [MessageIn(payload=1, idempotency_key="a"),
                                              MessageIn(payload=2, idempotency_key="b")])
    assert await _depth(eng, "q") == 4
    first = await qs.queue_publish(P, "q", MessageIn(payload=1, idempotency_key="a"))
    assert not first.duplicate  # the refused batch did not keep its key


async def test_concurrent_publishers_near_the_limit_pg(small: Engine) -> None:
    # Near the limit publishers take turns on a per-queue lock: of 12 concurrent publishes
    # (pool of 4 connections, so truly concurrent transactions) exactly the room is taken.
    qs = small.queues
    await qs.queue_create(P, QueueCreate(name="q"))
    await qs.queue_publish_batch(P, "q", [MessageIn(payload=i) for i in range(2)])
    results = await asyncio.gather(*(qs.queue_publish(P, "q", MessageIn(payload=i)) for i in range(12)),
                                   return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 3
    assert all(isinstance(r, LimitExceeded) for r in results if isinstance(r, BaseException))
    assert await _depth(small, "q") == 5


async def test_every_way_of_deciding_stays_exact_pg(tmp_path: Path, pg_url: str) -> None:
    limit = 1500
    assert near_margin(limit) == 1000  # far from the limit below 500 - n live messages
    async with await _engine(tmp_path, pg_url, limit) as eng:
        store, qs = eng.store, eng.queues
        for name in ("src", "other"):
            await qs.queue_create(P, QueueCreate(name=name, max_retries=0))
        now = time.time()

        async def publish(queue: str, n: int) -> None:
            await store.publish(P, queue, [NewMessage(payload=str(i)) for i in range(n)], now=now,
                                dedup_since=now - 60)

        # 1200 messages into src (far, then near and locked), then all dead in place.
        for _ in range(12):
            await publish("src", 100)
        with pytest.raises(LimitExceeded):
            await publish("src", 301)
        for _ in range(12):
            assert len(await store.claim(P, "src", 100, 1.0, now)) == 100
        await store.sweep(now + 10, now - 60)
        assert await _depth(eng, "src") == 0
        # The table's span (1200) no longer rules src out: a capped count (0), remembered.
        await publish("src", 100)
        await publish("other", 100)
        # Redrive moves 1200 dead letters back in, advancing the mark: the remembered count
        # plus the mark must not let 1400 + 200 through.
        assert await store.redrive(P, "src", message_id=None, since=None, limit=5000, now=now) == 1200
        await publish("src", 100)
        assert await _depth(eng, "src") == 1400
        with pytest.raises(LimitExceeded, match="holds 1400 messages"):
            await publish("src", 200)
        # Acks free room again (found by an exact count under the lock).
        got = await store.claim(P, "src", 100, 30.0, now)
        settled = await store.ack(P, "src", [Handle(receipt=r["receipt"]) for r in got], now)
        assert all(s.problem is None for s in settled)
        await publish("src", 200)
        assert await _depth(eng, "src") == limit
        with pytest.raises(LimitExceeded):
            await publish("src", 1)
        await publish("other", 300)  # other queues are unaffected
