"""WebhookStore: persistence of outbound webhook deliveries and push subscriptions.

Same conventions as ``store_queues.py`` (rows are dicts, instants float unix seconds, one
transaction per method, every caller-facing method filters by ``project``). Secrets are
stored because every retry must be signed, but no method's row is ever shown as is:
services map rows to records that carry ``has_secret`` only.

The worker side (``claim_deliveries``, ``push_candidates``) spans projects: one engine
delivers for a whole data dir.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

Row = dict[str, Any]


class WebhookStore(ABC):
    # -- push subscriptions -------------------------------------------------------------
    @abstractmethod
    async def insert_subscription(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        """Create a subscription on an existing queue (NotFound otherwise); its
        ``dead_letter_queue`` is validated like a queue's. An ``idempotency_key`` seen
        since ``dedup_since`` returns ``(that subscription, False)``."""

    @abstractmethod
    async def list_subscriptions(self, project: str, queue: str) -> list[Row]:
        """Oldest first. NotFound for an unknown queue."""

    @abstractmethod
    async def delete_subscription(self, project: str, queue: str, subscription_id: str) -> bool:
        """False when there is no such subscription on that queue."""

    @abstractmethod
    async def push_candidates(self, now: float) -> list[Row]:
        """Every subscription (all projects) whose queue has a message visible now."""

    # -- deliveries ---------------------------------------------------------------------
    @abstractmethod
    async def insert_delivery(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        """Store a pending delivery; an ``idempotency_key`` seen since ``dedup_since``
        returns ``(that delivery, False)``."""

    @abstractmethod
    async def get_delivery(self, project: str, delivery_id: str) -> Row | None: ...

    @abstractmethod
    async def list_deliveries(self, project: str, *, state: str | None, cursor: str | None, limit: int) -> list[Row]:
        """Newest first (ids are time-ordered); ``cursor`` is the last id of the previous page."""

    @abstractmethod
    async def claim_deliveries(self, now: float, lease_margin: float, limit: int) -> list[Row]:
        """Pending deliveries due at ``now`` and delivering ones whose lease expired (a
        crashed worker), marked delivering until ``now + timeout_seconds + lease_margin``.
        Oldest due first."""

    @abstractmethod
    async def record_delivery_attempt(
        self, project: str, delivery_id: str, attempt: Row, *, state: str, next_attempt_at: float | None, now: float
    ) -> None:
        """Append ``attempt`` (an Attempt record as a dict) and move to ``state``
        (pending with ``next_attempt_at``, succeeded or failed with ``finished_at``)."""

    @abstractmethod
    async def next_delivery_due(self) -> float | None:
        """The earliest ``next_attempt_at`` of pending or delivering deliveries."""

    async def prune_deliveries(self, finished_before: float, limit: int = 5000) -> int:
        """Delete up to ``limit`` deliveries that finished before ``finished_before``.

        Not abstract so that a store written before this method existed still loads; it
        then keeps every delivery (the SQLite store implements it)."""
        return 0
