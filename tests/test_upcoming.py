"""Fires ahead of a job, as every surface shows them: status and max_runs respected, cached
fires equal to fresh ones, a bad stored expression never fails a read."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from infrai_mcp.services.upcoming import next_fires, upcoming
from infrai_mcp.when import cron_next_fires

NOW = datetime(2026, 12, 2, 8, 30, 15, tzinfo=UTC)


def test_cached_fires_equal_fresh_ones_across_dst() -> None:
    rng = random.Random(5)
    start = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # spans the US spring-forward of 2026-03-08
    for _ in range(500):
        now = start + timedelta(seconds=rng.randint(0, 3 * 86400), microseconds=rng.randint(0, 999_999))
        for expr in ("30 2 * * *", "*/20 * * * *", "*/7 * * * * *", "0 9 * * 1-5"):
            assert next_fires(expr, "America/New_York", now, 5) == cron_next_fires(expr, "America/New_York", now, 5)


def test_bad_stored_cron_gives_no_fires() -> None:
    assert next_fires("not a cron", "UTC", NOW, 5) == []
    assert upcoming(schedule="not a cron", timezone="UTC", status="active", next_run_at=None, after=NOW) == ([], False)


def test_only_live_jobs_have_fires_ahead() -> None:
    for status in ("paused", "completed", "cancelled", "succeeded"):
        assert upcoming(schedule="* * * * *", timezone="UTC", status=status, next_run_at=NOW, after=NOW) == ([], False)
    fires, more = upcoming(schedule="* * * * *", timezone="UTC", status="active", next_run_at=NOW, after=NOW)
    assert len(fires) == 5 and more and fires[0] == datetime(2026, 12, 2, 8, 31, tzinfo=UTC)


def test_max_runs_caps_the_fires_ahead_at_the_runs_left() -> None:
    fires, more = upcoming(schedule="* * * * *", timezone="UTC", status="active", next_run_at=NOW,
                           max_runs=5, run_count=3, after=NOW)
    assert len(fires) == 2 and not more
    assert upcoming(schedule="* * * * *", timezone="UTC", status="active", next_run_at=NOW,
                    max_runs=5, run_count=5, after=NOW) == ([], False)
    fires, more = upcoming(schedule="* * * * *", timezone="UTC", status="active", next_run_at=NOW,
                           max_runs=50, run_count=3, after=NOW, until=NOW + timedelta(minutes=10), limit=3)
    assert len(fires) == 3 and more  # capped by the limit, more allowed by max_runs


def test_one_shots_have_their_one_time() -> None:
    at = NOW + timedelta(hours=2)
    assert upcoming(schedule=None, timezone="UTC", status="scheduled", next_run_at=at, after=NOW) == ([at], False)
    assert upcoming(schedule=None, timezone="UTC", status="active", next_run_at=at, after=NOW,
                    until=NOW + timedelta(hours=1)) == ([], False)
