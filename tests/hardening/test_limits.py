"""Documented count limits (README, "Limits"): active jobs per project.

The limit is made small through Settings (as ``INFRAI_MAX_JOBS_PER_PROJECT`` would set it);
over it, REST answers 422 ``LIMIT_EXCEEDED`` and MCP an error naming the limit, the count and
the variable, and nothing is stored. The tests take only the ``limits_engine`` fixture, so
tests/pg/test_pg_limits.py re-runs them on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.core.errors import LimitExceeded
from infrai_mcp.models import CronCreate, CronUpdate, MessageIn, QueueCreate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.jobs import LIVE_JOB_STATUSES
from infrai_mcp.surfaces.mcp import build_server
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key

pytestmark = pytest.mark.anyio

MAX_JOBS = 3
URL = "https://example.com/hook"


@pytest.fixture
async def limits_engine(tmp_path: Path) -> AsyncIterator[Engine]:
    eng = Engine(Settings(home=tmp_path, max_jobs_per_project=MAX_JOBS), dispatch=False)
    async with eng:
        yield eng


async def _jobs(eng: Engine, project: str) -> int:
    n = 0
    for kind in ("cron", "task", "schedule"):
        n += len(await eng.store.list_jobs(project, kind, cursor=None, limit=500))
    return n


async def _live(eng: Engine, project: str) -> int:
    return sum([len(await eng.store.list_jobs(project, kind, cursor=None, limit=500, filters={"status": status}))
                for kind in ("cron", "task", "schedule") for status in LIVE_JOB_STATUSES])


def test_settings_read_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRAI_MAX_JOBS_PER_PROJECT", "7")
    assert Settings.from_env().max_jobs_per_project == 7
    monkeypatch.setenv("INFRAI_MAX_JOBS_PER_PROJECT", "0")
    with pytest.raises(ValueError, match="INFRAI_MAX_JOBS_PER_PROJECT"):
        Settings.from_env()
    monkeypatch.delenv("INFRAI_MAX_JOBS_PER_PROJECT")
    assert Settings.from_env().max_jobs_per_project == 10_000


async def test_jobs_per_project_limit_every_surface(limits_engine: Engine) -> None:
    eng = limits_engine
    # Three live jobs of three kinds fill the project.
    await eng.jobs.cron_create("acme", CronCreate(url=URL, schedule="@daily"))
    await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=3600, idempotency_key="t1"))
    _, key = await create_key(eng.store, "acme")
    app = create_app(eng, eng.settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test",
                                 headers={"Authorization": f"Bearer {key}"}) as c:
        r = await c.post("/api/agents/a1/schedules", json={"name": "n", "type": "delayed", "delay_seconds": 60,
                                                           "callback_url": URL})
        assert r.status_code < 300, r.text
        assert await _jobs(eng, "acme") == MAX_JOBS

        bodies: list[tuple[str, dict[str, Any]]] = [
            ("/v1/scheduling/cron/create", {"url": URL, "schedule": "@daily"}),
            ("/v1/scheduling/task/schedule", {"url": URL, "delay_seconds": 60}),
            ("/api/jobs", {"url": URL, "schedule_in": 60}),
        ]
        for path, body in bodies:
            r = await c.post(path, json=body)
            assert r.status_code == 422, r.text
            err = r.json()["error"]
            assert err["code"] == "LIMIT_EXCEEDED", err
            assert "INFRAI_MAX_JOBS_PER_PROJECT" in err["message"] and f"has {MAX_JOBS} active" in err["message"]
        # An idempotent replay of a stored job is not a new job: it still answers.
        r = await c.post("/v1/scheduling/task/schedule", json={"url": URL, "delay_seconds": 3600,
                                                                "idempotency_key": "t1"})
        assert r.status_code < 300, r.text

    server = build_server(EmbeddedBackend(eng, "acme"), eng.settings)
    async with Client(server) as mc:
        for tool, args in [("cron_create", {"url": URL, "schedule": "@daily"}),
                           ("task_schedule", {"url": URL, "delay": "in an hour"}),
                           ("schedule_create", {"name": "m", "when": "in 1 hour", "callback_url": URL})]:
            res = await mc.call_tool(tool, args)
            text = " ".join(getattr(part, "text", "") for part in res.content)
            assert res.is_error and "INFRAI_MAX_JOBS_PER_PROJECT" in text, (tool, text[:400])
    assert await _jobs(eng, "acme") == MAX_JOBS  # nothing stored

    # Another project is not affected.
    await eng.jobs.cron_create("other", CronCreate(url=URL, schedule="@daily"))


async def test_finished_jobs_do_not_count(limits_engine: Engine) -> None:
    eng = limits_engine
    tasks = [await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=3600)) for _ in range(MAX_JOBS)]
    with pytest.raises(LimitExceeded):
        await eng.jobs.cron_create("acme", CronCreate(url=URL, schedule="@daily"))
    await eng.jobs.task_cancel("acme", tasks[0].task_id)  # cancelled: no longer counts
    cron = await eng.jobs.cron_create("acme", CronCreate(url=URL, schedule="@daily"))
    with pytest.raises(LimitExceeded):
        await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=60))
    await eng.jobs.cron_delete("acme", cron.cron_id)  # deleted: no longer counts
    await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=60))


async def test_batch_counts_as_a_whole(limits_engine: Engine) -> None:
    eng = limits_engine
    await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=3600, idempotency_key="t0"))
    with pytest.raises(LimitExceeded, match=f"has 1 active jobs .*3 more would pass.* the limit is {MAX_JOBS}"):
        await eng.jobs.cron_create_batch("acme", [CronCreate(url=URL, schedule="@daily")] * MAX_JOBS)
    assert await _jobs(eng, "acme") == 1  # none of the batch stored
    # Replays of stored jobs are not new jobs: this batch adds two and fills the project.
    replay = TaskCreate(url=URL, delay_seconds=3600, idempotency_key="t0")
    made = await eng.jobs.task_schedule_batch("acme", [replay, *[TaskCreate(url=URL, delay_seconds=60)] * 2, replay])
    assert made[0].task_id == made[3].task_id and len({t.task_id for t in made}) == 3
    assert await _jobs(eng, "acme") == MAX_JOBS
    with pytest.raises(LimitExceeded):
        await eng.jobs.task_schedule_batch("acme", [TaskCreate(url=URL, delay_seconds=60)])


async def test_a_finished_job_made_live_again_counts(limits_engine: Engine) -> None:
    """A one-shot cron job that fired (completed) and is given a new time is live again: a
    later create must see it, also where the count is not taken on every create (PostgreSQL
    keeps an upper bound of the live jobs, migration 0011)."""
    eng = limits_engine
    once = await eng.jobs.cron_create("acme", CronCreate(url=URL, run_at=datetime.now(UTC) + timedelta(hours=1)))
    # What the scheduler writes when the one-shot job has fired.
    await eng.store.update_job("acme", "cron", once.cron_id, {"status": "completed", "next_run_at": None,
                                                              "run_count": 1})
    tasks = [await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=600 + i)) for i in range(3)]
    for t in tasks[:2]:
        await eng.jobs.task_cancel("acme", t.task_id)
    await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=60))
    assert await _live(eng, "acme") == 2
    again = await eng.jobs.cron_update("acme", once.cron_id, CronUpdate(run_at=datetime.now(UTC) + timedelta(hours=2)))
    assert again.status == "active" and await _live(eng, "acme") == MAX_JOBS
    with pytest.raises(LimitExceeded, match=f"has {MAX_JOBS} active"):
        await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=60))
    assert await _live(eng, "acme") == MAX_JOBS


# -- messages per queue (SQLite: the depth kept in the queue's row) ---------------------------

MAX_DEPTH = 5


@pytest.fixture
async def queue_limits_engine(tmp_path: Path) -> AsyncIterator[Engine]:
    eng = Engine(Settings(home=tmp_path, max_queue_depth=MAX_DEPTH), dispatch=False)
    async with eng:
        yield eng


async def _depth(eng: Engine, queue: str) -> int:
    s = await eng.queues.queue_stats("acme", queue)
    counted = s.available + s.in_flight + s.delayed
    row = await eng.store.get_queue("acme", queue)
    assert row is not None and row["depth"] == counted, (row, s)  # the kept depth matches a count
    return counted


def test_queue_depth_setting_reads_the_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRAI_MAX_QUEUE_DEPTH", "9")
    assert Settings.from_env().max_queue_depth == 9
    monkeypatch.delenv("INFRAI_MAX_QUEUE_DEPTH")
    assert Settings.from_env().max_queue_depth == 1_000_000


async def test_queue_depth_limit(queue_limits_engine: Engine) -> None:
    eng = queue_limits_engine
    qs = eng.queues
    await qs.queue_create("acme", QueueCreate(name="dlq"))
    await qs.queue_create("acme", QueueCreate(name="q", dead_letter_queue="dlq", max_retries=0))
    await qs.queue_publish_batch("acme", "q", [MessageIn(payload=1), MessageIn(payload=2, delay_seconds=600),
                                               MessageIn(payload=3, idempotency_key="k3")])
    await qs.queue_publish_batch("acme", "q", [MessageIn(payload=4), MessageIn(payload=5)])
    assert await _depth(eng, "q") == MAX_DEPTH  # available + delayed

    with pytest.raises(LimitExceeded, match="INFRAI_MAX_QUEUE_DEPTH"):
        await qs.queue_publish("acme", "q", MessageIn(payload=6))
    # An idempotent replay stores nothing, so it still answers.
    replay = await qs.queue_publish("acme", "q", MessageIn(payload=3, idempotency_key="k3"))
    assert replay.duplicate

    _, key = await create_key(eng.store, "acme")
    app = create_app(eng, eng.settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test",
                                 headers={"Authorization": f"Bearer {key}"}) as c:
        for path, body in [("/v1/scheduling/queue/publish", {"queue": "q", "payload": {"n": 6}}),
                           ("/v1/scheduling/queue/publish_batch", {"queue": "q", "messages": [{"payload": 7}]})]:
            r = await c.post(path, json=body)
            assert r.status_code == 422, r.text
            err = r.json()["error"]
            assert err["code"] == "LIMIT_EXCEEDED" and "INFRAI_MAX_QUEUE_DEPTH" in err["message"], err
            assert f"holds {MAX_DEPTH} messages" in err["message"], err
    server = build_server(EmbeddedBackend(eng, "acme"), eng.settings)
    async with Client(server) as mc:
        res = await mc.call_tool("queue_publish", {"queue": "q", "payload": {"n": 8}})
        text = " ".join(getattr(part, "text", "") for part in res.content)
        assert res.is_error and "INFRAI_MAX_QUEUE_DEPTH" in text, text[:400]
    assert await _depth(eng, "q") == MAX_DEPTH  # nothing stored

    # In flight still counts; an ack frees a place.
    got = await qs.queue_consume("acme", "q", max_messages=2)
    assert len(got) == 2
    with pytest.raises(LimitExceeded):
        await qs.queue_publish("acme", "q", MessageIn(payload=9))
    await qs.queue_ack("acme", "q", receipt=got[0].receipt)
    await qs.queue_publish("acme", "q", MessageIn(payload=10))
    # A dead letter moved to the DLQ leaves q and counts in the DLQ.
    await qs.queue_nack("acme", "q", receipt=got[1].receipt, requeue=False, error="boom")
    assert (await qs.queue_stats("acme", "q")).in_flight == 0
    await qs.queue_publish("acme", "q", MessageIn(payload=11))
    assert await _depth(eng, "dlq") == 1
    # The kept depth matches the stats after every kind of change; a purge empties it.
    assert await _depth(eng, "q") == MAX_DEPTH
    await qs.queue_purge("acme", "q")
    await qs.queue_publish_batch("acme", "q", [MessageIn(payload=i) for i in range(MAX_DEPTH)])
    with pytest.raises(LimitExceeded, match=f"adding 2 would pass the limit of {MAX_DEPTH}"):
        await qs.queue_publish_batch("acme", "q", [MessageIn(payload=1), MessageIn(payload=2)])
    assert await _depth(eng, "q") == MAX_DEPTH


async def test_bulk_count_sees_other_writers(tmp_path: Path) -> None:
    """The live-job count carried from insert to insert (SQLite) is dropped as soon as
    anything else wrote: another process's insert, or this engine's own cancel."""
    eng = Engine(Settings(home=tmp_path, max_jobs_per_project=MAX_JOBS), dispatch=False)
    async with eng:
        for i in range(MAX_JOBS - 1):
            await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=3600 + i))
        # Another process fills the last place (its own engine: another connection).
        async with Engine(Settings(home=tmp_path, max_jobs_per_project=MAX_JOBS), dispatch=False) as other:
            third = await other.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=60))
        with pytest.raises(LimitExceeded):
            await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=60))
        assert await _jobs(eng, "acme") == MAX_JOBS
        # Cancelling one (a transaction between inserts) frees exactly one place.
        await eng.jobs.task_cancel("acme", third.task_id)
        await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=60))
        with pytest.raises(LimitExceeded):
            await eng.jobs.task_schedule("acme", TaskCreate(url=URL, delay_seconds=60))
