"""PgDB: migrations under the advisory lock, transactions, the pool, LISTEN/NOTIFY wake-ups."""

from __future__ import annotations

import asyncio
import multiprocessing
import time

import psycopg
import pytest

from infrai_mcp.core.errors import StoreUnavailable
from infrai_mcp.store.postgres.db import Conn, PgDB

pytestmark = pytest.mark.anyio

# Non-idempotent on purpose (no IF NOT EXISTS): applying it twice fails loudly. The sleep
# holds the lock long enough that a second migrator really waits for it.
RACE_MIGRATIONS = [
    (1, "first", "CREATE TABLE t1 (id integer PRIMARY KEY); SELECT pg_sleep(0.3);"),
    (2, "second", "CREATE TABLE t2 (id integer PRIMARY KEY); INSERT INTO t2 VALUES (1);"),
]


def _migrate_in_process(url: str, start_at: float) -> list[int]:
    time.sleep(max(0.0, start_at - time.time()))
    return asyncio.run(PgDB(url, migrations=RACE_MIGRATIONS).migrate())


async def test_two_processes_migrating_at_once_apply_each_version_once(pg_empty_url: str) -> None:
    start_at = time.time() + 0.5
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        results = pool.starmap(_migrate_in_process, [(pg_empty_url, start_at), (pg_empty_url, start_at)])
    # One process applied both; the other found them recorded and applied nothing.
    assert sorted(results, key=len) == [[], [1, 2]]
    with psycopg.connect(pg_empty_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == [1, 2]
        assert conn.execute("SELECT count(*) FROM t2").fetchone() == (1,)


async def test_concurrent_migrators_in_one_process(pg_empty_url: str) -> None:
    results = await asyncio.gather(*(PgDB(pg_empty_url, migrations=RACE_MIGRATIONS).migrate() for _ in range(3)))
    assert sorted(map(tuple, results)) == [(), (), (1, 2)]


async def test_failed_migration_rolls_back_and_keeps_earlier_ones(pg_empty_url: str) -> None:
    bad = [*RACE_MIGRATIONS, (3, "broken", "CREATE TABLE t3 (id integer); SELECT no_such_function();")]
    with pytest.raises(psycopg.errors.UndefinedFunction):
        await PgDB(pg_empty_url, migrations=bad).migrate()
    with psycopg.connect(pg_empty_url) as conn:
        assert [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")] == [1, 2]
        assert conn.execute("SELECT to_regclass('t3')").fetchone() == (None,)


async def test_package_migrations_apply_on_the_template(pg_url: str) -> None:
    db = PgDB(pg_url)
    await db.start(listen=False)
    try:
        # The template already holds every migration: starting again applies nothing.
        assert await db.migrate() == []
    finally:
        await db.close()


async def test_write_is_one_transaction_and_rolls_back_on_error(pg_empty_url: str) -> None:
    db = PgDB(pg_empty_url, migrations=RACE_MIGRATIONS, pool_size=2)
    await db.start(listen=False)
    try:

        async def insert_then_fail(conn: Conn) -> None:
            await conn.execute("INSERT INTO t1 VALUES (7)")
            raise ValueError("boom")

        with pytest.raises(ValueError):
            await db.write(insert_then_fail)

        async def count(conn: Conn) -> int:
            cur = await conn.execute("SELECT count(*) AS n FROM t1")
            row = await cur.fetchone()
            assert row is not None
            return int(row["n"])

        assert await db.read(count) == 0
        # More concurrent transactions than connections: they queue for the pool.
        async def insert(conn: Conn, i: int) -> None:
            await conn.execute("INSERT INTO t1 VALUES (%s)", (i,))

        await asyncio.gather(*(db.write(lambda c, i=i: insert(c, i)) for i in range(20)))
        assert await db.read(count) == 20
    finally:
        await db.close()


async def _pid(conn: Conn) -> int:
    """The server process behind ``conn``: a new one means a new connection."""
    cur = await conn.execute("SELECT pg_backend_pid() AS p")
    row = await cur.fetchone()
    assert row is not None
    return int(row["p"])


async def test_a_killed_connection_is_replaced(pg_empty_url: str) -> None:
    db = PgDB(pg_empty_url, migrations=RACE_MIGRATIONS, pool_size=1)
    await db.start(listen=False)
    try:
        first = await db.read(_pid)
        with psycopg.connect(pg_empty_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        with pytest.raises(StoreUnavailable):
            await db.read(_pid)
        assert await db.read(_pid) != first
    finally:
        await db.close()


async def test_a_single_statement_cancelled_midway_does_not_poison_the_pool(pg_empty_url: str) -> None:
    """``single`` (the queue claim/ack path) is not shielded: a caller cancelled while its
    statement runs gets CancelledError, and the connection it used is replaced, not reused
    mid-statement; the pool (of one) keeps answering."""
    db = PgDB(pg_empty_url, migrations=RACE_MIGRATIONS, pool_size=1)
    await db.start(listen=False)
    try:
        first = await db.single(_pid)

        async def slow(conn: Conn) -> None:
            await conn.execute("SELECT pg_sleep(30)")

        task = asyncio.create_task(db.single(slow))
        with psycopg.connect(pg_empty_url, autocommit=True) as admin:
            for _ in range(200):  # bounded: until the statement is running on the server
                row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)'"
                                    " AND state = 'active'").fetchone()
                if row and row[0]:
                    break
                await asyncio.sleep(0.05)
            else:
                pytest.fail("the statement never started")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        second = await asyncio.wait_for(db.single(_pid), 10)
        assert second != first  # a new connection, not the one left mid-statement
        assert await db.single(_pid) == second
    finally:
        await db.close()


async def test_closed_db_answers_store_unavailable(pg_empty_url: str) -> None:
    db = PgDB(pg_empty_url, migrations=RACE_MIGRATIONS)
    with pytest.raises(StoreUnavailable):
        await db.read(lambda conn: conn.execute("SELECT 1"))  # type: ignore[arg-type,return-value]


async def test_notify_wakes_a_waiter_in_another_db_instance(pg_empty_url: str) -> None:
    a = PgDB(pg_empty_url, migrations=RACE_MIGRATIONS, pool_size=1)
    b = PgDB(pg_empty_url, migrations=RACE_MIGRATIONS, pool_size=1)
    await a.start()
    await b.start()
    try:
        assert b.listener is not None
        await b.listener.listen("infrai_due")
        # Nothing sent: the wait is the bounded poll and times out.
        assert await b.wait("infrai_due", 0.05) is False
        waiter = asyncio.create_task(b.wait("infrai_due", 5.0))
        await asyncio.sleep(0.05)

        async def notify_in_tx(conn: Conn) -> None:
            await conn.execute("SELECT pg_notify('infrai_due', 'x')")

        await a.write(notify_in_tx)
        assert await waiter is True
        # Notified while nobody waited: the next wait returns at once (not lost).
        await a.notify("infrai_due")
        await asyncio.sleep(0.2)
        assert await b.wait("infrai_due", 0.01) is True
        # A rolled-back transaction's NOTIFY is never delivered.

        async def notify_then_fail(conn: Conn) -> None:
            await conn.execute("SELECT pg_notify('infrai_due', 'y')")
            raise ValueError("rollback")

        with pytest.raises(ValueError):
            await a.write(notify_then_fail)
        assert await b.wait("infrai_due", 0.3) is False
    finally:
        await a.close()
        await b.close()


async def test_listener_reconnects_after_its_connection_dies(pg_empty_url: str) -> None:
    a = PgDB(pg_empty_url, migrations=RACE_MIGRATIONS, pool_size=1)
    await a.start()
    try:
        assert a.listener is not None
        await a.listener.listen("infrai_due")
        with psycopg.connect(pg_empty_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%%'"
            )
        # Reconnecting wakes every waiter once (work may have arrived while deaf)...
        assert await a.wait("infrai_due", 5.0) is True
        # ...and afterwards notifications arrive again.
        for _ in range(50):
            await a.notify("infrai_due")
            if await a.wait("infrai_due", 0.2):
                break
        else:
            pytest.fail("no notification after the listener reconnected")
    finally:
        await a.close()
