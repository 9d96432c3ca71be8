"""QueueStore: persistence of queues, messages and dead letters (webhooks: webhook_store.py).

The contract, once, for every implementation (SQLite now, PostgreSQL later). The
behaviour suite in ``tests/queues`` runs against ``QueueService`` over any store.

- Rows are plain dicts keyed by the column names of ``sql/sqlite/0002_queues.sql``;
  instants are float unix seconds (UTC); payloads are JSON text. No pydantic here:
  ``QueueService`` maps rows to records and validates arguments first.
- Every method is ONE transaction and filters by ``project``; another project's queue
  behaves exactly like an unknown one. A method that raises has changed nothing.
- Errors are ``infrai_mcp.core.errors`` types with the messages built by the helpers below,
  so every store words them the same way.
- Message states: ``ready`` (visible when ``visible_at`` <= now, else delayed),
  ``leased`` (in flight until ``visible_at``), ``dead`` (dead letter kept in its source
  queue, which has no DLQ). ``attempts`` counts deliveries in the current queue and is
  what ``max_retries`` limits; ``receive_count`` counts deliveries over the whole life.
- A failure (nack with requeue, or an expired lease found by ``claim``/``sweep``) of a
  message with ``attempts > max_retries`` dead-letters it: into the queue's DLQ as a ready
  message (``attempts`` reset, history kept in ``source_queue``/``dead_lettered_at``/
  ``last_error``), or, without a DLQ, as ``dead`` in place.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from infrai_mcp.core.errors import Conflict, InvalidInput, LimitExceeded, NotFound
from infrai_mcp.core.ids import new_id
from infrai_mcp.store.webhooks import WebhookStore

Row = dict[str, Any]


@dataclass
class NewMessage:
    """A validated message to publish (payload already JSON text)."""

    payload: str
    delay_seconds: float = 0.0
    priority: int = 0
    group_id: str | None = None
    idempotency_key: str | None = None


@dataclass
class Handle:
    """What ack/nack name a message by: its id, its receipt, or both."""

    message_id: str | None = None
    receipt: str | None = None


@dataclass
class Settled:
    """The outcome of one ack/nack. ``problem`` is None on success, else why it was refused:
    ``unknown`` (no such message in the queue) or ``stale`` (not under this lease)."""

    message_id: str
    problem: str | None = None
    detail: str = ""
    requeued: bool = False
    dead_lettered: bool = False


_SUFFIX = "0123456789abcdefghjkmnpqrstvwxyz"


def message_ids(count: int) -> list[str]:
    """``count`` new message ids, time-ordered like every id, in publish order.

    One ``new_id`` per batch plus a two-character sequence suffix: ``new_id`` costs a lock,
    urandom and a base32 loop, which at 100 ids per publish was a visible share of the
    batch's cost. Ids stay unique (the base is) and sort in publish order."""
    if count > len(_SUFFIX) ** 2:
        raise ValueError(f"at most {len(_SUFFIX) ** 2} ids per call")
    base = new_id("msg")
    return [base + _SUFFIX[i // 32] + _SUFFIX[i % 32] for i in range(count)]


def queue_full(queue: str, depth: int, adding: int, limit: int) -> LimitExceeded:
    return LimitExceeded(
        f"queue {queue!r} holds {depth} messages (available, in flight and delayed); adding {adding} would "
        f"pass the limit of {limit} messages per queue (INFRAI_MAX_QUEUE_DEPTH). Consume and acknowledge "
        "messages, or purge the queue, before publishing more"
    )


def no_queue(name: str) -> NotFound:
    return NotFound(f"No queue {name!r}.", hint="queue")


def no_message(queue: str, ref: str) -> NotFound:
    return NotFound(
        f"No message {ref!r} in queue {queue!r} (it was acked, purged, expired or never existed).",
        hint="message",
    )


def queue_exists(name: str) -> Conflict:
    return Conflict(f"A queue named {name!r} already exists; use it, or update it to change its settings.",
                    hint="queue_exists")


def dlq_in_use(name: str, users: list[str]) -> Conflict:
    return Conflict(
        f"Queue {name!r} is the dead-letter queue of {', '.join(map(repr, users))}; point those at another "
        "queue (their dead_letter_queue) or delete them first.", hint="dlq_in_use",
    )


def stale_lease(queue: str, message_id: str, detail: str) -> Conflict:
    return Conflict(
        f"The lease on message {message_id!r} in queue {queue!r} is no longer yours: {detail}. "
        "Nothing was changed; the message will be (or was) delivered again.", hint="lease",
    )


def receipt_message_id(receipt: str) -> str | None:
    """The message id inside a receipt (``<message_id>.<receive_count>.<random>``)."""
    head, sep, _ = receipt.partition(".")
    return head if sep and head.startswith("msg_") else None


def check_lease(h: Handle, mid: str | None, found: Row | None, now: float) -> Row | Settled:
    """The message row ``found`` for ``h`` (its id ``mid``) if ``h`` holds its current lease, else why not."""
    if mid is None:
        return Settled(h.receipt or "", "unknown")
    if h.message_id and h.receipt and receipt_message_id(h.receipt) != h.message_id:
        return Settled(mid, "stale", "the receipt belongs to another message")
    if found is None or found["state"] == "dead":
        return Settled(mid, "unknown")
    if found["state"] != "leased":
        return Settled(mid, "stale", "it is not in flight (its lease expired or it was nacked)")
    if h.receipt is not None and found["receipt"] != h.receipt:
        count = found["receive_count"]
        return Settled(mid, "stale", f"it was delivered again after your lease expired (receive_count {count})")
    if found["visible_at"] <= now:
        return Settled(mid, "stale", "your lease expired before this call")
    return found


def check_dead_letter_target(project: str, queue: str, qtype: str, dlq: Row | None, dlq_name: str, field: str) -> None:
    """Shared validation of a ``dead_letter_queue`` argument against the row found."""
    if dlq_name == queue:
        raise InvalidInput(f"{field}: a queue cannot be its own dead-letter queue; name another queue", field=field)
    if dlq is None:
        raise InvalidInput(
            f"{field}: no queue {dlq_name!r} in this project; create it first (same type)",
            field=field,
        )
    if dlq["type"] != qtype:
        raise InvalidInput(
            f"{field}: queue {dlq_name!r} is {dlq['type']} but {queue!r} is {qtype}; a DLQ must be of the same type",
            field=field,
        )


# Columns ``update_queue`` writes back (the rest of a queue row never changes).
QUEUE_UPDATE_COLUMNS = ("project", "name", "dead_letter_queue", "max_retries", "message_retention_days",
                        "visibility_timeout_default", "enable_priority")
MAX_DLQ_HOPS = 64  # a DLQ chain is followed this far when checking it for a loop


def next_dlq_hop(queue: str, dlq_name: str, hop: Row | None) -> str | None:
    """One step of the DLQ loop check, as both stores walk the chain from the new target.

    ``hop`` is the queue row reached so far (None: the chain ended). Returns the name of the
    next queue to look up, None when the chain ends, and raises when it leads back to
    ``queue``: a dead letter would bounce between them forever (a -> b -> a)."""
    if hop is None or not hop["dead_letter_queue"]:
        return None
    if hop["dead_letter_queue"] == queue:
        raise InvalidInput(
            f"dead_letter_queue: {dlq_name!r} already dead-letters (directly or through others) "
            f"into {queue!r}; a DLQ chain must not loop",
            field="dead_letter_queue",
        )
    return str(hop["dead_letter_queue"])


class QueueStore(WebhookStore, ABC):
    """Queues, messages and dead letters. See the module docstring."""

    # Set by the Engine from Settings; ``publish`` refuses (``LimitExceeded``, nothing
    # stored) when the queue's depth plus the new messages would pass it. SQLite keeps the
    # depth in the queue's row (migration 0006); PostgreSQL bounds or counts it in publish's
    # transaction (pg_queue_admin.py, docs/GUARANTEES.md).
    max_queue_depth: int | None = None

    # -- queues -------------------------------------------------------------------------
    @abstractmethod
    async def insert_queue(self, row: Row, idempotency_key: str | None, dedup_since: float) -> tuple[Row, bool]:
        """Create a queue. With an ``idempotency_key`` seen since ``dedup_since``: return
        ``(that queue, False)``. Conflict when the name exists; InvalidInput (field
        ``dead_letter_queue``) when the DLQ is missing, of another type or the queue itself."""

    @abstractmethod
    async def get_queue(self, project: str, name: str) -> Row | None: ...

    @abstractmethod
    async def list_queues(self, project: str, *, cursor: str | None, limit: int) -> list[Row]:
        """Oldest first (``id > cursor``), at most ``limit`` rows."""

    @abstractmethod
    async def update_queue(self, project: str, name: str, changes: Row) -> Row:
        """Apply column changes (``dead_letter_queue`` validated as on insert, and no DLQ
        cycles). New priority settings apply to messages published afterwards."""

    @abstractmethod
    async def delete_queue(self, project: str, name: str) -> None:
        """Delete the queue, its messages and subscriptions. Conflict when it is the DLQ
        of another queue or subscription. NotFound when unknown."""

    @abstractmethod
    async def purge_queue(self, project: str, name: str) -> int:
        """Delete every ready/leased message; dead letters are kept. Returns the count."""

    @abstractmethod
    async def queue_stats(self, project: str, name: str, now: float) -> Row:
        """``available`` (visible now, including expired leases), ``in_flight``,
        ``delayed``, ``dlq`` (dead letters whose source is this queue), ``oldest``
        (earliest enqueued_at of a live message, or None)."""

    # -- messages -----------------------------------------------------------------------
    @abstractmethod
    async def publish(
        self,
        project: str,
        queue: str,
        messages: list[NewMessage],
        *,
        now: float,
        dedup_since: float,
        batch_key: str | None = None,
    ) -> list[tuple[str, bool]]:
        """Insert all messages or none; ``(message_id, duplicate)`` in input order. A
        message whose ``idempotency_key`` was used on this queue since ``dedup_since``
        (or earlier in the same batch) stores nothing and returns the first id. A
        ``batch_key`` seen since ``dedup_since`` returns the first batch's result."""

    @abstractmethod
    async def claim(self, project: str, queue: str, limit: int, lease_seconds: float | None, now: float) -> list[Row]:
        """Lease up to ``limit`` visible messages for ``lease_seconds`` (None: the queue's
        ``visibility_timeout_default``); first processes
        this queue's expired leases as failures. Standard queues: ``rank`` DESC then
        publish order. FIFO queues: publish order per group (no ``group_id`` = one group);
        a group with a message in flight, or whose next message is delayed, is skipped.
        Each returned row has a fresh ``receipt`` and incremented counters."""

    @abstractmethod
    async def ack(self, project: str, queue: str, handles: list[Handle], now: float) -> list[Settled]:
        """Delete each message that is leased under this receipt (or, by id alone, whose
        lease is current). Others are reported, not raised: one bad handle does not undo
        the rest. NotFound only for an unknown queue."""

    @abstractmethod
    async def nack(
        self,
        project: str,
        queue: str,
        handle: Handle,
        *,
        requeue: bool,
        error: str | None,
        now: float,
        delay: float = 0.0,
        max_retries: int | None = None,
        dead_letter_queue: str | None = None,
    ) -> Settled:
        """Release a leased message as a failure: visible again after ``delay`` unless
        ``attempts > max_retries`` (the queue's unless given) or ``requeue`` is False,
        which dead-letter it (into ``dead_letter_queue`` when given, else the queue's)."""

    @abstractmethod
    async def list_dead_letters(self, project: str, queue: str, *, cursor: str | None, limit: int) -> list[Row]:
        """Dead letters whose source is ``queue`` (or that sit in ``queue`` as its DLQ),
        by message id (``id > cursor``)."""

    @abstractmethod
    async def redrive(
        self, project: str, queue: str, *, message_id: str | None, since: float | None, limit: int, now: float
    ) -> int:
        """Move dead letters (selected as in ``list_dead_letters``; one by id, or all
        dead-lettered at/after ``since``) back to their source queue, visible now with
        ``attempts`` reset. NotFound for an unknown ``message_id``. Returns the count."""

    @abstractmethod
    async def sweep(self, now: float, dedup_since: float) -> Row:
        """Maintenance over every project: expired leases processed as failures, messages
        older than their queue's retention deleted, idempotency keys older than
        ``dedup_since`` forgotten. Returns counts ``reaped``, ``expired``, ``keys``."""

    @abstractmethod
    async def next_visible(self, project: str, queue: str, now: float) -> float | None:
        """The earliest instant after ``now`` at which a message of the queue could become
        claimable (a delay or a lease ending), for long-poll wake-ups. None: nothing."""
