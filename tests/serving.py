"""``infrai-mcp serve`` as a real process, for the end-to-end tests that start one."""

from __future__ import annotations

import contextlib
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

CLI = [sys.executable, "-m", "infrai_mcp.surfaces.cli.main"]
REST_LINE = re.compile(r"REST API at (http://127\.0\.0\.1:\d+)/v1/")


@contextlib.contextmanager
def serving(env: dict[str, str], log: Path, timeout: float = 30.0,
            args: Sequence[str] = ()) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Start ``serve --port 0 [args]`` with its stderr in ``log``; yield the process and its base
    URL once it has printed it (within ``timeout`` s). A process still running at the end is killed."""
    with log.open("w") as err:
        proc = subprocess.Popen([*CLI, "serve", "--port", "0", *args], env=env, stdout=subprocess.DEVNULL,
                                stderr=err)
    try:
        deadline = time.monotonic() + timeout
        while not (m := REST_LINE.search(log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        yield proc, m.group(1)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def stop_cleanly(proc: subprocess.Popen[bytes], log: Path) -> None:
    """SIGTERM, and the process must exit with code 0."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0, log.read_text()
