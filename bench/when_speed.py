"""Parse-time benchmark for infrai_mcp.when over the test corpus, and next_fires(n=12) per kind.

    .venv/bin/python bench/when_speed.py [--rounds 5]

Reports the first-call cost (import + first parse, which loads the zone index and, for the
dateparser fallback, dateparser itself), then median / p90 / p99 / max per parse after warm-up.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "when"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    t0 = time.perf_counter()
    from infrai_mcp.when import WhenError, parse_when

    t_import = time.perf_counter() - t0
    from corpus_data import NOWS, cases

    corpus = [(p, z, NOWS[k].replace(tzinfo=ZoneInfo(z))) for p, z, k, _ in cases()]
    t1 = time.perf_counter()
    parse_when("every weekday at 9am", now=corpus[0][2], timezone="America/New_York")
    t_first = time.perf_counter() - t1
    t2 = time.perf_counter()
    parse_when("2027 march 5 at 9am", now=corpus[0][2], timezone="UTC")  # read by dateparser
    t_fallback = time.perf_counter() - t2

    for phrase, zone, now in corpus:  # warm-up
        with contextlib.suppress(WhenError):
            parse_when(phrase, now=now, timezone=zone)
    samples: list[float] = []
    cpu: list[float] = []
    for _ in range(args.rounds):
        for phrase, zone, now in corpus:
            start, start_cpu = time.perf_counter(), time.thread_time()
            with contextlib.suppress(WhenError):
                parse_when(phrase, now=now, timezone=zone)
            samples.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)
    samples.sort()
    cpu.sort()

    def pct(p: float, values: list[float] | None = None) -> float:
        vals = samples if values is None else values
        return vals[min(len(vals) - 1, int(p / 100 * len(vals)))]

    print(f"corpus: {len(corpus)} cases ({len({c[0] for c in corpus})} distinct phrases), {args.rounds} rounds, "
          f"{len(samples)} parses")
    print(f"first call: import {t_import * 1000:.1f} ms + first parse {t_first * 1000:.1f} ms; "
          f"first dateparser fallback {t_fallback * 1000:.1f} ms")
    print(f"after warm-up: median {statistics.median(samples):.3f} ms, p90 {pct(90):.3f} ms, "
          f"p99 {pct(99):.3f} ms, max {samples[-1]:.3f} ms (wall clock)")
    print(f"               median {statistics.median(cpu):.3f} ms, p90 {pct(90, cpu):.3f} ms, "
          f"p99 {pct(99, cpu):.3f} ms, max {cpu[-1]:.3f} ms (CPU time of this thread; "
          "excludes waiting for a busy machine)")
    calendar_phrases(args.rounds)
    fires_per_kind(args.rounds)
    return 0


def calendar_phrases(rounds: int) -> None:
    """parse_when over tests/when/calendar_data.py (nth weekdays, every N weeks, intervals, unions,
    windows, holidays), after one warm-up pass (the holidays package is imported on first use)."""
    from calendar_data import CASES, ERRORS, NOWS

    from infrai_mcp.when import WhenError, parse_when

    phrases = [(p, z, NOWS[k].replace(tzinfo=ZoneInfo(z))) for p, z, k, _ in CASES]
    phrases += [(p, "UTC", NOWS["sun"].replace(tzinfo=ZoneInfo("UTC"))) for p, _ in ERRORS]
    samples: list[float] = []
    for r in range(rounds + 1):
        for phrase, zone, now in phrases:
            start = time.thread_time()
            with contextlib.suppress(WhenError):
                parse_when(phrase, now=now, timezone=zone)
            if r:
                samples.append((time.thread_time() - start) * 1000)
    samples.sort()
    print(f"calendar phrases: {len(phrases)} cases, median {statistics.median(samples):.3f} ms, "
          f"p90 {samples[int(0.9 * len(samples))]:.3f} ms, max {samples[-1]:.3f} ms (CPU time)")


def fires_per_kind(rounds: int) -> None:
    """next_fires(n=12) for each schedule kind at 200 instants spread over 2026-2028."""
    from datetime import UTC, datetime, timedelta

    from infrai_mcp.when.fires import next_fires
    from infrai_mcp.when.kinds import CalendarRule, CronRule, Exclusions, IntervalRule, Recurrence

    start = datetime(2026, 1, 1)
    kinds = {
        "cron 0 9 * * 1-5": Recurrence(CronRule.of("0 9 * * 1-5"), "America/New_York"),
        "cron 0 17 * * 5L": Recurrence(CronRule.of("0 17 * * 5L"), "Europe/Berlin"),
        "cron */10 * * * * * (6 fields)": Recurrence(CronRule.of("*/10 * * * * *"), "UTC"),
        "interval 5400 s": Recurrence(IntervalRule.of(5400, created=datetime(2026, 1, 1, tzinfo=UTC)),
                                      "Australia/Sydney"),
        "rrule every other Tuesday": Recurrence(CalendarRule.of("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10",
                                                                start=start), "America/New_York"),
        "rrule 8:30 + 17:45 daily (union)": Recurrence(CalendarRule.of(
            ["FREQ=DAILY;BYHOUR=8;BYMINUTE=30", "FREQ=DAILY;BYHOUR=17;BYMINUTE=45"], start=start), "Asia/Kolkata"),
        "rrule last business day": Recurrence(CalendarRule.of(
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=17", start=start), "Europe/Berlin"),
        "cron weekdays except DE/BY holidays": Recurrence(CronRule.of("0 9 * * 1-5"), "Europe/Berlin",
                                                          Exclusions.of(holidays=["DE/BY"], dates=["--12-24"])),
        "rrule 2nd Tuesday of July + jitter": Recurrence(CalendarRule.of(
            "FREQ=YEARLY;BYMONTH=7;BYDAY=2TU;BYHOUR=10", start=start), "UTC", jitter_seconds=600),
    }
    afters = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=97 * i + 0.37 * i) for i in range(200)]
    print("next_fires(n=12), per kind, after warm-up:")
    for name, rec in kinds.items():
        for at in afters[:20]:
            next_fires(rec, at, 12, key="job_bench")
        wall: list[float] = []
        cpu: list[float] = []
        for _ in range(rounds):
            for at in afters:
                t, c = time.perf_counter(), time.thread_time()
                next_fires(rec, at, 12, key="job_bench")
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.thread_time() - c) * 1000)
        wall.sort()
        cpu.sort()
        print(f"  {name:38s} median {statistics.median(wall):.3f} ms wall ({statistics.median(cpu):.3f} ms CPU), "
              f"p90 {wall[int(0.9 * len(wall))]:.3f} ms wall")


if __name__ == "__main__":
    raise SystemExit(main())
