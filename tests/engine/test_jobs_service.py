"""JobService operations on a real SQLite file: CRUD, pagination, idempotency, bad input.

These engines do not dispatch (``dispatch=False``), so nothing fires while we inspect.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infrai_mcp.core.errors import InvalidInput, NotFound
from infrai_mcp.models import CronCreate, CronUpdate, QueueCreate, ScheduleCreate, ScheduleUpdate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from tests.engines import make_engine

pytestmark = pytest.mark.anyio
P = "default"
URL = "https://example.com/hook"


@pytest.fixture
async def idle(tmp_path: Path) -> AsyncIterator[Engine]:
    async with make_engine(tmp_path, dispatch=False) as eng:
        yield eng


def cron(**kw: object) -> CronCreate:
    return CronCreate.model_validate({"name": "job", "url": URL, "schedule": "0 9 * * *", **kw})


async def test_cron_create_get_and_secret_never_returned(idle: Engine) -> None:
    job = await idle.jobs.cron_create(P, cron(timezone="America/New_York", secret="s3cret-value",
                                              headers={"Authorization": "Bearer x", "X-Team": "a"}))
    assert job.cron_id.startswith("cj_") and job.enabled and job.status == "active"
    assert job.has_secret and "s3cret" not in job.model_dump_json()
    assert job.headers == {"Authorization": "***", "X-Team": "a"}
    assert job.next_run_at is not None and job.next_run_at.astimezone(UTC).hour in (13, 14)  # 09:00 New York
    assert job.description and "09:00" in job.description
    got = await idle.jobs.cron_get(P, job.cron_id)
    assert got.next_run_at == job.next_run_at and got.schedule == "0 9 * * *"


async def test_macros_and_six_fields_are_accepted(idle: Engine) -> None:
    daily = await idle.jobs.cron_create(P, cron(schedule="@daily"))
    secs = await idle.jobs.cron_create(P, cron(schedule="*/10 * * * * *"))
    assert daily.schedule == "0 0 * * *"
    assert secs.next_run_at is not None and secs.next_run_at.second % 10 == 0


@pytest.mark.parametrize(
    ("kw", "field", "text"),
    [
        ({"schedule": "61 * * * *"}, "schedule", "invalid cron"),
        ({"schedule": "0 0 31 2 *"}, "schedule", "never fires"),
        ({"schedule": "every day"}, "schedule", "fields"),
        ({"timezone": "Mars/Olympus"}, "timezone", "unknown timezone"),
        ({"schedule": None, "run_at": "2001-01-01T00:00:00Z"}, "run_at", "in the past"),
    ],
)
async def test_bad_input_names_the_field_and_stores_nothing(
    idle: Engine, kw: dict[str, object], field: str, text: str
) -> None:
    with pytest.raises(InvalidInput) as info:
        await idle.jobs.cron_create(P, cron(**kw))
    assert info.value.field == field and text in info.value.message
    assert (await idle.jobs.cron_list(P)).items == []


async def test_unknown_ids_and_other_projects_are_not_found(idle: Engine) -> None:
    job = await idle.jobs.cron_create(P, cron())
    with pytest.raises(NotFound, match=r"^No cron job 'cj_nope'\.$") as info:
        await idle.jobs.cron_get(P, "cj_nope")
    assert info.value.hint == "cron"  # each surface names its own list call (infrai_mcp.core.hints)
    with pytest.raises(NotFound):
        await idle.jobs.cron_get("other-project", job.cron_id)
    with pytest.raises(NotFound) as info:
        await idle.jobs.task_get(P, "tk_nope")
    assert info.value.hint == "task"
    with pytest.raises(NotFound) as info:
        await idle.jobs.run_get(P, "run_nope")
    assert info.value.hint == "run"
    with pytest.raises(InvalidInput) as info:
        await idle.jobs.cron_list(P, limit=0)
    assert info.value.field == "limit"


async def test_idempotency_key_returns_the_first_job(idle: Engine) -> None:
    a = await idle.jobs.cron_create(P, cron(idempotency_key="k1"))
    b = await idle.jobs.cron_create(P, cron(idempotency_key="k1", name="different"))
    assert a.cron_id == b.cron_id and b.name == "job"
    t1 = await idle.jobs.task_schedule(P, TaskCreate(url=URL, delay_seconds=60, idempotency_key="k1"))
    t2 = await idle.jobs.task_schedule(P, TaskCreate(url=URL, delay_seconds=60, idempotency_key="k1"))
    assert t1.task_id == t2.task_id
    assert len((await idle.jobs.cron_list(P)).items) == 1


async def test_cursor_pagination_walks_every_job_once(idle: Engine) -> None:
    ids = [(await idle.jobs.cron_create(P, cron(name=f"j{i}"))).cron_id for i in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        page = await idle.jobs.cron_list(P, cursor=cursor, limit=3)
        seen += [j.cron_id for j in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == ids


async def test_update_recomputes_next_run_and_keeps_unset_fields(idle: Engine) -> None:
    job = await idle.jobs.cron_create(P, cron(payload={"a": 1}, retries=5))
    new = await idle.jobs.cron_update(P, job.cron_id, CronUpdate(schedule="30 10 * * *", timezone="Asia/Tokyo"))
    assert new.schedule == "30 10 * * *" and new.timezone == "Asia/Tokyo"
    assert new.next_run_at is not None and new.next_run_at.astimezone(UTC).strftime("%H:%M") == "01:30"
    assert new.payload == {"a": 1} and new.retries == 5
    cleared = await idle.jobs.cron_update(P, job.cron_id, CronUpdate.model_validate({"payload": None}))
    assert cleared.payload is None
    with pytest.raises(InvalidInput) as info:
        await idle.jobs.cron_update(P, job.cron_id, CronUpdate(timezone="Nowhere/Land"))
    assert info.value.field == "timezone"
    assert (await idle.jobs.cron_get(P, job.cron_id)).timezone == "Asia/Tokyo"  # nothing half-written


async def test_pause_resume_delete(idle: Engine) -> None:
    job = await idle.jobs.cron_create(P, cron(schedule="* * * * *"))
    paused = await idle.jobs.cron_pause(P, job.cron_id)
    assert not paused.enabled and paused.status == "paused" and paused.next_run_at is None
    resumed = await idle.jobs.cron_resume(P, job.cron_id)
    assert resumed.enabled and resumed.next_run_at is not None
    assert resumed.next_run_at > datetime.now(UTC)  # continues from now
    assert (await idle.jobs.cron_delete(P, job.cron_id)).deleted
    assert (await idle.jobs.cron_delete(P, job.cron_id)).deleted  # idempotent
    with pytest.raises(NotFound):
        await idle.jobs.cron_get(P, job.cron_id)
    with pytest.raises(NotFound):
        await idle.jobs.cron_delete(P, "cj_never_existed")


async def test_retention_get_set(idle: Engine) -> None:
    job = await idle.jobs.cron_create(P, cron())
    assert (await idle.jobs.cron_retention_get(P, job.cron_id)).retention_days == 30
    assert (await idle.jobs.cron_retention_set(P, job.cron_id, 7)).retention_days == 7
    assert (await idle.jobs.cron_get(P, job.cron_id)).retention_days == 7
    with pytest.raises(InvalidInput):
        await idle.jobs.cron_retention_set(P, job.cron_id, -1)


async def test_tasks_schedule_list_cancel(idle: Engine) -> None:
    soon = datetime.now(UTC) + timedelta(hours=1)
    t = await idle.jobs.task_schedule(P, TaskCreate(url=URL, run_at=soon, name="once"))
    d = await idle.jobs.task_schedule(P, TaskCreate(url=URL, delay_seconds=120))
    assert t.state == "scheduled" and t.run_at == soon
    assert abs((d.run_at - datetime.now(UTC)).total_seconds() - 120) < 5
    cancelled = await idle.jobs.task_cancel(P, t.task_id)
    assert cancelled.state == "cancelled"
    assert (await idle.jobs.task_cancel(P, t.task_id)).state == "cancelled"  # idempotent
    assert [x.task_id for x in (await idle.jobs.task_list(P, state="scheduled")).items] == [d.task_id]
    with pytest.raises(InvalidInput) as info:
        await idle.jobs.task_schedule(P, TaskCreate(url=URL, run_at=datetime(2020, 1, 1, tzinfo=UTC)))
    assert info.value.field == "run_at"
    with pytest.raises(InvalidInput):
        await idle.jobs.task_list(P, state="bogus")


async def test_trigger_creates_a_manual_run(idle: Engine) -> None:
    job = await idle.jobs.cron_create(P, cron(enabled=False))
    run = await idle.jobs.cron_trigger(P, job.cron_id)
    assert run.trigger == "manual" and run.state == "pending" and run.cron_id == job.cron_id
    assert (await idle.jobs.cron_run_get(P, job.cron_id, run.run_id)).run_id == run.run_id
    assert [r.run_id for r in (await idle.jobs.cron_runs_list(P, job.cron_id)).items] == [run.run_id]
    with pytest.raises(NotFound):
        await idle.jobs.cron_run_get(P, "cj_other", run.run_id)


async def test_agent_schedules_crud(idle: Engine) -> None:
    await idle.queues.queue_create(P, QueueCreate(name="q"))
    s = await idle.jobs.schedule_create(P, "agent-1", ScheduleCreate(
        name="Daily", type="cron", cron_expression="0 9 * * *", callback_type="queue", callback_id="q"))
    once = await idle.jobs.schedule_create(P, "agent-1", ScheduleCreate(
        name="Once", type="once", next_run=datetime.now(UTC) + timedelta(hours=2), callback_url=URL))
    await idle.jobs.schedule_create(P, "agent-2", ScheduleCreate(
        name="Other", type="delayed", delay_seconds=60, callback_type="queue", callback_id="q"))
    assert s.next_run is not None and s.status == "active" and s.description
    listed = await idle.jobs.schedule_list(P, "agent-1")
    assert [x.id for x in listed.items] == [s.id, once.id]
    assert [x.id for x in (await idle.jobs.schedule_list(P, "agent-1", type="once")).items] == [once.id]
    got = await idle.jobs.schedule_get(P, "agent-1", s.id)
    assert got.executions == []
    with pytest.raises(NotFound, match=r"for agent 'agent-2'"):
        await idle.jobs.schedule_get(P, "agent-2", s.id)  # another agent's schedule
    paused = await idle.jobs.schedule_update(P, "agent-1", s.id, ScheduleUpdate(status="paused"))
    assert paused.status == "paused" and paused.next_run is None
    moved = await idle.jobs.schedule_update(P, "agent-1", s.id, ScheduleUpdate(status="active",
                                                                                cron_expression="0 10 * * *"))
    assert moved.cron_expression == "0 10 * * *" and moved.next_run is not None
    with pytest.raises(InvalidInput) as info:
        await idle.jobs.schedule_update(P, "agent-1", s.id, ScheduleUpdate(cron_expression="nope"))
    assert info.value.field == "cron_expression"
    with pytest.raises(InvalidInput) as info:
        await idle.jobs.schedule_create(P, "agent-1", ScheduleCreate(
            name="x", type="once", next_run=datetime(2020, 1, 1, tzinfo=UTC), callback_url=URL))
    assert info.value.field == "next_run"
    assert (await idle.jobs.schedule_delete(P, "agent-1", s.id)).deleted
    with pytest.raises(NotFound):
        await idle.jobs.schedule_get(P, "agent-1", s.id)


async def test_records_describe_schedules_in_the_same_words_as_the_tools(idle: Engine) -> None:
    # REST, the CLI and the dashboard read the record's description; MCP answers with
    # when_preview's wording. One wording everywhere, so a person sees one sentence.
    job = await idle.jobs.cron_create(P, cron(schedule="*/2 * * * *"))
    assert job.description == "Every 2 minutes"
    weekdays = await idle.jobs.cron_update(P, job.cron_id, CronUpdate(schedule="0 9 * * 1-5"))
    assert weekdays.description == "At 09:00, Monday through Friday"


async def test_update_moves_a_one_shot_run_at(idle: Engine) -> None:
    at = datetime.now(UTC) + timedelta(hours=2)
    job = await idle.jobs.cron_create(P, cron(schedule=None, run_at=at.isoformat()))
    later = at + timedelta(hours=1)
    moved = await idle.jobs.cron_update(P, job.cron_id, CronUpdate(run_at=later))
    assert moved.run_at == later and moved.next_run_at == later and moved.schedule is None
    assert moved.status == "active" and (await idle.jobs.cron_get(P, job.cron_id)) == moved
    for bad, field, text in (
        ({"run_at": datetime(2001, 1, 1, tzinfo=UTC)}, "run_at", "in the past"),
        ({"run_at": later + timedelta(hours=1), "schedule": "0 9 * * *"}, "run_at", "not both"),
    ):
        with pytest.raises(InvalidInput) as info:
            await idle.jobs.cron_update(P, job.cron_id, CronUpdate.model_validate(bad))
        assert info.value.field == field and text in info.value.message
        assert (await idle.jobs.cron_get(P, job.cron_id)) == moved  # nothing changed
    paused = await idle.jobs.cron_update(P, job.cron_id, CronUpdate(enabled=False))
    repaused = await idle.jobs.cron_update(P, job.cron_id, CronUpdate(run_at=at))
    assert repaused.status == "paused" and repaused.run_at == at and repaused.next_run_at is None
    assert paused.next_run_at is None
    resumed = await idle.jobs.cron_update(P, job.cron_id, CronUpdate(enabled=True))
    assert resumed.next_run_at == at


async def test_update_run_at_turns_a_recurring_job_into_a_one_shot(idle: Engine) -> None:
    job = await idle.jobs.cron_create(P, cron())
    at = datetime.now(UTC) + timedelta(minutes=30)
    once = await idle.jobs.cron_update(P, job.cron_id, CronUpdate(run_at=at))
    assert once.schedule is None and once.run_at == at and once.next_run_at == at
    back = await idle.jobs.cron_update(P, job.cron_id, CronUpdate(schedule="0 10 * * *"))
    assert back.schedule == "0 10 * * *" and back.run_at is None


async def test_job_records_equal_validated_ones(idle: Engine) -> None:
    """Job records are built from store rows without re-validation (records.trusted): they
    must be indistinguishable from validated ones."""
    from infrai_mcp.models import CronJob, Task

    job = await idle.jobs.cron_create("p", CronCreate(url="https://example.com/h", schedule="*/5 * * * *",
                                                      headers={"X-Api-Key": "k", "X-A": "1"}, payload={"a": [1]},
                                                      secret="whsec_c2VjcmV0c2VjcmV0"))
    task = await idle.jobs.task_schedule("p", TaskCreate(url="https://example.com/t", delay_seconds=60, name="t"))
    for fast, model in ((job, CronJob), (await idle.jobs.cron_get("p", job.cron_id), CronJob), (task, Task)):
        slow = model.model_validate(fast.model_dump())
        assert fast == slow and fast.model_dump_json() == slow.model_dump_json()
        assert list(vars(fast)) == list(model.model_fields)  # the order the serializer writes
    assert job.has_secret and job.headers is not None and job.headers["X-A"] == "1"
    assert job.description == "Every 5 minutes" and job.next_run_at is not None


async def test_next_fire_is_the_same_from_any_instant_of_a_minute(idle: Engine) -> None:
    """Creates share the next-fire computation per (schedule, zone, minute): the first fire is
    still strictly after the create, for 5- and 6-field crons, at and between boundaries."""
    from infrai_mcp.when.cron import iter_fires, next_fire

    base = datetime(2026, 3, 8, 6, 59, tzinfo=UTC)  # 01:59 in New York, before the DST gap
    for expr in ("* * * * *", "*/7 * * * *", "30 2 * * *", "*/10 * * * * *", "15 3 * * * *"):
        for seconds in (0, 0.25, 1, 29.999, 59, 59.75, 60, 61.5, 3600):
            at = base + timedelta(seconds=seconds)
            assert next_fire(expr, "America/New_York", at) == next(iter_fires(expr, "America/New_York", at)), (
                expr, seconds)
