"""``PostgresStore``: the whole Store (jobs, queues, webhooks, API keys) on one PostgreSQL database.

Selected by ``INFRAI_DATABASE_URL=postgresql://...`` (``engine.open_store``). Any number of
processes on any number of machines may open the same database: see docs/SCALE_OUT.md.
"""

from __future__ import annotations

import os

from infrai_mcp.engine.pg_db import PgDB
from infrai_mcp.engine.pg_jobs import DUE_CHANNEL, PgJobStore
from infrai_mcp.engine.pg_keys import PgKeyStore
from infrai_mcp.engine.pg_queues import PgQueueStore
from infrai_mcp.engine.store import Store


class PostgresStore(PgJobStore, PgQueueStore, PgKeyStore, Store):
    def __init__(self, url: str, *, pool_size: int | None = None) -> None:
        env_pool = os.environ.get("INFRAI_PG_POOL_SIZE")
        self.db = PgDB(url, pool_size=pool_size or (int(env_pool) if env_pool else 8))

    async def open(self) -> None:
        await self.db.start()
        if self.db.listener is not None:
            await self.db.listener.listen(DUE_CHANNEL)

    async def close(self) -> None:
        await self.db.close()

    async def wait_for_due(self, timeout: float) -> bool:
        """Sleep until another process wrote due work (NOTIFY) or ``timeout`` passes.

        The scheduler's wait can race this against its own wake event; True when notified.
        """
        return await self.db.wait(DUE_CHANNEL, timeout)
