"""The scheduler and executor firing real HTTP at a receiver on 127.0.0.1."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from standardwebhooks import Webhook

from infrai_mcp.core.errors import Conflict
from infrai_mcp.models import CronCreate, CronUpdate, Run, TaskCreate
from infrai_mcp.runtime.engine import Engine
from tests.engines import make_engine
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = pytest.mark.anyio
P = "default"
SECRET = "whsec_" + base64.b64encode(b"test-secret-key-0123456789").decode()


@pytest.fixture(params=["loop", "http-thread"])
async def engine(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Engine]:
    """Every firing test twice: HTTP on the engine's loop (the default) and on its own thread."""
    eng = make_engine(tmp_path)
    eng.dispatcher.io_thread = request.param == "http-thread"
    async with eng:
        yield eng


async def finished_run(engine: Engine, run_id_of: object, timeout: float = 10.0) -> Run:
    async def check() -> Run | None:
        runs = (await engine.jobs.run_list(P, job_id=str(run_id_of))).items
        done = [r for r in runs if r.state in ("succeeded", "failed")]
        return done[0] if done else None

    return await until(check, timeout, f"a finished run of {run_id_of}")


async def test_task_fires_signed_and_is_recorded(engine: Engine, receiver: Receiver) -> None:
    task = await engine.jobs.task_schedule(P, TaskCreate(url=receiver.url("/t"), payload={"n": 1},
                                                         delay_seconds=0, secret=SECRET))
    (got,) = await receiver.wait_for(1, path="/t")
    assert Webhook(SECRET).verify(got.body, got.headers) == {"n": 1}
    assert got.headers["x-infrai-job-id"] == task.task_id and got.headers["x-infrai-attempt"] == "1"
    run = await finished_run(engine, task.task_id)
    assert run.state == "succeeded" and run.response_status == 200 and run.response_excerpt == "ok"
    assert got.headers["webhook-id"] == run.webhook_id and got.headers["x-infrai-run-id"] == run.run_id
    full = await engine.jobs.run_get(P, run.run_id)
    assert full.attempt_log is not None and [a.response_status for a in full.attempt_log] == [200]
    assert (await engine.jobs.task_get(P, task.task_id)).state == "succeeded"
    with pytest.raises(Conflict):
        await engine.jobs.task_cancel(P, task.task_id)


async def test_retries_keep_the_webhook_id_and_honour_retry_after(engine: Engine, receiver: Receiver) -> None:
    receiver.program("/flaky", [Reply(503, headers={"Retry-After": "0"}), Reply(429), Reply(200)])
    task = await engine.jobs.task_schedule(P, TaskCreate(
        url=receiver.url("/flaky"), delay_seconds=0, payload={"k": "v"}, retries=3, secret=SECRET))
    got = await receiver.wait_for(3, path="/flaky")
    run = await finished_run(engine, task.task_id)
    assert run.state == "succeeded" and run.attempts == 3
    assert {g.headers["webhook-id"] for g in got} == {run.webhook_id}
    assert [g.headers["x-infrai-attempt"] for g in got] == ["1", "2", "3"]
    for g in got:
        Webhook(SECRET).verify(g.body, g.headers)
    log = (await engine.jobs.run_get(P, run.run_id)).attempt_log
    assert log is not None and [a.response_status for a in log] == [503, 429, 200]


async def test_4xx_fails_at_once_and_notifies_on_failure_webhook(engine: Engine, receiver: Receiver) -> None:
    receiver.program("/gone", [Reply(404, body="no such thing")])
    task = await engine.jobs.task_schedule(P, TaskCreate(
        url=receiver.url("/gone"), delay_seconds=0, retries=5, on_failure_webhook=receiver.url("/failed")))
    (notice,) = await receiver.wait_for(1, path="/failed")
    assert len(receiver.received("/gone")) == 1  # no retry on 404
    body = notice.json()
    assert body["type"] == "run.failed" and body["job_id"] == task.task_id
    assert body["run"]["state"] == "failed" and body["run"]["response_status"] == 404
    assert body["run"]["response_excerpt"] == "no such thing"
    assert (await engine.jobs.task_get(P, task.task_id)).state == "failed"


async def test_exhausted_retries_fail_the_run(engine: Engine, receiver: Receiver) -> None:
    receiver.program("/down", [Reply(500)])
    task = await engine.jobs.task_schedule(P, TaskCreate(url=receiver.url("/down"), delay_seconds=0, retries=2))
    run = await finished_run(engine, task.task_id)
    assert run.state == "failed" and run.attempts == 3 and run.error == "HTTP 500"
    assert len(receiver.received("/down")) == 3


