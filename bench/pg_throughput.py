"""Queue claim+ack throughput on PostgreSQL: our store vs the raw SKIP LOCKED loop, pgqueuer, procrastinate.

    .venv/bin/pip install -e '.[postgres,bench]'
    .venv/bin/python bench/pg_throughput.py [--messages 50000] [--rounds 3] [--batch 100] [--consumers 1,4]

Each scenario gets its own fresh database (created and dropped here) on the server named by
INFRAI_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test). Messages are
published first (not timed); then N consumer PROCESSES start together and drain the queue.
Throughput = messages / (time from the start signal until the last consumer is done); each
scenario runs ``--rounds`` times (interleaved) and the best round counts; the median of each
round's own infrai/raw ratio is printed too (robust to one lucky round on a busy machine).

- raw:           the floor any queue on Postgres pays: one UPDATE ... FOR UPDATE SKIP LOCKED
                 LIMIT batch RETURNING (lease), then one DELETE by id (ack); sync psycopg,
                 autocommit (one round trip per statement).
- infrai:        PgQueueStore.claim(limit=batch) + PgQueueStore.ack(handles), the code
                 the engine runs (FIFO/priority/visibility/DLQ bookkeeping included).
- pgqueuer-qm:   pgqueuer 1.6 (asyncpg), its ``QueueManager.run(batch_size=batch, mode=drain)``
                 with a no-op async entrypoint, its default (durable) tables. What it does that
                 we don't: it logs every job in ``pgqueuer_log`` (queued, picked, successful:
                 the run prints the rows per job it found) and owns picked jobs by a heartbeat
                 of the worker (a stale heartbeat lets another worker re-pick), where our lease
                 is a per-delivery receipt with a visibility deadline and no writes while held.
- pgqueuer-loop: a bare loop over pgqueuer's own statements (``Queries.dequeue`` of a batch,
                 then ``Queries.log_jobs`` of the batch as successful): its floor without the
                 manager's tasks, buffers and heartbeats.
- procrastinate: batch_defer_async of async no-op jobs, then one
                 `run_worker_async(wait=False, concurrency=10)` per process (its best set-up
                 here; it fetches and finishes one job per round trip each).
Targets (issue 18): infrai >= 75% of raw, >= 3x pgqueuer-qm, >= 2x pgqueuer-loop at 1 and 4
consumers (issue 7: >= 5x procrastinate).

``--statements N``: instead, per-statement medians of the two loops' statements run
interleaved on ONE connection to one database holding both tables (raw claim, raw delete,
our claim, our ack, in turn, N times), which other load on the machine disturbs alike.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN = os.environ.get("INFRAI_TEST_POSTGRES_URL") or "postgresql://postgres@127.0.0.1:5432/test"


def db_url(name: str) -> str:
    params = conninfo_to_dict(ADMIN)
    params["dbname"] = name
    return make_conninfo("", **params)  # type: ignore[arg-type]


def dsn_url(conninfo: str) -> str:
    """A key=value conninfo as a postgresql:// URL (asyncpg takes only URLs)."""
    p = conninfo_to_dict(conninfo)
    auth = str(p.get("user", "postgres")) + (f":{p['password']}" if p.get("password") else "")
    return f"postgresql://{auth}@{p.get('host', '127.0.0.1')}:{p.get('port', 5432)}/{p['dbname']}"


def admin(stmt: str) -> None:
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(stmt)  # type: ignore[arg-type]


# -- raw loop ---------------------------------------------------------------------------
RAW_SCHEMA = """
CREATE TABLE raw_q (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text NOT NULL,
    state text NOT NULL DEFAULT 'ready', visible_at double precision NOT NULL DEFAULT 0);
CREATE INDEX raw_q_claim ON raw_q (state, id);
"""
RAW_CLAIM = """
WITH c AS (SELECT id FROM raw_q WHERE state = 'ready' ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
UPDATE raw_q q SET state = 'leased', visible_at = extract(epoch from now()) + 30
FROM c WHERE q.id = c.id RETURNING q.id, q.payload
"""


