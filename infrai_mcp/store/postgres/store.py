"""``PostgresStore``: the whole Store (jobs, queues, webhooks, API keys) on one PostgreSQL database.

Selected by ``INFRAI_DATABASE_URL=postgresql://...`` (``store.open.open_store``). Any number of
processes on any number of machines may open the same database: see docs/SCALE_OUT.md.
"""

from __future__ import annotations

from collections.abc import Callable

from infrai_mcp.store.base import Store
from infrai_mcp.store.postgres.db import PgDB
from infrai_mcp.store.postgres.jobs import DUE_CHANNEL, PgJobStore
from infrai_mcp.store.postgres.keys import PgKeyStore
from infrai_mcp.store.postgres.queues import QUEUE_CHANNEL, PgQueueStore
from infrai_mcp.store.postgres.rows import DELIVERY_CHANNEL


class PostgresStore(PgJobStore, PgQueueStore, PgKeyStore, Store):
    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        self.db = PgDB(url, pool_size=pool_size or 8)

    async def open(self) -> None:
        await self.db.start(channels=(DUE_CHANNEL, QUEUE_CHANNEL, DELIVERY_CHANNEL))

    async def close(self) -> None:
        await self.db.close()

    def add_wake_listener(self, callback: Callable[[str, str], None]) -> None:
        """Call ``callback(kind, detail)`` when ANOTHER process (or this one) commits work:

        - ``("due", "")``: a job or run became due sooner (scheduler: re-evaluate now);
        - ``("queue", "<project>/<queue>")``: messages were published or made visible
          (queue long-polls of that queue: claim again);
        - ``("delivery", "")``: a webhook delivery was queued.

        After a lost LISTEN connection every callback is called once with detail "" (work
        may have arrived meanwhile). Delivered on the event loop; keep callbacks cheap. The
        bounded poll of each loop stays the safety net either way.
        """
        if self.db.listener is None:
            raise RuntimeError("open() the store before adding wake listeners")
        def bound(kind: str) -> Callable[[str], None]:
            return lambda payload: callback(kind, payload)

        for kind, channel in (("due", DUE_CHANNEL), ("queue", QUEUE_CHANNEL), ("delivery", DELIVERY_CHANNEL)):
            self.db.listener.add_handler(channel, bound(kind))

    async def wait_for_due(self, timeout: float) -> bool:
        """Sleep until due work was committed (NOTIFY) or ``timeout`` passes; True when notified."""
        return await self.db.wait(DUE_CHANNEL, timeout)
