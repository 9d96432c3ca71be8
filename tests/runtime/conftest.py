"""Fixtures for background-engine tests: every data dir a test starts an engine for is
stopped at teardown, so no engine process outlives its test."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from infrai_mcp.runtime.background import stop_engine
from infrai_mcp.runtime.control import alive

BIN = Path(sys.executable).parent
PASS_THROUGH = {k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A data dir whose background engine (if a test started one) is stopped afterwards."""
    data = tmp_path / "data"
    data.mkdir()
    yield data
    stop_engine(data)
    assert not alive(data), "a background engine outlived its test"


def cli(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``infrai-mcp ARGS`` as a process on ``home``."""
    full = {**os.environ, "INFRAI_HOME": str(home), **PASS_THROUGH, **env}
    full.pop("INFRAI_DATABASE_URL", None)
    return subprocess.run([str(BIN / "infrai-mcp"), *args], env=full, capture_output=True, text=True, timeout=120)
