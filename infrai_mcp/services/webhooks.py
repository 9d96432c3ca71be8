"""WebhookService: outbound webhook deliveries (operations take the project first).

``webhook_send`` stores a pending delivery and returns at once; a background loop (one
per engine, registered with ``Deps.add_background``) claims due deliveries, makes each
attempt through ``deps.dispatcher`` (the same SSRF guard, signing and retry classes as
cron runs) and records every attempt. Retryable failures (network, timeout, 408, 429,
5xx) are retried up to ``retries`` times with the dispatcher's backoff, which honours
``Retry-After``; any other failure is final. ``webhook-id`` is the delivery's
``webhook_id``, the same on every attempt, so receivers can dedupe.

Crash safety: a claimed delivery is ``delivering`` under a lease (its timeout plus a
margin). If the process dies mid-attempt the lease expires and the delivery is claimed
again: at-least-once, like every other delivery in the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import TYPE_CHECKING

from infrai_mcp.core.errors import NotFound
from infrai_mcp.core.ids import new_id
from infrai_mcp.models.common import Page
from infrai_mcp.models.jobs import Attempt
from infrai_mcp.models.webhooks import Delivery, WebhookSend
from infrai_mcp.services.queue_records import at, encode_payload, ts
from infrai_mcp.services.queues import DEDUP_WINDOW_SECONDS
from infrai_mcp.services.validate import check_choice, check_cursor, check_limit, page
from infrai_mcp.store.queues import Row

if TYPE_CHECKING:
    from infrai_mcp.services.deps import Deps
    from infrai_mcp.store.base import Store

log = logging.getLogger("infrai.webhooks")

MAX_IN_FLIGHT = 128  # concurrent attempts per engine (the dispatcher has its own cap too)
LEASE_MARGIN_SECONDS = 30.0  # beyond the attempt's timeout, before a crashed claim is retaken
IDLE_POLL_SECONDS = 1.0  # re-check for deliveries stored by other processes
HISTORY_DAYS = 7  # finished deliveries (and their attempts) are kept this long
PRUNE_SECONDS = 3600.0
DELIVERY_STATES = ("pending", "delivering", "succeeded", "failed")


def delivery_record(row: Row) -> Delivery:
    attempts = [
        Attempt(
            attempt=a["attempt"],
            started_at=at(a["started_at"]),
            finished_at=ts(a.get("finished_at")),
            response_status=a.get("response_status"),
            duration_ms=a.get("duration_ms"),
            error=a.get("error"),
        )
        for a in json.loads(row["attempts"])
    ]
    return Delivery(
        delivery_id=row["id"],
        url=row["url"],
        state=row["state"],
        attempts=attempts,
        response_status=row["response_status"],
        error=row["error"],
        webhook_id=row["webhook_id"],
        created_at=at(row["created_at"]),
        finished_at=ts(row["finished_at"]),
    )


class WebhookService:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._wake: asyncio.Event | None = None
        self._active = 0
        self._tasks: set[asyncio.Task[None]] = set()
        deps.add_background(self.run, name="webhook-delivery")
        deps.add_background(self._prune_loop, name="webhook-prune")

    @property
    def store(self) -> Store:
        return self.deps.store

    def _now(self) -> float:
        return self.deps.clock.now().timestamp()

    def wake(self) -> None:
        if self._wake is not None:
            self._wake.set()
        self.deps.tell_peer("delivery")

    # -- operations ---------------------------------------------------------------------
    async def webhook_send(self, project: str, req: WebhookSend) -> Delivery:
        await self.deps.check_targets(req)
        now = self._now()
        body = encode_payload(req.payload, "payload") if req.payload is not None and req.method != "GET" else None
        row = {
            "project": project,
            "id": new_id("dlv"),
            "webhook_id": new_id("msg"),
            "url": req.url,
            "method": req.method,
            "headers": json.dumps(req.headers) if req.headers else None,
            "body": body,
            "secret": req.secret,
            "retries": req.retries,
            "timeout_seconds": req.timeout_seconds,
            "next_attempt_at": now,
            "created_at": now,
        }
        stored, created = await self.store.insert_delivery(row, req.idempotency_key, now - DEDUP_WINDOW_SECONDS)
        if created:
            self.wake()
        return delivery_record(stored)

    async def webhook_get(self, project: str, delivery_id: str) -> Delivery:
        row = await self.store.get_delivery(project, delivery_id)
        if row is None:
            raise NotFound(f"No delivery {delivery_id!r}.", hint="delivery")
        return delivery_record(row)

    async def webhook_list(
        self, project: str, *, state: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page[Delivery]:
        """The project's deliveries, newest first, optionally of one state."""
        check_limit(limit)
        check_cursor(cursor, "dlv")
        check_choice(state, DELIVERY_STATES, "state")
        rows = await self.store.list_deliveries(project, state=state, cursor=cursor, limit=limit + 1)
        rows, nxt = page(rows, limit)
        return Page[Delivery](items=[delivery_record(r) for r in rows], next_cursor=nxt)

    # -- background delivery ------------------------------------------------------------
    async def prune(self) -> int:
        """Forget deliveries that finished more than ``HISTORY_DAYS`` ago."""
        before = self._now() - HISTORY_DAYS * 86400
        total = 0
        while True:
            n: int = await self.store.prune_deliveries(before)
            total += n
            if n < 5000:
                return total

    async def _prune_loop(self) -> None:
        while True:
            try:
                await self.prune()
            except Exception:  # a locked database now is fine in an hour
                log.exception("webhook delivery pruning failed")
            await asyncio.sleep(PRUNE_SECONDS)

    async def run(self) -> None:
        """Claim due deliveries and attempt them, until cancelled (engine stop)."""
        self._wake = asyncio.Event()
        try:
            while True:
                self._wake.clear()
                claimed = 0
                try:
                    claimed = await self.pass_once()
                except Exception:  # a locked database now is fine on the next pass
                    log.exception("webhook delivery pass failed")
                if claimed and self._active < MAX_IN_FLIGHT:
                    continue
                timeout = IDLE_POLL_SECONDS
                with contextlib.suppress(Exception):
                    due = await self.store.next_delivery_due()
                    if due is not None:
                        timeout = max(0.005, min(timeout, due - self._now()))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
        finally:
            for task in list(self._tasks):
                task.cancel()  # their leases expire and they are retried
            self._wake = None

    async def pass_once(self) -> int:
        room = MAX_IN_FLIGHT - self._active
        if room <= 0:
            return 0
        now = self._now()
        rows = await self.store.claim_deliveries(now, LEASE_MARGIN_SECONDS, room)
        for row in rows:
            self._active += 1
            task = asyncio.create_task(self._attempt(row), name=f"infrai-webhook-{row['id']}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(rows)

    async def _attempt(self, row: Row) -> None:
        from infrai_mcp.outbound.dispatcher import OutboundRequest

        try:
            number = len(json.loads(row["attempts"])) + 1
            dispatcher = self.deps.dispatcher
            req = OutboundRequest(
                url=row["url"],
                method=row["method"],
                headers=json.loads(row["headers"]) if row["headers"] else {},
                body=row["body"].encode() if row["body"] is not None else None,
                timeout=float(row["timeout_seconds"]),
                webhook_id=row["webhook_id"],
                secret=row["secret"],
            )
            result = await dispatcher.attempt(req, number)
            now = self._now()
            attempt = {
                "attempt": number,
                "started_at": result.started_at.timestamp(),
                "finished_at": result.finished_at.timestamp(),
                "response_status": result.status,
                "duration_ms": result.duration_ms,
                "error": result.error,
            }
            next_at: float | None = None
            if result.ok:
                state = "succeeded"
            elif result.retryable and number <= row["retries"]:
                state = "pending"
                next_at = now + dispatcher.backoff(number, result.retry_after)
            else:
                state = "failed"
            await self.store.record_delivery_attempt(
                row["project"], row["id"], attempt, state=state, next_attempt_at=next_at, now=now
            )
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("webhook delivery %s failed", row["id"])
        finally:
            self._active -= 1
            self.wake()

