"""PostgreSQL access: a small pool of async connections, each call ONE whole transaction.

Why async connections and not sync ones on threads (what SqliteDB does): a Postgres
statement is a network round trip either way, so a thread hop buys nothing; an asyncio
connection costs no hop at all, and many transactions run at once on a few connections.

Why our own tiny pool and not psycopg_pool: it is one more dependency for ~40 lines, and we
need exactly one behaviour from it: hand a healthy connection to one transaction at a time
and replace a broken one.

Schema: ``sql/postgres/NNNN_*.sql`` migrations applied in order at start, each in its own
transaction, while this process holds a session ``pg_advisory_lock``: two processes that
start at once take turns, and the second finds the versions already recorded.

Wake-ups: ``notify(channel)`` inside a transaction is delivered by PostgreSQL at commit to
every process that LISTENs (see ``PgListener``); waiters also time out (a bounded poll), so
a lost notification (a dropped listener connection) delays work, never loses it.

Queries: ``-- name: <query>`` blocks in ``sql/postgres/queries/*.sql`` → ``queries``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg import AsyncConnection, errors, sql
from psycopg.rows import DictRow, dict_row

from infrai_mcp.core.errors import NUL_REFUSED, InvalidInput, StoreUnavailable
from infrai_mcp.store.sql import load_named_queries, migration_files

T = TypeVar("T")
Conn = AsyncConnection[DictRow]
Migration = tuple[int, str, str]
log = logging.getLogger("infrai.pg")

# Any constant works; it only has to be the same in every process of one database.
MIGRATION_LOCK_KEY = 0x1F_A1_DB_00
# Errors after which the same transaction may simply be run again.
_RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)
_RETRIES = 5


def normalise_url(url: str) -> str:
    # libpq accepts both schemes; SQLAlchemy-style "+psycopg" suffixes are not libpq's.
    for prefix in ("postgresql+psycopg://", "postgres+psycopg://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix) :]
    return url


def _translate(exc: BaseException) -> BaseException:
    if isinstance(exc, psycopg.OperationalError):
        return StoreUnavailable(f"the PostgreSQL database cannot be reached or written now; retry ({exc})")
    return exc


def _refused_text(exc: psycopg.DataError) -> BaseException:
    """Input checks refuse NUL in every text field (models, REST paths and queries, MCP
    arguments) before a store sees it; this is the net under them, so a text that slipped
    through is a clear 422 rather than a server error. Other data errors stay as they are."""
    if "NUL" in str(exc):
        return InvalidInput(f"a text value {NUL_REFUSED}")
    return exc


async def connect(url: str, *, autocommit: bool = False) -> Conn:
    try:
        conn = await AsyncConnection.connect(normalise_url(url), autocommit=True, row_factory=dict_row,
                                             connect_timeout=10)
        # Datetimes (API keys) come back in UTC whatever the server's TimeZone setting.
        await conn.execute("SET TIME ZONE 'UTC'")
        await conn.set_autocommit(autocommit)
        return conn
    except psycopg.OperationalError as exc:
        raise _translate(exc) from exc


class PgDB:
    """A PostgreSQL database: a connection pool, migrations, named queries, notifications."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 4,
        migrations: str | Sequence[Migration] = "postgres",
        queries: str = "postgres/queries",
    ) -> None:
        self.url = normalise_url(url)
        self.pool_size = pool_size
        self._migrations = migrations
        self.queries = load_named_queries(queries)
        self._idle: asyncio.Queue[Conn] | None = None
        self._all: set[Conn] = set()
        self._closing: set[asyncio.Task[None]] = set()  # unhealthy connections being closed
        self._open = False
        self.listener: PgListener | None = None

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self, *, listen: bool = True, channels: Sequence[str] = ()) -> None:
        """Migrate, open the pool and (``listen``) a listener already LISTENing on ``channels``."""
        await self.migrate()
        self._idle = asyncio.Queue()
        # Autocommit connections: write() opens each transaction explicitly (BEGIN .. COMMIT,
        # the same round trips as implicit ones), and single() needs no mode switch.
        conns = await asyncio.gather(*(connect(self.url, autocommit=True) for _ in range(self.pool_size)))
        for conn in conns:
            self._all.add(conn)
            self._idle.put_nowait(conn)
        self._open = True
        if listen:
            self.listener = PgListener(self.url)
            await self.listener.start(channels)

    async def close(self) -> None:
        self._open = False
        if self.listener is not None:
            await self.listener.close()
            self.listener = None
        for conn in list(self._all):
            with contextlib.suppress(Exception):
                await conn.close()
        self._all.clear()
        self._idle = None

    async def migrate(self) -> list[int]:
        """Apply missing migrations under the advisory lock; return the versions applied here."""
        items = migration_files(self._migrations) if isinstance(self._migrations, str) else list(self._migrations)
        applied: list[int] = []
        conn = await connect(self.url, autocommit=True)
        try:
            # Session-level: held across the per-migration transactions below, released by
            # the unlock, or by PostgreSQL if this process dies half-way.
            await conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
                cur = await conn.execute("SELECT version FROM schema_migrations")
                done = {int(row["version"]) for row in await cur.fetchall()}
                for version, name, text in items:
                    if version in done:
                        continue
                    log.info("applying migration %04d_%s", version, name)
                    async with conn.transaction():
                        # No parameters: psycopg sends the whole file as one simple query,
                        # so function bodies ($$ ... $$) need no statement splitting.
                        await conn.execute(text.encode())
                        await conn.execute(
                            "INSERT INTO schema_migrations(version, name) VALUES (%s, %s)", (version, name)
                        )
                    applied.append(version)
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        except psycopg.OperationalError as exc:
            raise _translate(exc) from exc
        finally:
            await conn.close()
        return applied

    # -- transactions ----------------------------------------------------------------------

    async def write(self, fn: Callable[[Conn], Awaitable[T]]) -> T:
        """Run ``await fn(conn)`` as one transaction; retried on deadlock/serialization failure.

        Shielded like SqliteDB's: a cancelled caller does not interrupt the transaction
        half-way; it commits or rolls back on its own.
        """
        return await asyncio.shield(asyncio.ensure_future(self._run(fn)))

    # Reads are transactions too (one snapshot per call); kept apart for symmetry with SqliteDB.
    read = write

    async def single(self, fn: Callable[[Conn], Awaitable[T]]) -> T:
        """Run ``await fn(conn)`` in autocommit mode: each statement is its own transaction.

        For hot paths whose atomic step is ONE statement (a queue claim or ack): no
        BEGIN/COMMIT round trips, which are two of the three a one-statement transaction costs.
        Not shielded (a task and a shield per call were a third of the client's event-loop
        wake-ups per claim + ack): one statement is atomic on the server, so a caller
        cancelled during it leaves it applied or not, as a crash would; the connection,
        possibly mid-statement, is closed and replaced rather than reused.
        """
        conn = await self._acquire()
        healthy = True
        try:
            return await fn(conn)
        except psycopg.OperationalError as exc:
            healthy = False
            raise _translate(exc) from exc
        except psycopg.DataError as exc:
            raise _refused_text(exc) from exc
        except asyncio.CancelledError:
            healthy = False
            raise
        except BaseException:
            healthy = not conn.broken
            raise
        finally:
            self._release(conn, healthy)

    async def _run(self, fn: Callable[[Conn], Awaitable[T]]) -> T:
        for attempt in range(_RETRIES):
            conn = await self._acquire()
            healthy = True
            try:
                async with conn.transaction():
                    return await fn(conn)
            except _RETRYABLE:
                if attempt == _RETRIES - 1:
                    raise
                await asyncio.sleep(0.005 * (attempt + 1))
            except psycopg.OperationalError as exc:
                healthy = False
                raise _translate(exc) from exc
            except psycopg.DataError as exc:
                raise _refused_text(exc) from exc
            except BaseException:
                healthy = not conn.broken
                raise
            finally:
                self._release(conn, healthy)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _acquire(self) -> Conn:
        if not self._open or self._idle is None:
            raise StoreUnavailable("the database is not open (the engine is stopped)")
        conn = await self._idle.get()
        if conn.closed or conn.broken:
            self._all.discard(conn)
            try:
                conn = await connect(self.url, autocommit=True)
            except BaseException:
                # Give the slot back so the pool does not shrink on a failed reconnect.
                self._idle.put_nowait(conn)
                raise
            self._all.add(conn)
        return conn

    def _release(self, conn: Conn, healthy: bool) -> None:
        """Give the slot back. An unhealthy connection is closed first, in the background
        (the caller does not wait); the next ``_acquire`` of it sees it closed and reconnects."""
        if self._idle is None:  # closed meanwhile
            return
        if healthy or conn.closed:
            self._idle.put_nowait(conn)
            return
        task = asyncio.ensure_future(self._close_and_return(conn))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _close_and_return(self, conn: Conn) -> None:
        with contextlib.suppress(Exception):
            await conn.close()
        if self._idle is not None:
            self._idle.put_nowait(conn)

    # -- notifications ---------------------------------------------------------------------

    async def notify(self, channel: str, payload: str = "") -> None:
        """NOTIFY outside any caller transaction (inside one, call ``pg_notify`` there)."""

        async def send(conn: Conn) -> None:
            await conn.execute("SELECT pg_notify(%s, %s)", (channel, payload))

        await self.write(send)

    async def wait(self, channel: str, timeout: float) -> bool:
        """Sleep until ``channel`` is notified or ``timeout`` passes; True when notified."""
        if self.listener is None:
            await asyncio.sleep(timeout)
            return False
        return await self.listener.wait(channel, timeout)


