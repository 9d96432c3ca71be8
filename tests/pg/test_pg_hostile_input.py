"""tests/hardening/test_hostile_input.py re-run on PostgresStore (tests taking ``hostile``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import tests.hardening.test_hostile_input as hostile_input
from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore
from tests.hardening.hostile import Hostile, hostile_harness
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio

collect(globals(), [hostile_input], needs={"hostile"})


@pytest.fixture
async def hostile(tmp_path: Path, pg_url: str) -> AsyncIterator[Hostile]:
    engine = Engine(Settings(home=tmp_path, workflow_url="http://127.0.0.1:9/wf/{callback_id}"),
                    store=PostgresStore(pg_url, pool_size=4), dispatch=False, server_mode=True)
    async with hostile_harness(engine, postgres=True) as h:
        yield h
