"""Schedule kinds in the engine, on SQLite and PostgreSQL, with a real receiver and an injected
clock (``OffsetClock``): an interval job fires at exact periods, a calendar rule with a holiday
exclusion skips the holidays and records why, a rule update re-plans without a double fire."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import CronCreate, CronUpdate
from infrai_mcp.models.jobs import Run
from infrai_mcp.runtime.engine import Engine
from tests.receiver import Receiver
from tests.waiting import until

pytestmark = pytest.mark.anyio
P = "p_kinds"
MakeEngine = Callable[[OffsetClock], Engine]


@pytest.fixture(params=["sqlite", "postgres"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeEngine]:
    """Engines on a SQLite file, or on a fresh PostgreSQL database (migrated by the engine)."""
    url: str | None = None
    if request.param == "postgres":
        import pgutil

        pgutil.require_postgres()
        name = pgutil.new_name("kinds")
        pgutil.create_database(name)
        url = pgutil.db_url(name)

    def build(clock: OffsetClock) -> Engine:
        engine = Engine(Settings(home=tmp_path, database_url=url), clock=clock, lease_seconds=3.0)
        engine.dispatcher.backoff_base = 0.05
        return engine

    yield build
    if url is not None:
        pgutil.drop_database(name)


def at(clock: OffsetClock, when: datetime) -> None:
    clock.offset = when - datetime.now(UTC)


async def runs(eng: Engine, job_id: str, n: int, *, settled: bool = True) -> list[Run]:
    """The job's runs, oldest first, once there are ``n`` (all finished when ``settled``)."""
    async def check() -> list[Run] | None:
        got = sorted((await eng.jobs.cron_runs_list(P, job_id)).items, key=lambda r: r.scheduled_for)
        done = all(r.state in ("succeeded", "skipped") for r in got)
        return got if len(got) >= n and (done or not settled) else None

    return await until(check, timeout=20, what=f"{n} run(s) of {job_id}")


async def test_an_interval_job_fires_at_exact_periods(make: MakeEngine, receiver: Receiver) -> None:
    clock = OffsetClock()
    at(clock, datetime(2026, 3, 8, 6, 59, 57, tzinfo=UTC))  # New York springs forward at 07:00 UTC
    async with make(clock) as eng:
        start = (clock.now() + timedelta(seconds=2)).replace(microsecond=0)
        job = await eng.jobs.cron_create(P, CronCreate(
            url=receiver.url("/interval"), schedule="1", schedule_kind="interval", timezone="America/New_York",
            schedule_start=start.isoformat()))
        assert job.schedule_kind == "interval" and job.description and job.description.startswith("Every second")
        got = await runs(eng, job.cron_id, 4)
        await eng.jobs.cron_pause(P, job.cron_id)
    assert [r.scheduled_for for r in got[:4]] == [start + timedelta(seconds=k) for k in range(4)]
    assert len(receiver.received("/interval")) == len(got)


async def test_a_calendar_rule_skips_holidays_and_records_why(make: MakeEngine, receiver: Receiver) -> None:
    berlin = ZoneInfo("Europe/Berlin")

    def before(day: int) -> datetime:
        return datetime(2026, 12, day, 8, 59, 58, tzinfo=berlin).astimezone(UTC)

    clock = OffsetClock()
    at(clock, before(24))
    async with make(clock) as eng:
        job = await eng.jobs.cron_create(P, CronCreate.model_validate({
            "url": receiver.url("/daily"), "schedule": "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", "schedule_kind": "rrule",
            "timezone": "Europe/Berlin", "exclusions": {"holidays": ["DE"]}}))
        assert job.schedule == "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
        assert job.next_run_at == before(24) + timedelta(seconds=2)
        await runs(eng, job.cron_id, 1)
        for day, n in ((25, 2), (26, 3), (27, 4)):
            at(clock, before(day))
            eng.wake()
            got = await runs(eng, job.cron_id, n)
        assert (await eng.jobs.cron_get(P, job.cron_id)).next_run_at == before(28) + timedelta(seconds=2)
        await eng.jobs.cron_pause(P, job.cron_id)
    assert [(r.scheduled_for.astimezone(berlin).day, r.state, r.error) for r in got] == [
        (24, "succeeded", None),
        (25, "skipped", "skipped: holiday: Christmas Day (DE)"),
        (26, "skipped", "skipped: holiday: Second Day of Christmas (DE)"),
        (27, "succeeded", None)]
    assert len(receiver.received("/daily")) == 2


async def test_a_rule_update_replans_without_a_double_fire(make: MakeEngine, receiver: Receiver) -> None:
    clock = OffsetClock()
    async with make(clock) as eng:
        job = await eng.jobs.cron_create(P, CronCreate(url=receiver.url("/u"), schedule="* * * * * *"))
        await runs(eng, job.cron_id, 2)
        changed = await eng.jobs.cron_update(P, job.cron_id, CronUpdate(schedule="2", schedule_kind="interval"))
        changed_at = clock.now()
        assert changed.schedule_kind == "interval" and changed.schedule_start is not None
        anchor = datetime.fromisoformat(changed.schedule_start.replace("Z", "+00:00"))
        assert changed.next_run_at == anchor and anchor > changed_at
        got = await runs(eng, job.cron_id, 1 + len([r for r in await runs(eng, job.cron_id, 2)]) + 2)
        await eng.jobs.cron_pause(P, job.cron_id)
        got = await runs(eng, job.cron_id, len(got))
    slots = [r.scheduled_for for r in got]
    assert len(set(slots)) == len(slots)  # no slot twice
    after = [s for s in slots if s > changed_at]
    assert after and all((s - anchor).total_seconds() % 2 == 0 and s >= anchor for s in after)
    assert len(receiver.received("/u")) == len([r for r in got if r.state == "succeeded"])


async def test_bad_kinds_are_refused_and_nothing_is_stored(make: MakeEngine, receiver: Receiver) -> None:
    async with make(OffsetClock()) as eng:
        for body, field in (({"schedule": "FREQ=DAILY;COUNT=2", "schedule_kind": "rrule"}, "schedule"),
                            ({"schedule": "90s", "schedule_kind": "interval"}, "schedule"),
                            ({"schedule": "0 9 * * *", "exclusions": {"holidays": ["XX"]}}, "exclusions"),
                            ({"schedule": "0 9 * * *", "schedule_start": "2026-01-01"}, "schedule_start")):
            with pytest.raises(InvalidInput) as err:
                await eng.jobs.cron_create(P, CronCreate.model_validate({"url": receiver.url("/x"), **body}))
            assert err.value.field == field
            assert any(w in str(err.value) for w in ("e.g.", "such as", "instead", "ISO 3166", "only an interval"))
        assert (await eng.jobs.cron_list(P)).items == []
