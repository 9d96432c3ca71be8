"""Fire planning, pure: what a due job turns into (plans), and what plans turn into at their time (runs).

Two steps, each called by the store inside ONE transaction (docs/ENGINE.md, "Plans"):

1. ``plan_fire`` — when the scheduler claims a job whose ``plan_at`` is within its look-ahead:
   which fires to PLAN (scheduled time, trigger) and how the job's planning cursor moves.
   Misfire policy and ``max_runs`` are applied here; nothing becomes history.
2. ``settle`` — when a plan's time has come, in the process that owns it: which plans become
   runs that are sent now, runs that wait (overlap ``queue``), or skipped runs (overlap
   ``skip``), and the job's new ``run_count``, ``last_run_*``, ``next_run_at`` and ``status``.
   Overlap is judged here, against the runs really in flight at the fire's time.

Job columns involved: ``next_run_at`` (public: the next fire that has not happened),
``plan_at`` (the next occurrence not planned yet: a fire, or a time the job's exclusions skip),
``planned_runs`` (plans outstanding that will fire), ``run_count`` (fires that became runs,
skipped ones excluded), ``last_run_at`` (scheduled time of the newest run), ``last_run_id``,
``status``; the schedule: ``schedule`` (the rule's text), ``schedule_kind``, ``schedule_start``,
``exclusions``, ``jitter_seconds``, ``timezone`` (``recurrence_of``).

A time the job's exclusions skip (a holiday, an excluded date, a skipped occurrence) is planned
like a fire, with its reason (``PlannedFire.skip``); at its time ``settle`` records it as a
skipped run with that reason, so run history says why nothing was sent. It does not count
toward ``max_runs`` or ``planned_runs``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from infrai_mcp.when.fires import next_fire, occurrences
from infrai_mcp.when.kinds import Recurrence

Row = dict[str, Any]

MAX_CATCHUP = 100  # misfire_policy run_all: at most this many missed fires are replayed
SKIPPED_OVERLAP = "skipped: the previous run is still in flight (overlap_policy=skip)"


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def recurrence_of(job: Row) -> Recurrence | None:
    """The job's recurrence (None for a one-shot); rows written before 0008 are plain crons."""
    if job.get("schedule") is None:
        return None
    return _recurrence(job["schedule"], job.get("schedule_kind") or "cron", job.get("schedule_start"),
                       job["timezone"], job.get("exclusions"), int(job.get("jitter_seconds") or 0))


@lru_cache(maxsize=4096)
def _recurrence(rule: str, kind: str, start: str | None, tz: str, exclusions: str | None, jitter: int) -> Recurrence:
    return Recurrence.from_dict({"kind": kind, "rule": rule, "start": start, "timezone": tz,
                                 "exclusions": json.loads(exclusions) if exclusions else None,
                                 "jitter_seconds": jitter})


def recurrence_columns(rec: Recurrence) -> Row:
    """The job columns that store ``rec`` (``recurrence_of`` reads them back)."""
    d = rec.to_dict()
    ex = d["exclusions"]
    return {"schedule": d["rule"], "schedule_kind": d["kind"], "schedule_start": d.get("start"),
            "timezone": rec.timezone, "exclusions": json.dumps(ex, separators=(",", ":")) if rec.exclusions else None,
            "jitter_seconds": rec.jitter_seconds}


def _recurrence_or_none(job: Row) -> Recurrence | None:
    try:
        return recurrence_of(job)
    except ValueError:
        return None  # cannot happen for a validated job; stop rather than spin


def _has_exclusions(job: Row) -> bool:
    rec = _recurrence_or_none(job)
    return rec is not None and bool(rec.exclusions)


def next_slot(job: Row, after: float) -> float | None:
    """The job's next fire strictly after ``after`` (None: its schedule has no more)."""
    rec = _recurrence_or_none(job)
    at = next_fire(rec, _dt(after), key=job["id"]) if rec is not None else None
    return at.timestamp() if at is not None else None


