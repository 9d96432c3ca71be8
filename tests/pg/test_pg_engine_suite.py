"""The engine's firing suites (tests/engine) re-run on PostgresStore.

Only the tests written against the ``engine`` fixture are collected here; those that
build their own SQLite engines from ``tmp_path`` test SQLite-specific set-ups.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import engine.test_firing
import engine.test_job_numbers
import engine.test_queue_targets
import engine.test_schedules_and_leases
import pytest

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio

collect(globals(), [engine.test_firing, engine.test_schedules_and_leases, engine.test_queue_targets,
         engine.test_job_numbers],
        needs={"engine"})


@pytest.fixture
async def engine(tmp_path: Path, pg_url: str) -> AsyncIterator[Engine]:
    # As tests/engines.py's make_engine, on PostgreSQL.
    eng = Engine(Settings(home=tmp_path), store=PostgresStore(pg_url, pool_size=4), lease_seconds=3.0)
    eng.dispatcher.backoff_base = 0.05
    async with eng:
        yield eng
