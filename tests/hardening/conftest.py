"""Fixtures of the hardening suite: real engines on SQLite files in tmp_path, real HTTP
receivers on 127.0.0.1, and a store snapshot to prove that a refused request changed nothing.

Everything is waited on with a bound (``until``, ``Receiver.wait_for``); nothing asserts time.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
P = "default"


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
