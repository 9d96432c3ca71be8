"""The queue behaviour suite (tests/queues) re-run on PostgresStore.

The suite speaks to ``Engine``/``QueueService`` only; here its ``engine`` fixture is built
on a fresh PostgreSQL database (from the session template) instead of a SQLite file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import queues.test_queue_admin
import queues.test_queue_delivery

from infrai_mcp.config import Settings
from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.models import MessageIn, QueueCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore
from infrai_mcp.store.queues import NewMessage
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio
collect(globals(), [queues.test_queue_admin, queues.test_queue_delivery], needs={"engine"})
# SQLite words the error "NOT NULL constraint failed", PostgreSQL "violates not-null
# constraint": the same check with a dialect-neutral match is below.
del globals()["test_batch_is_all_or_nothing_and_in_order"]


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture
async def engine(tmp_path: Path, pg_url: str, clock: OffsetClock) -> AsyncIterator[Engine]:
    store = PostgresStore(pg_url, pool_size=4)
    async with Engine(Settings(home=tmp_path), store=store, clock=clock, dispatch=False) as eng:
        yield eng


async def test_batch_is_all_or_nothing_and_in_order_pg(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create("default", QueueCreate(name="q"))
    broken = [NewMessage(payload="1"), NewMessage(payload=None)]  # type: ignore[arg-type]
    with pytest.raises(Exception, match=r"(?i)not.null"):
        await engine.store.publish("default", "q", broken, now=engine.clock.now().timestamp(), dedup_since=0.0)
    assert (await qs.queue_stats("default", "q")).available == 0
    ids = await qs.queue_publish_batch("default", "q", [MessageIn(payload=i) for i in range(50)])
    got = await qs.queue_consume("default", "q", max_messages=100)
    assert [m.message_id for m in got] == [p.message_id for p in ids]
    assert [m.payload for m in got] == list(range(50))
