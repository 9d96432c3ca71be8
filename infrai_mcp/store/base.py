"""The Store seam: everything the engine persists, behind one interface.

``Store`` is the union of ``JobStore`` (store/jobs.py), ``QueueStore``
(store/queues.py) and ``KeyStore`` (store/keys.py: the REST server's API keys); each
documents its own methods' contract once. Every method is one transaction, takes the
``project`` it acts for, and raises ``infrai_mcp.core.errors`` types.
Implementations: ``SqliteStore`` (store/sqlite/store.py, default, embedded) and
``PostgresStore`` (store/postgres/store.py); ``open_store`` (store/open.py) picks one.
"""

from __future__ import annotations

from abc import ABC

from infrai_mcp.store.jobs import JobStore
from infrai_mcp.store.keys import KeyStore
from infrai_mcp.store.queues import QueueStore


class Store(JobStore, QueueStore, KeyStore, ABC):
    async def open(self) -> None:
        """Connect and apply migrations."""
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError
