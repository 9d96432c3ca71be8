"""The resolution layer's own guarantees (beyond what the tool tests show)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from infrai_mcp.mcp_server.timefields import cron_fires
from infrai_mcp.when import cron_next_fires


def test_cached_fires_equal_fresh_ones_across_dst() -> None:
    rng = random.Random(5)
    start = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)  # spans the US spring-forward of 2026-03-08
    for _ in range(500):
        now = start + timedelta(seconds=rng.randint(0, 3 * 86400), microseconds=rng.randint(0, 999_999))
        for expr in ("30 2 * * *", "*/20 * * * *", "*/7 * * * * *", "0 9 * * 1-5"):
            assert cron_fires(expr, "America/New_York", now) == cron_next_fires(expr, "America/New_York", now, 5)


def test_bad_stored_cron_gives_no_fires() -> None:
    assert cron_fires("not a cron", "UTC", datetime.now(UTC)) == []
    assert cron_fires(None, "UTC", datetime.now(UTC)) == []