def raw_setup(url: str, n: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(RAW_SCHEMA)
        conn.execute("INSERT INTO raw_q (payload) SELECT '{\"i\": ' || g || '}' FROM generate_series(1, %s) g", (n,))
        conn.execute("VACUUM ANALYZE raw_q")


def raw_consume(url: str, batch: int) -> int:
    done = 0
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            # Autocommit: each statement is its own transaction, one round trip each.
            ids = [r[0] for r in conn.execute(RAW_CLAIM, (batch,)).fetchall()]
            if not ids:
                return done
            conn.execute("DELETE FROM raw_q WHERE id = ANY(%s)", (ids,))
            done += len(ids)


# -- infrai store -----------------------------------------------------------------------
def infrai_setup(url: str, n: int) -> None:
    asyncio.run(_infrai_setup(url, n))


async def _infrai_setup(url: str, n: int) -> None:
    from infrai_mcp.store.postgres.db import PgDB
    from infrai_mcp.store.postgres.queues import PgQueueStore
    from infrai_mcp.store.queues import NewMessage

    class Q(PgQueueStore):
        db = PgDB(url, pool_size=1)

    store = Q()
    await store.db.start(listen=False)
    try:
        now = time.time()
        await store.insert_queue(_queue_row(now), None, now)
        for start in range(0, n, 1000):
            msgs = [NewMessage(payload=f'{{"i": {i}}}') for i in range(start, min(n, start + 1000))]
            await store.publish("bench", "q", msgs, now=now, dedup_since=now - 86400)
    finally:
        await store.db.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _queue_row(now: float) -> dict[str, Any]:
    return {"project": "bench", "name": "q", "id": "q_" + uuid.uuid4().hex, "type": "standard",
            "dead_letter_queue": None, "max_retries": 3, "message_retention_days": 1,
            "visibility_timeout_default": 30, "enable_priority": 0, "created_at": now}


def infrai_consume(url: str, batch: int) -> int:
    return asyncio.run(_infrai_consume(url, batch))


async def _infrai_consume(url: str, batch: int) -> int:
    from infrai_mcp.store.postgres.db import PgDB
    from infrai_mcp.store.postgres.queues import PgQueueStore
    from infrai_mcp.store.queues import Handle

    class Q(PgQueueStore):
        db = PgDB(url, pool_size=1)

    store = Q()
    await store.db.start(listen=False)
    done = 0
    try:
        while True:
            now = time.time()
            rows = await store.claim("bench", "q", batch, 30.0, now)
            if not rows:
                return done
            await store.ack("bench", "q", [Handle(receipt=r["receipt"]) for r in rows], now)
            done += len(rows)
    finally:
        await store.db.close()


# -- pgqueuer ---------------------------------------------------------------------------
PGQ_ENTRYPOINT = "noop"


def pgq_setup(url: str, n: int) -> None:
    async def go() -> None:
        import asyncpg
        from pgqueuer.db import AsyncpgDriver
        from pgqueuer.queries import Queries

        conn = await asyncpg.connect(dsn_url(url))
        try:
            queries = Queries(AsyncpgDriver(conn))
            await queries.install()
            for start in range(0, n, 1000):
                k = min(n, start + 1000) - start
                await queries.enqueue([PGQ_ENTRYPOINT] * k,
                                      [f'{{"i": {i}}}'.encode() for i in range(start, start + k)], [0] * k)
        finally:
            await conn.close()
        with psycopg.connect(url, autocommit=True) as c:
            c.execute("VACUUM ANALYZE")

    asyncio.run(go())


def pgq_manager_consume(url: str, batch: int) -> int:
    async def go() -> None:
        from datetime import timedelta

        import asyncpg
        from pgqueuer.db import AsyncpgDriver
        from pgqueuer.models import Job
        from pgqueuer.qm import QueueManager
        from pgqueuer.queries import Queries
        from pgqueuer.types import QueueExecutionMode

        conn = await asyncpg.connect(dsn_url(url))
        try:
            qm = QueueManager(Queries(AsyncpgDriver(conn)))

            @qm.entrypoint(PGQ_ENTRYPOINT)
            async def noop(job: Job) -> None:
                del job

            await qm.run(batch_size=batch, mode=QueueExecutionMode.drain, dequeue_timeout=timedelta(seconds=1))
        finally:
            await conn.close()

    asyncio.run(go())
    return 0


def pgq_loop_consume(url: str, batch: int) -> int:
    async def go() -> int:
        from datetime import timedelta

        import asyncpg
        from pgqueuer.db import AsyncpgDriver
        from pgqueuer.queries import EntrypointExecutionParameter, Queries
        from pgqueuer.types import QueueManagerId

        conn = await asyncpg.connect(dsn_url(url))
        done = 0
        try:
            queries = Queries(AsyncpgDriver(conn))
            entrypoints = {PGQ_ENTRYPOINT: EntrypointExecutionParameter(concurrency_limit=0)}
            owner = QueueManagerId(uuid.uuid4())
            while True:
                jobs = await queries.dequeue(batch, entrypoints, owner, None, timedelta(seconds=30))  # type: ignore[arg-type]
                if not jobs:
                    return done
                await queries.log_jobs([(job, "successful", None) for job in jobs])
                done += len(jobs)
        finally:
            await conn.close()

    return asyncio.run(go())


def pgq_log_rows(url: str, n: int) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pgqueuer_log").fetchone()
        left = conn.execute("SELECT count(*) FROM pgqueuer").fetchone()
    assert row is not None and left is not None
    return f"{row[0] / n:.1f} log rows per job, {left[0]} jobs left"


# -- procrastinate ----------------------------------------------------------------------
# Jobs processed at once per worker process: procrastinate's knob for throughput.
PROC_CONCURRENCY = 10


def _proc_app(url: str) -> Any:
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    # An async no-op: a sync task would run on a thread, which only slows procrastinate down.
    @app.task(name="noop")
    async def noop(i: int) -> None:
        del i

    return app


def proc_setup(url: str, n: int) -> None:
    async def go() -> None:
        app = _proc_app(url)
        async with app.open_async():
            await app.schema_manager.apply_schema_async()
            task = app.tasks["noop"]
            for start in range(0, n, 1000):
                await task.batch_defer_async(*({"i": i} for i in range(start, min(n, start + 1000))))

    asyncio.run(go())


def proc_consume(url: str, batch: int) -> int:
    del batch  # procrastinate has no batch fetch

    async def go() -> None:
        app = _proc_app(url)
        async with app.open_async():
            await app.run_worker_async(wait=False, concurrency=PROC_CONCURRENCY, install_signal_handlers=False,
                                       delete_jobs="always", listen_notify=False)

    asyncio.run(go())
    return 0


# -- per statement ----------------------------------------------------------------------
def statements(rounds: int, batch: int) -> None:
    import secrets
    import statistics

    from psycopg.rows import dict_row

    from infrai_mcp.store.sql import load_named_queries

    q = load_named_queries("postgres/queries")
    n = rounds * batch + batch
    db = f"infrai_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin(f'CREATE DATABASE "{db}"')
    try:
        url = db_url(db)
        infrai_setup(url, n)
        raw_setup(url, n)
        times: dict[str, list[float]] = {k: [] for k in ("raw claim", "raw delete", "infrai claim", "infrai ack")}
        with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
            for _ in range(rounds):
                t0 = time.perf_counter()
                ids = [r["id"] for r in conn.execute(RAW_CLAIM, (batch,)).fetchall()]
                t1 = time.perf_counter()
                conn.execute("DELETE FROM raw_q WHERE id = ANY(%s)", (ids,))
                t2 = time.perf_counter()
                now = time.time()
                args = {"project": "bench", "queue": "q", "now": now, "limit": batch, "lease": 30.0,
                        "token": secrets.token_hex(8)}
                rows = conn.cursor(binary=True).execute(q["claim_standard"], args).fetchall()
                t3 = time.perf_counter()
                done = conn.execute(q["ack_receipts"], {"project": "bench", "queue": "q", "now": now,
                                                        "ids": [r["id"] for r in rows],
                                                        "receipts": [r["receipt"] for r in rows],
                                                        "expected": len(rows)}).fetchone()
                t4 = time.perf_counter()
                assert len(ids) == len(rows) == batch and done and done["n"] == batch
                for key, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    times[key].append(dt)
        med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
        for k, v in med.items():
            print(f"  {k:<13} median {v:6.3f} ms per {batch}", flush=True)
        raw, ours = med["raw claim"] + med["raw delete"], med["infrai claim"] + med["infrai ack"]
        print(f"  -> raw {raw:.3f} ms, infrai {ours:.3f} ms per {batch}: infrai/raw = {raw / ours:.0%} "
              f"(statements only, no client work)", flush=True)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


# -- harness ----------------------------------------------------------------------------
def _consumer(fn: Callable[[str, int], int], url: str, batch: int, go: Any, out: Any) -> None:
    if fn is infrai_consume:
        # Import before the clock starts, as the raw loop's psycopg is (~0.05 s of a run).
        import infrai_mcp.store.postgres.queues  # noqa: F401
    elif fn in (pgq_manager_consume, pgq_loop_consume):
        import pgqueuer.qm  # noqa: F401
    go.wait()
    cpu = time.process_time()
    fn(url, batch)
    out.put(time.process_time() - cpu)  # this client's own CPU (user + system)


def run(name: str, setup: Callable[[str, int], None], consume: Callable[[str, int], int],
        n: int, batch: int, consumers: int, after: Callable[[str, int], str] | None = None) -> float:
    db = f"infrai_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin(f'CREATE DATABASE "{db}"')
    try:
        url = db_url(db)
        setup(url, n)
        ctx = mp.get_context("spawn")
        go, out = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_consumer, args=(consume, url, batch, go, out)) for _ in range(consumers)]
        for p in procs:
            p.start()
        time.sleep(1.5)  # let every process import and connect before the clock starts
        started = time.perf_counter()
        go.set()
        for p in procs:
            p.join()
        elapsed = time.perf_counter() - started
        if any(p.exitcode for p in procs):
            raise RuntimeError(f"{name}: a consumer process failed")
        cpu = sum(out.get() for _ in procs)
        rate = n / elapsed
        note = f"; {after(url, n)}" if after is not None else ""
        print(f"  {name:<14} consumers={consumers}  {n} msgs in {elapsed:6.2f}s  = {rate:9.0f} msg/s"
              f"  (client CPU {cpu / n * 1e5:.2f} ms per 100{note})", flush=True)
        return rate
    finally:
        admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=50000)
    ap.add_argument("--proc-messages", type=int, default=3000, help="procrastinate is slow; fewer messages")
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--consumers", default="1,4")
    ap.add_argument("--rounds", type=int, default=3, help="runs per scenario; the best counts")
    ap.add_argument("--rounds-procrastinate", action="store_true",
                    help="repeat procrastinate every round too (slow; by default it runs once)")
    ap.add_argument("--skip", default="", help="comma-separated contenders to leave out "
                    "(raw, pgqueuer-qm, pgqueuer-loop, procrastinate)")
    ap.add_argument("--statements", type=int, default=0,
                    help="instead: per-statement medians over this many interleaved rounds on one connection")
    args = ap.parse_args()
    print(f"PostgreSQL {ADMIN}; batch={args.batch}; cpus={os.cpu_count()}; load {os.getloadavg()[0]:.1f}")
    if args.statements:
        statements(args.statements, args.batch)
        return
    skip = set(args.skip.split(",")) if args.skip else set()
    for consumers in [int(c) for c in args.consumers.split(",")]:
        # Rounds interleave the contenders, and each keeps its best: on a shared machine other
        # load only ever slows a run down, so the best is the least disturbed one.
        best: dict[str, float] = {}
        ratios: dict[str, list[float]] = {"raw": [], "pgqueuer-qm": [], "pgqueuer-loop": []}
        for _ in range(args.rounds):
            o = run("infrai", infrai_setup, infrai_consume, args.messages, args.batch, consumers)
            peers = {"raw": (raw_setup, raw_consume, None),
                     "pgqueuer-qm": (pgq_setup, pgq_manager_consume, pgq_log_rows),
                     "pgqueuer-loop": (pgq_setup, pgq_loop_consume, pgq_log_rows)}
            for name, (setup, consume, after) in peers.items():
                if name in skip:
                    continue
                r = run(name, setup, consume, args.messages, args.batch, consumers, after)
                best[name] = max(best.get(name, 0.0), r)
                ratios[name].append(o / r)  # runs of one round saw about the same load
            best["infrai"] = max(best.get("infrai", 0.0), o)
            if "procrastinate" not in skip and ("procrastinate" not in best or args.rounds_procrastinate):
                best["procrastinate"] = max(best.get("procrastinate", 0.0), run(
                    "procrastinate", proc_setup, proc_consume, args.proc_messages, args.batch, consumers))
        ours = best["infrai"]
        print(f"  => best of {args.rounds}: " + ", ".join(f"{k} {v:.0f}" for k, v in best.items()) + " msg/s")
        targets = {"raw": ("", 0.75), "pgqueuer-qm": ("x", 3.0), "pgqueuer-loop": ("x", 2.0),
                   "procrastinate": ("x", 5.0)}
        for name, (unit, target) in targets.items():
            if name not in best:
                continue
            ratio = ours / best[name]
            shown = f"{ratio:.0%} (target >= {target:.0%})" if not unit else f"{ratio:.1f}x (target >= {target:g}x)"
            line = f"  -> consumers={consumers}: infrai/{name} best-of = {shown}"
            # One lucky round decides a best-of; the median of each round's own ratio does not.
            if ratios.get(name):
                rs = ratios[name]
                fmt = (lambda x: f"{x:.0%}") if not unit else (lambda x: f"{x:.1f}x")
                line += f"; per round {', '.join(fmt(x) for x in rs)}, median {fmt(sorted(rs)[len(rs) // 2])}"
            print(line, flush=True)

if __name__ == "__main__":
    main()
