"""Fire lateness: 10,000 one-shot tasks against a local receiver, vs the client ceiling and APScheduler 3.

    .venv/bin/python bench/fire_lateness.py [--tasks 10000] [--window 10] [--skip-apscheduler]

Scenarios (each with a fresh SQLite store in a temp dir):
  spread  N tasks due uniformly over ``--window`` s: lateness p50/p99/max (send - due)
  burst   N tasks all due at the same instant: fires/s = N / (last arrival - due)
and the same two for APScheduler 3.x (AsyncIOScheduler, one date job per task, posting
with the same aiohttp client). Lateness is measured at the receiver (a separate process
on 127.0.0.1): arrival time minus the ``due`` carried in each request body. Next to them
the local POST ceiling: the best requests/s of httpx, httpx2 and aiohttp at concurrency
16/64 against the same receiver, measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import random
import statistics
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch_clients import ReceiverProcess, ceiling

from infrai_mcp.config import Settings
from infrai_mcp.models import TaskCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.cli.engine_cmd import tune_gc


def stats(url: str, full: bool = False) -> dict[str, Any]:
    with urllib.request.urlopen(url + ("/stats?full=1" if full else "/stats"), timeout=30) as r:
        return dict(json.loads(r.read()))


def reset(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url + "/reset", data=b"", method="POST"), timeout=30).read()


async def wait_count(url: str, n: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while (count := await asyncio.to_thread(lambda: stats(url)["count"])) < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {count}/{n} requests arrived within {timeout} s")
        await asyncio.sleep(0.2)


def summarize(name: str, url: str, n: int, burst_due: float | None) -> dict[str, float]:
    data = stats(url, full=True)
    late = sorted(data["lateness"])
    q = statistics.quantiles(late, n=100) if len(late) >= 100 else late
    out = {"count": float(len(late)), "p50_ms": statistics.median(late) * 1000, "p99_ms": q[98] * 1000
           if len(q) > 98 else late[-1] * 1000, "max_ms": late[-1] * 1000}
    if burst_due is not None:
        out["fires_per_s"] = len(late) / max(1e-9, max(data["arrivals"]) - burst_due)
    extra = f"  fires/s {out['fires_per_s']:,.0f}" if "fires_per_s" in out else ""
    print(f"  {name:<28} fired {len(late):>6}/{n}  p50 {out['p50_ms']:8.1f} ms  p99 {out['p99_ms']:8.1f} ms  "
          f"max {out['max_ms']:8.1f} ms{extra}", flush=True)
    return out


def due_times(n: int, start: float, window: float) -> list[float]:
    return sorted(start + random.random() * window for _ in range(n)) if window else [start] * n


async def engine_run(url: str, n: int, window: float, lead: float, http_thread: bool = False) -> tuple[float, float]:
    """Create the tasks with a non-dispatching engine, then start a dispatching one."""
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), http_thread=http_thread)
        start = time.time() + lead
        dues = due_times(n, start, window)
        t0 = time.perf_counter()
        async with Engine(settings, dispatch=False) as writer:
            sem = asyncio.Semaphore(64)

            async def add(due: float) -> None:
                async with sem:
                    await writer.jobs.task_schedule("default", TaskCreate(
                        url=url + "/hook", run_at=datetime.fromtimestamp(due, UTC), payload={"due": due}))

            await asyncio.gather(*(add(d) for d in dues))
        created = time.perf_counter() - t0
        if time.time() > start:
            print(f"  warning: creating {n} tasks took {created:.1f} s, longer than the lead", flush=True)
        async with Engine(settings):
            await wait_count(url, n, window + lead + 120)
        return created, start


async def apscheduler_run(url: str, n: int, window: float, lead: float) -> float:
    import aiohttp
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    start = time.time() + lead
    dues = due_times(n, start, window)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=256)) as session:
        async def post(due: float) -> None:
            async with session.post(url + "/hook", data=json.dumps({"due": due}).encode(),
                                    headers={"Content-Type": "application/json"}) as r:
                await r.read()

        sched = AsyncIOScheduler(timezone="UTC")
        for due in dues:
            sched.add_job(post, "date", run_date=datetime.fromtimestamp(due, UTC), args=[due],
                          misfire_grace_time=None)
        sched.start()
        try:
            await wait_count(url, n, window + lead + 300)
        finally:
            sched.shutdown(wait=False)
    return start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--lead", type=float, default=15.0, help="seconds between creating and the first due time")
    ap.add_argument("--skip-apscheduler", action="store_true")
    ap.add_argument("--http-thread", action="store_true", help="INFRAI_HTTP_THREAD=1: HTTP on a thread of its own")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    tune_gc()  # as `infrai-mcp serve` does
    rx = ReceiverProcess()
    try:
        client, conc, rate = asyncio.run(ceiling(rx.url + "/ceiling"))
        print(f"local POST ceiling: {rate:,.0f} req/s ({client}, concurrency {conc})", flush=True)
        results: dict[str, dict[str, float]] = {}
        for scenario, window in (("spread", args.window), ("burst", 0.0)):
            reset(rx.url)
            created, start = asyncio.run(engine_run(rx.url, args.tasks, window, args.lead, args.http_thread))
            print(f"infrai engine, {scenario} ({args.tasks} tasks created in {created:.1f} s):", flush=True)
            results[f"engine-{scenario}"] = summarize(scenario, rx.url, args.tasks,
                                                      start if scenario == "burst" else None)
            if not args.skip_apscheduler:
                reset(rx.url)
                start = asyncio.run(apscheduler_run(rx.url, args.tasks, window, args.lead))
                print(f"APScheduler 3.x, {scenario}:", flush=True)
                results[f"apscheduler-{scenario}"] = summarize(scenario, rx.url, args.tasks,
                                                               start if scenario == "burst" else None)
        burst = results["engine-burst"].get("fires_per_s", 0.0)
        print(f"engine burst fires/s = {burst / rate:.0%} of the client ceiling; "
              f"spread p99 = {results['engine-spread']['p99_ms']:.1f} ms")
    finally:
        rx.stop()


if __name__ == "__main__":
    main()
