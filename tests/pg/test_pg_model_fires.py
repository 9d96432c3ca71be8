"""The fire model (tests/engine/model_fires.py) against the PostgreSQL store: a fresh database
per example, from the migrated template."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pgutil
import pytest
from hypothesis import HealthCheck, settings

from infrai_mcp.store.base import Store
from infrai_mcp.store.postgres.store import PostgresStore
from tests.engine.model_fires import FireModel
from tests.receiver import Receiver


@pytest.fixture(scope="module")
def shared_receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


def test_fires_as_said_once_on_postgres(pg_pool: pgutil.DatabasePool, shared_receiver: Receiver) -> None:
    def pg_store() -> tuple[Store, Callable[[], None]]:
        name = pg_pool.get()
        return PostgresStore(pgutil.db_url(name), pool_size=2), lambda: pg_pool.release(name)

    class OnPostgres(FireModel):
        make_store = staticmethod(pg_store)
        receiver = shared_receiver

    runner = OnPostgres.TestCase
    runner.settings = settings(max_examples=80, stateful_step_count=50, deadline=None,
                               suppress_health_check=[HealthCheck.too_slow])
    runner("runTest").runTest()