async def test_cron_with_seconds_fires_until_max_runs(engine: Engine, receiver: Receiver) -> None:
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/c"), schedule="* * * * * *", max_runs=2))
    await receiver.wait_for(2, path="/c")

    async def completed() -> bool:
        return (await engine.jobs.cron_get(P, job.cron_id)).status == "completed"

    await until(completed, what="cron job completed after max_runs")
    done = await engine.jobs.cron_get(P, job.cron_id)
    assert done.run_count == 2 and done.next_run_at is None
    runs = (await engine.jobs.cron_runs_list(P, job.cron_id)).items
    assert len(runs) == 2
    assert all(r.scheduled_for.microsecond == 0 for r in runs)  # fired for whole-second slots


async def test_manual_trigger_of_a_paused_job_fires(engine: Engine, receiver: Receiver) -> None:
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/m"), schedule="0 0 1 1 *", enabled=False))
    run = await engine.jobs.cron_trigger(P, job.cron_id)
    (got,) = await receiver.wait_for(1, path="/m")
    assert got.headers["x-infrai-run-id"] == run.run_id


async def test_overlap_skip_records_skipped_runs(engine: Engine, receiver: Receiver) -> None:
    receiver.program("/slow", [Reply(200, delay=2.5), Reply(200)])
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/slow"), schedule="* * * * * *",
                                                      overlap_policy="skip"))

    async def skipped() -> list[Run]:
        return (await engine.jobs.run_list(P, job_id=job.cron_id, state="skipped")).items

    runs = await until(skipped, what="a skipped run")
    assert "overlap_policy=skip" in (runs[0].error or "")
    await engine.jobs.cron_pause(P, job.cron_id)
    assert len(receiver.received("/slow")) == 1  # the slow run still holds the slot


async def test_overlap_queue_runs_one_at_a_time(engine: Engine, receiver: Receiver) -> None:
    receiver.program("/q", [Reply(200, delay=1.2), Reply(200)])
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/q"), schedule="* * * * * *",
                                                      overlap_policy="queue", max_runs=3))
    got = await receiver.wait_for(3, path="/q", timeout=15)
    # The second request started only after the first (held 1.2 s) had answered.
    assert got[1].received_at - got[0].received_at >= 1.1
    await until(lambda: _all_done(engine, job.cron_id, 3), what="3 finished runs")


async def test_overlap_skip_is_judged_when_the_fire_is_due(engine: Engine, receiver: Receiver) -> None:
    """Fires are planned seconds ahead; overlap is judged at each fire's time, so a fast target
    on a per-second schedule never has a fire skipped for one planned next to it."""
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/fast"), schedule="* * * * * *",
                                                      overlap_policy="skip", max_runs=4))
    await receiver.wait_for(4, path="/fast", timeout=15)
    await until(lambda: _all_done(engine, job.cron_id, 4), what="4 finished runs")
    assert (await engine.jobs.run_list(P, job_id=job.cron_id, state="skipped")).items == []


async def test_a_manual_trigger_is_not_held_behind_planned_fires(engine: Engine, receiver: Receiver) -> None:
    """overlap_policy=queue: a trigger waits only for runs that exist, never for fires that are
    merely planned: triggered right after a fire, it goes out before the next slot."""
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/qt"), schedule="* * * * * *",
                                                      overlap_policy="queue"))
    await receiver.wait_for(1, path="/qt")
    seen = len(receiver.received("/qt"))
    run = await engine.jobs.cron_trigger(P, job.cron_id)
    got = await receiver.wait_for(seen + 1, path="/qt")
    await engine.jobs.cron_pause(P, job.cron_id)
    assert got[seen].headers["x-infrai-run-id"] == run.run_id


async def _all_done(engine: Engine, job_id: str, n: int) -> bool:
    runs = (await engine.jobs.run_list(P, job_id=job_id, state="succeeded")).items
    return len(runs) >= n


