"""The REST API and both backends over a PostgreSQL store: the contract scenario gives the
same transcript as on SQLite (keys in PgKeyStore, records in PostgresStore)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pgutil
import pytest

from infrai_mcp.store.postgres.store import PostgresStore
from tests.backends.conftest import BackendOpener
from tests.backends.test_contract import normalise, scenario

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
def fresh_pg() -> Iterator[Callable[[], str]]:
    """Makes empty databases (the store migrates them when it opens); drops them after."""
    pgutil.require_postgres()
    made: list[str] = []

    def make() -> str:
        name = pgutil.new_name("api")
        pgutil.create_database(name)
        made.append(name)
        return pgutil.db_url(name)

    yield make
    for name in made:
        pgutil.drop_database(name)


async def test_same_transcript_on_postgres(opener: BackendOpener, fresh_pg: Callable[[], str]) -> None:
    async with opener("embedded", dispatch=False) as b:
        on_sqlite = normalise(await scenario(b), {})
    for kind in ("embedded", "remote_asgi"):
        async with opener(kind, dispatch=False, store=PostgresStore(fresh_pg(), pool_size=4)) as b:
            assert normalise(await scenario(b), {}) == on_sqlite, kind
