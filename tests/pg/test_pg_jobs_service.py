"""The JobService suite (tests/engine/test_jobs_service.py) re-run on PostgresStore."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import engine.test_jobs_service
import pytest

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio
collect(globals(), [engine.test_jobs_service], needs={"idle"})


@pytest.fixture
async def idle(tmp_path: Path, pg_url: str) -> AsyncIterator[Engine]:
    async with Engine(Settings(home=tmp_path), store=PostgresStore(pg_url, pool_size=4), dispatch=False) as eng:
        yield eng
