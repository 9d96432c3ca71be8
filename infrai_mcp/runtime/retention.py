"""Run-history retention: finished runs older than their job's ``retention_days`` go.

The engine prunes by itself (no cron needed): once at start and then every
``interval`` seconds, in bounded batches so one sweep never holds the writer long.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infrai_mcp.services.deps import Deps

log = logging.getLogger("infrai.retention")

PRUNE_INTERVAL = 3600.0
BATCH = 5000


async def prune_once(engine: Deps) -> int:
    total = 0
    while True:
        n = await engine.store.prune_runs(engine.clock.now().timestamp(), BATCH)
        total += n
        if n < BATCH:
            break
        await asyncio.sleep(0)  # let other writers in between batches
    if total:
        log.info("pruned %d run(s) past their retention", total)
    return total


async def retention_loop(engine: Deps, interval: float = PRUNE_INTERVAL) -> None:
    while True:
        try:
            await prune_once(engine)
        except Exception:
            log.exception("run retention sweep failed; next try in %.0f s", interval)
        await asyncio.sleep(interval)
