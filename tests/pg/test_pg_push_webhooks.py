"""Push subscriptions, webhook deliveries and the queue concurrency suite on PostgresStore.

The suites of tests/queues take the store from their ``make_store`` fixture; here it builds
a PostgresStore on a fresh database (the ``tmp`` argument is unused).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import queues.test_push
import queues.test_queue_concurrency
import queues.test_webhooks
from queues.conftest import StoreFactory

from infrai_mcp.config import Settings
from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio
# tmp_path is fine here: these suites only hand it to make_store, which ignores it.
collect(globals(), [queues.test_push, queues.test_webhooks, queues.test_queue_concurrency],
        needs={"engine", "live_engine", "make_store"}, skip=frozenset())


@pytest.fixture
def make_store(pg_url: str) -> StoreFactory:
    return lambda tmp: PostgresStore(pg_url, pool_size=4)


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture
async def engine(tmp_path: Path, make_store: StoreFactory, clock: OffsetClock) -> AsyncIterator[Engine]:
    async with Engine(Settings(home=tmp_path), store=make_store(tmp_path), clock=clock, dispatch=False) as eng:
        yield eng


@pytest.fixture
async def live_engine(tmp_path: Path, make_store: StoreFactory, clock: OffsetClock) -> AsyncIterator[Engine]:
    eng = Engine(Settings(home=tmp_path), store=make_store(tmp_path), clock=clock, dispatch=True)
    eng.dispatcher.backoff_base = 0.05
    async with eng:
        yield eng
