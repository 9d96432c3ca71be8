"""Fixtures for the PostgreSQL suite: a migrated template per session, a fresh copy per test."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

# psycopg is the optional extra infrai-mcp[postgres]. Without it nothing here can even be
# imported: skip the directory with the reason (or fail, where PostgreSQL is required).
try:
    PSYCOPG_MISSING = importlib.util.find_spec("psycopg") is None
except (ImportError, ValueError):  # a module set to None in sys.modules: treated as absent
    PSYCOPG_MISSING = True
if PSYCOPG_MISSING and os.environ.get("INFRAI_REQUIRE_POSTGRES", "").strip().lower() not in ("1", "true", "yes"):
    collect_ignore_glob = ["test_*.py"]
else:
    import pgutil


def pytest_report_header() -> str | None:
    if PSYCOPG_MISSING:
        return "tests/pg skipped: psycopg is not installed (pip install -e '.[postgres]')"
    return None


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything here needs the server: `-m "not postgres"` deselects the whole directory.
    for item in items:
        if "/tests/pg/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    pgutil.require_postgres()
    pgutil.drop_stale()
    name = pgutil.build_template()
    yield name
    pgutil.drop_template(name)


@pytest.fixture(scope="session")
def pg_pool(pg_template: str) -> Iterator[pgutil.DatabasePool]:
    pool = pgutil.DatabasePool(pg_template)
    yield pool
    pool.close()


@pytest.fixture
def pg_url(pg_pool: pgutil.DatabasePool) -> Iterator[str]:
    """URL of a fresh database holding the current schema; dropped after the test."""
    name = pg_pool.get()
    yield pgutil.db_url(name)
    pg_pool.release(name)


@pytest.fixture
def pg_empty_url() -> Iterator[str]:
    """URL of a fresh EMPTY database (no migrations applied); dropped after the test."""
    pgutil.require_postgres()
    name = pgutil.new_name()
    pgutil.create_database(name)
    yield pgutil.db_url(name)
    pgutil.drop_database(name)


@pytest.fixture
async def tools(tmp_path: Path, pg_url: str) -> AsyncIterator[Any]:
    """The MCP tools through the SDK's client in memory, over an engine on a fresh database
    (no dispatch: the re-run MCP suites call no receiver)."""
    from mcp import Client

    from infrai_mcp.backends.embedded import EmbeddedBackend
    from infrai_mcp.runtime.engine import Engine
    from infrai_mcp.store.postgres.store import PostgresStore
    from infrai_mcp.surfaces.mcp import build_server
    from tests.mcp.conftest import Tools, settings_for

    store = PostgresStore(pg_url, pool_size=4)
    async with (
        Engine(settings_for(tmp_path), store=store, dispatch=False) as engine,
        Client(build_server(EmbeddedBackend(engine), engine.settings)) as client,
    ):
        yield Tools(client)
