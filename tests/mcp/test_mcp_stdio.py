"""The real thing: `infrai-mcp` started as a subprocess, spoken to over stdio by the SDK's client."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from tests.mcp.conftest import ALL_TOOLS, TZ, Tools
from tests.receiver import Receiver
from tests.waiting import until

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

BIN = Path(sys.executable).parent
# The SDK starts servers with a minimal environment; keep PYTHONPATH so a checkout under test
# (PYTHONPATH=/path/to/checkout) is the code the subprocess runs too.
PASS_THROUGH = {k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}


def params(home: Path, *args: str, **env: str) -> StdioServerParameters:
    """The stdio server on ``home``; the engine runs inside it (INFRAI_BACKGROUND=0) unless the
    test asks for the background engine: a detached engine would outlive the test."""
    return StdioServerParameters(
        command=str(BIN / "infrai-mcp"),
        args=list(args),
        env={"INFRAI_HOME": str(home), "INFRAI_TIMEZONE": TZ, "INFRAI_BACKGROUND": "0", **PASS_THROUGH, **env},
    )


async def test_no_arguments_serves_stdio_and_fires_jobs(tmp_path: Path, receiver: Receiver) -> None:
    async with Client(params(tmp_path), read_timeout_seconds=30) as client:
        tools = Tools(client)
        listed = await client.list_tools()
        assert {t.name for t in listed.tools} == ALL_TOOLS
        assert TZ in (client.instructions or "")
        job = await tools.ok("cron_create", schedule="every weekday at 9am", url=receiver.url("/stdio"))
        assert job["schedule"] == "0 9 * * 1-5"
        run = await tools.ok("cron_trigger", cron_id=job["cron_id"])
        await receiver.wait_for(1, path="/stdio", timeout=15)

        async def done() -> dict[str, Any] | None:
            r = await tools.ok("run_get", run_id=run["run_id"])
            return r if r["state"] == "succeeded" else None

        await until(done, what="run recorded")
        text = await tools.err("cron_get", cron_id="cj_missing")
        assert "cron_list" in text
    assert (tmp_path / "infrai.db").exists()


async def test_mcp_command_with_toolsets_and_read_only(tmp_path: Path) -> None:
    async with Client(params(tmp_path, "mcp", "--toolsets", "queue,time", "--read-only"),
                      read_timeout_seconds=30) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert names == {"queue_get", "queue_list", "queue_dlq_list", "when_preview"}
    async with Client(params(tmp_path, INFRAI_TOOLSETS="webhook"), read_timeout_seconds=30) as client:
        names = {t.name for t in (await client.list_tools()).tools}
    assert names == {"webhook_send", "webhook_get"}


async def test_work_due_while_no_server_ran_fires_at_the_next_start(tmp_path: Path, receiver: Receiver) -> None:
    async with Client(params(tmp_path), read_timeout_seconds=30) as client:
        task = await Tools(client).ok("task_schedule", run_at="in 5 seconds", url=receiver.url("/late"))
    # the server has exited before the task was due; wait until it is overdue
    assert not [r for r in receiver.requests if r.path == "/late"]
    await anyio.sleep(max(0.0, datetime.fromisoformat(task["run_at"]).timestamp() - time.time()) + 1)
    assert not [r for r in receiver.requests if r.path == "/late"]
    async with Client(params(tmp_path), read_timeout_seconds=30) as client:
        await receiver.wait_for(1, path="/late", timeout=15)

        async def done() -> list[dict[str, Any]]:
            runs = await Tools(client).ok("run_list", job_id=task["task_id"], state="succeeded")
            return runs["items"]  # type: ignore[no-any-return]

        await until(done, what="the late task's run recorded")


def test_bad_toolset_is_a_plain_message(tmp_path: Path) -> None:
    env = {**os.environ, "INFRAI_HOME": str(tmp_path), "INFRAI_TOOLSETS": "cron,bogus"}
    done = subprocess.run([str(BIN / "infrai-mcp"), "mcp"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "bogus" in done.stderr and "Traceback" not in done.stderr
