"""Queue semantics with consumers in separate PROCESSES on one PostgreSQL database.

Three processes, each with its own engine and store (as three machines would have):
- FIFO: every group is consumed in publish order and never has two messages in flight;
- standard + poison: every message is acked once, or dead-lettered once after max_retries;
- idempotent publish: the same keys published by all three at once store one message each.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.models import MessageIn, QueueCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
P = "default"
GROUPS, PER_GROUP, STANDARD, POISON, KEYS = 8, 40, 600, 30, 200


def _engine(url: str, home: str) -> Engine:
    return Engine(Settings(home=Path(home)), store=PostgresStore(url, pool_size=2), dispatch=False)


async def _consume(url: str, home: str, start_at: float) -> dict[str, Any]:
    seen: list[tuple[float, str, Any]] = []  # (claimed_at, queue, payload)
    dead_nacks = 0
    async with _engine(url, home) as eng:
        qs = eng.queues
        await asyncio.sleep(max(0.0, start_at - time.time()))
        keys = [MessageIn(payload={"k": i}, idempotency_key=f"key-{i}") for i in range(KEYS)]
        published = [p.message_id for p in await qs.queue_publish_batch(P, "idem", keys[:100])]
        published += [p.message_id for p in await qs.queue_publish_batch(P, "idem", keys[100:])]
        idle = 0
        while idle < 3:
            got_any = False
            for queue in ("fifo", "std", "poison"):
                msgs = await qs.queue_consume(P, queue, max_messages=5, visibility_timeout=30)
                now = time.time()
                for m in msgs:
                    got_any = True
                    seen.append((now, queue, m.payload))
                    assert m.receipt is not None
                    if queue == "poison":
                        res = await qs.queue_nack(P, queue, receipt=m.receipt, error="poison")
                        dead_nacks += res.dead_lettered
                    else:
                        await qs.queue_ack(P, queue, receipt=m.receipt)
            idle = 0 if got_any else idle + 1
            if not got_any:
                await asyncio.sleep(0.1)
    return {"seen": seen, "published": published, "dead_nacks": dead_nacks}


def _consumer_process(url: str, home: str, start_at: float) -> dict[str, Any]:
    return asyncio.run(_consume(url, home, start_at))


async def test_three_processes_keep_fifo_retries_dlq_and_idempotency(pg_url: str, tmp_path: Path) -> None:
    async with _engine(pg_url, str(tmp_path)) as eng:
        qs = eng.queues
        await qs.queue_create(P, QueueCreate(name="fifo", type="fifo"))
        await qs.queue_create(P, QueueCreate(name="std"))
        await qs.queue_create(P, QueueCreate(name="poison_dlq"))
        await qs.queue_create(P, QueueCreate(name="poison", max_retries=2, dead_letter_queue="poison_dlq"))
        await qs.queue_create(P, QueueCreate(name="idem"))
        for i in range(PER_GROUP):  # interleaved groups, publish order = i within each group
            await qs.queue_publish_batch(P, "fifo", [MessageIn(payload={"g": g, "i": i}, group_id=f"g{g}")
                                                     for g in range(GROUPS)])
        for start in range(0, STANDARD, 100):
            await qs.queue_publish_batch(P, "std", [MessageIn(payload={"s": n}) for n in range(start, start + 100)])
        await qs.queue_publish_batch(P, "poison", [MessageIn(payload={"p": n}) for n in range(POISON)])

    start_at = time.time() + 2.0
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(3) as pool:
        results = await asyncio.to_thread(pool.starmap, _consumer_process,
                                          [(pg_url, str(tmp_path / f"p{i}"), start_at) for i in range(3)])

    assert all(r["seen"] for r in results)  # all three consumed
    seen = sorted((item for r in results for item in r["seen"]), key=lambda x: x[0])
    # FIFO: claims of one group happen strictly after the previous message's ack, so in
    # claim order each group's messages come in publish order, each exactly once.
    by_group: dict[int, list[int]] = defaultdict(list)
    for _, queue, payload in seen:
        if queue == "fifo":
            by_group[payload["g"]].append(payload["i"])
    assert {g: order for g, order in by_group.items()} == {g: list(range(PER_GROUP)) for g in range(GROUPS)}
    # Standard: each message acked once, by some process.
    std = sorted(p["s"] for _, q, p in seen if q == "std")
    assert std == list(range(STANDARD))
    # Poison: 3 deliveries each (max_retries=2), then exactly one dead-lettering.
    poison = defaultdict(int)
    for _, q, p in seen:
        if q == "poison":
            poison[p["p"]] += 1
    assert dict(poison) == {n: 3 for n in range(POISON)}
    assert sum(r["dead_nacks"] for r in results) == POISON
    # Idempotency: every process got the same ids; one message per key is stored.
    assert results[0]["published"] == results[1]["published"] == results[2]["published"]
    async with _engine(pg_url, str(tmp_path)) as eng:
        assert (await eng.queues.queue_stats(P, "poison_dlq")).available == POISON
        assert (await eng.queues.queue_stats(P, "idem")).available == KEYS
        assert len(set(results[0]["published"])) == KEYS
