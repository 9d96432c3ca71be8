"""Fixtures every suite shares (a suite's own conftest.py adds or overrides its own).

- ``anyio_backend``: async tests run on anyio's pytest plugin, asyncio backend.
- ``receiver``: a real HTTP receiver on 127.0.0.1 (``tests/receiver.py``).
- ``engine``: an embedded engine on a real SQLite file in ``tmp_path``, dispatching, with
  3 s leases and millisecond retry backoff (``tests.engines.make_engine`` builds one unstarted).

Bounded waits are ``tests.waiting.until``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from infrai_mcp.runtime.engine import Engine
from tests.engines import make_engine
from tests.receiver import Receiver


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with make_engine(tmp_path) as eng:
        yield eng