def next_fire_from(job: Row, at: float) -> float | None:
    """The job's first fire at or after ``at`` (``at`` itself when it fires)."""
    return next_slot(job, at - 1e-6)


@dataclass(frozen=True)
class PlannedFire:
    scheduled_for: float
    trigger: str = "schedule"  # schedule | misfire
    skip: str | None = None  # why this occurrence does not fire (holiday, excluded date, ...)


def _occurrences(job: Row, start: float) -> Iterator[PlannedFire]:
    """The job's occurrences at or after ``start``, fires and skipped ones."""
    rec = _recurrence_or_none(job)
    if rec is None:
        return
    for occ in occurrences(rec, _dt(start) - timedelta(microseconds=1), key=job["id"]):
        yield PlannedFire(occ.at.timestamp(), skip=occ.skipped)


@dataclass
class FirePlan:
    """Fires to plan for one due job, and the job's column changes (``plan_at``,
    ``planned_runs``, and ``next_run_at`` when the job had nothing planned)."""

    fires: list[PlannedFire] = field(default_factory=list)
    changes: Row = field(default_factory=dict)


# planner(job_row, now, horizon) -> FirePlan; pure. The store binds misfire_grace (Scheduler.plan).
Planner = Callable[[Row, float, float], FirePlan]
MAX_PLANNED = 100  # fires of one job planned by one claim (a per-second cron plans ~5)


def plan_fire(job: Row, now: float, horizon: float, *, misfire_grace: float) -> FirePlan:
    """What a job whose ``plan_at`` has come into the look-ahead (``horizon``) turns into.

    One-shot jobs fire once (even late: a task is never silently dropped). Recurring jobs
    fire at ``plan_at`` and every later slot up to ``horizon``; when ``plan_at`` is more than
    ``misfire_grace`` in the past the process was down, and ``misfire_policy`` decides:
    run_once (one fire, then continue from now), skip (no fire), run_all (every missed fire,
    at most MAX_CATCHUP). ``max_runs`` counts fires that became runs and fires already planned.
    """
    due = float(job["plan_at"])
    planned = int(job["planned_runs"] or 0)
    changes: Row = {}
    if job["schedule"] is None:
        changes.update(plan_at=None, planned_runs=planned + 1)
        if planned == 0:
            changes["next_run_at"] = due
        return FirePlan(fires=[PlannedFire(due)], changes=changes)

    misfire = now - due > misfire_grace
    fires: list[PlannedFire] = []
    ahead = _occurrences(job, due)
    if misfire:  # missed times are not recorded (as before kinds); excluded ones are not replayed
        if job["misfire_policy"] == "run_all":
            for occ in ahead:
                if occ.scheduled_for > now or len(fires) >= MAX_CATCHUP:
                    break
                if occ.skip is None:
                    fires.append(PlannedFire(occ.scheduled_for, "misfire"))
        elif job["misfire_policy"] != "skip":
            first = due if not _has_exclusions(job) else next_fire_from(job, due)
            if first is not None and first <= now:
                fires.append(PlannedFire(first, "misfire"))
        ahead = _occurrences(job, now + 1e-6)  # continue from now
    nxt: float | None = None
    for occ in ahead:
        if occ.scheduled_for > horizon or len(fires) >= MAX_PLANNED:
            nxt = occ.scheduled_for
            break
        fires.append(occ)
    max_runs = job["max_runs"]
    used = int(job["run_count"] or 0) + planned
    firing = sum(f.skip is None for f in fires)
    if max_runs is not None and used + firing >= int(max_runs):
        kept: list[PlannedFire] = []
        for fire in fires:
            if used >= int(max_runs):
                break
            kept.append(fire)
            used += fire.skip is None
        fires, firing = kept, sum(f.skip is None for f in kept)
        nxt = None  # every allowed fire is planned or done; settle completes the job
    changes.update(plan_at=nxt, planned_runs=planned + firing)
    if planned == 0:
        # Nothing was outstanding: the public next fire is the first one planned now, or
        # (misfire skip, or only skipped times planned) the next fire from the cursor.
        first = next((f.scheduled_for for f in fires if f.skip is None), None)
        changes["next_run_at"] = first if first is not None or nxt is None else next_fire_from(job, nxt)
    return FirePlan(fires=fires, changes=changes)


