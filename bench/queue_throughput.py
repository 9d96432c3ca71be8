"""Queue throughput on SQLite: the embedded engine vs huey's SqliteHuey vs the raw sqlite3 limit.

    .venv/bin/pip install -e '.[bench]'        # huey
    .venv/bin/python bench/queue_throughput.py [--messages 20000] [--batch 100] [--rounds 3]

Each system gets a fresh database file in a temporary directory, WAL mode, and the same
work: publish N small messages, then consume and acknowledge all of them. Throughput =
N / (publish time + consume-and-ack time); the best of ``--rounds`` runs is reported
(the least disturbed by other load on the machine), with each round's own ratios.

- infrai: ``QueueService.queue_publish_batch`` (batches of ``--batch``), then
          ``queue_consume(max_messages=batch)`` + ``queue_ack_batch(receipts)``: the code
          an agent's batch consumer runs, with leases, receipts, retry counters and
          FIFO/priority ordering included. One write transaction per call.
- huey:   ``SqliteHuey`` enqueue of a no-op task per message (huey has no batch enqueue),
          then ``dequeue()`` + ``execute()`` until empty: what its consumer does per task.
          Its default settings leave SQLite at ``synchronous=FULL`` (an fsync per commit);
          ours run WAL with ``synchronous=NORMAL``. ``huey-ns`` (``fsync=False``, i.e.
          ``synchronous=OFF``, weaker than ours) is printed for context.
- raw:    the floor for any SQLite queue: plain ``sqlite3`` in one thread, INSERT in
          batches, then per batch one SELECT ... LIMIT + UPDATE (claim) and one DELETE
          (ack), each batch step its own transaction. No receipts, no ordering rules.

Targets (issue 4): infrai >= 10x huey and >= 25% of raw.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infrai_mcp.config import Settings
from infrai_mcp.models import MessageIn, QueueCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.sqlite.store import SqliteStore

P = "default"


def payload(i: int) -> dict[str, int]:
    return {"n": i}


async def _infrai(n: int, batch: int, folder: Path) -> tuple[float, float]:
    engine = Engine(Settings(home=folder), store=SqliteStore(folder / "infrai.db"), dispatch=False)
    async with engine:
        qs = engine.queues
        await qs.queue_create(P, QueueCreate(name="bench", visibility_timeout_default=300))
        t0 = time.perf_counter()
        for start in range(0, n, batch):
            msgs = [MessageIn(payload=payload(i)) for i in range(start, min(n, start + batch))]
            await qs.queue_publish_batch(P, "bench", msgs)
        t1 = time.perf_counter()
        done = 0
        while True:
            got = await qs.queue_consume(P, "bench", max_messages=batch)
            if not got:
                break
            acked = await qs.queue_ack_batch(P, "bench", [m.receipt or "" for m in got])
            done += sum(a.acked for a in acked)
        t2 = time.perf_counter()
    assert done == n, f"infrai acked {done} of {n}"
    return t1 - t0, t2 - t1


def infrai(n: int, batch: int, folder: Path) -> tuple[float, float]:
    return asyncio.run(_infrai(n, batch, folder))


def huey(n: int, batch: int, folder: Path, fsync: bool | None = None) -> tuple[float, float]:
    from huey import SqliteHuey

    h = SqliteHuey("bench", filename=str(folder / "huey.db"), results=False, fsync=fsync)
    ran = 0

    @h.task()
    def noop(i: int) -> None:
        nonlocal ran
        ran += 1

    t0 = time.perf_counter()
    for i in range(n):
        noop(i)
    t1 = time.perf_counter()
    while True:
        task = h.dequeue()
        if task is None:
            break
        h.execute(task)
    t2 = time.perf_counter()
    assert ran == n, f"huey ran {ran} of {n}"
    return t1 - t0, t2 - t1


def huey_nosync(n: int, batch: int, folder: Path) -> tuple[float, float]:
    return huey(n, batch, folder, fsync=False)


def raw(n: int, batch: int, folder: Path) -> tuple[float, float]:
    import json

    conn = sqlite3.connect(str(folder / "raw.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE m (seq INTEGER PRIMARY KEY, queue TEXT NOT NULL, payload TEXT NOT NULL, "
        "state TEXT NOT NULL, visible_at REAL NOT NULL)"
    )
    conn.execute("CREATE INDEX m_claim ON m (queue, state, seq)")
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        rows = [("bench", json.dumps(payload(i)), "ready", 0.0) for i in range(start, min(n, start + batch))]
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("INSERT INTO m (queue, payload, state, visible_at) VALUES (?, ?, ?, ?)", rows)
        conn.execute("COMMIT")
    t1 = time.perf_counter()
    done = 0
    while True:
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        got = conn.execute(
            "SELECT seq, payload FROM m WHERE queue = ? AND state = 'ready' AND visible_at <= ? ORDER BY seq LIMIT ?",
            ("bench", now, batch),
        ).fetchall()
        conn.executemany("UPDATE m SET state = 'leased', visible_at = ? WHERE seq = ?", [(now + 30, s) for s, _ in got])
        conn.execute("COMMIT")
        if not got:
            break
        for _, body in got:
            json.loads(body)
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany("DELETE FROM m WHERE seq = ?", [(s,) for s, _ in got])
        conn.execute("COMMIT")
        done += len(got)
    t2 = time.perf_counter()
    conn.close()
    assert done == n
    return t1 - t0, t2 - t1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    n, batch = args.messages, args.batch

    systems = (("infrai", infrai), ("huey", huey), ("huey-ns", huey_nosync), ("raw", raw))
    # Rounds interleave the systems, so a burst of other load on the machine hits all
    # three alike; the per-round ratios are printed next to the best-of figures.
    best: dict[str, tuple[float, float]] = {}
    ratios: list[tuple[float, float]] = []
    for _ in range(args.rounds):
        this: dict[str, float] = {}
        for name, fn in systems:
            with tempfile.TemporaryDirectory() as tmp:
                pub, con = fn(n, batch, Path(tmp))
            this[name] = n / (pub + con)
            if name not in best or pub + con < sum(best[name]):
                best[name] = (pub, con)
        ratios.append((this["infrai"] / this["huey"], this["infrai"] / this["raw"]))

    print(f"{n} messages, batches of {batch}, best of {args.rounds} rounds (SQLite {sqlite3.sqlite_version})")
    print(f"{'system':8} {'publish msg/s':>14} {'consume+ack msg/s':>18} {'total msg/s':>12}")
    rate: dict[str, float] = {}
    for name, (pub, con) in best.items():
        rate[name] = n / (pub + con)
        print(f"{name:8} {n / pub:14,.0f} {n / con:18,.0f} {rate[name]:12,.0f}")
    print(f"infrai / huey = {rate['infrai'] / rate['huey']:.1f}x   (target >= 10x)")
    print(f"infrai / raw  = {100 * rate['infrai'] / rate['raw']:.0f}%    (target >= 25%)")
    print(f"infrai / huey-ns = {rate['infrai'] / rate['huey-ns']:.1f}x (huey with fsync=False, for context)")
    per_round = ", ".join(f"{h:.1f}x / {100 * r:.0f}%" for h, r in ratios)
    print(f"per round (vs huey / vs raw): {per_round}")

if __name__ == "__main__":
    main()
