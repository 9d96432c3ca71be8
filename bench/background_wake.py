"""Wake-to-fire through the background engine next to the in-process engine, and idle CPU.

    .venv/bin/python bench/background_wake.py [--tasks 100] [--spacing 0.1] [--idle 60]

Each scenario gets a fresh data dir. A task is created every ``--spacing`` s, due 1 s after
its creation (then again due at once, as a trigger or "in 0 seconds" is), by the process that
a stdio MCP server would be:

  in-process        the engine dispatches inside this process (INFRAI_BACKGROUND=0)
  background+wake   a detached ``infrai-mcp engine run`` dispatches; this process writes with
                    dispatch off and wakes it over the 127.0.0.1 datagram socket (the default)
  background, poll  the same without the wake: the engine finds the task by its 1 s poll

Lateness = arrival at a receiver process on 127.0.0.1 minus the due time in the body.
Then the idle engine: CPU seconds (utime+stime from /proc/<pid>/stat) of a background engine
with one job due in a day, over ``--idle`` s; and, for comparison, the CPU a thread of this
process spends polling ``PRAGMA data_version`` every 10 ms (the alternative to the socket: a
wake within 10 ms at that price) over the same window.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch_clients import ReceiverProcess
from fire_lateness import reset, stats, wait_count

from infrai_mcp.config import Settings
from infrai_mcp.models import CronCreate, TaskCreate
from infrai_mcp.runtime.background import ensure_engine, stop_engine
from infrai_mcp.runtime.engine import Engine


async def create_tasks(engine: Engine, url: str, n: int, spacing: float, lead: float) -> None:
    for _ in range(n):
        due = time.time() + lead
        await engine.jobs.task_schedule("default", TaskCreate(
            url=url + "/hook", run_at=datetime.fromtimestamp(due, UTC), payload={"due": due}))
        await asyncio.sleep(spacing)


def report(name: str, url: str, n: int) -> None:
    late = sorted(stats(url, full=True)["lateness"])
    q = statistics.quantiles(late, n=100, method="inclusive") if len(late) >= 2 else late * 100
    print(f"  {name:<18} fired {len(late):>4}/{n}  p50 {statistics.median(late) * 1000:7.1f} ms  "
          f"p95 {q[94] * 1000:7.1f} ms  p99 {q[98] * 1000:7.1f} ms  max {late[-1] * 1000:7.1f} ms", flush=True)


async def in_process(url: str, n: int, spacing: float, lead: float) -> None:
    with tempfile.TemporaryDirectory() as home:
        async with Engine(Settings(home=Path(home))) as engine:
            await create_tasks(engine, url, n, spacing, lead)
            await wait_count(url, n, 120)


async def background(url: str, n: int, spacing: float, lead: float, wake: bool) -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        ensure_engine(settings)
        try:
            async with Engine(settings, dispatch=False) as writer:
                if not wake:
                    writer._peer = None  # what a writer without the socket would do
                await create_tasks(writer, url, n, spacing, lead)
                await wait_count(url, n, 120)
        finally:
            stop_engine(settings.home)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def poll_data_version(db: Path, stop: threading.Event, out: list[float]) -> None:
    conn = sqlite3.connect(db)
    t0 = time.thread_time()
    polls = 0
    while not stop.wait(0.01):
        conn.execute("PRAGMA data_version").fetchone()
        polls += 1
    out += [time.thread_time() - t0, float(polls)]
    conn.close()


async def idle(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home))
        info = ensure_engine(settings)
        try:
            async with Engine(settings, dispatch=False) as writer:
                await writer.jobs.cron_create("default", CronCreate(url="https://example.com/x", schedule="0 0 * * *"))
            await asyncio.sleep(3)  # let start-up work settle
            before = cpu_seconds(info.pid)
            stop, out = threading.Event(), []  # type: ignore[var-annotated]
            poller = threading.Thread(target=poll_data_version, args=(settings.sqlite_path, stop, out))
            poller.start()
            await asyncio.sleep(seconds)
            used = cpu_seconds(info.pid) - before
            stop.set()
            poller.join()
        finally:
            stop_engine(settings.home)
    print(f"  idle background engine: {used:.3f} CPU s over {seconds:.0f} s = {100 * used / seconds:.3f}% of a core",
          flush=True)
    print(f"  PRAGMA data_version every 10 ms: {out[0]:.3f} CPU s over {seconds:.0f} s "
          f"({int(out[1])} polls) = {100 * out[0] / seconds:.3f}% of a core", flush=True)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tasks", type=int, default=100)
    ap.add_argument("--spacing", type=float, default=0.1)
    ap.add_argument("--idle", type=float, default=60.0)
    args = ap.parse_args()
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    rx = ReceiverProcess()
    n, spacing = args.tasks, args.spacing
    try:
        for lead in (1.0, 0.0):
            print(f"tasks due {lead:g} s after they are created:", flush=True)
            for name, wake in (("in-process", None), ("background+wake", True), ("background, poll", False)):
                reset(rx.url)
                if wake is None:
                    await in_process(rx.url, n, spacing, lead)
                else:
                    await background(rx.url, n, spacing, lead, wake)
                report(name, rx.url, n)
    finally:
        rx.stop()
    await idle(args.idle)
    print(f"load average: {Path('/proc/loadavg').read_text().strip()}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
