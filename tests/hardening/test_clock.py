"""Clock jumps of an hour, forward and backward, with the engine's clock injected
(``OffsetClock``): no cron fire is doubled, none is skipped beyond the misfire policy.

"Nothing fired" is proven with a witness: a task due at the same moment goes through the
same claim loop; once it has fired, a due cron fire would have fired too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infrai_mcp.core.clock import OffsetClock
from infrai_mcp.models import CronCreate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from tests.engines import make_engine
from tests.hardening.conftest import P
from tests.receiver import Receiver
from tests.waiting import until

pytestmark = pytest.mark.anyio


def set_fake_now(clock: OffsetClock, when: datetime) -> None:
    clock.offset = when - datetime.now(UTC)


async def runs_of(eng: Engine, job_id: str) -> list[tuple[str, str, str]]:
    runs = (await eng.jobs.run_list(P, job_id=job_id)).items
    return sorted((r.scheduled_for.isoformat(), r.trigger, r.state) for r in runs)  # type: ignore[union-attr]


async def witness(eng: Engine, receiver: Receiver) -> None:
    """Wait until a task due now (engine time) has been sent."""
    t = await eng.jobs.task_schedule(P, TaskCreate(url=receiver.url("/witness"), delay_seconds=0))
    eng.wake()

    async def sent() -> bool:
        return (await eng.jobs.task_get(P, t.task_id)).state == "succeeded"

    await until(sent, what="witness task fired")


async def fired(eng: Engine, job_id: str, n: int) -> list[tuple[str, str, str]]:
    async def check() -> list[tuple[str, str, str]] | None:
        got = await runs_of(eng, job_id)
        return got if len(got) >= n and all(s == "succeeded" for _, _, s in got) else None

    return await until(check, what=f"{n} fire(s) of {job_id}")


def next_hour() -> datetime:
    now = datetime.now(UTC)
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=5)


async def test_backward_jump_does_not_fire_a_slot_twice(tmp_path: Path, receiver: Receiver) -> None:
    clock = OffsetClock()
    h = next_hour()
    set_fake_now(clock, h - timedelta(seconds=2))
    async with make_engine(tmp_path, clock=clock) as eng:
        job = await eng.jobs.cron_create(P, CronCreate(url=receiver.url("/c"), schedule="0 * * * *"))
        first = await fired(eng, job.cron_id, 1)
        assert [(s, t) for s, t, _ in first] == [(h.isoformat(), "schedule")]
        clock.offset -= timedelta(hours=1)  # the system clock steps back an hour
        eng.wake()
        await witness(eng, receiver)
        assert await runs_of(eng, job.cron_id) == first  # slot h is not fired again
        assert (await eng.jobs.cron_get(P, job.cron_id)).next_run_at == h + timedelta(hours=1)
        # Time catches up: the next slot fires exactly once.
        set_fake_now(clock, h + timedelta(hours=1) - timedelta(seconds=1))
        eng.wake()
        got = await fired(eng, job.cron_id, 2)
        await witness(eng, receiver)
        assert await runs_of(eng, job.cron_id) == got
        assert [s for s, _, _ in got] == [h.isoformat(), (h + timedelta(hours=1)).isoformat()]
    assert len(receiver.received("/c")) == 2


async def test_forward_jump_onto_the_next_slot_fires_it_once(tmp_path: Path, receiver: Receiver) -> None:
    clock = OffsetClock()
    h = next_hour()
    set_fake_now(clock, h - timedelta(seconds=2))
    async with make_engine(tmp_path, clock=clock) as eng:
        job = await eng.jobs.cron_create(P, CronCreate(url=receiver.url("/c"), schedule="0 * * * *"))
        await fired(eng, job.cron_id, 1)
        clock.offset += timedelta(hours=1)  # now just after h + 1h: that slot is due, not missed
        eng.wake()
        got = await fired(eng, job.cron_id, 2)
        await witness(eng, receiver)
        assert await runs_of(eng, job.cron_id) == got
        assert [t for _, t, _ in got] == ["schedule", "schedule"]
    assert len(receiver.received("/c")) == 2


@pytest.mark.parametrize(("policy", "expect"), [
    ("run_once", ["schedule", "misfire"]),
    ("run_all", ["schedule", "misfire"]),  # one slot was missed: one replay
    ("skip", ["schedule"]),
])
async def test_forward_jump_past_a_slot_follows_the_misfire_policy(
    tmp_path: Path, receiver: Receiver, policy: str, expect: list[str]
) -> None:
    clock = OffsetClock()
    h = next_hour()
    set_fake_now(clock, h - timedelta(seconds=2))
    async with make_engine(tmp_path, clock=clock) as eng:
        job = await eng.jobs.cron_create(P, CronCreate(url=receiver.url("/c"), schedule="0 * * * *",
                                                       misfire_policy=policy))  # type: ignore[arg-type]
        await fired(eng, job.cron_id, 1)
        # From h+30m to h+1h30m in one step: slot h+1h is 30 minutes late (beyond the 60 s grace).
        set_fake_now(clock, h + timedelta(minutes=90))
        eng.wake()
        if len(expect) > 1:
            await fired(eng, job.cron_id, len(expect))
        await witness(eng, receiver)
        got = await runs_of(eng, job.cron_id)
        assert sorted(t for _, t, _ in got) == sorted(expect)
        assert (await eng.jobs.cron_get(P, job.cron_id)).next_run_at == h + timedelta(hours=2)
    assert len(receiver.received("/c")) == len(expect)
