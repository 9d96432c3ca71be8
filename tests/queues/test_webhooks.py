"""Outbound webhooks against a real receiver: background retries, every attempt recorded,
signatures checked with the independent ``standardwebhooks`` package."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.core.errors import NotFound
from infrai_mcp.models import Delivery, WebhookSend
from infrai_mcp.runtime.engine import Engine
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = pytest.mark.anyio
P = "default"
SECRET = "whsec_" + base64.b64encode(b"queue-suite-secret-0123456789abc").decode()


async def _finished(engine: Engine, delivery_id: str) -> Delivery:
    async def check() -> Delivery | None:
        d = await engine.webhooks.webhook_get(P, delivery_id)
        return d if d.state in ("succeeded", "failed") else None

    return await until(check, what=f"delivery {delivery_id} finished")


async def test_send_retries_then_succeeds_and_records_every_attempt(live_engine: Engine, receiver: Receiver) -> None:
    receiver.program("/hook", [Reply(503, headers={"Retry-After": "0"}), Reply(500), Reply(200)])
    sent = await live_engine.webhooks.webhook_send(
        P,
        WebhookSend(url=receiver.url("/hook"), payload={"order": 42}, secret=SECRET, retries=3,
                    headers={"X-Tenant": "t1"}),
    )
    assert sent.state in ("pending", "delivering") and sent.finished_at is None
    done = await _finished(live_engine, sent.delivery_id)
    assert done.state == "succeeded" and done.response_status == 200 and done.finished_at is not None
    assert [a.response_status for a in done.attempts] == [503, 500, 200]
    assert [a.attempt for a in done.attempts] == [1, 2, 3]
    assert all(a.duration_ms is not None for a in done.attempts)
    assert done.attempts[0].error == "HTTP 503"

    got = receiver.received("/hook")
    assert len(got) == 3
    assert {r.headers["webhook-id"] for r in got} == {done.webhook_id}  # stable across retries
    for r in got:
        assert Webhook(SECRET).verify(r.body, r.headers) == {"order": 42}
        assert r.headers["x-tenant"] == "t1"
    assert SECRET not in done.model_dump_json()


async def test_non_retryable_status_fails_at_once(live_engine: Engine, receiver: Receiver) -> None:
    receiver.program("/gone", [Reply(404)])
    sent = await live_engine.webhooks.webhook_send(P, WebhookSend(url=receiver.url("/gone"), payload=1, retries=5))
    done = await _finished(live_engine, sent.delivery_id)
    assert (done.state, len(done.attempts), done.response_status, done.error) == ("failed", 1, 404, "HTTP 404")


async def test_retries_are_bounded(live_engine: Engine, receiver: Receiver) -> None:
    receiver.program("/down", [Reply(500)])
    sent = await live_engine.webhooks.webhook_send(P, WebhookSend(url=receiver.url("/down"), payload=1, retries=2))
    done = await _finished(live_engine, sent.delivery_id)
    assert done.state == "failed" and [a.response_status for a in done.attempts] == [500, 500, 500]


async def test_idempotency_key_and_unknown_delivery(live_engine: Engine, receiver: Receiver) -> None:
    req = WebhookSend(url=receiver.url("/once"), payload={"a": 1}, idempotency_key="send-1")
    first = await live_engine.webhooks.webhook_send(P, req)
    again = await live_engine.webhooks.webhook_send(P, req)
    assert again.delivery_id == first.delivery_id
    await _finished(live_engine, first.delivery_id)
    assert len(receiver.received("/once")) == 1
    with pytest.raises(NotFound, match="No delivery 'dlv_nope'"):
        await live_engine.webhooks.webhook_get(P, "dlv_nope")
    with pytest.raises(NotFound):
        await live_engine.webhooks.webhook_get("other-project", first.delivery_id)


async def test_finished_deliveries_are_pruned_after_the_history_window(
    live_engine: Engine, receiver: Receiver, clock: OffsetClock
) -> None:
    sent = await live_engine.webhooks.webhook_send(P, WebhookSend(url=receiver.url("/old"), payload=1))
    await _finished(live_engine, sent.delivery_id)
    assert await live_engine.webhooks.prune() == 0  # still within the window
    clock.offset += timedelta(days=8)
    assert await live_engine.webhooks.prune() == 1
    with pytest.raises(NotFound):
        await live_engine.webhooks.webhook_get(P, sent.delivery_id)
