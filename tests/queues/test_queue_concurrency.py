"""Competing consumers drain 20,000 messages: each acknowledged exactly once, none lost, none left.

Two shapes: four tasks sharing one engine (one writer thread serialises their claims), and
four threads each with its own engine on the same database file (separate connections
racing for SQLite's write lock, as separate processes would).
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from pathlib import Path

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.models import MessageIn, QueueCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.sqlite.store import SqliteStore

N = 20_000
CONSUMERS = 4
P = "default"


async def _publish_all(engine: Engine) -> set[str]:
    await engine.queues.queue_create(P, QueueCreate(name="work", visibility_timeout_default=300))
    ids: set[str] = set()
    for start in range(0, N, 100):
        batch = [MessageIn(payload={"n": i}) for i in range(start, start + 100)]
        ids.update(p.message_id for p in await engine.queues.queue_publish_batch(P, "work", batch))
    assert len(ids) == N
    return ids


async def _drain(engine: Engine, acked: list[str]) -> None:
    """Consume and ack in batches until the queue stays empty."""
    while True:
        got = await engine.queues.queue_consume(P, "work", max_messages=100, wait_seconds=0.2)
        if not got:
            return
        results = await engine.queues.queue_ack_batch(P, "work", [m.receipt or "" for m in got])
        assert all(r.acked for r in results)
        acked.extend(r.message_id for r in results)


def _check(published: set[str], acked: list[str]) -> None:
    counts = Counter(acked)
    assert not [m for m, c in counts.items() if c > 1], "a message was acknowledged twice"
    assert len(acked) == N, f"{N - len(acked)} messages were lost"
    assert set(acked) == published


@pytest.mark.anyio
async def test_four_tasks_drain_20000(engine: Engine) -> None:
    published = await _publish_all(engine)
    per_consumer: list[list[str]] = [[] for _ in range(CONSUMERS)]
    await asyncio.wait_for(asyncio.gather(*(_drain(engine, acked) for acked in per_consumer)), 60)
    _check(published, [m for acked in per_consumer for m in acked])
    assert all(per_consumer), "every consumer should have taken part"
    stats = await engine.queues.queue_stats(P, "work")
    assert (stats.available, stats.in_flight, stats.delayed, stats.dlq) == (0, 0, 0, 0)


def test_four_threads_with_own_connections_drain_20000(tmp_path: Path) -> None:
    db = tmp_path / "infrai.db"

    def engine() -> Engine:
        return Engine(Settings(home=tmp_path), store=SqliteStore(db), dispatch=False)

    async def publish() -> set[str]:
        async with engine() as eng:
            return await _publish_all(eng)

    published = asyncio.run(publish())
    per_thread: list[list[str]] = [[] for _ in range(CONSUMERS)]
    errors: list[BaseException] = []
    start = threading.Barrier(CONSUMERS)

    def consumer(acked: list[str]) -> None:
        async def run() -> None:
            async with engine() as eng:
                start.wait(10)
                await _drain(eng, acked)

        try:
            asyncio.run(run())
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            errors.append(exc)

    threads = [threading.Thread(target=consumer, args=(acked,)) for acked in per_thread]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not [t for t in threads if t.is_alive()], "a consumer thread did not finish in 120 s"
    assert not errors, errors
    _check(published, [m for acked in per_thread for m in acked])

    async def stats() -> tuple[int, int]:
        async with engine() as eng:
            s = await eng.queues.queue_stats(P, "work")
            return s.available, s.in_flight

    assert asyncio.run(stats()) == (0, 0)
