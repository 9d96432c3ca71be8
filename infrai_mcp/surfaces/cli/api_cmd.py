"""``infrai-mcp keys create|list|revoke``: API keys of the REST server (``infrai-mcp serve``).

A key belongs to one project; everything created with it is visible only to that project's
keys. The plaintext key is printed once, at creation; only its hash is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from infrai_mcp.config import Settings
from infrai_mcp.core.errors import InfraiError
from infrai_mcp.core.hints import render
from infrai_mcp.store.base import Store
from infrai_mcp.store.open import open_store

T = TypeVar("T")


def register(sub: Any) -> None:
    keys = sub.add_parser("keys", help="Create, list and revoke API keys for `infrai-mcp serve`.")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)

    create = keys_sub.add_parser("create", help="Create a key for a project and print it (once).")
    create.add_argument("--project", required=True, help="Project the key acts for (letters, digits, _ . -).")
    create.add_argument("--name", default=None, help="A label to tell keys apart, e.g. 'ci' or 'alice-laptop'.")
    create.set_defaults(func=_create)

    ls = keys_sub.add_parser("list", help="List keys (id, project, prefix, state); never the keys themselves.")
    ls.add_argument("--project", default=None, help="Only this project's keys.")
    ls.set_defaults(func=_list)

    revoke = keys_sub.add_parser("revoke", help="Revoke a key by id; requests with it answer 401 from now on.")
    revoke.add_argument("key_id", help="The key id shown by `keys list` (key_...).")
    revoke.set_defaults(func=_revoke)


def _with_store(fn: Callable[[Store], Awaitable[T]]) -> T:
    async def run() -> T:
        store = open_store(Settings.from_env())
        await store.open()
        try:
            return await fn(store)
        finally:
            await store.close()

    return asyncio.run(run())


def _fail(exc: InfraiError) -> int:
    print(f"error: {render(exc, 'cli')}", file=sys.stderr)
    return 2


def _create(args: argparse.Namespace) -> int:
    from infrai_mcp.surfaces.rest.keys import create_key

    try:
        info, key = _with_store(lambda store: create_key(store, args.project, args.name))
    except InfraiError as exc:
        return _fail(exc)
    print(key)
    print(
        f"created {info.key_id} for project {info.project!r}. Store the key now: it is not shown again.\n"
        f"Use it as `Authorization: Bearer <key>` (or INFRAI_API_KEY for the MCP remote backend).",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    infos = _with_store(lambda store: store.key_list(args.project))
    if not infos:
        print("no keys; create one with `infrai-mcp keys create --project NAME`", file=sys.stderr)
        return 0
    for info in infos:
        state = "active" if info.active else f"revoked {info.revoked_at:%Y-%m-%d %H:%M}Z"
        print(
            f"{info.key_id}\t{info.project}\t{info.prefix}...\t{info.name or '-'}\t"
            f"created {info.created_at:%Y-%m-%d %H:%M}Z\t{state}"
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        info = _with_store(lambda store: store.key_revoke(args.key_id, datetime.now(UTC)))
    except InfraiError as exc:
        return _fail(exc)
    print(f"revoked {info.key_id} (project {info.project!r}, {info.prefix}...)")
    return 0
