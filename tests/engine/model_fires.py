"""A model of "it fires as you said, once", checked against the real engine (hypothesis).

The machine creates cron jobs and tasks through the Backend contract, changes them (target,
schedule, max_runs), pauses, resumes, triggers, deletes and cancels them, and advances an
injected clock, driving the scheduler by hand (``Scheduler.step``) against a real receiver on
127.0.0.1. After every step the requests that arrived must be exactly the ones the model
expects — each slot of the schedule in force, once, with the target in force, nothing for a
paused or deleted job, manual triggers once — and what the store shows must be history only:
no run in the future, ``last_run_at`` never ahead of now, ``run_count`` the fires made.

Timing: slots fall on whole seconds (6-field crons); the clock always sits half a second off
them, so a change never happens at the instant of a slot. Used by
``tests/engine/test_model_fires.py`` (SQLite) and ``tests/pg/test_pg_model_fires.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, invariant, precondition, rule

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.models import CronCreate, CronUpdate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.base import Store
from infrai_mcp.when.cron import iter_fires
from tests.receiver import Receiver

T = TypeVar("T")
START = datetime(2027, 1, 4, 9, 0, 0, 500_000, tzinfo=UTC)  # half a second off the slots
SCHEDULES = ("*/2 * * * * *", "*/3 * * * * *", "*/5 * * * * *", "7,19,43 * * * * *")
StoreFactory = Callable[[], tuple[Store, Callable[[], None]]]


class ManualClock:
    """Engine time that moves only when the test says so."""

    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)


@dataclass
class ModelJob:
    idx: int
    kind: str  # cron | task
    id: str
    schedule: str | None
    run_at: datetime | None = None
    version: int = 0
    status: str = "active"  # active | paused | completed (cron); scheduled | cancelled | done (task)
    deleted: bool = False
    max_runs: int | None = None
    fired: list[datetime] = field(default_factory=list)  # scheduled fires made (slots)
    triggers: int = 0  # manual runs asked for and not yet sent

    def slots(self, after: datetime, until: datetime) -> list[datetime]:
        if self.deleted:
            return []
        if self.kind == "task":
            assert self.run_at is not None
            return [self.run_at] if self.status == "scheduled" and after < self.run_at <= until else []
        if self.status != "active":
            return []
        assert self.schedule is not None
        out = []
        for at in iter_fires(self.schedule, "UTC", after):
            if at > until:
                break
            out.append(at)
        if self.max_runs is not None:
            out = out[: max(0, self.max_runs - len(self.fired))]
        return out


class FireModel(RuleBasedStateMachine):
    """Subclasses set ``make_store`` (a fresh store per example, and its clean-up)."""

    make_store: StoreFactory
    receiver: Receiver

    jobs = Bundle("jobs")
    tasks = Bundle("tasks")

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(START)
        store, self.cleanup = type(self).make_store()
        self.engine = Engine(Settings(home=Path("/nonexistent")), store=store, clock=self.clock, dispatch=False,
                             lease_seconds=30.0)
        self.run(self.engine.start())
        self.backend = EmbeddedBackend(self.engine, "model")
        self.prefix = "/m" + uuid.uuid4().hex[:10]
        self.model: list[ModelJob] = []
        self.seen = 0  # receiver requests already checked

    def run(self, coro: Awaitable[T]) -> T:
        return self.loop.run_until_complete(coro)  # type: ignore[arg-type]

    def teardown(self) -> None:
        try:
            self.run(self.engine.stop())
        finally:
            self.loop.close()
            self.cleanup()

    # -- helpers ------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.at

    def target(self, job: ModelJob) -> tuple[str, dict[str, int]]:
        return f"{self.prefix}/{job.idx}/v{job.version}", {"v": job.version}

    def step_and_check(self, advance: float) -> None:
        before = self.now()
        self.clock.at = before + timedelta(seconds=advance)
        after = self.now()
        expected: Counter[tuple[str, str, str, str]] = Counter()
        for job in self.model:
            path, payload = self.target(job)
            for slot in job.slots(before, after):
                expected[(job.id, slot.isoformat(), path, str(payload))] += 1
                job.fired.append(slot)
            used_up = job.max_runs is not None and len(job.fired) >= job.max_runs
            if job.kind == "cron" and used_up and job.status == "active":
                job.status = "completed"
            if job.kind == "task" and job.run_at is not None and job.run_at <= after and job.status == "scheduled":
                job.status = "done"
            if job.triggers and not job.deleted:
                expected[(job.id, "manual", path, str(payload))] += job.triggers
            job.triggers = 0
        self.run(self.engine.scheduler.step())
        got: Counter[tuple[str, str, str, str]] = Counter()
        new = self.receiver.requests[self.seen:]
        self.seen = len(self.receiver.requests)
        for req in new:
            if not req.path.startswith(self.prefix + "/"):
                continue
            run = self.run(self.backend.run_get(req.headers["x-infrai-run-id"]))
            slot = "manual" if run.trigger == "manual" else run.scheduled_for.isoformat()
            got[(req.headers["x-infrai-job-id"], slot, req.path, str(req.json()))] += 1
        assert got == expected, f"at {after}: sent {dict(got)}, expected {dict(expected)}"

    # -- rules --------------------------------------------------------------------------
    @rule(target=jobs, schedule=st.sampled_from(SCHEDULES), max_runs=st.none() | st.integers(1, 4),
          enabled=st.booleans())
    def create_cron(self, schedule: str, max_runs: int | None, enabled: bool) -> ModelJob:
        idx = len(self.model)
        job = ModelJob(idx, "cron", "", schedule, max_runs=max_runs, status="active" if enabled else "paused")
        path, payload = self.target(job)
        made = self.run(self.backend.cron_create(CronCreate(
            url=self.receiver.url(path), schedule=schedule, timezone="UTC", payload=payload, max_runs=max_runs,
            enabled=enabled)))
        job.id = made.cron_id
        self.model.append(job)
        return job

    @rule(target=tasks, seconds=st.integers(1, 8))
    def create_task(self, seconds: int) -> ModelJob:
        idx = len(self.model)
        run_at = (self.now() + timedelta(seconds=seconds)).replace(microsecond=0)
        job = ModelJob(idx, "task", "", None, run_at=run_at, status="scheduled")
        path, payload = self.target(job)
        made = self.run(self.backend.task_schedule(TaskCreate(url=self.receiver.url(path), run_at=run_at,
                                                              payload=payload)))
        job.id = made.task_id
        self.model.append(job)
        return job

    @rule(job=jobs)
    def change_target(self, job: ModelJob) -> None:
        if job.deleted:
            return
        job.version += 1
        path, payload = self.target(job)
        self.run(self.backend.cron_update(job.id, CronUpdate(url=self.receiver.url(path), payload=payload)))

    @rule(job=jobs, schedule=st.sampled_from(SCHEDULES))
    def change_schedule(self, job: ModelJob, schedule: str) -> None:
        if job.deleted:
            return
        job.schedule = schedule
        self.run(self.backend.cron_update(job.id, CronUpdate(schedule=schedule)))

    @rule(job=jobs, max_runs=st.integers(1, 6))
    def change_max_runs(self, job: ModelJob, max_runs: int) -> None:
        if job.deleted:
            return
        job.max_runs = max_runs
        used_up = len(job.fired) >= max_runs
        if job.status == "completed" and not used_up:
            job.status = "active"
        elif job.status in ("active", "paused") and used_up:
            job.status = "completed"
        self.run(self.backend.cron_update(job.id, CronUpdate(max_runs=max_runs)))

    @rule(job=jobs)
    def pause(self, job: ModelJob) -> None:
        if job.deleted:
            return
        if job.status == "active":
            job.status = "paused"
        self.run(self.backend.cron_pause(job.id))

    @rule(job=jobs)
    def resume(self, job: ModelJob) -> None:
        if job.deleted:
            return
        if job.status == "paused":
            job.status = "active"
        self.run(self.backend.cron_resume(job.id))

    @rule(job=jobs)
    def trigger(self, job: ModelJob) -> None:
        if job.deleted:
            return
        job.triggers += 1
        self.run(self.backend.cron_trigger(job.id))

    @rule(job=consumes(jobs))
    def delete(self, job: ModelJob) -> None:
        job.deleted = True
        self.run(self.backend.cron_delete(job.id))

    @rule(task=consumes(tasks))
    def cancel(self, task: ModelJob) -> None:
        if task.status != "scheduled":
            return
        task.status = "cancelled"
        self.run(self.backend.task_cancel(task.id))

    @rule(seconds=st.sampled_from([1, 1, 2, 3, 5]))
    def advance(self, seconds: int) -> None:
        self.step_and_check(seconds)

    @precondition(lambda self: any(j.triggers for j in self.model))
    @rule()
    def tick(self) -> None:
        self.step_and_check(0)

    # -- what the store shows -------------------------------------------------------------
    @invariant()
    def history_only(self) -> None:
        now = self.now()
        for job in self.model:
            if job.deleted:
                continue
            if job.kind == "cron":
                rec = self.run(self.backend.cron_get(job.id))
                assert rec.run_count == len(job.fired), (job, rec)
                assert rec.last_run_at == (max(job.fired) if job.fired else None), (job, rec)
                assert rec.status == job.status, (job, rec)
                upcoming = job.slots(now, now + timedelta(minutes=2))
                assert rec.next_run_at == (upcoming[0] if upcoming else None), (job, rec)
            else:
                task = self.run(self.backend.task_get(job.id))
                state = {"scheduled": "scheduled", "cancelled": "cancelled", "done": "succeeded"}[job.status]
                assert task.state == state, (job, task)
                assert (task.run_id is None) == (job.status != "done"), (job, task)
        for run in self.run(self.backend.run_list(limit=500)).items:
            assert run.scheduled_for <= now, run  # a plan is never shown as a run
            # Nothing half-done after a step; a manual trigger waits for the next one.
            assert run.state in ("succeeded", "cancelled") or (run.state, run.trigger) == ("pending", "manual"), run
