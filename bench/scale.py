"""Scale: N cron jobs spread over the hour and N one-shot tasks in one store, then a restart and a due minute.

    .venv/bin/python bench/scale.py --store sqlite --jobs 20000 --tasks 20000
    .venv/bin/python bench/scale.py --store postgres --jobs 20000 --tasks 20000 --workers 2
    .venv/bin/python bench/scale.py --store both --jobs 1000000 --tasks 1000000      # the full run

Per store (a fresh SQLite file in a temp dir, or a fresh PostgreSQL database on the server of
INFRAI_TEST_POSTGRES_URL, created and dropped here):

1. create: ``--jobs`` cron jobs, job i firing at minute ``i % 60`` of every hour (jobs/60 due
   each minute), then ``--tasks`` one-shot tasks due between 2 and 26 hours ahead (stored
   load, none fires during the run), through the batch path
   (``JobService.cron_create_batch`` / ``task_schedule_batch``, ``--batch`` per call, one
   transaction each) of a non-dispatching engine: creates/s, store size.
2. restart: ``--workers`` processes of ``infrai-mcp worker`` (``INFRAI_ALLOW_PRIVATE_TARGETS``
   set to the receiver) start on that store; a probe task due at the moment they are spawned
   gives restart-to-first-fire = its arrival at the receiver - the spawn. Cron jobs whose
   minute passed while creating fire at the restart too (misfire policy run_once).
3. due minute: the next whole minute M after the restart: every cron job of minute M must
   arrive once; printed: how many arrived, distinct and duplicates (two workers share the
   minute), lateness p50/p99/max after M's start, and how many were out within 5 s.
4. idle: the workers' CPU (user + system, from /proc) over ``--idle`` seconds from M + 20 s,
   when nothing is due, and their peak RSS (VmHWM) at the end.

The receiver is a separate process (a minimal asyncio HTTP/1.1 responder, bench/dispatch_clients.py)
that records the arrival time and path of every request.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch_clients import json_response, serve_forever
from pg_throughput import admin, db_url

from infrai_mcp.config import Settings
from infrai_mcp.models import CronCreate, TaskCreate
from infrai_mcp.runtime.engine import Engine

ROOT = Path(__file__).resolve().parent.parent
WORKER = ROOT / ".venv" / "bin" / "infrai-mcp"


# -- receiver (its own process) ---------------------------------------------------------------
def _serve(port_out: Any) -> None:
    seen: list[tuple[float, str]] = []

    def handle(path: str, body: bytes, now: float) -> bytes | None:
        if path.startswith("/seen"):
            return json_response(seen[int(path.partition("=")[2] or 0):])
        seen.append((now, path))
        return None

    serve_forever(port_out, handle, backlog=1024)


class Receiver:
    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        self.proc = ctx.Process(target=_serve, args=(q,), daemon=True)
        self.proc.start()
        self.url = f"http://127.0.0.1:{q.get(timeout=30)}"
        self.seen: list[tuple[float, str]] = []

    def poll(self) -> list[tuple[float, str]]:
        with urllib.request.urlopen(f"{self.url}/seen?since={len(self.seen)}", timeout=60) as r:
            self.seen.extend((float(t), str(p)) for t, p in json.loads(r.read()))
        return self.seen

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join(5)


# -- the store ----------------------------------------------------------------------------------
def store_size(settings: Settings) -> int:
    if settings.is_postgres:
        import psycopg

        with psycopg.connect(settings.database_url or "", autocommit=True) as conn:
            row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        return int(row[0]) if row else 0
    return sum(p.stat().st_size for p in settings.sqlite_path.parent.glob(settings.sqlite_path.name + "*"))


async def create(settings: Settings, rx: str, jobs: int, tasks: int, batch: int) -> None:
    async with Engine(settings, dispatch=False) as eng:
        t0, c0 = time.perf_counter(), time.process_time()
        for start in range(0, jobs, batch):
            reqs = [CronCreate(url=f"{rx}/c/{i % 60}/{i}", schedule=f"{i % 60} * * * *", payload={"i": i})
                    for i in range(start, min(jobs, start + batch))]
            await eng.jobs.cron_create_batch("default", reqs)
        t1, c1 = time.perf_counter(), time.process_time()
        base = datetime.now(UTC) + timedelta(hours=2)
        for start in range(0, tasks, batch):
            treqs = [TaskCreate(url=f"{rx}/t/{i}", run_at=base + timedelta(seconds=i * 86400 / max(1, tasks)),
                                payload={"i": i}) for i in range(start, min(tasks, start + batch))]
            await eng.jobs.task_schedule_batch("default", treqs)
        t2, c2 = time.perf_counter(), time.process_time()
    if jobs:
        print(f"  create   {jobs:,} cron jobs in {t1 - t0:.1f} s = {jobs / (t1 - t0):,.0f}/s "
              f"(this process's CPU {(c1 - c0) / jobs * 1e6:.0f} us per job)", flush=True)
    if tasks:
        print(f"  create   {tasks:,} tasks in {t2 - t1:.1f} s = {tasks / (t2 - t1):,.0f}/s "
              f"(CPU {(c2 - c1) / tasks * 1e6:.0f} us per task)", flush=True)


async def probe(settings: Settings, rx: str) -> None:
    async with Engine(settings, dispatch=False) as eng:
        await eng.jobs.task_schedule("default", TaskCreate(url=f"{rx}/probe", delay_seconds=0))


# -- worker processes ---------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def percentile(xs: list[float], q: int) -> float:
    return statistics.quantiles(xs, n=100)[q - 1] if len(xs) >= 100 else max(xs)


def observe(settings: Settings, rx: Receiver, jobs: int, workers: int, idle: float) -> None:
    env = {**os.environ, "INFRAI_ALLOW_PRIVATE_TARGETS": "127.0.0.1", "INFRAI_HOME": str(settings.home)}
    if settings.database_url:
        env["INFRAI_DATABASE_URL"] = settings.database_url
    asyncio.run(probe(settings, rx.url))
    spawned = time.time()
    logs = [(settings.home / f"worker-{i}.log").open("wb") for i in range(workers)]
    procs = [subprocess.Popen([str(WORKER), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=log)
             for log in logs]
    try:
        while not any(p == "/probe" for _, p in rx.poll()):
            if time.time() - spawned > 120 or any(pr.poll() is not None for pr in procs):
                raise RuntimeError("no fire within 120 s of the restart (or a worker exited)")
            time.sleep(0.05)
        first = next(t for t, p in rx.seen if p == "/probe")
        print(f"  restart  {workers} worker(s): restart-to-first-fire {first - spawned:.2f} s "
              f"(spawn to the probe's arrival)", flush=True)
        minute = math.floor(time.time() / 60) * 60 + 60
        m = int(minute // 60) % 60
        expected = len(range(m, jobs, 60))
        prefix = f"/c/{m}/"
        print(f"  minute   waiting for {datetime.fromtimestamp(minute, UTC):%H:%M} UTC "
              f"({expected:,} cron jobs due)", flush=True)
        deadline = minute + 60
        while time.time() < deadline:
            got = sum(1 for t, p in rx.poll() if p.startswith(prefix) and t >= minute - 10)
            if got >= expected and time.time() > minute + 2:
                break
            time.sleep(0.5)
        fired = [(t, p) for t, p in rx.poll() if p.startswith(prefix) and t >= minute - 10]
        late = sorted(t - minute for t, _ in fired)
        distinct = len({p for _, p in fired})
        if late:
            print(f"  minute   fired {len(fired):,}/{expected:,} (distinct {distinct:,}, duplicates "
                  f"{len(fired) - distinct}); lateness p50 {statistics.median(late) * 1e3:.0f} ms, p99 "
                  f"{percentile(late, 99) * 1e3:.0f} ms, max {late[-1] * 1e3:.0f} ms; within 5 s: "
                  f"{sum(1 for x in late if x <= 5):,}", flush=True)
        else:
            print(f"  minute   fired 0/{expected:,}", flush=True)
        start = minute + 20
        time.sleep(max(0.0, start - time.time()))
        cpu0 = sum(cpu_seconds(p.pid) for p in procs)
        time.sleep(idle)
        cpu1 = sum(cpu_seconds(p.pid) for p in procs)
        rss = [status_kb(p.pid, "VmHWM") / 1024 for p in procs]
        print(f"  idle     workers' CPU {(cpu1 - cpu0) / idle:.1%} of a core over {idle:.0f} s between minutes; "
              f"peak RSS {', '.join(f'{r:.0f}' for r in rss)} MB", flush=True)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for i, (p, log) in enumerate(zip(procs, logs, strict=True)):
            log.close()
            if p.returncode not in (0, -15):
                err = (settings.home / f"worker-{i}.log").read_text(errors="replace")
                print(f"  worker {p.pid} exited {p.returncode}: {err[-2000:]}", flush=True)


def one_store(kind: str, args: argparse.Namespace, rx: Receiver) -> None:
    home = Path(tempfile.mkdtemp(prefix="infrai-scale-"))
    db = f"infrai_scale_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    limit = args.jobs + args.tasks + 10
    try:
        if kind == "postgres":
            admin(f'CREATE DATABASE "{db}"')
            settings = Settings(home=home, database_url=db_url_as_url(db), max_jobs_per_project=limit)
        else:
            settings = Settings(home=home, max_jobs_per_project=limit)
        print(f"{kind}: {args.jobs:,} cron jobs + {args.tasks:,} tasks, batches of {args.batch}, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
        asyncio.run(create(settings, rx.url, args.jobs, args.tasks, args.batch))
        print(f"  store    {store_size(settings) / 2**20:,.0f} MB", flush=True)
        observe(settings, rx, args.jobs, args.workers if kind == "postgres" else 1, args.idle)
        print(f"  load average now {loadavg()}", flush=True)
    finally:
        if kind == "postgres":
            admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        shutil.rmtree(home, ignore_errors=True)


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


def db_url_as_url(name: str) -> str:
    from pg_throughput import dsn_url

    return dsn_url(db_url(name))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", choices=("sqlite", "postgres", "both"), default="sqlite")
    ap.add_argument("--jobs", type=int, default=20_000, help="cron jobs (job i fires at minute i %% 60)")
    ap.add_argument("--tasks", type=int, default=20_000, help="one-shot tasks, due 2-26 hours ahead")
    ap.add_argument("--batch", type=int, default=1000, help="items per batch create (1-1000)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes on PostgreSQL")
    ap.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU measured between minutes")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    print(f"cpus={os.cpu_count()}; load average {loadavg()}", flush=True)
    rx = Receiver()
    try:
        for kind in (("sqlite", "postgres") if args.store == "both" else (args.store,)):
            one_store(kind, args, rx)
    finally:
        rx.stop()


if __name__ == "__main__":
    main()
