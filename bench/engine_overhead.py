"""Engine bookkeeping per fire, with the HTTP attempt stubbed out.

    .venv/bin/python bench/engine_overhead.py [--tasks 10000] [--profile]

N one-shot tasks are created due at one instant (fresh SQLite store, non-dispatching engine),
then a dispatching engine whose ``Dispatcher.attempt`` answers 200 at once without any I/O
fires them all. Printed: wall time, fires/s, and the process CPU time per fire (all threads:
the event loop plus the store's writer and reader threads), so what the engine itself costs
per fire (claim, feed, execute, record the outcome) is measured apart from the HTTP client's
cost. ``--profile`` adds a cProfile of the event-loop thread, top 25 by own time.

Beside it, the same fire path's floor: creating N asyncio tasks that each call the stub
(no store, no scheduler), measured in the same run, so the ratio says how much of the
per-fire cost is bookkeeping.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import pstats
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from infrai_mcp.config import Settings
from infrai_mcp.models import TaskCreate
from infrai_mcp.outbound.dispatcher import AttemptResult, OutboundRequest
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.cli.engine_cmd import tune_gc

CALLS = [0]


async def stub_attempt(req: OutboundRequest, attempt: int, extra: dict[str, str] | None = None) -> AttemptResult:
    CALLS[0] += 1
    now = datetime.now(UTC)
    return AttemptResult(True, 200, None, 0, "ok", False, None, now, now)


async def floor(n: int) -> float:
    """CPU seconds per call of the stub from N tasks, nothing else."""
    c0 = time.process_time()
    req = OutboundRequest(url="http://127.0.0.1:9/hook")
    await asyncio.gather(*(stub_attempt(req, 1) for _ in range(n)))
    return (time.process_time() - c0) / n


async def run(n: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), max_jobs_per_project=n + 1)
        due = datetime.now(UTC) + timedelta(seconds=5 + n / 500)
        async with Engine(settings, dispatch=False) as writer:
            sem = asyncio.Semaphore(64)

            async def add(i: int) -> None:
                async with sem:
                    await writer.jobs.task_schedule("default", TaskCreate(
                        url=f"http://127.0.0.1:9/hook/{i}", run_at=due, payload={"i": i}))

            await asyncio.gather(*(add(i) for i in range(n)))
        if (due - datetime.now(UTC)).total_seconds() < 1:
            print("warning: creating the tasks took longer than the lead; fires start late", flush=True)
        async with Engine(settings) as eng:
            eng.dispatcher.attempt = stub_attempt  # type: ignore[method-assign]
            prof = cProfile.Profile() if profile else None
            c_start = time.process_time()
            # Claims run up to 5 s ahead of the due time; the fire phase starts at it.
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            c0, t0 = time.process_time(), time.perf_counter()
            claim_cpu = c0 - c_start
            if prof:
                prof.enable()
            # Done when every run was attempted and its outcome recorded (a run leaves
            # in_flight only after its outcome's transaction committed).
            while CALLS[0] < n or eng.scheduler.held:
                await asyncio.sleep(0.01)
            if prof:
                prof.disable()
            busy, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert CALLS[0] == n, f"{CALLS[0]} attempts for {n} tasks"
        base = await floor(n)
        per = cpu / n
        print(f"{n} fires recorded in {busy:.2f} s after the due time ({n / busy:,.0f} fires/s); CPU per fire "
              f"(all threads): claiming ahead {claim_cpu / n * 1e6:.0f} us, firing and recording {per * 1e6:.0f} us; "
              f"the stub alone {base * 1e6:.1f} us", flush=True)
        if prof:
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", type=int, default=10_000)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--loop", choices=("asyncio", "uvloop", "both"), default="asyncio",
                    help="event loop; both: one run on each, alternating, --rounds times")
    ap.add_argument("--rounds", type=int, default=1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    tune_gc()  # as `infrai-mcp serve` does
    loops = ("asyncio", "uvloop") if args.loop == "both" else (args.loop,)
    for _ in range(args.rounds):
        for loop in loops:
            CALLS[0] = 0
            print(f"[{loop}] ", end="", flush=True)
            factory = None
            if loop == "uvloop":
                import uvloop

                factory = uvloop.new_event_loop
            with asyncio.Runner(loop_factory=factory) as runner:
                runner.run(run(args.tasks, args.profile))


if __name__ == "__main__":
    main()
