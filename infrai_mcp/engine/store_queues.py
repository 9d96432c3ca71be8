"""QueueStore: persistence of queues, messages, dead letters, deliveries and subscriptions.

(Filled in by the queue layer; see docs/ARCHITECTURE.md.)
"""

from __future__ import annotations

from abc import ABC


class QueueStore(ABC):  # noqa: B024 - methods are added by the queue layer
    """Queues, messages, DLQ, webhook deliveries, push subscriptions."""