@dataclass
class Settled:
    """What due plans of one job became: run rows to insert (``fire`` lists the ids to send
    now) and the job's column changes."""

    runs: list[Row] = field(default_factory=list)
    fire: list[str] = field(default_factory=list)
    changes: Row = field(default_factory=dict)


def settle(
    job: Row,
    plans: list[Row],
    *,
    unfinished: int,
    later: tuple[float, float] | None,
    now: float,
    owner: str,
    lease_until: float,
    misfire_grace: float,
) -> Settled:
    """Turn ``plans`` (rows of the plans table, all of ``job``) into runs.

    ``unfinished`` counts the job's runs in flight or waiting (pending, running, retrying);
    ``later`` is (earliest, latest) scheduled time of the job's plans NOT in this batch that
    fire (plans of skipped times left out). A plan with a ``skip_reason`` becomes a skipped run
    with that reason, whatever the overlap and misfire policies.
    A plan of a recurring job confirmed more than ``misfire_grace`` after its time (its
    process died and another took it over) meets the misfire policy: ``skip`` records it
    skipped, ``run_once`` fires only the newest such plan, ``run_all`` fires them all.
    A job that is no longer live (deleted, paused, finished) gets no runs: its plans would
    have been withdrawn by that change, so this only guards against a store bug.
    """
    out = Settled()
    live = job.get("deleted_at") is None and job["status"] in ("active", "scheduled")
    if not live:
        return out
    run_count = int(job["run_count"] or 0)
    planned = int(job["planned_runs"] or 0)
    policy = job["overlap_policy"]
    last_at, last_id = job["last_run_at"], job["last_run_id"]
    freed = False  # a planned fire was skipped: max_runs may allow one more
    ordered = sorted(plans, key=lambda p: (p["scheduled_for"], p["id"]))
    late = {p["id"] for p in ordered if job["schedule"] is not None and now - p["scheduled_for"] > misfire_grace
            and not p.get("skip_reason")}
    misfire = job["misfire_policy"]
    newest_late = max((p for p in ordered if p["id"] in late), key=lambda p: p["scheduled_for"], default=None)
    for plan in ordered:
        run: Row = {
            "id": plan["id"], "project": plan["project"], "job_id": plan["job_id"], "job_kind": plan["job_kind"],
            "trigger": plan["trigger"], "scheduled_for": plan["scheduled_for"], "next_attempt_at": None,
            "started_at": None, "finished_at": None, "error": None, "attempts": 0, "lease_owner": None,
            "lease_expires_at": None, "webhook_id": "msg_" + plan["id"].removeprefix("run_"), "created_at": now,
        }
        if plan.get("skip_reason"):  # a time the job's exclusions skip: history says why
            run.update(state="skipped", finished_at=now, error=f"skipped: {plan['skip_reason']}")
            out.runs.append(run)
            last_at, last_id = plan["scheduled_for"], plan["id"]
            continue
        planned -= 1
        if plan["id"] in late:
            run["trigger"] = "misfire"
            if misfire == "skip" or (misfire == "run_once" and plan is not newest_late):
                run.update(state="skipped", finished_at=now, error=(
                    f"skipped: missed by {now - plan['scheduled_for']:.0f} s (its process stopped before the "
                    f"fire; misfire_policy={misfire})"))
                freed = True
                out.runs.append(run)
                last_at, last_id = plan["scheduled_for"], plan["id"]
                continue
        if policy == "skip" and unfinished > 0:
            run.update(state="skipped", finished_at=now, error=SKIPPED_OVERLAP)
            freed = True
        elif policy == "queue" and unfinished > 0:
            run.update(state="pending", next_attempt_at=plan["scheduled_for"])  # goes when the older ones are done
            run_count += 1
            unfinished += 1
        else:
            run.update(state="running", attempts=1, started_at=now, lease_owner=owner, lease_expires_at=lease_until)
            out.fire.append(plan["id"])
            run_count += 1
            unfinished += 1
        out.runs.append(run)
        last_at, last_id = plan["scheduled_for"], plan["id"]
    ch = out.changes
    ch.update(run_count=run_count, planned_runs=max(0, planned), last_run_at=last_at, last_run_id=last_id)
    if job["schedule"] is None:  # one-shot: done with its one fire
        ch.update(next_run_at=None, plan_at=None)
        if job["kind"] == "task":
            if out.fire:
                ch["status"] = "running"
        else:
            ch["status"] = "completed"
        return out
    max_runs = job["max_runs"]
    plan_at = job["plan_at"]
    if max_runs is not None and run_count >= int(max_runs):
        ch.update(status="completed", next_run_at=None, plan_at=None)
        return out
    if freed and plan_at is None and max_runs is not None:
        # Planning had stopped at max_runs counting this fire; it did not run, so plan on.
        after = max(later[1] if later else 0.0, float(last_at))
        plan_at = ch["plan_at"] = next_slot(job, after)
    if plan_at is not None and _has_exclusions(job):
        plan_at = next_fire_from(job, plan_at)  # the cursor may be a skipped time; the public value fires
    nexts = [t for t in ((later[0] if later else None), plan_at) if t is not None]
    ch["next_run_at"] = min(nexts) if nexts else None
    return out


