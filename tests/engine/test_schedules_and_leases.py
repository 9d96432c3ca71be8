"""Agent-schedule callbacks (url, queue, workflow), lease recovery, graceful stop, retention."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import CronCreate, ScheduleCreate, ScheduleUpdate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.runtime.retention import prune_once
from tests.engines import make_engine
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = pytest.mark.anyio
P = "default"


async def test_url_schedule_fires_once_and_completes(engine: Engine, receiver: Receiver) -> None:
    s = await engine.jobs.schedule_create(P, "agent-7", ScheduleCreate(
        name="Follow-up", type="delayed", delay_seconds=0, callback_url=receiver.url("/cb"), payload={"x": 1}))
    (got,) = await receiver.wait_for(1, path="/cb")
    assert got.json() == {"x": 1} and got.headers["x-infrai-job-id"] == s.id

    async def executed() -> bool:
        sch = await engine.jobs.schedule_get(P, "agent-7", s.id)
        return bool(sch.executions) and sch.executions[0].status == "success"  # type: ignore[index]

    await until(executed, what="a successful execution")
    done = await engine.jobs.schedule_get(P, "agent-7", s.id)
    assert done.status == "completed" and done.next_run is None and done.last_run is not None


async def test_workflow_callback_posts_the_envelope(tmp_path: Path, receiver: Receiver) -> None:
    async with make_engine(tmp_path, workflow_url=receiver.url("/wf/{callback_id}/run")) as eng:
        s = await eng.jobs.schedule_create(P, "agent-1", ScheduleCreate(
            name="Daily report", type="once", next_run=datetime.now(UTC) + timedelta(milliseconds=200),
            callback_type="workflow", callback_id="workflow-456", payload={"report": "daily"}))
        (got,) = await receiver.wait_for(1, path="/wf/workflow-456/run")
    body = got.json()
    assert body["schedule_id"] == s.id and body["agent_id"] == "agent-1" and body["name"] == "Daily report"
    assert body["payload"] == {"report": "daily"} and body["run_id"] == got.headers["x-infrai-run-id"]
    assert body["fired_at"] and body["scheduled_for"]


async def test_workflow_without_url_is_refused_and_stores_nothing(engine: Engine, receiver: Receiver) -> None:
    with pytest.raises(InvalidInput) as exc:
        await engine.jobs.schedule_create(P, "a", ScheduleCreate(
            name="wf", type="delayed", delay_seconds=0, callback_type="workflow", callback_id="w"))
    assert exc.value.field == "callback_type" and "INFRAI_WORKFLOW_URL" in exc.value.message
    assert "callback_type 'url'" in exc.value.message
    assert (await engine.jobs.schedule_list(P)).items == []
    s = await engine.jobs.schedule_create(P, "a", ScheduleCreate(
        name="u", type="cron", cron_expression="0 9 * * *", callback_url=receiver.url()))
    before = await engine.jobs.schedule_get(P, "a", s.id)
    with pytest.raises(InvalidInput) as exc:
        await engine.jobs.schedule_update(P, "a", s.id, ScheduleUpdate(callback_type="workflow", callback_id="w"))
    assert exc.value.field == "callback_type"
    assert await engine.jobs.schedule_get(P, "a", s.id) == before


async def test_workflow_url_removed_after_create_fails_the_run(tmp_path: Path) -> None:
    async with make_engine(tmp_path, workflow_url="http://127.0.0.1:9/wf/{callback_id}", dispatch=False) as eng:
        s = await eng.jobs.schedule_create(P, "a", ScheduleCreate(
            name="wf", type="delayed", delay_seconds=0, callback_type="workflow", callback_id="w"))
    async with make_engine(tmp_path) as eng:  # restarted without INFRAI_WORKFLOW_URL

        async def failed() -> str | None:
            runs = (await eng.jobs.run_list(P, job_id=s.id, state="failed")).items
            return runs[0].error if runs else None

        assert "INFRAI_WORKFLOW_URL" in (await until(failed, what="failed workflow run") or "")


async def test_queue_callback_publishes_to_the_project_queue(engine: Engine) -> None:
    from infrai_mcp.models import QueueCreate

    if not hasattr(engine.queues, "queue_consume"):
        pytest.skip("queue service not available in this tree yet")
    await engine.queues.queue_create(P, QueueCreate(name="agent-inbox"))
    s = await engine.jobs.schedule_create(P, "agent-q", ScheduleCreate(
        name="Ping", type="delayed", delay_seconds=0, callback_type="queue", callback_id="agent-inbox",
        payload={"ping": True}))

    async def consumed() -> list[object]:
        return list(await engine.queues.queue_consume(P, "agent-inbox", max_messages=1))

    (msg,) = await until(consumed, what="a message in agent-inbox")
    payload = msg.payload  # type: ignore[attr-defined]
    assert payload["schedule_id"] == s.id and payload["payload"] == {"ping": True} and payload["run_id"]


async def test_queue_callback_to_a_missing_queue_is_refused(engine: Engine, receiver: Receiver) -> None:
    from infrai_mcp.models import QueueCreate

    with pytest.raises(InvalidInput) as exc:
        await engine.jobs.schedule_create(P, "a", ScheduleCreate(
            name="q", type="delayed", delay_seconds=0, callback_type="queue", callback_id="no-such-queue"))
    assert exc.value.field == "callback_id" and "no-such-queue" in exc.value.message
    assert "create the queue first" in exc.value.message
    assert (await engine.jobs.schedule_list(P)).items == []
    s = await engine.jobs.schedule_create(P, "a", ScheduleCreate(
        name="u", type="cron", cron_expression="0 9 * * *", callback_url=receiver.url()))
    before = await engine.jobs.schedule_get(P, "a", s.id)
    with pytest.raises(InvalidInput) as exc:
        await engine.jobs.schedule_update(
            P, "a", s.id, ScheduleUpdate(callback_type="queue", callback_id="no-such-queue"))
    assert exc.value.field == "callback_id"
    assert await engine.jobs.schedule_get(P, "a", s.id) == before
    await engine.queues.queue_create(P, QueueCreate(name="inbox"))
    await engine.jobs.schedule_update(P, "a", s.id, ScheduleUpdate(callback_type="queue", callback_id="inbox"))
    before = await engine.jobs.schedule_get(P, "a", s.id)
    with pytest.raises(InvalidInput) as exc:
        await engine.jobs.schedule_update(P, "a", s.id, ScheduleUpdate(callback_id="no-such-queue"))
    assert exc.value.field == "callback_id"
    assert await engine.jobs.schedule_get(P, "a", s.id) == before


async def test_queue_deleted_after_create_fails_the_run(engine: Engine) -> None:
    from infrai_mcp.models import QueueCreate

    await engine.queues.queue_create(P, QueueCreate(name="gone"))
    s = await engine.jobs.schedule_create(P, "a", ScheduleCreate(
        name="q", type="delayed", delay_seconds=0, callback_type="queue", callback_id="gone", status="paused"))
    await engine.queues.queue_delete(P, "gone")
    await engine.jobs.schedule_update(P, "a", s.id, ScheduleUpdate(status="active"))  # no callback change: allowed

    async def failed() -> str | None:
        runs = (await engine.jobs.run_list(P, job_id=s.id, state="failed")).items
        return runs[0].error if runs else None

    assert "'gone'" in (await until(failed, what="failed queue run") or "")


async def test_run_of_a_dead_process_is_retried_with_the_same_webhook_id(tmp_path: Path, receiver: Receiver) -> None:
    """A run leased by an owner that vanished becomes claimable when its lease expires."""
    async with make_engine(tmp_path, dispatch=False) as idle:
        task = await idle.jobs.task_schedule(P, TaskCreate(url=receiver.url("/r"), delay_seconds=0))
        now = datetime.now(UTC).timestamp()
        # A "dead" process plans the fire, turns the plan into a run and never finishes it; its lease runs 1 s.
        claim = await idle.store.claim_due(now, now, "dead-owner", now + 1.0, 10, idle.scheduler.plan)
        assert [p.job_id for p in claim.plans] == [task.task_id]
        claimed = await idle.store.confirm_plans("dead-owner", [p.id for p in claim.plans], now, now + 1.0, 60.0)
        assert [c.run["job_id"] for c in claimed] == [task.task_id]
        webhook_id = claimed[0].run["webhook_id"]
    async with make_engine(tmp_path) as eng:
        (got,) = await receiver.wait_for(1, path="/r")
        assert got.headers["webhook-id"] == webhook_id and got.headers["x-infrai-attempt"] == "2"
        await until(lambda: _task_state(eng, task.task_id, "succeeded"), what="task succeeded")


async def test_plan_of_a_dead_process_is_taken_over_and_fired_once(tmp_path: Path, receiver: Receiver) -> None:
    """A plan leased by an owner that vanished is no history; when its lease expires the next
    process takes it over as it is, and the fire goes out once."""
    async with make_engine(tmp_path, dispatch=False) as idle:
        task = await idle.jobs.task_schedule(P, TaskCreate(url=receiver.url("/p"), delay_seconds=1))
        now = datetime.now(UTC).timestamp()
        claim = await idle.store.claim_due(now, now + 5, "dead-owner", now + 1.0, 10, idle.scheduler.plan)
        assert [p.job_id for p in claim.plans] == [task.task_id]
        assert (await idle.jobs.run_list(P, job_id=task.task_id)).items == []  # a plan is not a run
        assert (await idle.jobs.task_get(P, task.task_id)).state == "scheduled"
    async with make_engine(tmp_path) as eng:
        (got,) = await receiver.wait_for(1, path="/p")
        await until(lambda: _task_state(eng, task.task_id, "succeeded"), what="task succeeded")
        (run,) = (await eng.jobs.run_list(P, job_id=task.task_id)).items
        assert got.headers["x-infrai-run-id"] == run.run_id == claim.plans[0].id and run.attempts == 1


async def _task_state(engine: Engine, task_id: str, state: str) -> bool:
    return (await engine.jobs.task_get(P, task_id)).state == state


async def test_graceful_stop_releases_in_flight_runs(tmp_path: Path, receiver: Receiver) -> None:
    receiver.program("/hold", [Reply(200, delay=5), Reply(200)])
    eng = make_engine(tmp_path)
    eng.scheduler.stop_grace = 0.2
    async with eng:
        task = await eng.jobs.task_schedule(P, TaskCreate(url=receiver.url("/hold"), delay_seconds=0))
        await receiver.wait_for(1, path="/hold")
    async with make_engine(tmp_path, dispatch=False) as idle:
        (run,) = (await idle.jobs.run_list(P, job_id=task.task_id)).items
        assert run.state == "pending" and run.attempts == 0  # released, not counted
    async with make_engine(tmp_path) as again:
        got = await receiver.wait_for(2, path="/hold")
        assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]
        await until(lambda: _task_state(again, task.task_id, "succeeded"), what="task succeeded")


async def test_retention_prunes_old_finished_runs(engine: Engine, receiver: Receiver) -> None:
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/keep"), schedule="0 0 1 1 *"))
    await engine.jobs.cron_trigger(P, job.cron_id)
    await receiver.wait_for(1, path="/keep")

    async def finished() -> bool:
        return bool((await engine.jobs.run_list(P, job_id=job.cron_id, state="succeeded")).items)

    await until(finished, what="finished run")
    assert await prune_once(engine) == 0  # 30 days of retention keep it
    await engine.jobs.cron_retention_set(P, job.cron_id, 0)
    await asyncio.sleep(0.01)  # finished_at must be strictly older than now - 0 days
    assert await prune_once(engine) == 1
    assert (await engine.jobs.cron_runs_list(P, job.cron_id)).items == []


async def test_background_tasks_start_with_the_engine_and_restart_after_errors(tmp_path: Path) -> None:
    calls: list[int] = []
    done = asyncio.Event()

    async def flaky_loop() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first run fails")  # the engine logs it and restarts the loop
        done.set()
        await asyncio.Event().wait()

    eng = make_engine(tmp_path)
    eng.add_background(flaky_loop, name="flaky")
    async with eng:
        await asyncio.wait_for(done.wait(), 10)
    assert len(calls) == 2


async def test_stopping_a_job_withdraws_its_plan(tmp_path: Path, receiver: Receiver) -> None:
    """Fires are planned up to a lookahead before they are due; cancel/pause in that window
    withdraws the plan: nothing is sent and no run (not even a cancelled one) appears."""
    eng = make_engine(tmp_path, lease_seconds=40.0)  # lookahead = 5 s
    async with eng:
        due = datetime.now(UTC) + timedelta(seconds=3)
        task = await eng.jobs.task_schedule(P, TaskCreate(url=receiver.url("/never"), run_at=due))
        job = await eng.jobs.cron_create(P, CronCreate(url=receiver.url("/never"), run_at=due))

        sch = await eng.jobs.schedule_create(P, "agent", ScheduleCreate(
            name="later", type="once", next_run=due, callback_url=receiver.url("/never")))

        async def claimed() -> bool:
            return len(eng.scheduler._waiting) == 3

        await until(claimed, what="all three planned ahead")
        assert (await eng.jobs.run_list(P)).items == []  # plans are not runs
        cancelled = await eng.jobs.task_cancel(P, task.task_id)
        assert cancelled.state == "cancelled"
        paused = await eng.jobs.cron_pause(P, job.cron_id)
        assert paused.status == "paused" and paused.run_count == 0 and paused.next_run_at is None
        held = await eng.jobs.schedule_update(P, "agent", sch.id, ScheduleUpdate(status="paused"))
        assert held.status == "paused" and held.last_run is None and held.next_run is None
        # A witness due just after them goes through the same feeder: once it has fired, they
        # would have fired too.
        witness = await eng.jobs.task_schedule(P, TaskCreate(url=receiver.url("/witness"),
                                                             run_at=due + timedelta(milliseconds=50)))
        await receiver.wait_for(1, path="/witness")
        runs = (await eng.jobs.run_list(P)).items
        assert [r.job_id for r in runs] == [witness.task_id]
        assert (await eng.jobs.schedule_get(P, "agent", sch.id)).executions == []
    assert receiver.received("/never") == []
