"""Two MCP servers sharing one data dir (two IDE windows): every run fires exactly once, on
time, whichever process it was created in; when one server exits the other keeps firing."""

from __future__ import annotations

import collections
import os
import subprocess
import time
from datetime import datetime
from pathlib import Path

import anyio
import pytest
from mcp import Client

from tests.mcp.conftest import Tools
from tests.mcp.test_mcp_stdio import BIN, PASS_THROUGH, params
from tests.receiver import Receiver
from tests.waiting import until

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


# Send times come from the receiver's clock and run_at from the server's: same machine, but
# the two readings may straddle by a few milliseconds.
CLOCK_SLACK = 0.05
FINAL = {"succeeded", "failed", "skipped", "cancelled"}


def at(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def test_one_dispatcher_no_duplicates_no_misses(tmp_path: Path, receiver: Receiver) -> None:
    env = {"INFRAI_LEASE_SECONDS": "3"}
    async with Client(params(tmp_path, **env), read_timeout_seconds=30) as a, Client(
        params(tmp_path, **env), read_timeout_seconds=30
    ) as b:
        ta, tb = Tools(a), Tools(b)
        job = await ta.ok("cron_create", schedule="*/1 * * * * *", url=receiver.url("/every-second"))
        tasks = [
            await ta.ok("task_schedule", run_at="in 2 seconds", url=receiver.url("/from-a")),
            await tb.ok("task_schedule", run_at="in 2 seconds", url=receiver.url("/from-b")),
        ]
        for task, path in zip(tasks, ("/from-a", "/from-b"), strict=True):
            got = await receiver.wait_for(1, path=path, timeout=15)
            # fired (not missed) and not early, whichever process wrote it; how late it may be is a
            # timing figure (bench/), not an assertion: the dispatcher polls the store every 1 s
            assert got[0].received_at >= at(task["run_at"]) - CLOCK_SLACK, path
        await receiver.wait_for(3, path="/every-second", timeout=15)  # enough fires to compare
        await ta.ok("pause", ids=[job["cron_id"]])

        async def settled() -> list[dict[str, object]] | None:
            # every run the job produced has finished: the receiver has seen all it will see
            items = (await tb.ok("run_list", job_id=job["cron_id"], limit=500))["items"]
            return items if all(r["state"] in FINAL for r in items) else None

        runs = await until(settled, timeout=30, what="all runs of the paused job finished")
        ticks = [r for r in receiver.requests if r.path == "/every-second"]

    ids = collections.Counter(r.headers["webhook-id"] for r in ticks)
    assert len(ticks) >= 3
    assert max(ids.values()) == 1, "a run was sent twice"
    slots = collections.Counter(r["scheduled_for"] for r in runs)
    assert max(slots.values()) == 1, "one fire time produced two runs"
    assert len(runs) == len(ids), "every run was delivered once"
    for path in ("/from-a", "/from-b"):
        assert len([r for r in receiver.requests if r.path == path]) == 1


async def test_survivor_takes_over_when_the_dispatcher_exits(tmp_path: Path, receiver: Receiver) -> None:
    env = {"INFRAI_LEASE_SECONDS": "3"}
    a_fired, a_stop, a_gone = anyio.Event(), anyio.Event(), anyio.Event()

    async def first_server() -> None:
        # a starts first, so a takes the dispatch lease; prove it fires, then exit on request
        async with Client(params(tmp_path, **env), read_timeout_seconds=30) as a:
            await Tools(a).ok("task_schedule", run_at="in 1 second", url=receiver.url("/before"))
            await receiver.wait_for(1, path="/before", timeout=15)
            a_fired.set()
            await a_stop.wait()
        a_gone.set()

    async with anyio.create_task_group() as tg:
        tg.start_soon(first_server)
        await a_fired.wait()
        async with Client(params(tmp_path, **env), read_timeout_seconds=30) as b:
            a_stop.set()
            await a_gone.wait()  # the dispatcher has exited; b must fire work created from now on
            task = await Tools(b).ok("task_schedule", run_at="in 1 second", url=receiver.url("/after"))
            got = await receiver.wait_for(1, path="/after", timeout=15)
            # taken over: fired once the lease passed, and never before it was due
            assert got[0].received_at >= at(task["run_at"]) - CLOCK_SLACK


async def test_survivor_takes_over_when_the_dispatcher_is_killed(tmp_path: Path, receiver: Receiver) -> None:
    env = {**os.environ, "INFRAI_HOME": str(tmp_path), "INFRAI_LEASE_SECONDS": "3", "INFRAI_BACKGROUND": "0",
           **PASS_THROUGH}
    # a: a server nobody talks to yet; its engine starts with the process and takes the lease
    a = subprocess.Popen(
        [str(BIN / "infrai-mcp"), "mcp", "--verbose"], env=env, stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert a.stderr is not None
        deadline = time.monotonic() + 30
        while "holding the dispatch lease" not in a.stderr.readline():
            assert a.poll() is None and time.monotonic() < deadline, "a never took the lease"
        async with Client(params(tmp_path, **{"INFRAI_LEASE_SECONDS": "3"}), read_timeout_seconds=30) as b:
            task = await Tools(b).ok("task_schedule", run_at="in 2 seconds", url=receiver.url("/after-kill"))
            a.kill()  # SIGKILL: no release; b must wait out the lease, then fire
            a.wait(timeout=10)
            got = await receiver.wait_for(1, path="/after-kill", timeout=20)
            # the killed holder's lease ran out and the survivor fired it, not early
            assert got[0].received_at >= at(task["run_at"]) - CLOCK_SLACK
        assert len([r for r in receiver.requests if r.path == "/after-kill"]) == 1
    finally:
        if a.poll() is None:
            a.kill()
            a.wait(timeout=10)
