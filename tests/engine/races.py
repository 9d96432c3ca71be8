"""Changes aimed just after a fire, against engines in OTHER processes (real time, real HTTP).

The processes that fire (a ``serve`` on SQLite, two ``worker`` processes on PostgreSQL) plan
every fire of a per-second job a few seconds ahead, so at any instant several plans exist.
This process changes the job right after a fire arrived — the payload (its target), its
schedule, finally a pause — through its own engine on the same store, as the CLI or a stdio
MCP server does. Checked over every trial:

- no slot is sent twice (and no run id twice);
- a request carrying the settings of before a change belongs to a slot due before that
  change RETURNED (a confirmed fire may be on the wire while the change commits; nothing
  planned under the old settings is sent after);
- a slot the new schedule does not have is not sent after the change returned;
- after the pause returned, no slot due later is sent (a witness task due after it proves the
  firing processes kept going).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from infrai_mcp.models import CronCreate, CronUpdate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from tests.receiver import Received, Receiver

P = "default"
SCHEDULES = ("* * * * * *", "*/2 * * * * *")


async def _next_request(receiver: Receiver, path: str, seen: int, timeout: float = 15.0) -> Received:
    got = await asyncio.to_thread(receiver.wait_for_sync, seen + 1, timeout, path)
    return got[seen]


async def changes_race_fires(engine: Engine, receiver: Receiver, trials: int = 12) -> None:
    path = "/race"
    job = await engine.jobs.cron_create(P, CronCreate(url=receiver.url(path), schedule=SCHEDULES[0],
                                                      timezone="UTC", payload={"v": 0}))
    # (version, schedule, returned_at): the settings in force from returned_at on
    history: list[tuple[int, str, float]] = [(0, SCHEDULES[0], 0.0)]
    schedule = SCHEDULES[0]
    seen = 0
    for trial in range(trials):
        await _next_request(receiver, path, seen)
        seen = len(receiver.received(path))
        # Aim just after a fire: the next ones are planned (claimed) already.
        await asyncio.sleep(0.05 + 0.05 * (trial % 5))
        version = trial + 1
        if trial % 3 == 2:
            schedule = SCHEDULES[1] if schedule == SCHEDULES[0] else SCHEDULES[0]
            await engine.jobs.cron_update(P, job.cron_id, CronUpdate(schedule=schedule, payload={"v": version}))
        else:
            await engine.jobs.cron_update(P, job.cron_id, CronUpdate(payload={"v": version}))
        history.append((version, schedule, time.time()))
    # Let a few fires under the last settings arrive, then pause right after one.
    for _ in range(2):
        await _next_request(receiver, path, seen)
        seen = len(receiver.received(path))
    await asyncio.sleep(0.1)
    await engine.jobs.cron_pause(P, job.cron_id)
    paused_at = time.time()
    witness_at = datetime.fromtimestamp(paused_at, UTC) + timedelta(seconds=3)
    await engine.jobs.task_schedule(P, TaskCreate(url=receiver.url("/witness"), run_at=witness_at))
    await asyncio.to_thread(receiver.wait_for_sync, 1, 20.0, "/witness")

    runs = {r.run_id: r for r in (await engine.jobs.run_list(P, job_id=job.cron_id, limit=500)).items}
    sent = receiver.received(path)
    run_ids = Counter(r.headers["x-infrai-run-id"] for r in sent)
    assert max(run_ids.values()) == 1, f"a run was sent twice: {run_ids.most_common(3)}"
    slots = Counter(runs[r.headers["x-infrai-run-id"]].scheduled_for.timestamp() for r in sent)
    assert max(slots.values()) == 1, f"a slot was sent twice: {slots.most_common(3)}"
    assert len(sent) >= trials
    for req in sent:
        slot = runs[req.headers["x-infrai-run-id"]].scheduled_for.timestamp()
        v = req.json()["v"]
        # Settings version v was replaced when history[v + 1] returned: its fires are due before.
        if v + 1 < len(history):
            assert slot < history[v + 1][2], f"slot {slot} sent with settings v{v} after they were replaced"
        # A fire sent with settings v was planned after v committed (every change withdraws
        # the plans made before it), so its slot is one of v's schedule.
        if history[v][1] == SCHEDULES[1]:
            assert int(slot) % 2 == 0, f"slot {slot} is not in {SCHEDULES[1]} (v{v})"
        assert slot < paused_at, f"slot {slot} sent after the pause returned"
