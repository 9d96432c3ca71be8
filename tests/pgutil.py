"""PostgreSQL test helpers: one migrated template database per session, a copy per test.

``CREATE DATABASE x TEMPLATE t`` copies files and costs ~tens of ms, against hundreds for
running the migrations again, so every test gets a fresh, fully migrated database.

Reachability: ``INFRAI_TEST_POSTGRES_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``)
names the server (its database is only used for administration). When it cannot be reached
tests skip with the reason, unless ``INFRAI_REQUIRE_POSTGRES=1`` (CI), where they fail.

Names carry this process's pid, so parallel sessions on one server do not collide, and a
session cleans up what a dead earlier session (a pid no longer alive) left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import queue
import re
import threading
import time
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infrai_mcp.store.postgres.db import Migration, PgDB

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
PREFIX = "infrai_t_"
_counter = itertools.count(1)
_reachable: tuple[bool, str] | None = None


def admin_url() -> str:
    return os.environ.get("INFRAI_TEST_POSTGRES_URL") or DEFAULT_URL


def required() -> bool:
    return os.environ.get("INFRAI_REQUIRE_POSTGRES", "").strip().lower() in ("1", "true", "yes", "on")


def db_url(name: str) -> str:
    """The admin URL pointing at database ``name`` (same host, user, options).

    A ``postgresql://`` URL stays a URL: ``INFRAI_DATABASE_URL`` selects PostgreSQL by that
    scheme, and worker subprocesses get this value."""
    url = admin_url()
    if url.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    params = conninfo_to_dict(url)
    params["dbname"] = name
    return make_conninfo("", **params)  # type: ignore[arg-type]


def check_reachable() -> tuple[bool, str]:
    global _reachable
    if _reachable is None:
        try:
            with psycopg.connect(admin_url(), connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            _reachable = (True, "")
        except Exception as exc:
            _reachable = (False, f"PostgreSQL at {admin_url()} is unreachable ({exc}); "
                          "set INFRAI_TEST_POSTGRES_URL, or INFRAI_REQUIRE_POSTGRES=1 to make this an error")
    return _reachable


def require_postgres() -> None:
    """Skip (or, with INFRAI_REQUIRE_POSTGRES=1, fail) when the server is unreachable."""
    ok, reason = check_reachable()
    if not ok:
        if required():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def _admin() -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(admin_url(), autocommit=True, connect_timeout=5)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_stale() -> None:
    """Drop test databases left by sessions whose process is gone (killed runs)."""
    with _admin() as conn:
        names = [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'infrai\\_t\\_%'")]
        for name in names:
            # new_name(kind) → infrai_t_<kind><pid>_<n>_<ms>; kind is letters/underscores.
            m = re.match(rf"^{PREFIX}[a-z_]*?(\d+)_\d+_\d+$", str(name))
            if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
                with contextlib.suppress(psycopg.Error):
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_name(kind: str = "") -> str:
    return f"{PREFIX}{kind}{os.getpid()}_{next(_counter)}_{int(time.time() * 1000) % 100000}"


def create_database(name: str, template: str | None = None) -> None:
    with _admin() as conn:
        stmt = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        for attempt in range(50):
            try:
                conn.execute(stmt)  # type: ignore[arg-type]
                return
            except psycopg.errors.ObjectInUse:
                # A just-closed connection to the template may still be ending server-side.
                if attempt == 49:
                    raise
                time.sleep(0.05)


def drop_database(name: str) -> None:
    with _admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def build_template(migrations: str | Sequence[Migration] = "postgres") -> str:
    """A new database with every migration applied; the caller drops it at session end."""
    name = new_name("tpl_")
    create_database(name)
    try:
        db = PgDB(db_url(name), migrations=migrations)
        asyncio.run(db.migrate())
        # Templates must have no connections; mark it so nobody connects by accident.
        with _admin() as conn:
            conn.execute(f"UPDATE pg_database SET datistemplate = true WHERE datname = '{name}'")  # type: ignore[arg-type]
    except BaseException:
        drop_database(name)
        raise
    return name


def drop_template(name: str) -> None:
    with _admin() as conn:
        conn.execute(f"UPDATE pg_database SET datistemplate = false WHERE datname = '{name}'")  # type: ignore[arg-type]
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


class DatabasePool:
    """Fresh copies of a template, created AHEAD of need and dropped BEHIND, on threads.

    A CREATE DATABASE .. TEMPLATE plus its DROP cost ~0.2-1 s on a busy machine; done
    serially they dominated the suite. Tests only wait when the pool falls behind."""

    def __init__(self, template: str, ahead: int = 2) -> None:
        self.template = template
        self._ready: queue.Queue[str | BaseException] = queue.Queue(maxsize=ahead)
        self._dead: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._creator = threading.Thread(target=self._create_loop, name="pg-create", daemon=True)
        self._dropper = threading.Thread(target=self._drop_loop, name="pg-drop", daemon=True)
        self._creator.start()
        self._dropper.start()

    def _create_loop(self) -> None:
        while not self._stop.is_set():
            name = new_name()
            try:
                create_database(name, template=self.template)
            except BaseException as exc:  # surfaced to the test that asks next
                self._ready.put(exc)
                return
            while not self._stop.is_set():
                try:
                    self._ready.put(name, timeout=0.2)
                    break
                except queue.Full:
                    continue
            else:
                drop_database(name)

    def _drop_loop(self) -> None:
        while True:
            name = self._dead.get()
            if name is None:
                return
            with contextlib.suppress(psycopg.Error):
                drop_database(name)

    def get(self) -> str:
        item = self._ready.get(timeout=120)
        if isinstance(item, BaseException):
            raise item
        return item

    def release(self, name: str) -> None:
        self._dead.put(name)

    def close(self) -> None:
        self._stop.set()
        self._creator.join(30)
        while True:
            try:
                item = self._ready.get_nowait()
            except queue.Empty:
                break
            if isinstance(item, str):
                self._dead.put(item)
        self._dead.put(None)
        self._dropper.join(120)
