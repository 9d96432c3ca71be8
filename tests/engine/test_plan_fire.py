"""plan_fire (pure): what a due job turns into. last_run_at is the fire's scheduled time, the
same instant its run shows as scheduled_for, even when the claim looks a few seconds ahead."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infrai_mcp.engine.scheduler import plan_fire

DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()


def job(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {"kind": "cron", "schedule": "0 9 * * *", "timezone": "UTC", "next_run_at": DUE,
                           "run_count": 0, "misfire_policy": "run_once", "overlap_policy": "allow",
                           "max_runs": None, "last_run_at": None}
    return row | over


def test_last_run_at_is_the_scheduled_fire_not_the_claim_time() -> None:
    plan = plan_fire(job(), DUE - 4.0, 0, misfire_grace=60)  # claimed 4 s ahead of the fire
    assert [r.scheduled_for for r in plan.runs] == [DUE]
    assert plan.changes["last_run_at"] == DUE
    once = plan_fire(job(kind="task", schedule=None), DUE - 3.0, 0, misfire_grace=60)
    assert once.changes["last_run_at"] == DUE


def test_catch_up_records_the_latest_fire_and_a_skipped_misfire_changes_nothing() -> None:
    later = DUE + 3 * 86400 + 30  # down for three days
    caught_up = plan_fire(job(misfire_policy="run_all"), later, 0, misfire_grace=60)
    assert caught_up.changes["last_run_at"] == max(r.scheduled_for for r in caught_up.runs) == DUE + 3 * 86400
    skipped = plan_fire(job(misfire_policy="skip"), later, 0, misfire_grace=60)
    assert skipped.runs == [] and "last_run_at" not in skipped.changes
