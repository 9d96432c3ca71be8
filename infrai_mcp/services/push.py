"""Push subscriptions: the engine consumes a queue on a subscriber's behalf and POSTs each
message to its URL through the one dispatcher (SSRF guard, signing, timeouts).

A 2xx acks. Anything else is a failure: the message is released with the dispatcher's
backoff as a delay (``Retry-After`` honoured) and, once its deliveries exceed the
subscription's ``max_retries``, dead-lettered into the subscription's DLQ (else the
queue's). The lease (``visibility_timeout``) covers the attempt; if the process dies
mid-attempt the lease expires and the message comes back: at-least-once, and receivers
dedupe on ``webhook-id`` (the message id, the same on every retry).

Body: ``{"message_id", "queue", "receive_count", "enqueued_at", "payload"}`` as JSON.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from infrai_mcp.core.errors import InfraiError, NotFound
from infrai_mcp.store.queues import Handle, Row

if TYPE_CHECKING:
    from infrai_mcp.services.deps import Deps
    from infrai_mcp.store.base import Store

log = logging.getLogger("infrai.push")

MAX_IN_FLIGHT = 64  # concurrent push attempts per engine
CLAIM_BATCH = 16  # messages claimed per subscription per pass
IDLE_POLL_SECONDS = 1.0  # re-check for work published by other processes


def push_body(row: Row) -> bytes:
    # The payload is spliced in as stored (already JSON text): no decode/encode round trip.
    head: str = json.dumps(
        {
            "message_id": row["id"],
            "queue": row["queue"],
            "receive_count": row["receive_count"],
            "enqueued_at": datetime.fromtimestamp(row["enqueued_at"], UTC).isoformat(),
        },
        separators=(",", ":"),
    )
    payload: str = row["payload"]
    return (head[:-1] + ',"payload":' + payload + "}").encode()


class PushWorker:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._wake: asyncio.Event | None = None
        self._active = 0
        self._tasks: set[asyncio.Task[None]] = set()

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()

    @property
    def store(self) -> Store:
        return self.deps.store

    async def run(self) -> None:
        """The background loop (registered with ``Deps.add_background``)."""
        self._wake = asyncio.Event()
        try:
            while True:
                self._wake.clear()
                claimed = 0
                try:
                    claimed = await self.pass_once()
                except Exception:  # a locked database or a bad row must not stop pushing
                    log.exception("push pass failed")
                if claimed == 0 or self._active >= MAX_IN_FLIGHT:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), IDLE_POLL_SECONDS)
        finally:
            for task in list(self._tasks):
                task.cancel()  # their leases expire and the messages come back
            self._wake = None

    async def pass_once(self) -> int:
        """Claim what subscriptions can take now and start their deliveries."""
        now = self.deps.clock.now().timestamp()
        claimed = 0
        for sub in await self.store.push_candidates(now):
            room = min(CLAIM_BATCH, MAX_IN_FLIGHT - self._active)
            if room <= 0:
                break
            try:
                rows = await self.store.claim(sub["project"], sub["queue"], room, sub["visibility_timeout"], now)
            except NotFound:
                continue  # the queue was deleted since the candidates were listed
            for row in rows:
                self._active += 1
                task = asyncio.create_task(self._deliver(sub, row), name=f"infrai-push-{row['id']}")
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            claimed += len(rows)
        return claimed

    async def _deliver(self, sub: Row, row: Row) -> None:
        from infrai_mcp.outbound.dispatcher import OutboundRequest

        try:
            dispatcher = self.deps.dispatcher
            req = OutboundRequest(
                url=sub["url"],
                method="POST",
                body=push_body(row),
                # Leave a second of the lease for the ack, so a slow 2xx still counts.
                timeout=float(max(1, min(30, sub["visibility_timeout"] - 1))),
                webhook_id=row["id"],
                secret=sub["secret"],
            )
            result = await dispatcher.attempt(req, row["attempts"])
            now = self.deps.clock.now().timestamp()
            handle = Handle(receipt=row["receipt"])
            if result.ok:
                await self.store.ack(sub["project"], sub["queue"], [handle], now)
                return
            await self.store.nack(
                sub["project"],
                sub["queue"],
                handle,
                requeue=True,
                error=f"push to subscription {sub['id']}: {result.error}",
                now=now,
                delay=dispatcher.backoff(row["attempts"], result.retry_after),
                max_retries=sub["max_retries"],
                dead_letter_queue=sub["dead_letter_queue"],
            )
        except asyncio.CancelledError:
            raise
        except InfraiError as exc:  # the queue was deleted or purged meanwhile: nothing to settle
            log.info("push delivery of %s not settled: %s", row["id"], exc.message)
        except Exception:
            log.exception("push delivery of %s failed", row["id"])
        finally:
            self._active -= 1
            self.wake()
