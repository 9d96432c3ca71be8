"""Changes racing planned fires on PostgreSQL: two ``worker`` processes share the plans of a
per-second job; this process changes it right after each fire (tests/engine/races.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from tests.engine.races import changes_race_fires
from tests.receiver import Receiver

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


async def test_changes_after_a_fire_never_send_old_plans_with_two_workers(
        tmp_path: Path, pg_url: str, receiver: Receiver) -> None:
    env = {**os.environ, "INFRAI_DATABASE_URL": pg_url, "INFRAI_HOME": str(tmp_path),
           "INFRAI_ALLOW_PRIVATE_TARGETS": "127.0.0.1"}
    logs = [tmp_path / f"worker{i}.log" for i in range(2)]
    procs = [subprocess.Popen([sys.executable, "-m", "infrai_mcp.surfaces.cli.main", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=log.open("ab")) for log in logs]
    try:
        async with Engine(Settings(home=tmp_path, database_url=pg_url), dispatch=False) as engine:
            await changes_race_fires(engine, receiver)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p, log in zip(procs, logs, strict=True):
            assert p.wait(30) == 0, log.read_text()
