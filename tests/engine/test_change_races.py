"""Changes racing planned fires across processes, on SQLite: a ``serve`` fires, this process
changes the job right after each fire (tests/engine/races.py has the checks)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from tests.engine.races import changes_race_fires
from tests.receiver import Receiver
from tests.serving import serving, stop_cleanly

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_changes_after_a_fire_never_send_old_plans(tmp_path: Path, receiver: Receiver) -> None:
    env = {**os.environ, "INFRAI_HOME": str(tmp_path), "INFRAI_ALLOW_PRIVATE_TARGETS": "127.0.0.1"}
    env.pop("INFRAI_DATABASE_URL", None)
    log = tmp_path / "serve.log"
    with serving(env, log) as (proc, _):
        async with Engine(Settings(home=tmp_path), dispatch=False) as engine:
            await changes_race_fires(engine, receiver)
        stop_cleanly(proc, log)
