"""`infrai-mcp serve` as a real subprocess: fires jobs written by another process, survives
SIGKILL (the interrupted run is retried with the same webhook-id) and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infrai_mcp.models import CronCreate, TaskCreate
from tests.engines import make_engine
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
P = "default"


def start_serve(home: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "INFRAI_HOME": str(home), "INFRAI_LEASE_SECONDS": "2", "INFRAI_BACKOFF_BASE": "0.05",
           "INFRAI_ALLOW_PRIVATE_TARGETS": "127.0.0.1"}  # serve is in server mode; the receiver is local
    env.pop("INFRAI_DATABASE_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "infrai_mcp.surfaces.cli.main", "serve", "--port", "0"],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("ab"),
    )


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait(10)


async def test_sigkill_then_restart_retries_the_interrupted_run(
    tmp_path: Path, receiver: Receiver, procs: list[subprocess.Popen[bytes]]
) -> None:
    log = tmp_path / "serve.log"
    receiver.program("/slow", [Reply(200, delay=60), Reply(200)])  # the first attempt hangs
    procs.append(start_serve(tmp_path, log))
    soon = datetime.now(UTC) + timedelta(seconds=1)
    async with make_engine(tmp_path, dispatch=False) as cli:  # like the CLI: another process's writes
        slow = await cli.jobs.task_schedule(P, TaskCreate(url=receiver.url("/slow"), run_at=soon, payload={}))
        tasks = [
            await cli.jobs.task_schedule(P, TaskCreate(url=receiver.url(f"/t{i}"), run_at=soon + timedelta(
                milliseconds=250 * i))) for i in range(4)
        ]
        job = await cli.jobs.cron_create(P, CronCreate(url=receiver.url("/cron"), schedule="* * * * * *"))

    (first,) = await receiver.wait_for(1, path="/slow", timeout=15)
    for i in range(4):
        await receiver.wait_for(1, path=f"/t{i}", timeout=15)
    await receiver.wait_for(1, path="/cron", timeout=15)
    async with make_engine(tmp_path, dispatch=False) as cli:
        async def recorded() -> bool:
            return all([(await cli.jobs.task_get(P, t.task_id)).state == "succeeded" for t in tasks])

        # Kill only once their success is on disk: a request that arrived but whose outcome
        # was not yet written WOULD be sent again (at-least-once), which is not what we test.
        await until(recorded, timeout=15, what="the quick tasks recorded as succeeded")
        assert (await cli.jobs.task_get(P, slow.task_id)).state == "running"
    procs[0].send_signal(signal.SIGKILL)
    assert procs[0].wait(10) == -signal.SIGKILL
    cron_before = len(receiver.received("/cron"))

    procs.append(start_serve(tmp_path, log))
    got = await receiver.wait_for(2, path="/slow", timeout=20)
    assert got[1].headers["webhook-id"] == first.headers["webhook-id"]  # receivers can dedupe
    assert got[1].headers["x-infrai-attempt"] == "2"
    await receiver.wait_for(cron_before + 1, path="/cron", timeout=15)  # the cron job continues

    async with make_engine(tmp_path, dispatch=False) as cli:
        async def all_succeeded() -> bool:
            states = [(await cli.jobs.task_get(P, t.task_id)).state for t in [slow, *tasks]]
            return all(s == "succeeded" for s in states)

        await until(all_succeeded, timeout=15, what="every task succeeded")
        await cli.jobs.cron_pause(P, job.cron_id)
    for i in range(4):
        assert len(receiver.received(f"/t{i}")) == 1  # recorded tasks were not fired again

    procs[1].send_signal(signal.SIGTERM)
    assert procs[1].wait(20) == 0
    text = log.read_text()
    assert "fired task" in text and "stopped" in text


def test_cli_shows_what_was_scheduled(tmp_path: Path) -> None:
    env = {**os.environ, "INFRAI_HOME": str(tmp_path)}
    env.pop("INFRAI_DATABASE_URL", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "infrai_mcp.surfaces.cli.main", *args], env=env,
                              capture_output=True, text=True, timeout=60)

    added = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "0 9 * * 1-5", "--name", "digest",
                "--timezone", "Europe/Berlin", "--json")
    assert added.returncode == 0, added.stderr
    import json

    cron_id = json.loads(added.stdout)["cron_id"]
    listed = cli("cron", "ls")
    assert "digest" in listed.stdout and "0 9 * * 1-5" in listed.stdout and "Europe/Berlin" in listed.stdout
    assert cli("cron", "pause", cron_id).returncode == 0
    assert "paused" in cli("cron", "show", cron_id).stdout
    bad = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "0 25 * * *")
    assert bad.returncode == 2 and "schedule" in bad.stderr
    assert cli("task", "add", "--url", "https://example.com/t", "--in", "600").returncode == 0
    assert "scheduled" in cli("task", "ls").stdout
    assert cli("cron", "rm", cron_id).returncode == 0
    missing = cli("cron", "show", cron_id)
    assert missing.returncode == 2 and "`infrai-mcp cron ls` lists them" in missing.stderr
    assert "cron_list" not in missing.stderr  # an MCP tool name means nothing here
