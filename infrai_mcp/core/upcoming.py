"""The fires a job still has ahead of it, as every surface shows them (MCP results, dashboard).

One rule, written once: only a live job (active cron job or schedule, scheduled task) has
fires ahead; ``max_runs`` caps them at the runs it still allows; a one-shot has its one time.
Fires that are only planned (docs/ENGINE.md, "Plans") are still ahead: ``run_count`` does not
count them, and their time is after now.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from infrai_mcp.when.cron import CronError, iter_fires
from infrai_mcp.when.cron import next_fires as cron_next_fires

LIVE = ("active", "scheduled")


def upcoming(
    *,
    schedule: str | None,
    timezone: str,
    status: str,
    next_run_at: datetime | None,
    max_runs: int | None = None,
    run_count: int = 0,
    after: datetime,
    until: datetime | None = None,
    limit: int = 5,
) -> tuple[list[datetime], bool]:
    """Up to ``limit`` fires after ``after`` (and not after ``until``); True when more follow.

    A stored expression the time module rejects yields none: a read never fails on it."""
    if status not in LIVE:
        return [], False
    left = limit if max_runs is None else min(limit, max(0, max_runs - run_count))
    more_allowed = max_runs is None or max_runs - run_count > left
    if not schedule:
        fires = [next_run_at] if next_run_at is not None and left > 0 else []
        if until is not None:
            fires = [f for f in fires if f <= until]
        return fires, False
    if until is None:
        fires = next_fires(schedule, timezone, after, left + 1)
        return fires[:left], len(fires) > left and more_allowed
    out: list[datetime] = []
    try:
        for at in iter_fires(schedule, timezone, after):
            if at > until:
                return out, False
            if len(out) >= left:
                return out, more_allowed
            out.append(at)
    except (CronError, ValueError, KeyError):
        return [], False
    return out, False


def next_fires(expr: str, timezone: str, after: datetime, n: int) -> list[datetime]:
    """The next ``n`` fires of a stored cron strictly after ``after``; none for a rejected one.

    Fires of a 5-field cron fall on whole minutes, so "strictly after now" and "strictly after
    the minute now is in" give the same list; anchoring on the minute (the second, for 6-field
    crons) lets repeated reads share one computation (~0.3 ms with cronsim)."""
    step = 1 if len(expr.split()) == 6 else 60
    anchor = int(after.timestamp()) // step * step
    return list(_cached_fires(expr, timezone, anchor, n))


@lru_cache(maxsize=1024)
def _cached_fires(expr: str, tz: str, anchor: int, n: int) -> tuple[datetime, ...]:
    try:
        return tuple(cron_next_fires(expr, tz, datetime.fromtimestamp(anchor, UTC), n))
    except (CronError, ValueError, KeyError):
        return ()
