"""Results say when a reading may surprise: a recurring wall time that meets a DST gap, a
fixed-offset zone from "EST"; the usual result has no warnings field at all."""

from __future__ import annotations

import pytest

from tests.mcp.conftest import Tools

pytestmark = pytest.mark.anyio

URL = "https://example.com/hook"  # never called: nothing here fires within the test


async def test_create_results_carry_warnings(tools: Tools) -> None:
    est = await tools.ok("cron_create", schedule="every weekday at 9am EST", url=URL)
    assert est["timezone"] == "Etc/GMT+5"
    assert any(w.startswith("schedule: ") and "fixed offset UTC-5" in w for w in est["warnings"]), est["warnings"]
    sched = await tools.ok("schedule_create", name="s", when="every day at 2:30am", timezone="Europe/Berlin",
                           callback_url=URL)
    assert any(w.startswith("when: ") and "does not exist" in w for w in sched["warnings"]), sched["warnings"]
    task = await tools.ok("task_schedule", url=URL, run_at="tomorrow at 3pm")
    assert "warnings" not in task
    plain = await tools.ok("cron_create", schedule="every weekday at 9am", url=URL)
    assert "warnings" not in plain
    moved = await tools.ok("cron_update", cron_id=plain["cron_id"], schedule="every day at 9am PST")
    assert any("fixed offset UTC-8" in w for w in moved["warnings"])
