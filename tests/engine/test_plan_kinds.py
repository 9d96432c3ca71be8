"""Planning (pure) for every schedule kind: intervals, calendar rules, exclusions recorded as skips."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from infrai_mcp.core.planning import plan_fire, settle

DAY = 86400.0


def ts(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def job(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "cj_1", "project": "p", "kind": "cron", "schedule": "0 9 * * *", "schedule_kind": "cron",
        "schedule_start": None, "exclusions": None, "jitter_seconds": 0, "timezone": "UTC",
        "planned_runs": 0, "run_count": 0, "misfire_policy": "run_once", "overlap_policy": "allow",
        "max_runs": None, "last_run_at": None, "last_run_id": None, "status": "active", "deleted_at": None,
    }
    return row | over


def as_plans(fires: list[Any]) -> list[dict[str, Any]]:
    return [{"id": f"run_{i}", "project": "p", "job_id": "cj_1", "job_kind": "cron", "trigger": f.trigger,
             "scheduled_for": f.scheduled_for, "skip_reason": f.skip} for i, f in enumerate(fires)]


def test_interval_plans_every_period_in_the_horizon() -> None:
    start = ts(2026, 12, 2, 9)
    j = job(schedule="90", schedule_kind="interval", schedule_start="2026-12-02T09:00:00Z", plan_at=start,
            next_run_at=start)
    plan = plan_fire(j, start - 5, start + 200, misfire_grace=60)
    assert [f.scheduled_for - start for f in plan.fires] == [0, 90, 180]
    assert plan.changes == {"plan_at": start + 270, "planned_runs": 3, "next_run_at": start}


def test_a_holiday_is_planned_as_a_skip_and_settled_as_a_skipped_run_with_its_reason() -> None:
    xmas = ts(2026, 12, 25, 8)  # 09:00 in Berlin
    j = job(schedule="0 9 * * *", timezone="Europe/Berlin", plan_at=xmas, next_run_at=xmas + DAY,
            exclusions=json.dumps({"holidays": ["DE"]}))
    plan = plan_fire(j, xmas - 4, xmas + 1, misfire_grace=60)
    assert [(f.scheduled_for, f.skip) for f in plan.fires] == [(xmas, "holiday: Christmas Day (DE)")]
    # a skip is not a fire: planned_runs and next_run_at leave it out (the 26th is a holiday too)
    assert plan.changes == {"plan_at": xmas + DAY, "planned_runs": 0, "next_run_at": ts(2026, 12, 27, 8)}
    done = settle(j | plan.changes, as_plans(plan.fires), unfinished=0, later=None, now=xmas, owner="me",
                  lease_until=xmas + 30, misfire_grace=60)
    assert done.fire == []
    assert [(r["state"], r["error"]) for r in done.runs] == [("skipped", "skipped: holiday: Christmas Day (DE)")]
    assert done.changes["run_count"] == 0 and done.changes["next_run_at"] == ts(2026, 12, 27, 8)


def test_skips_do_not_use_up_max_runs() -> None:
    first = ts(2026, 12, 23, 12)
    j = job(schedule="0 12 * * *", max_runs=3, plan_at=first, next_run_at=first,
            exclusions=json.dumps({"dates": ["2026-12-24", "2026-12-25"]}))
    plan = plan_fire(j, first - 1, first + 5 * DAY, misfire_grace=60)
    got = [(datetime.fromtimestamp(f.scheduled_for, UTC).day, f.skip is not None) for f in plan.fires]
    assert got == [(23, False), (24, True), (25, True), (26, False), (27, False)]
    assert plan.changes["plan_at"] is None and plan.changes["planned_runs"] == 3


def test_calendar_rule_every_other_tuesday_plans_its_slots() -> None:
    first = ts(2026, 12, 15, 15)  # 10:00 New York
    j = job(schedule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0", schedule_kind="rrule",
            schedule_start="2026-12-02T11:00:00", timezone="America/New_York", plan_at=first, next_run_at=first)
    plan = plan_fire(j, first - 2, first + 30 * DAY, misfire_grace=60)
    assert [f.scheduled_for for f in plan.fires] == [first, first + 14 * DAY, first + 28 * DAY]


def test_jitter_moves_every_fire_by_the_jobs_offset() -> None:
    plain = job(plan_at=ts(2026, 12, 2, 9), next_run_at=ts(2026, 12, 2, 9))
    jittered = plan_fire(plain | {"jitter_seconds": 600, "plan_at": ts(2026, 12, 2, 9) + 10 * 60},
                         ts(2026, 12, 2, 8), ts(2026, 12, 5, 10), misfire_grace=60)
    offsets = {f.scheduled_for % DAY - 9 * 3600 for f in jittered.fires}
    assert len(offsets) == 1 and 0 <= offsets.pop() <= 600
