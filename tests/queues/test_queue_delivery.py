"""Delivery semantics: leases, retries, DLQ, redrive, ordering, idempotency, long-poll, retention.

Time moves through the injected clock; nothing sleeps and hopes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.core.errors import Conflict, NotFound, PayloadTooLarge
from infrai_mcp.models import MessageIn, QueueCreate, QueueUpdate, RedriveRequest
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.queues import NewMessage

pytestmark = pytest.mark.anyio
P = "default"


async def test_expired_lease_redelivers_and_the_stale_receipt_is_refused(engine: Engine, clock: OffsetClock) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q", visibility_timeout_default=30))
    mid = (await qs.queue_publish(P, "q", MessageIn(payload={"n": 1}))).message_id
    (first,) = await qs.queue_consume(P, "q")
    assert (first.message_id, first.receive_count, first.payload) == (mid, 1, {"n": 1})
    assert await qs.queue_consume(P, "q") == []  # leased: invisible

    clock.offset += timedelta(seconds=31)
    (second,) = await qs.queue_consume(P, "q")
    assert (second.message_id, second.receive_count) == (mid, 2)
    assert second.receipt != first.receipt

    # The slow first consumer must not delete what the second one now holds.
    with pytest.raises(Conflict, match="delivered again"):
        await qs.queue_ack(P, "q", receipt=first.receipt)
    with pytest.raises(Conflict):
        await qs.queue_nack(P, "q", receipt=first.receipt)
    assert (await qs.queue_stats(P, "q")).in_flight == 1
    assert (await qs.queue_ack(P, "q", receipt=second.receipt)).acked
    again = await qs.queue_ack(P, "q", receipt=second.receipt)  # already gone: a repeat is no error
    assert (again.message_id, again.acked) == (mid, False) and again.reason and "already acked" in again.reason


async def test_ack_by_message_id_only_while_the_lease_is_current(engine: Engine, clock: OffsetClock) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q"))
    await qs.queue_publish_batch(P, "q", [MessageIn(payload=1), MessageIn(payload=2)])
    a, b = await qs.queue_consume(P, "q", max_messages=2, visibility_timeout=10)
    assert (await qs.queue_ack(P, "q", message_id=a.message_id)).acked
    clock.offset += timedelta(seconds=11)
    with pytest.raises(Conflict, match="lease expired"):
        await qs.queue_ack(P, "q", message_id=b.message_id)
    with pytest.raises(Conflict, match="another message"):
        await qs.queue_ack(P, "q", message_id=a.message_id, receipt=b.receipt)


async def test_max_retries_then_dead_letter_with_history(engine: Engine, clock: OffsetClock) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="dlq"))
    await qs.queue_create(P, QueueCreate(name="q", dead_letter_queue="dlq", max_retries=2))
    mid = (await qs.queue_publish(P, "q", MessageIn(payload="job"))).message_id
    results = []
    for i in range(3):
        (m,) = await qs.queue_consume(P, "q")
        results.append(await qs.queue_nack(P, "q", receipt=m.receipt, error=f"boom {i}"))
    assert [(r.requeued, r.dead_lettered) for r in results] == [(True, False), (True, False), (False, True)]
    assert await qs.queue_consume(P, "q") == []
    assert (await qs.queue_stats(P, "q")).dlq == 1

    (dead,) = (await qs.queue_dlq_list(P, "q")).items
    assert (dead.message_id, dead.source_queue, dead.queue, dead.receive_count, dead.last_error) == (
        mid, "q", "dlq", 3, "boom 2"
    )
    assert (await qs.queue_dlq_list(P, "dlq")).items == [dead]  # also listed from the DLQ's side
    # In the DLQ it is an ordinary message with a fresh retry budget and its history.
    (in_dlq,) = await qs.queue_consume(P, "dlq")
    assert (in_dlq.message_id, in_dlq.receive_count) == (mid, 4)


async def test_max_retries_zero_and_lease_expiry_count_as_failures(engine: Engine, clock: OffsetClock) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q", max_retries=0))  # no DLQ: held as a dead letter
    await qs.queue_publish_batch(P, "q", [MessageIn(payload="nacked"), MessageIn(payload="expired")])
    a, _b = await qs.queue_consume(P, "q", max_messages=2, visibility_timeout=5)
    assert (await qs.queue_nack(P, "q", receipt=a.receipt)).dead_lettered
    clock.offset += timedelta(seconds=6)
    assert await qs.queue_consume(P, "q") == []  # the expired lease was its one failure
    dead = (await qs.queue_dlq_list(P, "q")).items
    assert [(d.payload, d.queue, d.source_queue) for d in dead] == [("nacked", "q", "q"), ("expired", "q", "q")]
    assert "visibility timeout" in (dead[1].last_error or "")
    stats = await qs.queue_stats(P, "q")
    assert (stats.available, stats.in_flight, stats.dlq) == (0, 0, 2)


async def test_nack_without_requeue_dead_letters_at_once(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="dlq"))
    await qs.queue_create(P, QueueCreate(name="q", dead_letter_queue="dlq", max_retries=5))
    await qs.queue_publish(P, "q", MessageIn(payload=1))
    (m,) = await qs.queue_consume(P, "q")
    r = await qs.queue_nack(P, "q", message_id=m.message_id, requeue=False, error="poison")
    assert (r.requeued, r.dead_lettered) == (False, True)
    assert (await qs.queue_stats(P, "dlq")).available == 1


async def test_redrive_one_or_all_since(engine: Engine, clock: OffsetClock) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="dlq"))
    await qs.queue_create(P, QueueCreate(name="q", dead_letter_queue="dlq", max_retries=0))
    await qs.queue_publish_batch(P, "q", [MessageIn(payload=i) for i in range(4)])
    early = await qs.queue_consume(P, "q", max_messages=2)
    for m in early:
        await qs.queue_nack(P, "q", receipt=m.receipt)
    clock.offset += timedelta(hours=1)
    cutoff = clock.now()
    late = await qs.queue_consume(P, "q", max_messages=2)
    for m in late:
        await qs.queue_nack(P, "q", receipt=m.receipt)
    assert (await qs.queue_stats(P, "q")).dlq == 4

    one = await qs.queue_dlq_redrive(P, "q", RedriveRequest(message_id=early[0].message_id))
    assert one.redriven == 1
    since = await qs.queue_dlq_redrive(P, "q", RedriveRequest(since=cutoff))
    assert since.redriven == 2
    back = await qs.queue_consume(P, "q", max_messages=10)
    assert sorted(m.payload for m in back) == [0, 2, 3]
    assert all(m.receive_count == 2 for m in back)  # history kept
    left = (await qs.queue_dlq_list(P, "q")).items
    assert [d.payload for d in left] == [1]
    with pytest.raises(NotFound, match="No message 'msg_gone'"):
        await qs.queue_dlq_redrive(P, "q", RedriveRequest(message_id="msg_gone"))


async def test_dlq_list_pages_by_cursor(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q", max_retries=0))
    await qs.queue_publish_batch(P, "q", [MessageIn(payload=i) for i in range(5)])
    for m in await qs.queue_consume(P, "q", max_messages=5):
        await qs.queue_nack(P, "q", receipt=m.receipt, requeue=False)
    seen, cursor = [], None
    while True:
        page = await qs.queue_dlq_list(P, "q", cursor=cursor, limit=2)
        seen += [d.payload for d in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == [0, 1, 2, 3, 4]


async def test_priority_orders_standard_queues_and_ties_are_fifo(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="prio", enable_priority=True))
    await qs.queue_create(P, QueueCreate(name="plain"))
    prios = [0, 5, 9, 5, 0, 9, 1]
    await qs.queue_publish_batch(P, "prio", [MessageIn(payload=i, priority=p) for i, p in enumerate(prios)])
    await qs.queue_publish_batch(P, "plain", [MessageIn(payload=i) for i in range(7)])
    got = [m.payload for m in await qs.queue_consume(P, "prio", max_messages=10)]
    assert got == [2, 5, 1, 3, 6, 0, 4]
    assert [m.payload for m in await qs.queue_consume(P, "plain", max_messages=10)] == list(range(7))


async def test_priority_a_queue_ignores_is_accepted_with_a_warning(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="plain"))
    await qs.queue_create(P, QueueCreate(name="f", type="fifo"))
    one = await qs.queue_publish(P, "plain", MessageIn(payload=1, priority=5))
    (warning,) = one.warnings
    assert warning.startswith("priority 5 was ignored: queue 'plain' does not have enable_priority")
    assert "enable_priority: true" in warning
    batch = await qs.queue_publish_batch(P, "plain", [MessageIn(payload=2), MessageIn(payload=3, priority=3)])
    assert batch[0].warnings == [] and len(batch[1].warnings) == 1
    assert batch[1].warnings[0].startswith("messages[1].priority 3 was ignored: queue 'plain'")
    fifo = await qs.queue_publish(P, "f", MessageIn(payload=4, priority=9, group_id="g"))
    (warning,) = fifo.warnings
    assert warning.startswith("priority 9 was ignored: queue 'f' is FIFO") and "publish order" in warning
    assert "enable_priority: true" in warning
    # Stored as asked (the priority is kept, it does not rank) and delivered in publish order.
    assert (await qs.queue_stats(P, "plain")).available == 3 and (await qs.queue_stats(P, "f")).available == 1
    got = await qs.queue_consume(P, "plain", max_messages=10)
    assert [(m.payload, m.priority) for m in got] == [(1, 5), (2, 0), (3, 3)]
    assert [m.message_id for m in got] == [one.message_id, *(p.message_id for p in batch)]
    (m,) = await qs.queue_consume(P, "f", max_messages=10)
    assert (m.message_id, m.payload, m.priority) == (fifo.message_id, 4, 9)
    # A duplicate publish says the same; priority 0, or a queue that ranks, gets no warning.
    again = await qs.queue_publish(P, "f", MessageIn(payload=5, priority=2, idempotency_key="k"))
    assert len(again.warnings) == 1
    dup = await qs.queue_publish(P, "f", MessageIn(payload=5, priority=2, idempotency_key="k"))
    assert dup.duplicate and dup.message_id == again.message_id and dup.warnings == again.warnings
    keyed = await qs.queue_publish_batch(P, "f", [MessageIn(payload=6, priority=1)], idempotency_key="b")
    assert len(keyed[0].warnings) == 1
    other = [MessageIn(payload=6), MessageIn(payload=7, priority=1)]  # same batch key, other messages
    replayed = await qs.queue_publish_batch(P, "f", other, idempotency_key="b")
    assert [(p.message_id, p.duplicate, p.warnings) for p in replayed] == [(keyed[0].message_id, True, [])]
    assert (await qs.queue_publish(P, "plain", MessageIn(payload=0, priority=0))).warnings == []
    await qs.queue_update(P, "plain", QueueUpdate(enable_priority=True))
    ranked = await qs.queue_publish_batch(P, "plain", [MessageIn(payload=7, priority=7)])
    assert ranked[0].warnings == [] and "warnings" not in ranked[0].model_dump(mode="json")
    assert [m.payload for m in await qs.queue_consume(P, "plain", max_messages=10)] == [7, 0]
    # An unknown queue is created on first use (standard, no priority): both things are said.
    created, ignored = (await qs.queue_publish(P, "missing", MessageIn(payload=1, priority=5))).warnings
    assert created.startswith("queue 'missing' did not exist and was created") and ignored.startswith("priority 5")


async def test_fifo_holds_the_next_message_per_group(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="f", type="fifo"))
    msgs = [MessageIn(payload=f"a{i}", group_id="a") for i in range(2)] + [
        MessageIn(payload=f"b{i}", group_id="b") for i in range(2)
    ]
    await qs.queue_publish_batch(P, "f", msgs)
    (a0,) = await qs.queue_consume(P, "f")
    (b0,) = await qs.queue_consume(P, "f")  # group a is held; group b is free
    assert (a0.payload, b0.payload) == ("a0", "b0")
    assert await qs.queue_consume(P, "f") == []
    await qs.queue_nack(P, "f", receipt=a0.receipt)
    (again,) = await qs.queue_consume(P, "f")
    assert again.payload == "a0"  # a requeued head keeps its place
    await qs.queue_ack(P, "f", receipt=again.receipt)
    (a1,) = await qs.queue_consume(P, "f")
    assert a1.payload == "a1"


async def test_fifo_no_group_backlog_held_while_groups_flow(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="f", type="fifo"))
    await qs.queue_publish_batch(P, "f", [MessageIn(payload=f"n{i}") for i in range(100)])
    (head,) = await qs.queue_consume(P, "f")
    assert head.payload == "n0"
    assert await qs.queue_consume(P, "f", max_messages=10) == []  # the no-group backlog is held
    await qs.queue_publish(P, "f", MessageIn(payload="g0", group_id="g"))
    await qs.queue_publish(P, "f", MessageIn(payload="later", group_id="h", delay_seconds=60))
    got = await qs.queue_consume(P, "f", max_messages=10)
    assert [m.payload for m in got] == ["g0"]  # a group flows past the held backlog; h is delayed
    await qs.queue_ack(P, "f", receipt=head.receipt)
    nxt = await qs.queue_consume(P, "f", max_messages=3)
    assert [m.payload for m in nxt] == ["n1", "n2", "n3"]


async def test_fifo_order_under_concurrent_consumers(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="f", type="fifo"))
    n = 60
    await qs.queue_publish_batch(P, "f", [MessageIn(payload=i) for i in range(n)])
    processed: list[int] = []
    in_flight = 0

    async def consumer() -> None:
        nonlocal in_flight
        while len(processed) < n:
            got = await qs.queue_consume(P, "f", max_messages=3, wait_seconds=0.2)
            for m in got:
                in_flight += 1
                assert in_flight == 1, "two FIFO messages of one group were in flight at once"
                await asyncio.sleep(0)  # let the other consumers try to claim meanwhile
                processed.append(m.payload)
                in_flight -= 1
                await qs.queue_ack(P, "f", receipt=m.receipt)

    await asyncio.wait_for(asyncio.gather(*(consumer() for _ in range(4))), 60)
    assert processed == list(range(n))


async def test_idempotent_publish_within_the_window(engine: Engine, clock: OffsetClock) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q"))
    first = await qs.queue_publish(P, "q", MessageIn(payload=1, idempotency_key="order-42"))
    dup = await qs.queue_publish(P, "q", MessageIn(payload=2, idempotency_key="order-42"))
    assert (dup.message_id, dup.duplicate, first.duplicate) == (first.message_id, True, False)
    (m,) = await qs.queue_consume(P, "q", max_messages=10)
    await qs.queue_ack(P, "q", receipt=m.receipt)
    # Still deduped after the message is gone, until the window passes.
    assert (await qs.queue_publish(P, "q", MessageIn(payload=3, idempotency_key="order-42"))).duplicate
    assert (await qs.queue_stats(P, "q")).available == 0
    clock.offset += timedelta(hours=25)
    await qs.sweep()
    fresh = await qs.queue_publish(P, "q", MessageIn(payload=4, idempotency_key="order-42"))
    assert not fresh.duplicate and fresh.message_id != first.message_id

    batch = [MessageIn(payload=i, idempotency_key=f"k{i % 2}") for i in range(4)]
    ids = await qs.queue_publish_batch(P, "q", batch, idempotency_key="batch-1")
    assert [p.duplicate for p in ids] == [False, False, True, True]
    assert ids[2].message_id == ids[0].message_id
    again = await qs.queue_publish_batch(P, "q", batch, idempotency_key="batch-1")
    assert [p.message_id for p in again] == [p.message_id for p in ids] and all(p.duplicate for p in again)
    assert (await qs.queue_stats(P, "q")).available == 3


async def test_batch_is_all_or_nothing_and_in_order(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q"))
    bad = [MessageIn(payload=i) for i in range(3)]
    bad.append(MessageIn.model_construct(payload="x" * (1024 * 1024 + 1), delay_seconds=0, priority=0))
    with pytest.raises(PayloadTooLarge) as info:
        await qs.queue_publish_batch(P, "q", bad)
    assert info.value.field == "messages[3].payload"
    # A failure inside the store transaction (here: a row the database refuses) rolls back
    # the rows already inserted by the same batch.
    store = engine.store
    broken = [NewMessage(payload="1"), NewMessage(payload=None)]  # type: ignore[arg-type]
    with pytest.raises(Exception, match=r"(?i)not.null"):  # SQLite and PostgreSQL wording
        await store.publish(P, "q", broken, now=clock_now(engine), dedup_since=0.0)
    assert (await qs.queue_stats(P, "q")).available == 0

    ids = await qs.queue_publish_batch(P, "q", [MessageIn(payload=i) for i in range(50)])
    got = await qs.queue_consume(P, "q", max_messages=100)
    assert [m.message_id for m in got] == [p.message_id for p in ids]
    assert [m.payload for m in got] == list(range(50))


def clock_now(engine: Engine) -> float:
    return engine.clock.now().timestamp()


async def test_long_poll_returns_as_soon_as_a_message_arrives(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q"))
    waiting = asyncio.create_task(qs.queue_consume(P, "q", wait_seconds=20))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    await qs.queue_publish(P, "q", MessageIn(payload="hello"))
    got = await asyncio.wait_for(waiting, 5)  # well before the 20 s wait would end
    assert [m.payload for m in got] == ["hello"]

    # A publish that bypasses this service (another process) is found by the re-check.
    waiting = asyncio.create_task(qs.queue_consume(P, "q", wait_seconds=20))
    await asyncio.sleep(0.05)
    await engine.store.publish(P, "q", [NewMessage(payload='"other"')], now=clock_now(engine), dedup_since=0.0)
    got = await asyncio.wait_for(waiting, 5)
    assert [m.payload for m in got] == ["other"]

    assert await qs.queue_consume(P, "q", wait_seconds=0.3) == []  # nothing: returns after the wait


async def test_retention_removes_old_messages(engine: Engine, clock: OffsetClock) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q", message_retention_days=1))
    await qs.queue_create(P, QueueCreate(name="long", message_retention_days=14))
    await qs.queue_publish(P, "q", MessageIn(payload="old"))
    await qs.queue_publish(P, "long", MessageIn(payload="kept"))
    clock.offset += timedelta(hours=23)
    await qs.queue_publish(P, "q", MessageIn(payload="young"))
    clock.offset += timedelta(hours=2)
    counts = await qs.sweep()
    assert counts["expired"] == 1
    assert [m.payload for m in await qs.queue_consume(P, "q", max_messages=10)] == ["young"]
    assert (await qs.queue_stats(P, "long")).available == 1
