"""The fire model (tests/engine/model_fires.py) against the SQLite store."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from infrai_mcp.store.base import Store
from infrai_mcp.store.sqlite.store import SqliteStore
from tests.engine.model_fires import FireModel
from tests.receiver import Receiver


def sqlite_store() -> tuple[Store, Callable[[], None]]:
    home = Path(tempfile.mkdtemp(prefix="infrai-model-"))
    return SqliteStore(home / "infrai.db"), lambda: shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
def shared_receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


def test_fires_as_said_once_on_sqlite(shared_receiver: Receiver) -> None:
    class OnSqlite(FireModel):
        make_store = staticmethod(sqlite_store)
        receiver = shared_receiver

    runner = OnSqlite.TestCase
    runner.settings = settings(max_examples=150, stateful_step_count=50, deadline=None,
                               suppress_health_check=[HealthCheck.too_slow])
    runner("runTest").runTest()
