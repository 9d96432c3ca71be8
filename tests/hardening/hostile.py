"""A harness for hostile-input tests that runs the same on SQLite and PostgreSQL.

``Hostile`` holds a real engine, a REST client of its app (project ``acme``), an MCP client of
its tools (project ``acme`` too) and two store hooks: ``state()`` (every row of every data
table, to prove a refusal changed nothing) and ``poke(sql, *params)`` (a direct write, to put
a poisoned record in the store as an older version or a hand edit could have).
tests/hardening/test_hostile_input.py builds it on SQLite; tests/pg/test_pg_hostile_input.py
on PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from mcp import Client

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.mcp import build_server
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key

PROJECT = "acme"
# Rows that change without any request: the dispatch lease and key use times.
NOT_DATA = frozenset({"leases", "api_keys", "schema_migrations"})
State = dict[str, list[tuple[Any, ...]]]


@dataclass
class Hostile:
    engine: Engine
    rest: httpx.AsyncClient
    mcp: Client
    state: Callable[[], Awaitable[State]]
    poke: Callable[..., Awaitable[None]]

    async def tool(self, name: str, /, **args: Any) -> tuple[bool, Any]:
        """(is_error, structured result or error text)."""
        res = await self.mcp.call_tool(name, args)
        text = res.content[0].text if res.content else ""  # type: ignore[union-attr]
        return bool(res.is_error), (text if res.is_error else res.structured_content)


def deep(levels: int, leaf: Any = 1) -> Any:
    """A JSON value with ``levels`` containers nested (objects and arrays alternating)."""
    value = leaf
    for i in range(levels):
        value = {"a": value} if i % 2 else [value]
    return value


def deep_text(levels: int) -> str:
    return "[" * levels + "1" + "]" * levels


def _sqlite_hooks(engine: Engine) -> tuple[Callable[[], Awaitable[State]], Callable[..., Awaitable[None]]]:
    db: Any = engine.store.db  # type: ignore[attr-defined]

    def dump(conn: Any) -> State:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {n: sorted(map(tuple, conn.execute(f'SELECT * FROM "{n}"').fetchall()), key=repr)
                for n in names if n not in NOT_DATA and not n.startswith("sqlite_")}

    async def state() -> State:
        result: State = await db.read(dump)
        return result

    async def poke(sql: str, *params: Any) -> None:
        await db.write(lambda conn: conn.execute(sql, params))

    return state, poke


def _pg_hooks(engine: Engine) -> tuple[Callable[[], Awaitable[State]], Callable[..., Awaitable[None]]]:
    db: Any = engine.store.db  # type: ignore[attr-defined]

    async def dump(conn: Any) -> State:
        cur = await conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                                 "ORDER BY tablename")
        names = [r["tablename"] for r in await cur.fetchall()]
        out: State = {}
        for n in names:
            if n in NOT_DATA:
                continue
            cur = await conn.execute(f'SELECT * FROM "{n}"')
            out[n] = sorted((tuple(r.values()) for r in await cur.fetchall()), key=repr)
        return out

    async def state() -> State:
        result: State = await db.read(dump)
        return result

    async def poke(sql: str, *params: Any) -> None:
        async def run(conn: Any) -> None:
            await conn.execute(sql.replace("?", "%s"), params)

        await db.write(run)

    return state, poke


@asynccontextmanager
async def hostile_harness(engine: Engine, *, postgres: bool) -> AsyncIterator[Hostile]:
    async with engine:
        _, key = await create_key(engine.store, PROJECT)
        app = create_app(engine, engine.settings)
        rest = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test",
                                 headers={"Authorization": f"Bearer {key}"})
        server = build_server(EmbeddedBackend(engine, PROJECT), engine.settings)
        state, poke = _pg_hooks(engine) if postgres else _sqlite_hooks(engine)
        async with rest, Client(server) as mcp:
            yield Hostile(engine, rest, mcp, state, poke)


def error_of(resp: httpx.Response, status: int) -> dict[str, Any]:
    assert resp.status_code == status, (resp.status_code, resp.text)
    err: dict[str, Any] = resp.json()["error"]
    assert set(err) >= {"code", "message"}
    return err


def body_of(resp: httpx.Response) -> Any:
    assert resp.status_code < 300, (resp.status_code, resp.text)
    data = resp.json()
    return data.get("data", data) if isinstance(data, dict) else data


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
