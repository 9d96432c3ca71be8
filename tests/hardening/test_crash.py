"""Crash: ``infrai-mcp serve`` as a subprocess (INFRAI_HOME in tmp_path) with thousands of
tasks, cron jobs and pushed queue messages in motion is SIGKILLed at three random moments
and restarted each time. Afterwards: every task fired at least once, every message was
delivered at least once, nothing accepted is missing, repeated deliveries carry the same
webhook-id (the interrupted run's), the cron jobs kept firing, and the SQLite file passes
``PRAGMA integrity_check``.

Scale: INFRAI_CRASH_TASKS (default 7000) + INFRAI_CRASH_MESSAGES (default 3000) = 10,000.
The kill moments come from a seed printed on failure (INFRAI_CRASH_SEED to replay).
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.models import CronCreate, MessageIn, QueueCreate, SubscriptionCreate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from tests.hardening.conftest import P
from tests.receiver import Receiver
from tests.waiting import until

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

TASKS = int(os.environ.get("INFRAI_CRASH_TASKS", "7000"))
MESSAGES = int(os.environ.get("INFRAI_CRASH_MESSAGES", "3000"))
SPREAD = 20.0  # seconds over which the tasks come due


def start_serve(home: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INFRAI_HOME": str(home), "INFRAI_LEASE_SECONDS": "2", "INFRAI_BACKOFF_BASE": "0.05",
           "INFRAI_ALLOW_PRIVATE_TARGETS": "127.0.0.1"}  # serve is in server mode; the receiver is local
    env.pop("INFRAI_DATABASE_URL", None)
    return subprocess.Popen([sys.executable, "-m", "infrai_mcp.surfaces.cli.main", "serve", "--port", "0"],
                            env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"))


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait(10)


async def test_sigkill_three_times_loses_nothing(tmp_path: Path, receiver: Receiver,
                                                 procs: list[subprocess.Popen[bytes]]) -> None:
    seed = int(os.environ.get("INFRAI_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    log = tmp_path / "serve.log"
    settings = Settings(home=tmp_path)
    start = datetime.now(UTC) + timedelta(seconds=4)
    async with Engine(settings, dispatch=False) as cli:  # another process's writes, like the CLI
        await cli.queues.queue_create(P, QueueCreate(name="inbox", max_retries=20))
        await cli.queues.queue_push_subscribe(P, "inbox", SubscriptionCreate(url=receiver.url("/push"),
                                                                              max_retries=20))
        sem = asyncio.Semaphore(64)

        async def task(i: int) -> str:
            async with sem:
                t = await cli.jobs.task_schedule(P, TaskCreate(
                    url=receiver.url(f"/t/{i}"), run_at=start + timedelta(seconds=SPREAD * i / TASKS),
                    retries=10, payload={"i": i}))
                return t.task_id

        task_ids = await asyncio.gather(*(task(i) for i in range(TASKS)))
        msg_ids: list[str] = []
        for b in range(0, MESSAGES, 100):
            pubs = await cli.queues.queue_publish_batch(
                P, "inbox", [MessageIn(payload={"m": j}, delay_seconds=int(4 + SPREAD * b / MESSAGES))
                             for j in range(b, min(b + 100, MESSAGES))])  # pushes in motion throughout
            msg_ids.extend(p.message_id for p in pubs)
        crons = [(await cli.jobs.cron_create(P, CronCreate(url=receiver.url(f"/cron/{k}"),
                                                            schedule="* * * * * *"))).cron_id for k in range(3)]

    procs.append(start_serve(tmp_path, log))
    # Three kills at random moments while work is in motion (before, during and late in the
    # burst), each followed at once by a restart.
    t0 = time.monotonic()
    moments = sorted(rng.uniform(2.0, 4.0 + SPREAD) for _ in range(3))
    for at in moments:
        await asyncio.sleep(max(0.0, at - (time.monotonic() - t0)))  # the kill moment itself
        procs[-1].send_signal(signal.SIGKILL)
        assert procs[-1].wait(10) == -signal.SIGKILL
        procs.append(start_serve(tmp_path, log))
    cron_seen = {c: len(receiver.received(f"/cron/{k}")) for k, c in enumerate(crons)}

    async with Engine(settings, dispatch=False) as cli:
        async def all_done() -> bool:
            for state in ("scheduled", "running"):
                if (await cli.jobs.task_list(P, state=state, limit=1)).items:
                    return False
            stats = await cli.queues.queue_stats(P, "inbox")
            if stats.available or stats.in_flight or stats.delayed:
                return False
            got = {r.path for r in receiver.received()}
            return all(f"/t/{i}" in got for i in range(TASKS))

        await until(all_done, timeout=90, what=f"every task and message delivered (seed {seed})")
        # Nothing accepted is missing from the store, and every task finished.
        states: dict[str, int] = defaultdict(int)
        for tid in task_ids:
            states[(await cli.jobs.task_get(P, tid)).state] += 1
        assert states == {"succeeded": TASKS}, (seed, states)
        assert (await cli.queues.queue_stats(P, "inbox")).dlq == 0

    by_path: dict[str, list[str]] = defaultdict(list)
    for r in receiver.received():
        by_path[r.path].append(r.headers.get("webhook-id", ""))
    # Every task fired at least once; a repeat is the same run (same webhook-id).
    for i in range(TASKS):
        ids = by_path[f"/t/{i}"]
        assert ids and len(set(ids)) == 1, (seed, i, ids)
    # Every message delivered at least once; repeats carry the message id as webhook-id.
    pushed: dict[str, int] = defaultdict(int)
    for r in receiver.received("/push"):
        body = r.json()
        assert r.headers["webhook-id"] == body["message_id"]
        pushed[body["message_id"]] += 1
    assert set(pushed) == set(msg_ids), (seed, len(set(msg_ids) - set(pushed)))
    # Cron jobs keep firing after the last restart.
    for k, c in enumerate(crons):
        await receiver.wait_for(cron_seen[c] + 1, path=f"/cron/{k}", timeout=15)

    procs[-1].send_signal(signal.SIGKILL)
    procs[-1].wait(10)
    con = sqlite3.connect(tmp_path / "infrai.db")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    dupes = sum(len(v) - 1 for p, v in by_path.items() if p.startswith("/t/"))
    print(f"seed={seed} kills at {[round(m, 2) for m in moments]} s, repeated task deliveries={dupes}, "
          f"repeated pushes={sum(n - 1 for n in pushed.values())}")
