"""Push subscriptions, webhook deliveries and the queue concurrency suite on PostgresStore.

The suites of tests/queues take the store from their ``make_store`` fixture; here it builds
a PostgresStore on a fresh database (the ``tmp`` argument is unused).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from queues.conftest import StoreFactory
from queues.test_push import *  # noqa: F403 - the tests themselves, collected here
from queues.test_queue_concurrency import test_four_tasks_drain_20000
from queues.test_webhooks import *  # noqa: F403

from infrai_mcp.config import Settings
from infrai_mcp.engine.clock import OffsetClock
from infrai_mcp.engine.engine import Engine
from infrai_mcp.engine.pg_store import PostgresStore
from tests.receiver import Receiver

pytestmark = pytest.mark.anyio
__all__ = ["test_four_tasks_drain_20000"]


@pytest.fixture
def make_store(pg_url: str) -> StoreFactory:
    return lambda tmp: PostgresStore(pg_url, pool_size=4)


@pytest.fixture
def clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


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
