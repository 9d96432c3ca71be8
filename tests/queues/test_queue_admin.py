"""Queue administration and bad input: every refusal is precise and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.core.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge
from infrai_mcp.models import MessageIn, QueueCreate, QueueUpdate
from infrai_mcp.runtime.engine import Engine
from tests.queues.conftest import StoreFactory

pytestmark = pytest.mark.anyio
P = "default"


async def test_create_get_list_update_delete(engine: Engine) -> None:
    qs = engine.queues
    for i in range(5):
        await qs.queue_create(P, QueueCreate(name=f"q{i}", max_retries=i))
    got = await qs.queue_get(P, "q3")
    assert (got.queue, got.type, got.max_retries, got.enable_priority) == ("q3", "standard", 3, False)

    page1 = await qs.queue_list(P, limit=2)
    page2 = await qs.queue_list(P, cursor=page1.next_cursor, limit=2)
    page3 = await qs.queue_list(P, cursor=page2.next_cursor, limit=2)
    names = [q.queue for q in page1.items + page2.items + page3.items]
    assert names == ["q0", "q1", "q2", "q3", "q4"]
    assert page3.next_cursor is None

    updated = await qs.queue_update(P, "q1", QueueUpdate(max_retries=7, visibility_timeout_default=5))
    assert (updated.max_retries, updated.visibility_timeout_default, updated.message_retention_days) == (7, 5, 4)

    assert (await qs.queue_delete(P, "q1")).deleted
    with pytest.raises(NotFound, match=r"^No queue 'q1'\.$") as info:
        await qs.queue_get(P, "q1")
    assert info.value.hint == "queue"


async def test_create_is_idempotent_by_key_and_refuses_a_taken_name(engine: Engine) -> None:
    qs = engine.queues
    first = await qs.queue_create(P, QueueCreate(name="orders", idempotency_key="k1"))
    again = await qs.queue_create(P, QueueCreate(name="orders", idempotency_key="k1"))
    assert again == first
    with pytest.raises(Conflict, match="already exists"):
        await qs.queue_create(P, QueueCreate(name="orders"))


async def test_projects_are_isolated(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create("alpha", QueueCreate(name="shared"))
    await qs.queue_publish("alpha", "shared", MessageIn(payload=1))
    with pytest.raises(NotFound):
        await qs.queue_get("beta", "shared")
    with pytest.raises(NotFound):
        await qs.queue_consume("beta", "shared")
    assert (await qs.queue_list("beta")).items == []
    # Same name in another project is a different queue.
    await qs.queue_create("beta", QueueCreate(name="shared"))
    assert (await qs.queue_stats("beta", "shared")).available == 0
    assert (await qs.queue_stats("alpha", "shared")).available == 1


async def test_dead_letter_queue_must_exist_match_type_and_not_be_itself(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="fifo-dlq", type="fifo"))
    with pytest.raises(InvalidInput, match="no queue 'nope'") as info:
        await qs.queue_create(P, QueueCreate(name="a", dead_letter_queue="nope"))
    assert info.value.field == "dead_letter_queue"
    with pytest.raises(InvalidInput, match="same type"):
        await qs.queue_create(P, QueueCreate(name="a", dead_letter_queue="fifo-dlq"))
    with pytest.raises(InvalidInput, match="its own dead-letter queue"):
        await qs.queue_create(P, QueueCreate(name="a", dead_letter_queue="a"))
    assert [q.queue for q in (await qs.queue_list(P)).items] == ["fifo-dlq"]  # nothing created

    await qs.queue_create(P, QueueCreate(name="a"))
    await qs.queue_create(P, QueueCreate(name="b", dead_letter_queue="a"))
    with pytest.raises(InvalidInput, match="its own dead-letter queue"):
        await qs.queue_update(P, "a", QueueUpdate(dead_letter_queue="a"))
    with pytest.raises(InvalidInput, match="must not loop"):
        await qs.queue_update(P, "a", QueueUpdate(dead_letter_queue="b"))
    assert (await qs.queue_get(P, "a")).dead_letter_queue is None
    # null clears the DLQ; omitting it leaves it alone.
    assert (await qs.queue_update(P, "b", QueueUpdate(max_retries=1))).dead_letter_queue == "a"
    assert (await qs.queue_update(P, "b", QueueUpdate(dead_letter_queue=None))).dead_letter_queue is None


async def test_deleting_a_queue_that_is_another_queues_dlq_is_refused(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="dlq"))
    await qs.queue_create(P, QueueCreate(name="work", dead_letter_queue="dlq"))
    await qs.queue_publish(P, "dlq", MessageIn(payload="kept"))
    with pytest.raises(Conflict, match="dead-letter queue of 'work'"):
        await qs.queue_delete(P, "dlq")
    assert (await qs.queue_stats(P, "dlq")).available == 1  # nothing changed
    await qs.queue_delete(P, "work")
    await qs.queue_delete(P, "dlq")


async def test_unknown_queue_everywhere(engine: Engine) -> None:
    qs = engine.queues
    calls = [
        qs.queue_get(P, "ghost"),
        qs.queue_update(P, "ghost", QueueUpdate(max_retries=1)),
        qs.queue_delete(P, "ghost"),
        qs.queue_purge(P, "ghost"),
        qs.queue_stats(P, "ghost"),
        qs.queue_consume(P, "ghost"),
        qs.queue_ack(P, "ghost", message_id="msg_x"),
        qs.queue_nack(P, "ghost", message_id="msg_x"),
        qs.queue_dlq_list(P, "ghost"),
        qs.queue_push_list(P, "ghost"),
    ]
    for call in calls:
        with pytest.raises(NotFound, match="No queue 'ghost'"):
            await call


async def test_publish_to_an_unknown_queue_creates_it_unless_turned_off(
    tmp_path: Path, make_store: StoreFactory, engine: Engine
) -> None:
    qs = engine.queues
    first = await qs.queue_publish(P, "fresh", MessageIn(payload={"n": 1}))
    (warning,) = first.warnings
    assert "'fresh' did not exist and was created as a standard queue" in warning
    assert "INFRAI_AUTO_CREATE_QUEUES=0" in warning
    q = await qs.queue_get(P, "fresh")
    assert (q.type, q.max_retries, q.visibility_timeout_default) == ("standard", 3, 30)
    second = await qs.queue_publish_batch(P, "fresh", [MessageIn(payload={"n": 2})])
    assert second[0].warnings == []  # said once, when it was created
    assert [m.payload for m in await qs.queue_consume(P, "fresh", max_messages=5)] == [{"n": 1}, {"n": 2}]
    with pytest.raises(InvalidInput) as info:  # a name no queue can have is refused, not a 500
        await qs.queue_publish(P, "no spaces", MessageIn(payload=1))
    assert info.value.field == "queue" and "e.g. send-daily-digest" in info.value.message
    assert [q.queue for q in (await qs.queue_list(P)).items] == ["fresh"]

    off = tmp_path / "off"
    off.mkdir()
    settings = Settings(home=off, auto_create_queues=False)
    async with Engine(settings, store=make_store(off), dispatch=False) as strict:
        for call in (strict.queues.queue_publish(P, "ghost", MessageIn(payload=1)),
                     strict.queues.queue_publish_batch(P, "ghost", [MessageIn(payload=1)])):
            with pytest.raises(NotFound, match="No queue 'ghost'"):
                await call
        assert (await strict.queues.queue_list(P)).items == []


async def test_bad_arguments_name_the_field_and_change_nothing(engine: Engine) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q"))
    for kwargs, field in [
        ({"max_messages": 0}, "max_messages"),
        ({"max_messages": 101}, "max_messages"),
        ({"visibility_timeout": 0}, "visibility_timeout"),
        ({"wait_seconds": 21}, "wait_seconds"),
    ]:
        with pytest.raises(InvalidInput) as info:
            await qs.queue_consume(P, "q", **kwargs)  # type: ignore[arg-type]
        assert info.value.field == field

    big = MessageIn.model_construct(payload="x" * (1024 * 1024 + 1), delay_seconds=0, priority=0)
    with pytest.raises(PayloadTooLarge) as too_large:
        await qs.queue_publish(P, "q", big)
    assert too_large.value.field == "payload"
    with pytest.raises(InvalidInput, match="1 to 100"):
        await qs.queue_publish_batch(P, "q", [MessageIn(payload=i) for i in range(101)])
    with pytest.raises(InvalidInput) as no_handle:
        await qs.queue_ack(P, "q")
    assert no_handle.value.field == "receipt"
    gone = await qs.queue_ack(P, "q", message_id="msg_nope")
    assert not gone.acked and gone.reason and gone.reason.startswith("No message 'msg_nope'")
    with pytest.raises(NotFound, match="No message"):
        await qs.queue_nack(P, "q", receipt="msg_nope.1.abc")
    stats = await qs.queue_stats(P, "q")
    assert (stats.available, stats.in_flight, stats.delayed, stats.dlq) == (0, 0, 0, 0)


async def test_stats_purge_and_delay(engine: Engine, clock: OffsetClock) -> None:
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="q"))
    await qs.queue_publish_batch(P, "q", [MessageIn(payload=i) for i in range(3)])
    await qs.queue_publish(P, "q", MessageIn(payload="later", delay_seconds=60))
    await qs.queue_consume(P, "q", max_messages=1, visibility_timeout=600)
    clock.offset += timedelta(seconds=10)
    stats = await qs.queue_stats(P, "q")
    assert (stats.available, stats.in_flight, stats.delayed, stats.dlq) == (2, 1, 1, 0)
    assert stats.oldest_age_seconds is not None and stats.oldest_age_seconds >= 10

    # The delayed message is invisible until its delay ends.
    got = await qs.queue_consume(P, "q", max_messages=10, visibility_timeout=600)
    assert [m.payload for m in got] == [1, 2]
    clock.offset += timedelta(seconds=51)
    assert [m.payload for m in await qs.queue_consume(P, "q", max_messages=10)] == ["later"]

    assert (await qs.queue_purge(P, "q")).purged == 4
    stats = await qs.queue_stats(P, "q")
    assert (stats.available, stats.in_flight, stats.delayed, stats.oldest_age_seconds) == (0, 0, 0, None)


def test_trusted_records_equal_validated_ones() -> None:
    """The fast record path (queues.trusted) must be indistinguishable from validation."""
    from datetime import UTC, datetime

    from infrai_mcp.models import Message
    from infrai_mcp.services.queue_records import message_record

    now = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    row = {
        "id": "msg_1", "queue": "q", "payload": '{"a":[1,2]}', "priority": 3, "group_id": None,
        "receive_count": 2, "receipt": "msg_1.2.ab", "enqueued_at": now, "visible_at": now + 30,
    }
    fast = message_record(row)
    slow = Message.model_validate(fast.model_dump())
    assert fast == slow
    assert fast.model_dump_json() == slow.model_dump_json()
    assert fast.model_fields_set == slow.model_fields_set
