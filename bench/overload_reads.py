"""Overload: API read latency while the engine works through a backlog of due runs.

    .venv/bin/python bench/overload_reads.py [--runs 100000] [--hosts 8] [--delay 0.1]

Creates ``--runs`` one-shot tasks all due at once against ``--hosts`` slow targets on
127.0.0.1 (each holds every request ``--delay`` s; served by a separate process,
bench/slow_receiver.py, as real targets are other machines), then, while the engine
dispatches the backlog (bounded at 256 in flight, 32 per host), issues REST reads through
the app in the engine's own event loop
(``GET /v1/scheduling/task/get/{id}`` and ``GET /v1/scheduling/task/list?limit=50``
alternately, back to back) and reports their latency p50/p99/max, the backlog's duration
and the most requests the targets saw at once. The issue's goal: p99 of a read < 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infrai_mcp.config import Settings
from infrai_mcp.models import TaskCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.cli.engine_cmd import tune_gc
from infrai_mcp.surfaces.rest import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent))
from slow_receiver import SlowTargets

P = "default"


async def main(runs: int, hosts: int, delay: float, http_thread: bool) -> None:
    logging.basicConfig(level=logging.WARNING)
    tune_gc()  # as `infrai-mcp serve` does
    pauses: list[tuple[float, int]] = []
    began: list[float] = [0.0]

    def gc_timer(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            pauses.append((time.perf_counter() - began[0], info["generation"]))

    targets = SlowTargets(hosts, delay)
    with tempfile.TemporaryDirectory() as home:
        # Created without dispatching, so the whole backlog is due at once when the engine starts.
        t0 = time.perf_counter()
        async with Engine(Settings(home=Path(home), max_jobs_per_project=runs + 1), dispatch=False) as cli:
            sem = asyncio.Semaphore(64)

            async def one(i: int) -> str:
                async with sem:
                    t = await cli.jobs.task_schedule(P, TaskCreate(
                        url=targets.url(i, f"/slow/{i}"), delay_seconds=0, retries=0))
                    return t.task_id

            ids = await asyncio.gather(*(one(i) for i in range(runs)))
        print(f"created {runs} due tasks in {time.perf_counter() - t0:.1f} s")
        settings = Settings(home=Path(home), max_jobs_per_project=runs + 1, http_thread=http_thread)
        async with Engine(settings) as eng:
            app = create_app(eng, eng.settings, require_auth=False)
            lat: list[float] = []
            start = time.perf_counter()
            seen = {"done": 0, "max_in_flight": 0}

            async def poll() -> None:
                while seen["done"] < runs:
                    seen.update(await asyncio.to_thread(targets.stats))
                    await asyncio.sleep(0.2)

            poller = asyncio.create_task(poll())
            gc.callbacks.append(gc_timer)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as c:
                k = 0
                while not poller.done():
                    url = f"/v1/scheduling/task/get/{ids[k % runs]}" if k % 2 else "/v1/scheduling/task/list?limit=50"
                    r0 = time.perf_counter()
                    r = await c.get(url)
                    lat.append(time.perf_counter() - r0)
                    assert r.status_code == 200, r.text
                    k += 1
                    await asyncio.sleep(0.01)
            await poller
            gc.callbacks.remove(gc_timer)
            took = time.perf_counter() - start
    targets.stop()
    lat.sort()
    p50 = statistics.median(lat) * 1000
    p99 = lat[int(len(lat) * 0.99) - 1] * 1000 if len(lat) >= 100 else lat[-1] * 1000
    print(f"backlog of {runs} runs at {hosts} hosts x {delay:g} s: {took:.1f} s ({runs / took:.0f} runs/s), "
          f"max in flight {seen['max_in_flight']}")
    print(f"{len(lat)} reads during the backlog: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lat[-1] * 1000:.1f} ms")
    longest = max(pauses, default=(0.0, 0))
    print(f"garbage collections during the backlog: {len(pauses)}, longest {longest[0] * 1000:.1f} ms "
          f"(generation {longest[1]})")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--hosts", type=int, default=8)
    ap.add_argument("--delay", type=float, default=0.1)
    ap.add_argument("--http-thread", action="store_true", help="INFRAI_HTTP_THREAD=1: HTTP on a thread of its own")
    a = ap.parse_args()
    asyncio.run(main(a.runs, a.hosts, a.delay, a.http_thread))
