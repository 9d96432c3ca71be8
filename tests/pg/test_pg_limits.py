"""tests/hardening/test_limits.py re-run on PostgresStore (tests taking ``limits_engine``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import tests.hardening.test_limits as limits
from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio

collect(globals(), [limits], needs={"limits_engine"})


@pytest.fixture
async def limits_engine(tmp_path: Path, pg_url: str) -> AsyncIterator[Engine]:
    eng = Engine(Settings(home=tmp_path, max_jobs_per_project=limits.MAX_JOBS),
                 store=PostgresStore(pg_url, pool_size=4), dispatch=False)
    async with eng:
        yield eng