class PgListener:
    """One autocommit connection LISTENing on channels; waiters are woken per channel.

    A notification that arrives while nobody waits is remembered (the event stays set), so
    "notify, then wait" does not lose the wake-up. If the connection drops, the listener
    reconnects with backoff and wakes every waiter (work may have arrived meanwhile).
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._events: dict[str, asyncio.Event] = {}
        self._handlers: dict[str, list[Callable[[str], None]]] = {}
        self._conn: Conn | None = None
        self._task: asyncio.Task[None] | None = None
        self._listening: set[str] = set()
        self._want: set[str] = set()
        self._changed = asyncio.Event()

    async def start(self, channels: Sequence[str] = ()) -> None:
        self._conn = await connect(self.url, autocommit=True)
        for channel in channels:
            self._event(channel)
        # LISTEN before returning: a notification committed right after start() is not lost.
        await self._sync_channels(self._conn)
        self._task = asyncio.create_task(self._loop(), name="infrai-pg-listener")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    def _event(self, channel: str) -> asyncio.Event:
        ev = self._events.get(channel)
        if ev is None:
            ev = self._events[channel] = asyncio.Event()
            self._want.add(channel)
            self._changed.set()
        return ev

    async def listen(self, channel: str) -> None:
        """Subscribe now (a waiter subscribes on first wait; call this to not miss early ones)."""
        self._event(channel)
        for _ in range(200):
            if channel in self._listening:
                return
            await asyncio.sleep(0.005)

    def add_handler(self, channel: str, handler: Callable[[str], None]) -> None:
        """Call ``handler(payload)`` on every notification of ``channel`` (and with "" after
        a reconnect, when notifications may have been missed)."""
        self._handlers.setdefault(channel, []).append(handler)
        self._event(channel)

    async def wait(self, channel: str, timeout: float) -> bool:
        ev = self._event(channel)
        try:
            await asyncio.wait_for(ev.wait(), timeout)
        except TimeoutError:
            return False
        ev.clear()
        return True

    def _wake_all(self) -> None:
        for ev in self._events.values():
            ev.set()
        for channel in self._handlers:
            self._dispatch(channel, "")

    def _dispatch(self, channel: str, payload: str) -> None:
        for handler in self._handlers.get(channel, ()):
            try:
                handler(payload)
            except Exception:  # a broken handler must not stop the listener
                log.exception("notification handler for %s failed", channel)

    async def _loop(self) -> None:
        delay = 0.1
        while True:
            try:
                if self._conn is None or self._conn.closed:
                    self._conn = await connect(self.url, autocommit=True)
                    self._listening.clear()
                    self._wake_all()
                conn = self._conn
                await self._sync_channels(conn)
                delay = 0.1
                # notifies(timeout=...) returns after the timeout so new channels get LISTENed.
                async with contextlib.aclosing(conn.notifies(timeout=0.5)) as notes:
                    async for note in notes:
                        ev = self._events.get(note.channel)
                        if ev is not None:
                            ev.set()
                        self._dispatch(note.channel, note.payload)
                        if self._changed.is_set():
                            break
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: reconnect, never die
                log.warning("LISTEN connection lost (%s); reconnecting in %.1fs", exc, delay)
                if self._conn is not None:
                    with contextlib.suppress(Exception):
                        await self._conn.close()
                self._conn = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _sync_channels(self, conn: Conn) -> None:
        self._changed.clear()
        for channel in sorted(self._want - self._listening):
            # LISTEN takes an identifier, not a parameter.
            await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
            self._listening.add(channel)


async def run_once(url: str, fn: Callable[[Conn], Awaitable[T]]) -> T:
    """For CLI tools and tests: a private connection, one transaction."""
    conn = await connect(url)
    try:
        async with conn.transaction():
            return await fn(conn)
    finally:
        await conn.close()


def rows(result: Sequence[DictRow]) -> list[dict[str, Any]]:
    return [dict(r) for r in result]
