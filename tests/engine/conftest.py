"""Engine fixtures: a real SQLite file in tmp_path, a real HTTP receiver on 127.0.0.1.

Async tests run on anyio's pytest plugin (asyncio backend).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from tests import waiting
from tests.receiver import Receiver

T = TypeVar("T")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


def make_engine(home: Path, **kwargs: object) -> Engine:
    settings = Settings(home=home, workflow_url=kwargs.pop("workflow_url", None))  # type: ignore[arg-type]
    engine = Engine(settings, lease_seconds=kwargs.pop("lease_seconds", 3.0), **kwargs)  # type: ignore[arg-type]
    engine.dispatcher.backoff_base = 0.05  # retries within tests take milliseconds
    return engine


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    async with make_engine(tmp_path) as eng:
        yield eng


async def until(check: Callable[[], Awaitable[T]], timeout: float = 10.0, what: str = "condition") -> T:
    """``tests.waiting.until`` with this suite's default bound (10 s)."""
    return await waiting.until(check, timeout, what)
