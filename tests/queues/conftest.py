"""Fixtures of the queue behaviour suite.

The suite talks to ``Engine``/``QueueService`` only, never to a store's internals, so a
second store implementation joins by adding a param to ``make_store`` (PostgreSQL: build
its Store on a fresh test database and return it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TypeVar

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.base import Store
from infrai_mcp.store.sqlite.store import SqliteStore

T = TypeVar("T")

StoreFactory = Callable[[Path], Store]


@pytest.fixture(params=["sqlite"])
def make_store(request: pytest.FixtureRequest) -> StoreFactory:
    """One factory per Store implementation (each call: a fresh, empty store)."""
    if request.param == "sqlite":
        return lambda tmp: SqliteStore(tmp / "infrai.db")
    raise AssertionError(request.param)


@pytest.fixture
def clock() -> OffsetClock:
    """Tests move time with ``clock.offset += timedelta(...)`` instead of sleeping."""
    return OffsetClock()


@pytest.fixture
async def engine(tmp_path: Path, make_store: StoreFactory, clock: OffsetClock) -> AsyncIterator[Engine]:
    # dispatch=False: no background loops, so every state change in a test is one the test
    # made (sweeps are called explicitly). Push tests build a dispatching engine.
    async with Engine(Settings(home=tmp_path), store=make_store(tmp_path), clock=clock, dispatch=False) as eng:
        yield eng


@pytest.fixture
async def live_engine(tmp_path: Path, make_store: StoreFactory, clock: OffsetClock) -> AsyncIterator[Engine]:
    """A dispatching engine: its background loops (push, webhook delivery, sweep) run."""
    eng = Engine(Settings(home=tmp_path), store=make_store(tmp_path), clock=clock, dispatch=True)
    eng.dispatcher.backoff_base = 0.05  # retries within tests take milliseconds
    async with eng:
        yield eng
