"""INFRAI_BASE_URL set: the MCP server calls a running `infrai-mcp serve` over REST and runs no
engine of its own. Both are real processes; the job fires from the serve process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.mcp.conftest import Tools
from tests.mcp.test_mcp_http import free_port
from tests.mcp.test_mcp_stdio import PASS_THROUGH
from tests.receiver import Receiver

pytestmark = pytest.mark.slow
BIN = Path(sys.executable).parent


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[str, str]]:
    home = tmp_path / "server"
    env = {**os.environ, "INFRAI_HOME": str(home), "INFRAI_ALLOW_PRIVATE_TARGETS": "127.0.0.1"}  # server mode
    made = subprocess.run(
        [str(BIN / "infrai-mcp"), "keys", "create", "--project", "acme"], env=env, capture_output=True, text=True,
        check=True,
    )
    key = made.stdout.split()[0]
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "infrai-mcp"), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(proc.stderr.read() if proc.stderr else "serve did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}", key
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.mark.anyio
async def test_mcp_over_remote_backend(serve: tuple[str, str], tmp_path: Path, receiver: Receiver) -> None:
    base_url, key = serve
    local = tmp_path / "mcp-home"
    params = StdioServerParameters(
        command=str(BIN / "infrai-mcp"),
        env={"INFRAI_HOME": str(local), "INFRAI_BASE_URL": base_url, "INFRAI_API_KEY": key, "INFRAI_TIMEZONE": "UTC",
             **PASS_THROUGH},
    )
    async with Client(params, read_timeout_seconds=30) as client:
        tools = Tools(client)
        job = await tools.ok("cron_create", schedule="every weekday at 9am", url=receiver.url("/remote"))
        assert job["schedule"] == "0 9 * * 1-5"
        await tools.ok("cron_trigger", cron_id=job["cron_id"])
        await receiver.wait_for(1, path="/remote", timeout=15)  # fired by the serve process
        listed = await tools.ok("cron_list")
        assert [j["cron_id"] for j in listed["items"]] == [job["cron_id"]]
        assert "cron_list" in await tools.err("cron_get", cron_id="cj_missing")
    assert not (local / "infrai.db").exists(), "the remote mode must not open a local store"
