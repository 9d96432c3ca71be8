"""Streamable HTTP: `infrai-mcp mcp --transport http` as a subprocess, reached by the SDK client at /mcp."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client

from tests.mcp.conftest import ALL_TOOLS, TZ, Tools
from tests.receiver import Receiver

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "INFRAI_HOME": str(tmp_path), "INFRAI_TIMEZONE": TZ}
    exe = Path(sys.executable).parent / "infrai-mcp"
    proc = subprocess.Popen(
        [str(exe), "mcp", "--transport", "http", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"server did not start: {proc.stderr.read() if proc.stderr else ''}") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.mark.anyio
async def test_streamable_http_serves_tools_and_fires(http_server: str, receiver: Receiver) -> None:
    async with Client(http_server, read_timeout_seconds=30) as client:
        assert {t.name for t in (await client.list_tools()).tools} == ALL_TOOLS
        tools = Tools(client)
        job = await tools.ok("cron_create", schedule="every weekday at 9am", url=receiver.url("/http"))
        assert job["schedule"] == "0 9 * * 1-5" and job["timezone"] == TZ
        await tools.ok("cron_trigger", cron_id=job["cron_id"])
        await receiver.wait_for(1, path="/http", timeout=15)  # the engine runs in the HTTP server's lifespan
        assert "cron_list" in await tools.err("cron_get", cron_id="cj_missing")