async def test_misfire_run_once_and_skip(tmp_path: Path, receiver: Receiver) -> None:
    async with make_engine(tmp_path, dispatch=False) as idle:
        once = await idle.jobs.cron_create(P, CronCreate(url=receiver.url("/once"), schedule="* * * * *"))
        skip = await idle.jobs.cron_create(P, CronCreate(url=receiver.url("/skip"), schedule="* * * * *",
                                                         misfire_policy="skip"))
        every = await idle.jobs.cron_create(P, CronCreate(url=receiver.url("/all"), schedule="* * * * *",
                                                          misfire_policy="run_all"))
        # Pretend the process was down for 10 minutes: the fires are long overdue.
        past = (datetime.now(UTC) - timedelta(minutes=10)).timestamp()
        for job_id in (once.cron_id, skip.cron_id, every.cron_id):
            await idle.store.update_job(P, "cron", job_id, {"next_run_at": past})
    async with make_engine(tmp_path) as eng:
        got = await receiver.wait_for(1, path="/once")
        replayed = await receiver.wait_for(10, path="/all")
        runs = (await eng.jobs.cron_runs_list(P, once.cron_id)).items
        assert len(runs) == 1 and runs[0].trigger == "misfire"
        nxt = (await eng.jobs.cron_get(P, once.cron_id)).next_run_at
        assert nxt is not None and nxt > datetime.now(UTC)  # continues from now
        assert (await eng.jobs.cron_get(P, skip.cron_id)).next_run_at > datetime.now(UTC)  # type: ignore[operator]
        assert (await eng.jobs.cron_runs_list(P, skip.cron_id)).items == []
        assert len(got) == 1 and len(replayed) >= 10


async def test_only_one_engine_dispatches_per_data_dir(tmp_path: Path, receiver: Receiver) -> None:
    async with make_engine(tmp_path) as first, make_engine(tmp_path) as second:
        await until(lambda: _holding(first, second), what="a lease holder")
        assert first.scheduler.holding != second.scheduler.holding
        for i in range(20):
            await first.jobs.task_schedule(P, TaskCreate(url=receiver.url(f"/one/{i}"), delay_seconds=0))
        await receiver.wait_for(20)
        await until(lambda: _tasks_done(first, 20), what="20 finished tasks")
    assert len(receiver.received()) == 20  # each fired exactly once


async def _holding(a: Engine, b: Engine) -> bool:
    return a.scheduler.holding or b.scheduler.holding


async def _tasks_done(engine: Engine, n: int) -> bool:
    return len((await engine.jobs.task_list(P, state="succeeded", limit=500)).items) >= n


async def test_server_mode_refuses_a_private_target_without_retrying(tmp_path: Path, receiver: Receiver) -> None:
    # Stored by an embedded engine (server mode refuses it at create), fired in server mode:
    # the connect-time check, which still guards names whose DNS changes after create.
    async with make_engine(tmp_path, dispatch=False) as creator:
        task = await creator.jobs.task_schedule(P, TaskCreate(url=receiver.url("/private"), delay_seconds=0,
                                                              retries=5))
    async with make_engine(tmp_path, server_mode=True) as eng:
        run = await finished_run(eng, task.task_id)
    assert run.state == "failed" and run.attempts == 1
    assert "server mode refuses" in (run.error or "") and "INFRAI_ALLOW_PRIVATE_TARGETS" in (run.error or "")
    assert receiver.received() == []


async def test_run_list_pages_newest_first(engine: Engine, receiver: Receiver) -> None:
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/p"), schedule="0 0 1 1 *"))
    triggered = [(await engine.jobs.cron_trigger(P, job.cron_id)).run_id for _ in range(5)]
    await receiver.wait_for(5, path="/p")
    seen: list[str] = []
    cursor = None
    while True:
        page = await engine.jobs.run_list(P, job_id=job.cron_id, cursor=cursor, limit=2)
        seen += [r.run_id for r in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == list(reversed(triggered))


async def test_a_fired_one_shot_given_a_new_run_at_fires_again(engine: Engine, receiver: Receiver) -> None:
    at = datetime.now(UTC) + timedelta(milliseconds=200)
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/once"), run_at=at))
    await receiver.wait_for(1, path="/once")

    async def completed() -> bool:
        return (await engine.jobs.cron_get(P, job.cron_id)).status == "completed"

    await until(completed, what="the one-shot completed")
    again = await engine.jobs.cron_update(P, job.cron_id, CronUpdate(run_at=datetime.now(UTC) + timedelta(seconds=1)))
    assert again.status == "active" and again.next_run_at == again.run_at
    await receiver.wait_for(2, path="/once")
    await until(completed, what="the one-shot completed again")
    assert (await engine.jobs.cron_get(P, job.cron_id)).run_count == 2
