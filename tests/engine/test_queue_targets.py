"""Cron jobs and one-shot tasks whose target is a queue (docs/QUEUES.md, "Jobs that publish").

Re-run on PostgreSQL by tests/pg/test_pg_engine_suite.py (tests on the ``engine`` fixture).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import CronCreate, CronUpdate, Message, TaskCreate
from infrai_mcp.runtime.engine import Engine
from tests.waiting import until

pytestmark = pytest.mark.anyio

P = "default"
DIGEST = {"segment": "active-users"}


async def _one_message(engine: Engine, queue: str) -> Message:
    async def got() -> list[Message]:
        return await engine.queues.queue_consume(P, queue, max_messages=10)

    (msg,) = await until(got, what=f"a message in {queue}")
    return msg


async def test_a_triggered_cron_fire_publishes_payload_and_origin(engine: Engine) -> None:
    job = await engine.jobs.cron_create(P, CronCreate.model_validate(
        {"schedule": "0 9 * * *", "queue": "send-daily-digest", "name": "daily-digest", "payload": DIGEST}))
    assert (job.queue, job.url) == ("send-daily-digest", None)
    (warning,) = job.warnings  # the queue did not exist: made now, so workers can listen at once
    assert "'send-daily-digest' did not exist and was created" in warning
    assert (await engine.queues.queue_get(P, "send-daily-digest")).type == "standard"
    assert (await engine.jobs.cron_get(P, job.cron_id)).warnings == []  # said once, at create

    run = await engine.jobs.cron_trigger(P, job.cron_id)
    msg = await _one_message(engine, "send-daily-digest")
    body: dict[str, Any] = msg.payload
    assert body["payload"] == DIGEST
    assert (body["job_id"], body["cron_id"], body["run_id"], body["name"]) == (
        job.cron_id, job.cron_id, run.run_id, "daily-digest")
    assert body["scheduled_for"] == run.scheduled_for.isoformat().replace("+00:00", "Z")

    async def succeeded() -> bool:
        return (await engine.jobs.run_get(P, run.run_id)).state == "succeeded"

    await until(succeeded, what="the run recorded as succeeded")


async def test_a_fire_delivered_again_publishes_once(engine: Engine) -> None:
    """A run re-claimed after its publish (a lost lease, a crash before the outcome was
    recorded) is delivered again with the same run: the queue's idempotency key per run
    keeps it to one message."""
    job = await engine.jobs.cron_create(P, CronCreate.model_validate(
        {"schedule": "@daily", "queue": "once-only", "payload": {"n": 1}}))
    run = await engine.jobs.cron_trigger(P, job.cron_id)

    async def done() -> bool:
        return (await engine.jobs.run_get(P, run.run_id)).state == "succeeded"

    await until(done, what="the first delivery")
    job_row = await engine.store.get_job(P, "cron", job.cron_id)
    run_row = await engine.store.get_run(P, run.run_id)
    assert job_row is not None and run_row is not None
    again = await engine.scheduler.executor._deliver(job_row, run_row, 2)
    assert again.ok
    stats = await engine.queues.queue_stats(P, "once-only")
    assert (stats.available, stats.in_flight) == (1, 0)


async def test_a_one_shot_task_publishes_to_its_queue(engine: Engine) -> None:
    task = await engine.jobs.task_schedule(P, TaskCreate.model_validate(
        {"queue": "later", "delay_seconds": 0, "payload": {"remind": "stand-up"}}))
    assert task.queue == "later" and task.url is None and len(task.warnings) == 1
    msg = await _one_message(engine, "later")
    assert msg.payload["task_id"] == task.task_id and msg.payload["payload"] == {"remind": "stand-up"}

    async def finished() -> str | None:
        state = (await engine.jobs.task_get(P, task.task_id)).state
        return state if state == "succeeded" else None

    await until(finished, what="the task succeeded")


async def test_update_switches_between_url_and_queue(engine: Engine) -> None:
    job = await engine.jobs.cron_create(P, CronCreate.model_validate(
        {"schedule": "@hourly", "url": "https://example.com/hook"}))
    assert job.queue is None and job.warnings == []
    to_queue = await engine.jobs.cron_update(P, job.cron_id, CronUpdate.model_validate({"queue": "jobs-q"}))
    assert (to_queue.url, to_queue.queue) == (None, "jobs-q") and len(to_queue.warnings) == 1
    to_url = await engine.jobs.cron_update(P, job.cron_id, CronUpdate.model_validate({"url": "https://example.com/b"}))
    assert (to_url.url, to_url.queue) == ("https://example.com/b", None)
    renamed = await engine.jobs.cron_update(P, job.cron_id, CronUpdate.model_validate({"name": "x"}))
    assert renamed.url == "https://example.com/b"  # a change without a target keeps it


@pytest.mark.parametrize("body", [
    {"schedule": "@daily"},  # no target
    {"schedule": "@daily", "url": "https://example.com/h", "queue": "q"},  # two targets
    {"schedule": "@daily", "queue": "bad name!"},
])
def test_a_target_must_be_one_url_or_one_queue_name(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError) as info:
        CronCreate.model_validate(body)
    text = str(info.value)
    assert "queue" in text and ("url" in text or "pattern" in text)


async def test_without_auto_create_an_unknown_queue_target_is_refused(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, auto_create_queues=False)
    async with Engine(settings, dispatch=False) as engine:
        with pytest.raises(InvalidInput) as info:
            await engine.jobs.cron_create(P, CronCreate.model_validate({"schedule": "@daily", "queue": "nope"}))
        assert info.value.field == "queue" and "queue create nope" in info.value.message
        with pytest.raises(InvalidInput):
            await engine.jobs.task_schedule(P, TaskCreate.model_validate({"queue": "nope", "delay_seconds": 5}))
        assert (await engine.jobs.cron_list(P)).items == [] and (await engine.jobs.task_list(P)).items == []
        assert (await engine.queues.queue_list(P)).items == []
