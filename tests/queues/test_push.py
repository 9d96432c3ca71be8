"""Push subscriptions against a real receiver that fails the first attempts; the engine's
own background loops (push, sweep).

The engine's own background loop delivers; signatures are checked with ``standardwebhooks``.
"""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from infrai_mcp.config import Settings
from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.core.errors import InvalidInput, NotFound
from infrai_mcp.models import MessageIn, QueueCreate, SubscriptionCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.services import queues as queues_module
from tests.queues.conftest import StoreFactory
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = pytest.mark.anyio
P = "default"
SECRET = "whsec_" + base64.b64encode(b"push-suite-secret-0123456789abcd").decode()


async def _drained(engine: Engine, queue: str) -> bool:
    s = await engine.queues.queue_stats(P, queue)
    return s.available == 0 and s.in_flight == 0 and s.delayed == 0


async def test_push_retries_with_backoff_then_acks(live_engine: Engine, receiver: Receiver) -> None:
    qs = live_engine.queues
    await qs.queue_create(P, QueueCreate(name="orders"))
    receiver.program("/orders", [Reply(500), Reply(503, headers={"Retry-After": "0"}), Reply(200)])
    sub = await qs.queue_push_subscribe(
        P, "orders", SubscriptionCreate(url=receiver.url("/orders"), secret=SECRET, max_retries=5)
    )
    assert sub.has_secret and SECRET not in sub.model_dump_json()
    mid = (await qs.queue_publish(P, "orders", MessageIn(payload={"order_id": "o_1"}))).message_id

    got = await receiver.wait_for(3, path="/orders", timeout=15)
    await until(lambda: _drained(live_engine, "orders"), what="orders acked")
    assert len(receiver.received("/orders")) == 3  # acked after the 2xx: no further deliveries
    for r in got:
        body = Webhook(SECRET).verify(r.body, r.headers)
        assert body["message_id"] == mid and body["queue"] == "orders" and body["payload"] == {"order_id": "o_1"}
        assert r.headers["webhook-id"] == mid  # stable across retries: receivers dedupe on it
    assert [r.json()["receive_count"] for r in got] == [1, 2, 3]
    assert (await qs.queue_stats(P, "orders")).dlq == 0


async def test_push_dead_letters_after_max_retries(live_engine: Engine, receiver: Receiver) -> None:
    qs = live_engine.queues
    await qs.queue_create(P, QueueCreate(name="push-dlq"))
    await qs.queue_create(P, QueueCreate(name="events", max_retries=10))
    receiver.program("/broken", [Reply(500)])
    await qs.queue_push_subscribe(
        P, "events", SubscriptionCreate(url=receiver.url("/broken"), max_retries=1, dead_letter_queue="push-dlq")
    )
    await qs.queue_publish(P, "events", MessageIn(payload="e1"))

    async def dead() -> list[object]:
        return list((await qs.queue_dlq_list(P, "events")).items)

    (letter,) = await until(dead, what="message dead-lettered")
    assert letter.queue == "push-dlq" and letter.source_queue == "events"  # type: ignore[attr-defined]
    assert "HTTP 500" in (letter.last_error or "")  # type: ignore[attr-defined]
    assert len(receiver.received("/broken")) == 2  # the first attempt + max_retries=1


async def test_subscribe_list_unsubscribe_and_bad_input(live_engine: Engine, receiver: Receiver) -> None:
    qs = live_engine.queues
    await qs.queue_create(P, QueueCreate(name="q"))
    await qs.queue_create(P, QueueCreate(name="fifo", type="fifo"))
    sub = await qs.queue_push_subscribe(P, "q", SubscriptionCreate(url=receiver.url("/q"), idempotency_key="s1"))
    again = await qs.queue_push_subscribe(P, "q", SubscriptionCreate(url=receiver.url("/q"), idempotency_key="s1"))
    assert again.subscription_id == sub.subscription_id
    assert [s.subscription_id for s in await qs.queue_push_list(P, "q")] == [sub.subscription_id]
    with pytest.raises(InvalidInput, match="same type"):
        await qs.queue_push_subscribe(P, "q", SubscriptionCreate(url=receiver.url("/q"), dead_letter_queue="fifo"))
    with pytest.raises(NotFound, match="No queue 'nope'"):
        await qs.queue_push_subscribe(P, "nope", SubscriptionCreate(url=receiver.url("/q")))
    assert (await qs.queue_push_unsubscribe(P, "q", sub.subscription_id)).deleted
    assert await qs.queue_push_list(P, "q") == []
    with pytest.raises(NotFound, match="No subscription") as info:
        await qs.queue_push_unsubscribe(P, "q", sub.subscription_id)
    assert info.value.hint == "subscription"  # MCP names queue_push_list, REST its route
    # Without a subscriber, messages stay for pull consumers.
    await qs.queue_publish(P, "q", MessageIn(payload=1))
    assert len(await qs.queue_consume(P, "q", wait_seconds=0)) == 1
    assert receiver.received("/q") == []


async def test_engine_sweeps_by_itself(
    tmp_path: Path, make_store: StoreFactory, clock: OffsetClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retention and lease expiry happen in the engine's background loop, with no consumer."""
    monkeypatch.setattr(queues_module, "SWEEP_SECONDS", 0.05)
    async with Engine(Settings(home=tmp_path), store=make_store(tmp_path), clock=clock, dispatch=True) as eng:
        qs = eng.queues
        await qs.queue_create(P, QueueCreate(name="dlq"))
        spec = QueueCreate(name="q", message_retention_days=1, max_retries=0, dead_letter_queue="dlq")
        await qs.queue_create(P, spec)
        await qs.queue_publish_batch(P, "q", [MessageIn(payload="leased"), MessageIn(payload="old")])
        await qs.queue_consume(P, "q", visibility_timeout=60)
        clock.offset += timedelta(minutes=2)

        async def moved() -> bool:
            return (await qs.queue_stats(P, "dlq")).available == 1
        await until(moved, what="expired lease dead-lettered by the sweep")

        clock.offset += timedelta(days=2)

        async def expired() -> bool:
            s = await qs.queue_stats(P, "q")
            return s.available == 0 and s.in_flight == 0
        await until(expired, what="old message removed by retention")