@dataclass
class SettledPlans:
    """What the plans taken in one transaction became, over all their jobs."""

    runs: list[Row]  # run rows to insert
    changes: list[Row]  # each job's column changes, with its "id"
    send: list[tuple[Row, Row]]  # (run, job) to send now, soonest first


def settle_plans(
    taken: list[Row],
    jobs: Mapping[str, Row],
    *,
    unfinished: Mapping[str, int],
    later: Mapping[str, tuple[float, float]],
    now: float,
    owner: str,
    lease_until: float,
    misfire_grace: float,
) -> SettledPlans:
    """``settle`` for each job of the plans ``taken`` (a job gone meanwhile: its plans lapse).

    ``unfinished``: runs in flight per job id; ``later``: the first and last plan time left
    per job id. Both stores call this inside their ``confirm_plans`` transaction."""
    by_job: dict[str, list[Row]] = {}
    for plan in taken:
        by_job.setdefault(plan["job_id"], []).append(plan)
    out = SettledPlans(runs=[], changes=[], send=[])
    for job_id, plans in by_job.items():
        job = jobs.get(job_id)
        if job is None:
            continue
        done = settle(job, plans, unfinished=unfinished.get(job_id, 0), later=later.get(job_id), now=now,
                      owner=owner, lease_until=lease_until, misfire_grace=misfire_grace)
        out.runs += done.runs
        if done.changes:
            out.changes.append({**done.changes, "id": job_id})
        sent = set(done.fire)
        out.send += [(r, job) for r in done.runs if r["id"] in sent]
    out.send.sort(key=lambda pair: float(pair[0]["scheduled_for"]))
    return out


def next_runs_left(job: Row) -> int | None:
    """Fires ``max_runs`` still allows (None: unlimited); for previews of next fires."""
    max_runs = job.get("max_runs")
    if max_runs is None:
        return None
    return max(0, int(max_runs) - int(job.get("run_count") or 0))


__all__ = [
    "MAX_CATCHUP",
    "MAX_PLANNED",
    "FirePlan",
    "PlannedFire",
    "Planner",
    "Settled",
    "SettledPlans",
    "next_fire_from",
    "next_runs_left",
    "next_slot",
    "plan_fire",
    "recurrence_of",
    "settle",
    "settle_plans",
]
