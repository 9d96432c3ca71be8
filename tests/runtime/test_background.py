"""The background engine as real processes: a stdio MCP client creates work and closes, the
detached engine fires it; `engine status/stop`; two clients share one engine; a SIGKILLed
engine is restarted by the next client start and the interrupted run is retried with the
same webhook-id; an older engine is replaced by a newer version."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from infrai_mcp.config import Settings
from infrai_mcp.runtime.background import ensure_engine
from infrai_mcp.runtime.control import alive, read_info, running
from infrai_mcp.runtime.engine import Engine
from tests.mcp.conftest import Tools
from tests.receiver import Receiver, Reply
from tests.runtime.conftest import BIN, PASS_THROUGH, cli
from tests.waiting import until

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
CLOCK_SLACK = 0.05  # receiver clock vs the server's reading of "now", same machine


def stdio(home: Path, **env: str) -> StdioServerParameters:
    """The stdio server as an MCP client starts it, with the background engine on (the default)."""
    return StdioServerParameters(command=str(BIN / "infrai-mcp"),
                                 env={"INFRAI_HOME": str(home), "INFRAI_TIMEZONE": "UTC", **PASS_THROUGH, **env})


def at(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


async def gone(home: Path) -> None:
    async def check() -> bool:
        return not alive(home)

    await until(check, timeout=30, what="the engine process exited")


async def test_jobs_fire_after_the_client_closed_and_stop_stops_them(home: Path, receiver: Receiver) -> None:
    async with Client(stdio(home), read_timeout_seconds=60) as client:
        assert "Where jobs fire: Jobs fire from the background engine" in (client.instructions or "")
        tools = Tools(client)
        res = await tools.call("task_schedule", run_at="in 3 seconds", url=receiver.url("/task"))
        assert not res.is_error
        # the agent is told where the job fires from, beside the result
        assert "background engine" in res.content[-1].text  # type: ignore[union-attr]
        task = json.loads(res.content[0].text)  # type: ignore[union-attr]
        job = await tools.ok("cron_create", schedule="* * * * * *", url=receiver.url("/cron"))
        # sent by the background engine too: the stdio server only stores it and wakes the engine
        await tools.ok("webhook_send", url=receiver.url("/hook"), payload={"n": 1})
    # the client closed, its stdio process exited; the engine did not
    info = read_info(home)
    assert info is not None and alive(home)
    got = await receiver.wait_for(1, path="/task", timeout=30)
    assert got[0].received_at >= at(task["run_at"]) - CLOCK_SLACK  # fired, not early
    await receiver.wait_for(2, path="/cron", timeout=30)
    (hook,) = await receiver.wait_for(1, path="/hook", timeout=30)
    assert hook.json() == {"n": 1}

    status = cli(home, "engine", "status", "--json")
    assert status.returncode == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown["running"] and shown["pid"] == info.pid and shown["home"] == str(home)
    assert shown["runs_started"] >= 3 and shown["last_fire"]["job_id"] in (task["task_id"], job["cron_id"])
    assert shown["next_due"] is not None  # the per-second cron job

    stop = cli(home, "engine", "stop")
    assert stop.returncode == 0 and "stopped" in stop.stdout, stop.stderr
    assert not alive(home)  # `engine stop` returns once the process has let go of the data dir
    stopped_at = datetime.now().timestamp()
    fired = len(receiver.received("/cron"))
    async with Engine(Settings(home=home), dispatch=False) as engine:
        runs = (await engine.jobs.cron_runs_list("default", job["cron_id"], limit=500)).items
    # every run the engine made was sent, and none is scheduled after the stop
    assert len(runs) >= fired and all(r.scheduled_for.timestamp() <= stopped_at for r in runs)
    assert cli(home, "engine", "status").returncode == 3


async def test_two_clients_share_one_engine_and_fire_each_job_once(home: Path, receiver: Receiver) -> None:
    async with Client(stdio(home), read_timeout_seconds=60) as a, Client(stdio(home), read_timeout_seconds=60) as b:
        first = read_info(home)
        ta, tb = Tools(a), Tools(b)
        tasks = [await ta.ok("task_schedule", run_at="in 2 seconds", url=receiver.url("/a")),
                 await tb.ok("task_schedule", run_at="in 2 seconds", url=receiver.url("/b"))]
        job = await tb.ok("cron_create", schedule="* * * * * *", url=receiver.url("/tick"))
    assert first is not None and read_info(home) == first  # both attached to one engine
    for task, path in zip(tasks, ("/a", "/b"), strict=True):
        got = await receiver.wait_for(1, path=path, timeout=30)
        assert got[0].received_at >= at(task["run_at"]) - CLOCK_SLACK
    await receiver.wait_for(4, path="/tick", timeout=30)
    assert cli(home, "engine", "stop").returncode == 0
    ticks = receiver.received("/tick")
    ids = [r.headers["webhook-id"] for r in ticks]
    assert len(ids) == len(set(ids))  # no run sent twice
    async with Engine(Settings(home=home), dispatch=False) as engine:
        runs = (await engine.jobs.cron_runs_list("default", job["cron_id"], limit=500)).items
    slots = [r.scheduled_for for r in runs]
    assert len(slots) == len(set(slots))  # no second fire of any second
    for path in ("/a", "/b"):
        assert len(receiver.received(path)) == 1


async def test_killed_engine_is_restarted_by_the_next_client_and_the_run_retried(
    home: Path, receiver: Receiver
) -> None:
    receiver.program("/slow", [Reply(200, delay=60), Reply(200)])  # the first attempt hangs
    env = {"INFRAI_LEASE_SECONDS": "2", "INFRAI_BACKOFF_BASE": "0.05"}
    async with Client(stdio(home, **env), read_timeout_seconds=60) as client:
        await Tools(client).ok("task_schedule", run_at="in 1 second", url=receiver.url("/slow"), payload={})
    (first,) = await receiver.wait_for(1, path="/slow", timeout=30)
    killed = read_info(home)
    assert killed is not None
    os.kill(killed.pid, signal.SIGKILL)
    await gone(home)
    assert running(home, timeout=0.5) is None  # crashed: its state file is left, nobody answers

    async with Client(stdio(home, **env), read_timeout_seconds=60):
        restarted = read_info(home)
        assert restarted is not None and restarted.pid != killed.pid and alive(home)
    got = await receiver.wait_for(2, path="/slow", timeout=30)
    assert got[1].headers["webhook-id"] == first.headers["webhook-id"]  # receivers can dedupe
    assert got[1].headers["x-infrai-attempt"] == "2"


async def test_a_newer_version_replaces_an_older_running_engine(home: Path) -> None:
    # An engine process that reports an older version (as an earlier install would).
    older = ("import sys; from pathlib import Path; import infrai_mcp.runtime.background as b; "
             "b.__version__ = '0.0.1'; from infrai_mcp.config import Settings; "
             "sys.exit(b.run_engine(Settings(home=Path(sys.argv[1]))))")
    env = {**os.environ, **PASS_THROUGH}
    proc = subprocess.Popen([sys.executable, "-c", older, str(home)], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async def up() -> bool:
            found = running(home, timeout=0.5)
            return found is not None and found[0].version == "0.0.1"

        await until(up, timeout=30, what="the older engine answering")
        info = ensure_engine(Settings(home=home))
        assert proc.wait(30) == 0  # the old one stopped cleanly (not killed)
        assert info.pid != proc.pid and info.version != "0.0.1"
        found = running(home)
        assert found is not None and found[0].pid == info.pid
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
