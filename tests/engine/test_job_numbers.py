"""Every job has an integer number (seed 003's job_id), in creation order, kept for good.

Re-run on PostgreSQL by tests/pg/test_pg_engine_suite.py (tests on the ``engine`` fixture)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.models import CronCreate, ScheduleCreate, TaskCreate
from infrai_mcp.runtime.engine import Engine

pytestmark = pytest.mark.anyio
P = "default"


async def test_jobs_are_numbered_in_creation_order_and_keep_their_number(engine: Engine) -> None:
    cron = await engine.jobs.cron_create(P, CronCreate.model_validate({"schedule": "@daily", "url": "https://e.x/a"}))
    task = await engine.jobs.task_schedule(P, TaskCreate.model_validate({"url": "https://e.x/b",
                                                                         "delay_seconds": 60}))
    await engine.jobs.schedule_create(P, "agent", ScheduleCreate.model_validate(
        {"name": "s", "type": "delayed", "delay_seconds": 60, "callback_url": "https://e.x/c"}))
    batch = await engine.jobs.cron_create_batch(P, [CronCreate.model_validate(
        {"schedule": "@hourly", "url": f"https://e.x/{i}"}) for i in range(3)])
    assert cron.number is not None and task.number is not None
    numbers = [cron.number, task.number, *(j.number for j in batch)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 5  # the schedule took one in between
    assert all(isinstance(n, int) for n in numbers)
    await engine.jobs.cron_delete(P, cron.cron_id)
    again = await engine.jobs.cron_create(P, CronCreate.model_validate({"schedule": "@daily", "url": "https://e.x/d"}))
    assert again.number is not None and again.number > max(n for n in numbers if n is not None)
    assert (await engine.jobs.task_get(P, task.task_id)).number == task.number  # read back the same
    replay = CronCreate.model_validate({"schedule": "@daily", "url": "https://e.x/e", "idempotency_key": "k"})
    first = await engine.jobs.cron_create(P, replay)
    assert (await engine.jobs.cron_create(P, replay)).number == first.number


async def test_a_store_made_before_numbers_numbers_its_jobs_in_creation_order(tmp_path: Path) -> None:
    def make() -> Engine:
        return Engine(Settings(home=tmp_path), dispatch=False)

    async with make() as engine:
        made = [await engine.jobs.cron_create(P, CronCreate.model_validate(
            {"schedule": "@daily", "url": f"https://e.x/{i}"})) for i in range(3)]
    # Back to the schema before migration 0010: no seq column, 0010 not applied.
    with sqlite3.connect(tmp_path / "infrai.db") as db:
        db.execute("DROP INDEX jobs_seq")
        db.execute("ALTER TABLE jobs DROP COLUMN seq")
        db.execute("DELETE FROM schema_migrations WHERE version = 10")
    async with make() as engine:
        numbers = [(await engine.jobs.cron_get(P, j.cron_id)).number for j in made]
        new = await engine.jobs.cron_create(P, CronCreate.model_validate({"schedule": "@daily", "url": "https://e.x/n"}))
    assert numbers == [1, 2, 3] and new.number == 4
