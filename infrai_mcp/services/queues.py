"""QueueService: queues, messages, DLQ and push subscriptions (operations take the project first).

Semantics are documented for users in docs/QUEUES.md and for stores in store_queues.py.
This layer validates arguments, maps store rows to records, and implements long-poll:
a consume with ``wait_seconds`` waits on a per-queue ``asyncio.Event`` that publish and
nack set, and re-checks the store at least every ``RECHECK_SECONDS`` because another
process (a second ``serve``, the CLI) can publish without touching our events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import TYPE_CHECKING

from infrai_mcp.core.errors import Conflict, InvalidInput, NotFound
from infrai_mcp.core.ids import new_id
from infrai_mcp.models.common import MAX_PAGE, Page
from infrai_mcp.models.jobs import Deleted
from infrai_mcp.models.queues import (
    MAX_BATCH,
    MAX_CONSUME,
    MAX_VISIBILITY,
    MAX_WAIT,
    QUEUE_NAME_PATTERN,
    AckResult,
    DeadLetter,
    Message,
    MessageIn,
    NackResult,
    Published,
    Purged,
    Queue,
    QueueCreate,
    QueueStats,
    QueueUpdate,
    Redriven,
    RedriveRequest,
    Subscription,
    SubscriptionCreate,
)
from infrai_mcp.services.push import PushWorker
from infrai_mcp.services.queue_records import (
    dead_letter_record,
    encode_payload,
    message_records,
    queue_record,
    subscription_record,
    trusted,
)
from infrai_mcp.services.validate import check_cursor
from infrai_mcp.store.queues import Handle, NewMessage, Row, Settled, no_message, no_queue, stale_lease

if TYPE_CHECKING:
    from infrai_mcp.services.deps import Deps
    from infrai_mcp.store.base import Store

log = logging.getLogger("infrai.queues")

# Idempotency keys dedupe for 24 h: agents retry across long pauses (a model turn, a human
# approval), so SQS's 5 minutes would let real duplicates through. docs/QUEUES.md.
DEDUP_WINDOW_SECONDS = 24 * 3600
RECHECK_SECONDS = 0.5  # long-poll re-check for publishes by other processes
# Lease expiry / retention / key expiry pass. Claims reap their own queue's expired leases
# at once, so this pass only moves leases of queues nobody consumes; retention scans every
# message of each queue, which is why it is not run more often.
SWEEP_SECONDS = 60.0
MAX_ERROR_CHARS = 2000


def _check_range(field: str, value: float, low: float, high: float, unit: str = "") -> None:
    if not low <= value <= high:
        raise InvalidInput(f"{field}: {value} is out of range; use {low:g} to {high:g}{unit}", field=field)


def _raise_settled(queue: str, s: Settled) -> None:
    if s.problem == "unknown":
        raise no_message(queue, s.message_id)
    if s.problem == "stale":
        raise stale_lease(queue, s.message_id, s.detail)


class QueueService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._events: dict[tuple[str, str], asyncio.Event] = {}
        self.push = PushWorker(deps)
        deps.add_background(self._sweep_loop, name="queue-sweep")
        deps.add_background(self.push.run, name="queue-push")

    @property
    def store(self) -> Store:
        return self.deps.store

    def _now(self) -> float:
        return self.deps.clock.now().timestamp()

    # -- wake-ups -----------------------------------------------------------------------
    def _event(self, project: str, queue: str) -> asyncio.Event:
        key = (project, queue)
        event = self._events.get(key)
        if event is None:
            event = self._events[key] = asyncio.Event()
        return event

    def notify(self, project: str, queue: str) -> None:
        """Wake long-polls and the push worker: the queue may have something visible now."""
        event = self._events.pop((project, queue), None)
        if event is not None:
            event.set()  # waiters hold this event; the next waiter gets a fresh one
        self.push.wake()
        self.deps.tell_peer("queue", f"{project}/{queue}")

    def notify_all(self, project: str | None = None) -> None:
        """Wake every long-poll (of one project, or all) and the push worker."""
        for key in list(self._events):
            if project is None or key[0] == project:
                self.notify(*key)
        self.push.wake()

    # -- queues -------------------------------------------------------------------------
    async def queue_create(self, project: str, req: QueueCreate) -> Queue:
        now = self._now()
        row = {
            "project": project,
            "name": req.name,
            "id": new_id("q"),
            "type": req.type,
            "dead_letter_queue": req.dead_letter_queue,
            "max_retries": req.max_retries,
            "message_retention_days": req.message_retention_days,
            "visibility_timeout_default": req.visibility_timeout_default,
            "enable_priority": int(req.enable_priority),
            "created_at": now,
        }
        stored, _ = await self.store.insert_queue(row, req.idempotency_key, now - DEDUP_WINDOW_SECONDS)
        return queue_record(stored)

    # -- queues made on first use (docs/QUEUES.md, "Queues made on first use") ----------------
    async def queue_missing(self, project: str, queue: str, field: str) -> bool:
        """True when ``queue`` does not exist yet and will be created on first use; InvalidInput
        (naming ``field``) when it does not exist and INFRAI_AUTO_CREATE_QUEUES=0 forbids that."""
        if await self.store.get_queue(project, queue) is not None:
            return False
        if not self.deps.settings.auto_create_queues:
            raise InvalidInput(
                f"{field}: no queue {queue!r} in this project, and queues are not created on first use "
                f"(INFRAI_AUTO_CREATE_QUEUES=0); create it first, e.g. queue create {queue}", field=field,
            )
        return True

    async def auto_create(self, project: str, queue: str) -> str:
        """Create ``queue`` as a standard queue with the defaults; the warning that says so."""
        if not re.fullmatch(QUEUE_NAME_PATTERN, queue):
            raise InvalidInput(
                f"queue: no queue {queue!r}, and it cannot be created: a queue name is 1-80 letters, digits, "
                "_ . - starting with a letter or digit, e.g. send-daily-digest", field="queue",
            )
        with contextlib.suppress(Conflict):  # created meanwhile by another caller: the same outcome
            await self.queue_create(project, QueueCreate.model_validate({"name": queue}))
        return (f"queue {queue!r} did not exist and was created as a standard queue with default settings "
                "(change them with queue update; INFRAI_AUTO_CREATE_QUEUES=0 refuses unknown queues instead)")

    async def _queue_row(self, project: str, queue: str) -> Row:
        row: Row | None = await self.store.get_queue(project, queue)
        if row is None:
            raise no_queue(queue)
        return row

    async def queue_get(self, project: str, queue: str) -> Queue:
        return queue_record(await self._queue_row(project, queue))

    async def queue_list(self, project: str, *, cursor: str | None = None, limit: int = 50) -> Page[Queue]:
        _check_range("limit", limit, 1, MAX_PAGE)
        check_cursor(cursor, "q")
        rows = await self.store.list_queues(project, cursor=cursor, limit=limit)
        return Page[Queue](
            items=[queue_record(r) for r in rows], next_cursor=rows[-1]["id"] if len(rows) == limit else None
        )

    async def queue_update(self, project: str, queue: str, req: QueueUpdate) -> Queue:
        changes: Row = {}
        for key in req.model_fields_set:
            value = getattr(req, key)
            if value is None and key != "dead_letter_queue":
                continue  # None means "unchanged"; only the DLQ can be cleared with null
            changes[key] = int(value) if key == "enable_priority" else value
        return queue_record(await self.store.update_queue(project, queue, changes))

    async def queue_delete(self, project: str, queue: str) -> Deleted:
        await self.store.delete_queue(project, queue)
        self.notify(project, queue)
        return Deleted(id=queue, deleted=True)

    async def queue_purge(self, project: str, queue: str) -> Purged:
        return Purged(queue=queue, purged=await self.store.purge_queue(project, queue))

    async def queue_stats(self, project: str, queue: str) -> QueueStats:
        now = self._now()
        s = await self.store.queue_stats(project, queue, now)
        oldest = s["oldest"]
        return QueueStats(
            queue=queue,
            available=s["available"],
            in_flight=s["in_flight"],
            delayed=s["delayed"],
            dlq=s["dlq"],
            oldest_age_seconds=max(0.0, now - oldest) if oldest is not None else None,
        )

    # -- publish ------------------------------------------------------------------------
    def _prepare(self, msg: MessageIn, field: str) -> NewMessage:
        return NewMessage(
            payload=encode_payload(msg.payload, field),
            delay_seconds=float(msg.delay_seconds),
            priority=msg.priority,
            group_id=msg.group_id,
            idempotency_key=msg.idempotency_key,
        )

    async def _warn_ignored_priority(
        self, project: str, queue: str, published: list[Published], asked: list[tuple[str, int]]
    ) -> list[Published]:
        """Add a warning to each published message whose priority the queue ignores.

        Such a message is stored as asked (its priority is kept and shown on consume; it does
        not rank), and the warning says so and how to get priority ordering (docs/QUEUES.md,
        "Ordering"). The queue is read only when a message asks for a priority, so plain
        publishes cost no extra query."""
        if not any(priority for _, priority in asked) or len(published) != len(asked):
            # (A batch key replayed with other messages returns the first batch's records:
            # nothing of this request was stored, so nothing of it to warn about.)
            return published
        row: Row | None = await self.store.get_queue(project, queue)
        if row is None:  # deleted since the publish (its messages with it)
            return published
        if row["type"] == "fifo":
            why = (f"queue {queue!r} is FIFO, and FIFO queues keep publish order within each group "
                   "(publish to a standard queue with enable_priority: true to order by priority)")
        elif not row["enable_priority"]:
            why = (f"queue {queue!r} does not have enable_priority, so it keeps publish order "
                   "(update the queue with enable_priority: true, or create one with it, to order "
                   "by priority; it applies to messages published afterwards)")
        else:
            return published
        for record, (field, priority) in zip(published, asked, strict=True):
            if priority:
                record.warnings = [*record.warnings, f"{field} {priority} was ignored: {why}"]
        return published

    async def queue_publish(self, project: str, queue: str, msg: MessageIn, *, create: bool = True) -> Published:
        """``create=False``: an unknown queue is NotFound even where queues are made on first use
        (a job's fire: its queue was made with the job, so a missing one was deleted on purpose)."""
        published = await self._publish(project, queue, [self._prepare(msg, "payload")], None, create)
        return (await self._warn_ignored_priority(project, queue, published, [("priority", msg.priority)]))[0]

    async def queue_publish_batch(
        self, project: str, queue: str, messages: list[MessageIn], *, idempotency_key: str | None = None
    ) -> list[Published]:
        if not 1 <= len(messages) <= MAX_BATCH:
            raise InvalidInput(
                f"messages: {len(messages)} given; a batch holds 1 to {MAX_BATCH} messages", field="messages"
            )
        prepared = [self._prepare(m, f"messages[{i}].payload") for i, m in enumerate(messages)]
        published = await self._publish(project, queue, prepared, idempotency_key)
        asked = [(f"messages[{i}].priority", m.priority) for i, m in enumerate(messages)]
        return await self._warn_ignored_priority(project, queue, published, asked)

    async def _publish(
        self, project: str, queue: str, messages: list[NewMessage], batch_key: str | None, create: bool = True
    ) -> list[Published]:
        now = self._now()
        warnings: list[str] = []
        try:
            ids = await self.store.publish(
                project, queue, messages, now=now, dedup_since=now - DEDUP_WINDOW_SECONDS, batch_key=batch_key
            )
        except NotFound as exc:
            if exc.hint != "queue" or not create or not self.deps.settings.auto_create_queues:
                raise  # 404 as before: unknown queues are refused
            warnings.append(await self.auto_create(project, queue))
            ids = await self.store.publish(
                project, queue, messages, now=now, dedup_since=now - DEDUP_WINDOW_SECONDS, batch_key=batch_key
            )
        self.notify(project, queue)
        return [trusted(Published, {"message_id": mid, "duplicate": dup, "warnings": list(warnings)})
                for mid, dup in ids]

    # -- consume / ack / nack -----------------------------------------------------------
    async def queue_consume(
        self,
        project: str,
        queue: str,
        *,
        max_messages: int = 1,
        visibility_timeout: int | None = None,
        wait_seconds: float = 0,
    ) -> list[Message]:
        _check_range("max_messages", max_messages, 1, MAX_CONSUME)
        _check_range("wait_seconds", wait_seconds, 0, MAX_WAIT, " seconds")
        if visibility_timeout is not None:
            _check_range("visibility_timeout", visibility_timeout, 1, MAX_VISIBILITY, " seconds")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            # Take the event BEFORE claiming: a publish between the claim and the wait
            # then sets this very event and the wait returns at once (no lost wake-up).
            event = self._event(project, queue)
            rows = await self.store.claim(project, queue, max_messages, visibility_timeout, self._now())
            remaining = deadline - loop.time()
            if rows or remaining <= 0:
                return message_records(rows)
            timeout = min(remaining, RECHECK_SECONDS)
            now = self._now()
            nxt = await self.store.next_visible(project, queue, now)
            if nxt is not None:
                timeout = max(0.01, min(timeout, nxt - now))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)

    def _handle(self, message_id: str | None, receipt: str | None) -> Handle:
        if not message_id and not receipt:
            raise InvalidInput("receipt: give the receipt a consume returned (or the message_id)", field="receipt")
        return Handle(message_id=message_id or None, receipt=receipt or None)

    async def queue_ack(
        self, project: str, queue: str, message_id: str | None = None, receipt: str | None = None
    ) -> AckResult:
        """Idempotent: acking a message that is gone (acked before, purged, expired, dead-lettered)
        answers ``acked=False`` with the reason, not an error; only a message someone else now
        holds (a stale lease) is a conflict."""
        handle = self._handle(message_id, receipt)
        (settled,) = await self.store.ack(project, queue, [handle], self._now())
        if settled.problem == "unknown":
            reason = (f"No message {settled.message_id!r} in queue {queue!r}: it was already acked (or purged, "
                      "expired, dead-lettered, or never existed); nothing was changed.")
            return AckResult(message_id=settled.message_id, acked=False, reason=reason)
        _raise_settled(queue, settled)
        return AckResult(message_id=settled.message_id, acked=True)

    async def queue_ack_batch(self, project: str, queue: str, receipts: list[str]) -> list[AckResult]:
        """Ack many receipts in one transaction (what a batch consumer should call).
        Refused ones come back with ``acked=False`` instead of raising, in input order."""
        if not 1 <= len(receipts) <= MAX_CONSUME:
            raise InvalidInput(f"receipts: give 1 to {MAX_CONSUME} receipts", field="receipts")
        if not all(receipts):
            raise InvalidInput("receipts: every entry must be a receipt a consume returned", field="receipts")
        handles = [Handle(receipt=r) for r in receipts]
        settled = await self.store.ack(project, queue, handles, self._now())
        return [trusted(AckResult, {"message_id": s.message_id, "acked": s.problem is None}) for s in settled]

    async def queue_nack(
        self,
        project: str,
        queue: str,
        message_id: str | None = None,
        receipt: str | None = None,
        *,
        requeue: bool = True,
        error: str | None = None,
    ) -> NackResult:
        handle = self._handle(message_id, receipt)
        settled = await self.store.nack(
            project, queue, handle, requeue=requeue, error=error[:MAX_ERROR_CHARS] if error else None, now=self._now()
        )
        _raise_settled(queue, settled)
        if settled.requeued:
            self.notify(project, queue)
        return NackResult(
            message_id=settled.message_id, nacked=True, requeued=settled.requeued, dead_lettered=settled.dead_lettered
        )

    # -- dead letters -------------------------------------------------------------------
    async def queue_dlq_list(
        self, project: str, queue: str, *, cursor: str | None = None, limit: int = 50
    ) -> Page[DeadLetter]:
        _check_range("limit", limit, 1, MAX_PAGE)
        check_cursor(cursor, "msg")
        rows = await self.store.list_dead_letters(project, queue, cursor=cursor, limit=limit)
        return Page[DeadLetter](
            items=[dead_letter_record(r) for r in rows], next_cursor=rows[-1]["id"] if len(rows) == limit else None
        )

    async def queue_dlq_redrive(self, project: str, queue: str, req: RedriveRequest) -> Redriven:
        since = req.since.timestamp() if req.since is not None else None
        moved = await self.store.redrive(
            project, queue, message_id=req.message_id, since=since, limit=req.max_messages, now=self._now()
        )
        if moved:
            # Redriven messages land in their source queues; wake every waiter cheaply.
            self.notify_all(project)
        return Redriven(queue=queue, redriven=moved)

    # -- push subscriptions -------------------------------------------------------------
    async def queue_push_subscribe(self, project: str, queue: str, req: SubscriptionCreate) -> Subscription:
        await self.deps.check_targets(req)
        now = self._now()
        row = {
            "project": project,
            "id": new_id("sub"),
            "queue": queue,
            "url": req.url,
            "secret": req.secret,
            "max_retries": req.max_retries,
            "visibility_timeout": req.visibility_timeout,
            "dead_letter_queue": req.dead_letter_queue,
            "created_at": now,
        }
        stored, _ = await self.store.insert_subscription(row, req.idempotency_key, now - DEDUP_WINDOW_SECONDS)
        self.push.wake()
        return subscription_record(stored)

    async def queue_push_list(self, project: str, queue: str) -> list[Subscription]:
        return [subscription_record(r) for r in await self.store.list_subscriptions(project, queue)]

    async def queue_push_unsubscribe(self, project: str, queue: str, subscription_id: str) -> Deleted:
        await self._queue_row(project, queue)
        if not await self.store.delete_subscription(project, queue, subscription_id):
            raise NotFound(f"No subscription {subscription_id!r} on queue {queue!r}.", hint="subscription")
        return Deleted(id=subscription_id, deleted=True)

    # -- maintenance --------------------------------------------------------------------
    async def sweep(self) -> Row:
        """One maintenance pass (expired leases, retention, old idempotency keys)."""
        now = self._now()
        counts: Row = await self.store.sweep(now, now - DEDUP_WINDOW_SECONDS)
        if counts.get("reaped"):
            self.push.wake()
        return counts

    async def _sweep_loop(self) -> None:
        while True:
            try:
                await self.sweep()
            except Exception:  # keep sweeping: a locked database now is fine in 5 s
                log.exception("queue sweep failed")
            await asyncio.sleep(SWEEP_SECONDS)
