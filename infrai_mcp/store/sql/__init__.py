"""The SQL of both stores: ``<dialect>/NNNN_name.sql`` migrations and ``<dialect>/queries/*.sql``
files of ``-- name: x`` blocks, read by the loaders below (shared by SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from importlib import resources

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z0-9_]+)\s*$", re.MULTILINE)


def load_named_queries(folder: str) -> dict[str, str]:
    """Read every ``-- name: x`` block of ``infrai_mcp/store/sql/<folder>/*.sql``."""
    out: dict[str, str] = {}
    base = resources.files(__name__) / folder
    if not base.is_dir():
        return out
    for entry in sorted(base.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".sql"):
            continue
        text = entry.read_text(encoding="utf-8")
        parts = _NAME.split(text)
        # parts = [preamble, name1, body1, name2, body2, ...]
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            if name in out:
                raise RuntimeError(f"duplicate query name {name!r} in {folder}/{entry.name}")
            out[name] = body.strip().rstrip(";")
    return out


def migration_files(folder: str) -> list[tuple[int, str, str]]:
    """(version, name, sql) of ``infrai_mcp/store/sql/<folder>/NNNN_name.sql``, in order."""
    base = resources.files(__name__) / folder
    found = []
    for entry in base.iterdir():
        m = re.match(r"^(\d{4})_([A-Za-z0-9_]+)\.sql$", entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version number in {folder}: {versions}")
    return found
