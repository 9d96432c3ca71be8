"""SQLite access: one writer thread and one reader thread, each running WHOLE transactions.

Why threads and not aiosqlite: a thread hop per statement costs ~100x a direct call here
(aiosqlite ~7.7k round trips/s vs ~836k in-thread). So callers hand a function that does
the entire transaction; it runs on the DB thread in one hop.

Why two threads: WAL lets readers run beside the writer, so a backlog of writes (a burst
of due runs) never stalls an API read behind it.

Schema: ``sql/sqlite/NNNN_*.sql`` migrations, applied in order at start inside
``BEGIN IMMEDIATE`` (two processes starting at once serialise on SQLite's write lock).
Queries: ``-- name: <query>`` blocks in ``sql/sqlite/queries/*.sql``, loaded into ``queries``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from infrai_mcp.core.errors import StoreUnavailable
from infrai_mcp.store.sql import load_named_queries, migration_files

T = TypeVar("T")
log = logging.getLogger("infrai.db")

def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=10.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


class _Worker(threading.Thread):
    """Runs submitted transactions one after another on its own connection."""

    def __init__(self, path: Path, name: str, write: bool) -> None:
        super().__init__(name=name, daemon=True)
        self.path = path
        self.write = write
        self.jobs: queue.SimpleQueue[tuple[Callable[[sqlite3.Connection], Any], Callable[..., None]] | None] = (
            queue.SimpleQueue()
        )
        self.conn: sqlite3.Connection | None = None
        # Transactions started, and the number of the last one that committed: a store may
        # cache a derived value for "nothing else happened since my transaction" checks.
        self.seq = 0
        self.committed_seq = 0
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.conn = _connect(self.path)
        except BaseException as exc:
            self.error = exc
            self.ready.set()
            return
        self.ready.set()
        conn = self.conn
        while True:
            item = self.jobs.get()
            if item is None:
                break
            fn, done = item
            self.seq += 1
            try:
                conn.execute("BEGIN IMMEDIATE" if self.write else "BEGIN")
                result = fn(conn)
                conn.execute("COMMIT")
                self.committed_seq = self.seq
            except BaseException as exc:
                # SQLite may already have rolled back (SQLITE_FULL, SQLITE_IOERR): an
                # unconditional ROLLBACK would raise "no transaction is active" and hide the
                # real error (a disk-full write answered 500 instead of 503).
                if conn.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        conn.execute("ROLLBACK")
                done(None, exc)
            else:
                done(result, None)
        conn.close()


def _translate(exc: BaseException) -> BaseException:
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StoreUnavailable(f"the database is locked by another writer; try again ({text})")
        if "disk" in text or "full" in text:
            return StoreUnavailable(f"the database cannot be written: {text}; free disk space and retry")
        if "readonly" in text or "read-only" in text:
            return StoreUnavailable(f"the database is read-only: {text}; check permissions of the data dir")
    return exc


class SqliteDB:
    """A SQLite file with a writer thread and a reader thread. See the module docstring."""

    def __init__(self, path: Path | str, *, migrations: str = "sqlite", queries: str = "sqlite/queries") -> None:
        self.path = Path(path)
        self._migrations = migrations
        self.queries = load_named_queries(queries)
        self._writer: _Worker | None = None
        self._reader: _Worker | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._writer = _Worker(self.path, f"infrai-db-writer:{self.path.name}", write=True)
        self._writer.start()
        await asyncio.to_thread(self._writer.ready.wait)
        if self._writer.error:
            raise _translate(self._writer.error)
        await self.write(self._migrate)
        self._reader = _Worker(self.path, f"infrai-db-reader:{self.path.name}", write=False)
        self._reader.start()
        await asyncio.to_thread(self._reader.ready.wait)
        if self._reader.error:
            raise _translate(self._reader.error)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in migration_files(self._migrations):
            if version in done:
                continue
            log.info("applying migration %04d_%s", version, name)
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, datetime('now'))",
                (version, name),
            )

    async def close(self) -> None:
        for worker in (self._reader, self._writer):
            if worker is not None and worker.is_alive():
                worker.jobs.put(None)
                await asyncio.to_thread(worker.join, 10)
        self._reader = self._writer = None

    def unchanged_since(self, seq: int, conn: sqlite3.Connection, data_version: int) -> bool:
        """On the writer thread, inside a transaction: True when the writer's transaction
        ``seq`` committed and is the one just before this, and no other connection (another
        process) committed since (``PRAGMA data_version`` is what it was after ``seq``)."""
        w = self._writer
        return (w is not None and w.committed_seq == seq == w.seq - 1
                and conn.execute("PRAGMA data_version").fetchone()[0] == data_version)

    @property
    def write_seq(self) -> int:
        """The writer's current transaction number (read on the writer thread)."""
        return self._writer.seq if self._writer is not None else 0

    async def write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` as one ``BEGIN IMMEDIATE`` transaction on the writer thread."""
        return await self._submit(self._writer, fn)

    async def read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in a read transaction (a consistent snapshot) on the reader thread."""
        return await self._submit(self._reader or self._writer, fn)

    async def _submit(self, worker: _Worker | None, fn: Callable[[sqlite3.Connection], T]) -> T:
        if worker is None or not worker.is_alive():
            raise StoreUnavailable("the database is not open (the engine is stopped)")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()

        def done(result: Any, exc: BaseException | None) -> None:
            def settle() -> None:
                if fut.done():
                    return
                if exc is not None:
                    fut.set_exception(_translate(exc))
                else:
                    fut.set_result(result)

            # RuntimeError: the loop closed while the transaction ran; nobody waits any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(settle)

        worker.jobs.put((fn, done))
        # Shield: a cancelled caller must not leave the transaction half-observed; it
        # completes (or rolls back) on the DB thread either way.
        return await asyncio.shield(fut)

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """For CLI tools and tests outside an event loop: a private connection, one transaction."""
        conn = _connect(self.path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            result = fn(conn)
            conn.execute("COMMIT")
            return result
        finally:
            conn.close()


def _split_sql(sql: str) -> list[str]:
    """Split a migration into statements (``;`` at line end; triggers use ``END;`` lines)."""
    statements: list[str] = []
    current: list[str] = []
    in_trigger = False
    for line in sql.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("--")):
            continue
        current.append(line)
        upper = stripped.upper()
        if upper.startswith("CREATE TRIGGER"):
            in_trigger = True
        if stripped.endswith(";") and (not in_trigger or upper == "END;"):
            statements.append("\n".join(current))
            current = []
            in_trigger = False
    if current and "\n".join(current).strip():
        statements.append("\n".join(current))
    return statements
