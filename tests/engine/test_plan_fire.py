"""Planning (pure): what a due job turns into (plans), and what plans become at their time (runs).

A plan changes nothing a caller sees: ``last_run_at``, ``run_count`` and the status move only
when ``settle`` turns the plan into a run, at the fire's time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from infrai_mcp.core.planning import SKIPPED_OVERLAP, plan_fire, settle

DUE = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()
DAY = 86400.0


def job(**over: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "cj_1", "project": "p", "kind": "cron", "schedule": "0 9 * * *", "timezone": "UTC",
        "next_run_at": DUE, "plan_at": DUE, "planned_runs": 0, "run_count": 0, "misfire_policy": "run_once",
        "overlap_policy": "allow", "max_runs": None, "last_run_at": None, "last_run_id": None,
        "status": "active", "deleted_at": None,
    }
    return row | over


def plan_row(at: float, pid: str = "run_a") -> dict[str, Any]:
    return {"id": pid, "project": "p", "job_id": "cj_1", "job_kind": "cron", "trigger": "schedule",
            "scheduled_for": at}


def settle_one(j: dict[str, Any], plans: list[dict[str, Any]], *, unfinished: int = 0,
               later: tuple[float, float] | None = None, now: float = DUE) -> Any:
    return settle(j, plans, unfinished=unfinished, later=later, now=now, owner="me", lease_until=now + 30,
                  misfire_grace=60.0)


def test_a_plan_moves_only_the_planning_cursor() -> None:
    plan = plan_fire(job(), DUE - 4.0, DUE + 1.0, misfire_grace=60)  # claimed 4 s ahead of the fire
    assert [(f.scheduled_for, f.trigger) for f in plan.fires] == [(DUE, "schedule")]
    assert plan.changes == {"plan_at": DUE + DAY, "planned_runs": 1, "next_run_at": DUE}
    # A job that already has a plan keeps its public next_run_at (the earlier plan's time).
    again = plan_fire(job(plan_at=DUE + DAY, planned_runs=1), DUE + DAY - 4.0, DAY + DUE + 1.0, misfire_grace=60)
    assert again.changes == {"plan_at": DUE + 2 * DAY, "planned_runs": 2}
    once = plan_fire(job(kind="task", schedule=None), DUE - 3.0, DUE + 2.0, misfire_grace=60)
    assert [f.scheduled_for for f in once.fires] == [DUE]
    assert once.changes == {"plan_at": None, "planned_runs": 1, "next_run_at": DUE}


def test_misfires_catch_up_or_skip() -> None:
    later = DUE + 3 * DAY + 30  # down for three days
    caught_up = plan_fire(job(misfire_policy="run_all"), later, later + 5, misfire_grace=60)
    assert [f.scheduled_for for f in caught_up.fires] == [DUE + i * DAY for i in range(4)]
    assert {f.trigger for f in caught_up.fires} == {"misfire"}
    one = plan_fire(job(), later, later + 5, misfire_grace=60)
    assert [f.scheduled_for for f in one.fires] == [DUE] and one.changes["plan_at"] == DUE + 4 * DAY
    skipped = plan_fire(job(misfire_policy="skip"), later, later + 5, misfire_grace=60)
    assert skipped.fires == []
    assert skipped.changes == {"plan_at": DUE + 4 * DAY, "planned_runs": 0, "next_run_at": DUE + 4 * DAY}


def test_every_fire_within_the_horizon_is_planned_in_one_claim() -> None:
    every_second = job(schedule="* * * * * *")
    plan = plan_fire(every_second, DUE - 5.0, DUE + 3.5, misfire_grace=60)
    assert [f.scheduled_for for f in plan.fires] == [DUE, DUE + 1, DUE + 2, DUE + 3]
    assert plan.changes == {"plan_at": DUE + 4, "planned_runs": 4, "next_run_at": DUE}
    capped = plan_fire(every_second | {"max_runs": 3, "run_count": 1}, DUE - 5.0, DUE + 3.5, misfire_grace=60)
    assert [f.scheduled_for for f in capped.fires] == [DUE, DUE + 1] and capped.changes["plan_at"] is None


def test_max_runs_counts_plans_not_yet_runs() -> None:
    plan = plan_fire(job(max_runs=2, run_count=1), DUE - 1, DUE + 4, misfire_grace=60)
    assert len(plan.fires) == 1 and plan.changes["plan_at"] is None  # the last allowed fire is planned
    none = plan_fire(job(max_runs=2, run_count=1, planned_runs=1), DUE - 1, DUE + 4, misfire_grace=60)
    assert none.fires == [] and none.changes["plan_at"] is None


def test_settle_fires_and_advances_the_job() -> None:
    j = job(plan_at=DUE + DAY, planned_runs=1)
    done = settle_one(j, [plan_row(DUE)])
    assert done.fire == ["run_a"]
    (run,) = done.runs
    assert (run["state"], run["attempts"], run["lease_owner"], run["webhook_id"]) == ("running", 1, "me", "msg_a")
    assert done.changes == {"run_count": 1, "planned_runs": 0, "last_run_at": DUE, "last_run_id": "run_a",
                            "next_run_at": DUE + DAY}


def test_overlap_is_judged_at_the_fire_time() -> None:
    skipped = settle_one(job(overlap_policy="skip", plan_at=DUE + DAY, planned_runs=1), [plan_row(DUE)],
                         unfinished=1)
    assert skipped.fire == [] and skipped.runs[0]["state"] == "skipped" and skipped.runs[0]["error"] == SKIPPED_OVERLAP
    assert skipped.changes["run_count"] == 0  # a skipped fire does not count toward max_runs
    queued = settle_one(job(overlap_policy="queue", plan_at=DUE + DAY, planned_runs=1), [plan_row(DUE)], unfinished=1)
    assert queued.fire == [] and queued.runs[0]["state"] == "pending" and queued.runs[0]["next_attempt_at"] == DUE
    free = settle_one(job(overlap_policy="skip", plan_at=DUE + DAY, planned_runs=1), [plan_row(DUE)])
    assert free.fire == ["run_a"]


def test_one_shots_complete_when_their_plan_becomes_a_run() -> None:
    done = settle_one(job(schedule=None, plan_at=None, planned_runs=1), [plan_row(DUE)])
    assert done.changes["status"] == "completed" and done.changes["next_run_at"] is None
    task = settle_one(job(kind="task", status="scheduled", schedule=None, plan_at=None, planned_runs=1),
                      [plan_row(DUE)])
    assert task.changes["status"] == "running" and task.fire == ["run_a"]


def test_max_runs_completes_and_a_skip_frees_a_fire() -> None:
    last = settle_one(job(max_runs=1, plan_at=None, planned_runs=1), [plan_row(DUE)])
    assert last.changes["status"] == "completed" and last.changes["next_run_at"] is None
    freed = settle_one(job(max_runs=1, plan_at=None, planned_runs=1, overlap_policy="skip"), [plan_row(DUE)],
                       unfinished=1)
    assert "status" not in freed.changes
    assert freed.changes["plan_at"] == freed.changes["next_run_at"] == DUE + DAY


def test_a_job_that_is_no_longer_live_gets_no_runs() -> None:
    for over in ({"status": "paused"}, {"deleted_at": DUE - 1}, {"status": "completed"}):
        assert settle_one(job(**over), [plan_row(DUE)]).runs == []


def test_plans_taken_over_late_meet_the_misfire_policy() -> None:
    """Plans of a process that died, confirmed by another more than the grace after their time."""
    plans = [plan_row(DUE - 300, "run_a"), plan_row(DUE - 200, "run_b"), plan_row(DUE - 10, "run_c")]
    j = job(schedule="* * * * * *", planned_runs=3, plan_at=DUE + 1)
    once = settle_one(j, plans)
    assert [(r["id"], r["state"], r["trigger"]) for r in once.runs] == [
        ("run_a", "skipped", "misfire"), ("run_b", "running", "misfire"), ("run_c", "running", "schedule")]
    assert "misfire_policy=run_once" in (once.runs[0]["error"] or "")
    skip = settle_one(j | {"misfire_policy": "skip"}, plans)
    assert [r["state"] for r in skip.runs] == ["skipped", "skipped", "running"] and skip.changes["run_count"] == 1
    everything = settle_one(j | {"misfire_policy": "run_all"}, plans)
    assert everything.fire == ["run_a", "run_b", "run_c"]
    task = settle_one(job(kind="task", status="scheduled", schedule=None, misfire_policy="skip", planned_runs=1),
                      [plan_row(DUE - 3600)])
    assert task.fire == ["run_a"]  # a one-shot fires however late
