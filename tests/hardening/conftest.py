"""Fixtures of the hardening suite: real engines on SQLite files in tmp_path, real HTTP
receivers on 127.0.0.1, and a store snapshot to prove that a refused request changed nothing.

Everything is waited on with a bound (``until``, ``Receiver.wait_for``); nothing asserts time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from tests import waiting
from tests.receiver import Receiver

T = TypeVar("T")
P = "default"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


def make_engine(home: Path, *, workflow_url: str | None = None, allow: tuple[str, ...] = (),
                **kwargs: Any) -> Engine:
    settings = Settings(home=home, workflow_url=workflow_url, allow_private_targets=allow)
    kwargs.setdefault("lease_seconds", 3.0)
    engine = Engine(settings, **kwargs)
    engine.dispatcher.backoff_base = 0.02  # retries within tests take milliseconds
    return engine


async def until(check: Callable[[], Awaitable[T]], timeout: float = 15.0, what: str = "condition") -> T:
    """``tests.waiting.until`` with this suite's default bound (15 s)."""
    return await waiting.until(check, timeout, what)


def snapshot(db: Path, skip: frozenset[str] = frozenset({"leases"})) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the SQLite file (read through a separate connection).

    ``leases`` holds the dispatch lease, renewed on its own schedule; it is not data.
    """
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        out: dict[str, list[tuple[Any, ...]]] = {}
        for t in tables:
            if t in skip or t.startswith("sqlite_"):
                continue
            out[t] = sorted(con.execute(f'SELECT * FROM "{t}"').fetchall(), key=repr)
        return out
    finally:
        con.close()
