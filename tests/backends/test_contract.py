"""The Backend contract (backends/base.py), run against every implementation.

``backend`` is parametrised over embedded, remote-over-ASGI and remote-over-uvicorn; each
test asserts the same outcomes for all three. ``test_same_transcript`` also runs one long
scenario on all three and compares the normalised results record by record.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel

from infrai_mcp.backends.base import Backend
from infrai_mcp.core.errors import Conflict, InvalidInput, NotFound
from infrai_mcp.models import (
    CronCreate,
    CronUpdate,
    MessageIn,
    QueueCreate,
    QueueUpdate,
    RedriveRequest,
    ScheduleCreate,
    ScheduleUpdate,
    SubscriptionCreate,
    TaskCreate,
    WebhookSend,
)
from tests.backends.conftest import KINDS, BackendOpener

pytestmark = pytest.mark.anyio
URL = "https://example.com/hook"


def cron(**kw: Any) -> CronCreate:
    return CronCreate.model_validate({"url": URL, "schedule": "0 9 * * 1", **kw})


async def test_cron_lifecycle(backend: Backend) -> None:
    job = await backend.cron_create(cron(name="weekly", timezone="Europe/Paris", secret="whsec_c2VjcmV0c2VjcmV0"))
    assert job.name == "weekly" and job.schedule == "0 9 * * 1" and job.enabled and job.status == "active"
    assert job.has_secret and "secret" not in job.model_dump()
    assert job.next_run_at is not None and job.next_run_at > datetime.now(UTC)
    assert (await backend.cron_get(job.cron_id)) == job

    updated = await backend.cron_update(job.cron_id, CronUpdate(schedule="30 10 * * *", retries=5))
    assert updated.schedule == "30 10 * * *" and updated.retries == 5 and updated.next_run_at != job.next_run_at

    paused = await backend.cron_pause(job.cron_id)
    assert not paused.enabled and paused.status == "paused"
    resumed = await backend.cron_resume(job.cron_id)
    assert resumed.enabled and resumed.status == "active" and resumed.next_run_at is not None

    run = await backend.cron_trigger(job.cron_id)
    assert run.trigger == "manual" and run.cron_id == job.cron_id and run.job_kind == "cron"
    runs = await backend.cron_runs_list(job.cron_id)
    assert [r.run_id for r in runs.items] == [run.run_id]
    got = await backend.cron_run_get(job.cron_id, run.run_id)
    assert got.run_id == run.run_id and got.attempt_log is not None
    assert (await backend.run_get(run.run_id)).run_id == run.run_id

    assert (await backend.cron_retention_set(job.cron_id, 7)).retention_days == 7
    assert (await backend.cron_retention_get(job.cron_id)).retention_days == 7

    deleted = await backend.cron_delete(job.cron_id)
    assert deleted.id == job.cron_id and deleted.deleted
    assert (await backend.cron_delete(job.cron_id)).deleted  # idempotent
    with pytest.raises(NotFound):
        await backend.cron_get(job.cron_id)


async def test_cron_one_shot_and_idempotency(backend: Backend) -> None:
    at = datetime.now(UTC) + timedelta(hours=2)
    one = await backend.cron_create(CronCreate(url=URL, run_at=at, idempotency_key="k1"))
    assert one.schedule is None and one.run_at is not None and abs((one.run_at - at).total_seconds()) < 1
    again = await backend.cron_create(CronCreate(url=URL, run_at=at + timedelta(hours=1), idempotency_key="k1"))
    assert again.cron_id == one.cron_id


async def test_cron_pagination(backend: Backend) -> None:
    ids = [(await backend.cron_create(cron(name=f"j{i}"))).cron_id for i in range(5)]
    first = await backend.cron_list(limit=2)
    assert [j.cron_id for j in first.items] == ids[:2] and first.next_cursor
    second = await backend.cron_list(cursor=first.next_cursor, limit=2)
    third = await backend.cron_list(cursor=second.next_cursor, limit=2)
    assert [j.cron_id for j in second.items + third.items] == ids[2:]
    assert third.next_cursor is None


async def test_cron_update_moves_a_one_shot_run_at(backend: Backend) -> None:
    at = datetime.now(UTC) + timedelta(hours=2)
    job = await backend.cron_create(cron(schedule=None, run_at=at.isoformat()))
    later = at + timedelta(days=1)
    moved = await backend.cron_update(job.cron_id, CronUpdate(run_at=later))
    assert (moved.run_at, moved.next_run_at, moved.schedule) == (later, later, None)
    for bad in ({"run_at": datetime(2001, 1, 1, tzinfo=UTC)}, {"run_at": later, "schedule": "0 9 * * *"}):
        with pytest.raises(InvalidInput) as info:
            await backend.cron_update(job.cron_id, CronUpdate.model_validate(bad))
        assert info.value.field == "run_at"
    assert await backend.cron_get(job.cron_id) == moved  # refused updates changed nothing


async def test_malformed_cursor_is_refused_on_every_list(backend: Backend) -> None:
    job = await backend.cron_create(cron(name="keep"))
    await backend.queue_create(QueueCreate(name="q"))
    lists = {
        "cron_list": lambda c: backend.cron_list(cursor=c), "task_list": lambda c: backend.task_list(cursor=c),
        "run_list": lambda c: backend.run_list(cursor=c),
        "cron_runs_list": lambda c: backend.cron_runs_list(job.cron_id, cursor=c),
        "schedule_list": lambda c: backend.schedule_list(cursor=c),
        "schedule_list(agent)": lambda c: backend.schedule_list("a", cursor=c),
        "queue_list": lambda c: backend.queue_list(cursor=c),
        "queue_dlq_list": lambda c: backend.queue_dlq_list("q", cursor=c),
        "webhook_list": lambda c: backend.webhook_list(cursor=c),
    }
    for name, call in lists.items():
        for bad in ("garbage", "cj_", "run_01", job.cron_id + "x", " " + job.cron_id, "tk_" + "!" * 26):
            with pytest.raises(InvalidInput) as info:
                await call(bad)
            assert info.value.field == "cursor", name
            assert "next_cursor" in info.value.message and "omit it" in info.value.message, name
    assert [j.cron_id for j in (await backend.cron_list()).items] == [job.cron_id]  # nothing changed


async def test_cursor_of_a_deleted_item_still_pages_on(backend: Backend) -> None:
    ids = [(await backend.cron_create(cron(name=f"j{i}"))).cron_id for i in range(4)]
    first = await backend.cron_list(limit=2)
    assert first.next_cursor == ids[1]
    await backend.cron_delete(ids[1])
    rest = await backend.cron_list(cursor=first.next_cursor, limit=2)
    assert [j.cron_id for j in rest.items] == ids[2:]
    a = await backend.schedule_create("a", ScheduleCreate(name="a", type="delayed", delay_seconds=60, callback_url=URL))
    b = await backend.schedule_create("a", ScheduleCreate(name="b", type="delayed", delay_seconds=60, callback_url=URL))
    await backend.schedule_delete("a", a.id)
    assert [s.id for s in (await backend.schedule_list(cursor=a.id)).items] == [b.id]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"schedule": "61 * * * *"}, "schedule"), ({"timezone": "Mars/Olympus"}, "timezone")],
)
async def test_cron_invalid_input_names_field(backend: Backend, kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        await backend.cron_create(cron(**kwargs))
    assert info.value.field == field
    assert (await backend.cron_list()).items == []  # nothing half-written


async def test_batch_creates_all_or_nothing(backend: Backend) -> None:
    made = await backend.cron_create_batch([cron(name=f"j{i}", schedule=f"{i} * * * *") for i in range(5)])
    assert [(j.name, j.schedule) for j in made] == [(f"j{i}", f"{i} * * * *") for i in range(5)]
    assert [j.cron_id for j in (await backend.cron_list()).items] == [j.cron_id for j in made]
    assert made[3] == await backend.cron_get(made[3].cron_id)  # the record a single get answers
    # An invalid item refuses the whole batch, naming the item; nothing is stored.
    for bad, field in (({"timezone": "Mars/Olympus"}, "jobs[2].timezone"), ({"schedule": "61 * * * *"},
                                                                            "jobs[2].schedule")):
        with pytest.raises(InvalidInput) as info:
            await backend.cron_create_batch([cron(), cron(), cron(**bad)])
        assert info.value.field == field and str(info.value).startswith(field)
    with pytest.raises(InvalidInput) as info:
        await backend.cron_create_batch([])
    assert info.value.field == "jobs" and "1 to 1000" in str(info.value)
    with pytest.raises(InvalidInput) as info:
        await backend.cron_create_batch([cron()] * 1001)
    assert info.value.field == "jobs"
    assert len((await backend.cron_list()).items) == 5
    # Idempotency keys: a replayed batch answers the jobs created first, and creates nothing.
    keyed = [TaskCreate(url=URL, delay_seconds=60 + i, idempotency_key=f"k{i}") for i in range(3)]
    first = await backend.task_schedule_batch(keyed)
    again = await backend.task_schedule_batch([*keyed, TaskCreate(url=URL, delay_seconds=5)])
    assert [t.task_id for t in again[:3]] == [t.task_id for t in first] and again[3].task_id not in {
        t.task_id for t in first}
    assert len((await backend.task_list()).items) == 4
    past = datetime.now(UTC) - timedelta(hours=1)
    with pytest.raises(InvalidInput) as info:
        await backend.task_schedule_batch([TaskCreate(url=URL, delay_seconds=1), TaskCreate(url=URL, run_at=past)])
    assert info.value.field == "tasks[1].run_at"
    assert len((await backend.task_list()).items) == 4


async def test_unknown_ids_are_not_found(backend: Backend) -> None:
    for call in (
        backend.cron_get("cj_nope"), backend.cron_pause("cj_nope"), backend.cron_trigger("cj_nope"),
        backend.task_get("tk_nope"), backend.run_get("run_nope"), backend.queue_get("nope"),
        backend.schedule_get("agent", "sch_nope"), backend.webhook_get("dlv_nope"),
    ):
        with pytest.raises(NotFound):
            await call


async def test_tasks_and_runs(backend: Backend) -> None:
    later = await backend.task_schedule(TaskCreate(url=URL, delay_seconds=3600, name="later"))
    assert later.state == "scheduled" and later.name == "later"
    at = datetime.now(UTC) + timedelta(days=1)
    other = await backend.task_schedule(TaskCreate(url=URL, run_at=at, payload={"a": 1}))
    assert other.payload == {"a": 1}
    assert (await backend.task_get(later.task_id)) == later
    listed = await backend.task_list(state="scheduled")
    assert [t.task_id for t in listed.items] == [later.task_id, other.task_id]
    cancelled = await backend.task_cancel(later.task_id)
    assert cancelled.state == "cancelled"
    assert [t.task_id for t in (await backend.task_list(state="cancelled")).items] == [later.task_id]
    with pytest.raises(InvalidInput):
        await backend.task_schedule(TaskCreate(url=URL, run_at=datetime.now(UTC) - timedelta(hours=1)))
    assert (await backend.run_list()).items == []


async def test_agent_schedules(backend: Backend) -> None:
    await backend.queue_create(QueueCreate(name="followups"))
    c = await backend.schedule_create("agent-1", ScheduleCreate(
        name="Daily Report", type="cron", cron_expression="0 9 * * *", callback_type="queue",
        callback_id="followups"))
    o = await backend.schedule_create("agent-1", ScheduleCreate(
        name="Send Reminder", type="once", next_run=datetime.now(UTC) + timedelta(days=3), callback_url=URL))
    d = await backend.schedule_create("agent-1", ScheduleCreate(
        name="Follow-up", type="delayed", delay_seconds=3600, callback_type="queue", callback_id="followups"))
    assert (c.type, o.type, d.type) == ("cron", "once", "delayed") and c.status == "active"
    everything = await backend.schedule_list("agent-1")
    assert [s.id for s in everything.items] == [c.id, o.id, d.id]
    assert [s.id for s in (await backend.schedule_list("agent-1", type="cron")).items] == [c.id]
    assert (await backend.schedule_list("agent-2")).items == []
    got = await backend.schedule_get("agent-1", c.id)
    assert got.executions == [] and got.cron_expression == "0 9 * * *"
    paused = await backend.schedule_update("agent-1", c.id, ScheduleUpdate(status="paused"))
    assert paused.status == "paused"
    assert [s.id for s in (await backend.schedule_list("agent-1", status="paused")).items] == [c.id]
    with pytest.raises(NotFound):
        await backend.schedule_get("agent-2", c.id)  # another agent's schedule
    assert (await backend.schedule_delete("agent-1", o.id)).deleted
    with pytest.raises(NotFound):
        await backend.schedule_get("agent-1", o.id)


async def test_schedule_callback_that_cannot_work_is_refused(backend: Backend) -> None:
    with pytest.raises(InvalidInput) as info:
        await backend.schedule_create("agent-1", ScheduleCreate(
            name="q", type="delayed", delay_seconds=60, callback_type="queue", callback_id="nowhere"))
    assert info.value.field == "callback_id" and "create the queue first" in info.value.message
    with pytest.raises(InvalidInput) as info:  # no INFRAI_WORKFLOW_URL in these servers
        await backend.schedule_create("agent-1", ScheduleCreate(
            name="w", type="delayed", delay_seconds=60, callback_type="workflow", callback_id="wf"))
    assert info.value.field == "callback_type" and "INFRAI_WORKFLOW_URL" in info.value.message
    assert (await backend.schedule_list()).items == []
    s = await backend.schedule_create("agent-1", ScheduleCreate(
        name="u", type="delayed", delay_seconds=60, callback_url=URL))
    before = await backend.schedule_get("agent-1", s.id)
    for update, field in ((ScheduleUpdate(callback_type="queue", callback_id="nowhere"), "callback_id"),
                          (ScheduleUpdate(callback_type="workflow", callback_id="wf"), "callback_type")):
        with pytest.raises(InvalidInput) as info:
            await backend.schedule_update("agent-1", s.id, update)
        assert info.value.field == field
    assert await backend.schedule_get("agent-1", s.id) == before


async def test_schedules_of_every_agent(backend: Backend) -> None:
    a = await backend.schedule_create("agent-a", ScheduleCreate(
        name="a", type="cron", cron_expression="0 9 * * *", callback_url=URL))
    b = await backend.schedule_create("agent-b", ScheduleCreate(
        name="b", type="delayed", delay_seconds=60, callback_url=URL))
    c = await backend.schedule_create("agent-c", ScheduleCreate(
        name="c", type="cron", cron_expression="0 10 * * *", callback_url=URL))
    every = await backend.schedule_list()
    assert [(s.id, s.agent_id) for s in every.items] == [(a.id, "agent-a"), (b.id, "agent-b"), (c.id, "agent-c")]
    assert [s.id for s in (await backend.schedule_list(None, type="cron")).items] == [a.id, c.id]
    first = await backend.schedule_list(limit=2)
    assert [s.id for s in first.items] == [a.id, b.id] and first.next_cursor
    rest = await backend.schedule_list(cursor=first.next_cursor, limit=2)
    assert [s.id for s in rest.items] == [c.id] and rest.next_cursor is None
    await backend.schedule_update("agent-b", b.id, ScheduleUpdate(status="paused"))
    assert [s.id for s in (await backend.schedule_list(status="paused")).items] == [b.id]
    assert (await backend.schedule_delete("agent-a", a.id)).deleted
    assert [s.id for s in (await backend.schedule_list()).items] == [b.id, c.id]
    assert [s.id for s in (await backend.schedule_list("agent-c")).items] == [c.id]  # one agent still works


async def test_queue_messages(backend: Backend) -> None:
    await backend.queue_create(QueueCreate(name="orders-dlq"))
    q = await backend.queue_create(QueueCreate(name="orders", dead_letter_queue="orders-dlq", max_retries=1))
    assert q.queue == "orders" and q.dead_letter_queue == "orders-dlq"
    assert [x.queue for x in (await backend.queue_list()).items] == ["orders-dlq", "orders"]
    updated = await backend.queue_update("orders", QueueUpdate(visibility_timeout_default=60))
    assert updated.visibility_timeout_default == 60

    first = await backend.queue_publish("orders", MessageIn(payload={"n": 1}, idempotency_key="p1"))
    dup = await backend.queue_publish("orders", MessageIn(payload={"n": 1}, idempotency_key="p1"))
    assert dup.message_id == first.message_id and dup.duplicate
    batch = await backend.queue_publish_batch("orders", [MessageIn(payload={"n": 2}), MessageIn(payload={"n": 3})])
    assert len(batch) == 2
    stats = await backend.queue_stats("orders")
    assert (stats.available, stats.in_flight) == (3, 0)

    got = await backend.queue_consume("orders", max_messages=2, visibility_timeout=30)
    assert [m.payload for m in got] == [{"n": 1}, {"n": 2}] and all(m.receipt for m in got)
    assert (await backend.queue_ack("orders", got[0].message_id)).acked
    nack = await backend.queue_nack("orders", receipt=got[1].receipt, requeue=False, error="bad")
    assert nack.nacked and not nack.requeued
    dead = await backend.queue_dlq_list("orders")
    assert [m.message_id for m in dead.items] == [got[1].message_id]
    assert (await backend.queue_dlq_redrive("orders", RedriveRequest())).redriven == 1

    with pytest.raises(Conflict):
        await backend.queue_delete("orders-dlq")  # still the DLQ of orders
    assert (await backend.queue_purge("orders")).purged == 2
    sub = await backend.queue_push_subscribe("orders", SubscriptionCreate(url=URL, secret="whsec_c2VjcmV0c2VjcmV0"))
    assert sub.has_secret and [s.subscription_id for s in await backend.queue_push_list("orders")] == [
        sub.subscription_id]
    assert (await backend.queue_push_unsubscribe("orders", sub.subscription_id)).deleted
    assert (await backend.queue_delete("orders")).deleted
    with pytest.raises(NotFound):
        await backend.queue_consume("orders")
    # A publish to an unknown queue creates it with the defaults and says so (docs/QUEUES.md).
    again = await backend.queue_publish("orders", MessageIn(payload={}))
    assert again.warnings and "did not exist and was created" in again.warnings[0]
    assert (await backend.queue_get("orders")).type == "standard"


async def test_ignored_priority_is_published_with_a_warning(backend: Backend) -> None:
    await backend.queue_create(QueueCreate(name="plain"))
    one = await backend.queue_publish("plain", MessageIn(payload={"n": 1}, priority=5))
    (warning,) = one.warnings
    assert warning.startswith("priority 5 was ignored: queue 'plain' does not have enable_priority")
    assert "enable_priority: true" in warning
    batch = await backend.queue_publish_batch("plain", [MessageIn(payload={"n": 2}, priority=1), MessageIn(payload={})])
    assert batch[0].warnings[0].startswith("messages[0].priority 1 was ignored") and batch[1].warnings == []
    got = await backend.queue_consume("plain", max_messages=5)
    assert [(m.message_id, m.priority) for m in got] == [(one.message_id, 5), (batch[0].message_id, 1),
                                                         (batch[1].message_id, 0)]


async def test_webhook_send_records_delivery(backend: Backend) -> None:
    d = await backend.webhook_send(WebhookSend(url=URL, payload={"order_id": "ord_42"}, secret="whsec_c2VjcmV0"))
    assert d.url == URL and d.state in ("pending", "delivering", "succeeded", "failed") and d.webhook_id
    assert (await backend.webhook_get(d.delivery_id)).delivery_id == d.delivery_id


async def test_webhook_list_newest_first(backend: Backend) -> None:
    assert (await backend.webhook_list()).items == []
    sent = [await backend.webhook_send(WebhookSend(url=f"{URL}/{i}", payload={"i": i})) for i in range(3)]
    every = await backend.webhook_list()
    assert [d.delivery_id for d in every.items] == [d.delivery_id for d in reversed(sent)]
    assert every.next_cursor is None and every.items[0].url == f"{URL}/2"
    first = await backend.webhook_list(limit=2)
    assert [d.delivery_id for d in first.items] == [sent[2].delivery_id, sent[1].delivery_id] and first.next_cursor
    rest = await backend.webhook_list(cursor=first.next_cursor, limit=2)
    assert [d.delivery_id for d in rest.items] == [sent[0].delivery_id] and rest.next_cursor is None
    pending = await backend.webhook_list(state="pending")  # dispatch is off here: nothing was sent
    assert len(pending.items) == 3 and (await backend.webhook_list(state="failed")).items == []
    with pytest.raises(InvalidInput):
        await backend.webhook_list(state="lost")
    with pytest.raises(InvalidInput):
        await backend.webhook_list(limit=0)


# -- one scenario, three backends, identical results -----------------------------------------
_ID = re.compile(r"^[a-z]+_[0-9a-z]{20,40}$")
_TIME = re.compile(r"^\d{4}-\d\d-\d\dT")
_MEASURED = {"oldest_age_seconds", "duration_ms"}


def normalise(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, BaseModel):
        return normalise(value.model_dump(mode="json"), ids)
    if isinstance(value, dict):
        # Ages and durations depend on the moment, not on the backend.
        return {k: ("<measured>" if k in _MEASURED and v is not None else normalise(v, ids)) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, ids) for v in value]
    if isinstance(value, str) and _ID.match(value):
        return ids.setdefault(value, f"<id{len(ids)}>")
    if isinstance(value, str) and _TIME.match(value):
        return "<time>"
    if isinstance(value, str) and "." in value and value.startswith("msg_"):
        return "<receipt>"
    return value


async def scenario(b: Backend) -> list[Any]:
    out: list[Any] = []

    async def step(coro: Any) -> Any:
        try:
            result = await coro
        except Exception as exc:
            out.append({"error": type(exc).__name__, "message": str(exc), "field": getattr(exc, "field", None)})
            return None
        out.append(result if not isinstance(result, list) else list(result))
        return result

    job = await step(b.cron_create(cron(name="n", payload={"x": [1, 2]}, headers={"X-A": "1", "Authorization": "s"})))
    await step(b.cron_update(job.cron_id, CronUpdate(headers=None)))
    await step(b.cron_create(cron(schedule="nope")))
    await step(b.cron_trigger(job.cron_id))
    await step(b.cron_list())
    await step(b.task_schedule(TaskCreate(url=URL, delay_seconds=60)))
    await step(b.queue_create(QueueCreate(name="q", type="fifo")))
    await step(b.queue_publish("q", MessageIn(payload="hello", group_id="g")))
    await step(b.queue_consume("q", max_messages=5))
    await step(b.queue_stats("q"))
    await step(b.queue_ack("q", message_id="msg_unknown"))
    await step(b.schedule_create("a", ScheduleCreate(name="s", type="delayed", delay_seconds=5, callback_url=URL)))
    await step(b.schedule_list("a"))
    await step(b.schedule_list())
    await step(b.webhook_send(WebhookSend(url=URL, payload={"s": 1})))
    await step(b.webhook_list(limit=5))
    await step(b.webhook_list(state="lost"))
    await step(b.queue_get("missing"))
    once = await step(b.cron_create(cron(schedule=None, run_at=datetime.now(UTC) + timedelta(hours=1))))
    await step(b.cron_update(once.cron_id, CronUpdate(run_at=datetime.now(UTC) + timedelta(hours=2))))
    await step(b.cron_update(once.cron_id, CronUpdate(run_at=datetime.now(UTC), schedule="0 9 * * *")))
    await step(b.cron_list(cursor="garbage"))
    await step(b.queue_list(cursor="q_garbage"))
    await step(b.queue_publish("q", MessageIn(payload="ranked?", group_id="h", priority=3)))
    await step(b.queue_create(QueueCreate(name="plain")))
    await step(b.queue_publish_batch("plain", [MessageIn(payload=1), MessageIn(payload=2, priority=4)]))
    await step(b.cron_create_batch([cron(name="b1"), cron(name="b2", idempotency_key="k"),
                                    cron(name="b3", idempotency_key="k"), cron(name="b4", enabled=False)]))
    await step(b.cron_create_batch([cron(name="b5"), cron(schedule="nope")]))
    await step(b.task_schedule_batch([TaskCreate(url=URL, delay_seconds=60, idempotency_key="t"),
                                      TaskCreate(url=URL, delay_seconds=90, idempotency_key="t")]))
    await step(b.cron_list())
    return out


async def test_same_transcript(opener: BackendOpener) -> None:
    transcripts = []
    for kind in KINDS:
        async with opener(kind, dispatch=False) as b:
            transcripts.append(normalise(await scenario(b), {}))
    assert transcripts[0] == transcripts[1] == transcripts[2]
    assert any("error" in step for step in transcripts[0])  # errors are part of the comparison


@pytest.mark.parametrize("kind", KINDS)
async def test_work_really_fires(opener: BackendOpener, kind: str) -> None:
    """With the dispatcher on, a task and a webhook reach a real receiver whichever way the
    backend is reached, and the outcome reads back the same."""
    from tests.receiver import Receiver
    from tests.waiting import until

    with Receiver() as rx:
        async with opener(kind, dispatch=True) as b:
            task = await b.task_schedule(TaskCreate(url=rx.url("/task"), delay_seconds=0, payload={"k": kind},
                                                    result_url=rx.url("/result"), events_url=rx.url("/events")))
            assert (task.result_url, task.events_url) == (rx.url("/result"), rx.url("/events"))
            sent = await b.webhook_send(WebhookSend(url=rx.url("/hook"), payload={"k": kind}))

            async def task_done() -> Any:
                t = await b.task_get(task.task_id)
                return t if t.state == "succeeded" else None

            done = await until(task_done, what=f"task fired via {kind}")
            (got,) = await rx.wait_for(1, path="/task", timeout=10)
            assert got.json() == {"k": kind} and got.headers["webhook-id"]
            runs = await b.run_list(job_id=task.task_id)
            assert [(r.run_id, r.state, r.response_status) for r in runs.items] == [(done.run_id, "succeeded", 200)]
            (result,) = await rx.wait_for(1, path="/result", timeout=10)
            assert result.json()["run_id"] == done.run_id and result.json()["status"] == 200
            events = await rx.wait_for(4, path="/events", timeout=10)
            assert [e.json()["type"] for e in events] == ["job.started", "job.request", "job.response", "job.finished"]

            async def delivered() -> Any:
                d = await b.webhook_get(sent.delivery_id)
                return d if d.state == "succeeded" else None

            d = await until(delivered, what=f"webhook delivered via {kind}")
            assert d.response_status == 200 and len(d.attempts) == 1
            listed = (await b.webhook_list(state="succeeded")).items
            assert [x.delivery_id for x in listed] == [sent.delivery_id] and listed[0].attempts == d.attempts
