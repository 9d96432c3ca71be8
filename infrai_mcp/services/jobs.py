"""JobService: cron jobs, one-shot tasks and agent schedules (operations take the project first).

Every operation validates what the request models cannot (cron syntax, zones, times in
the past, ids), raises ``infrai_mcp.core.errors`` with the field named, stores nothing when it
raises, and wakes the scheduler after writing due work. Agent schedules live in
``schedule_ops.py`` (a mixin) to keep each module small.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, TypeVar

from infrai_mcp.core.errors import Conflict, InvalidInput, NotFound
from infrai_mcp.core.ids import new_id
from infrai_mcp.core.planning import recurrence_of
from infrai_mcp.models.common import Page
from infrai_mcp.models.jobs import (
    DEFAULT_RETENTION_DAYS,
    MAX_JOB_BATCH,
    CronCreate,
    CronJob,
    CronUpdate,
    Deleted,
    Retention,
    Run,
    Task,
    TaskCreate,
    target_text,
)
from infrai_mcp.services.records import cron_record, dump_json, run_record, task_record, ts
from infrai_mcp.services.schedules import ScheduleOps
from infrai_mcp.services.validate import (
    RUN_STATES,
    TASK_STATES,
    check_choice,
    check_cursor,
    check_limit,
    cron_expr,
    first_times,
    future,
    page,
    recurrence_for,
    zone,
)
from infrai_mcp.store.jobs import Row

if TYPE_CHECKING:
    from infrai_mcp.services.deps import Deps

def _target(url: str | None, queue: str | None) -> Row:
    """The target columns of a cron job or task: an HTTP request, or a publish to ``queue``
    (carried out like an agent schedule's queue callback, runner.py)."""
    if queue is not None:
        return {"callback_type": "queue", "callback_id": queue, "url": None}
    return {"callback_type": "url", "callback_id": None, "url": url}


T = TypeVar("T")
_KIND_FIELDS = frozenset({"schedule_kind", "schedule_start", "exclusions", "jitter_seconds"})


def _each(reqs: list[T], name: str, build: Callable[[T], Row]) -> list[Row]:
    """One store row per request of a batch; an invalid item names itself (``jobs[3].schedule``)."""
    if not 1 <= len(reqs) <= MAX_JOB_BATCH:
        raise InvalidInput(f"{name}: {len(reqs)} given; a batch holds 1 to {MAX_JOB_BATCH} items", field=name)
    rows = []
    for i, req in enumerate(reqs):
        try:
            rows.append(build(req))
        except InvalidInput as exc:
            raise exc.within(f"{name}[{i}]") from None
    return rows


class JobService(ScheduleOps):
    def __init__(self, deps: Deps) -> None:
        self.deps = deps

    async def _missing_queues(self, project: str, reqs: Sequence[CronCreate | TaskCreate | CronUpdate],
                              batch: str | None = None) -> set[str]:
        """Checked before anything is written: the queue targets that do not exist yet, to be
        created once the jobs are stored (InvalidInput now when INFRAI_AUTO_CREATE_QUEUES=0)."""
        missing: set[str] = set()
        for i, req in enumerate(reqs):
            if req.queue is None or req.queue in missing:
                continue
            try:
                if await self.deps.queues.queue_missing(project, req.queue, "queue"):
                    missing.add(req.queue)
            except InvalidInput as exc:
                raise (exc.within(f"{batch}[{i}]") if batch else exc) from None
        return missing

    async def _make_queues(self, project: str, missing: set[str]) -> dict[str, list[str]]:
        """Create the queues; per queue, the warning its jobs' answers carry."""
        return {q: [await self.deps.queues.auto_create(project, q)] for q in sorted(missing)}

    # -- cron jobs ----------------------------------------------------------------------
    async def _cron_row(self, project: str, cron_id: str) -> Row:
        row: Row | None = await self.store.get_job(project, "cron", cron_id)
        if row is None:
            raise NotFound(f"No cron job {cron_id!r}.", hint="cron")
        return row

    async def cron_create(self, project: str, req: CronCreate) -> CronJob:
        await self.deps.check_targets(req)
        row = self._new_cron(project, req, self._now())
        missing = await self._missing_queues(project, [req])
        stored, created = await self.store.insert_job(row)
        if created:
            self.deps.wake()
        made = await self._make_queues(project, missing)
        return cron_record(stored, made.get(req.queue or ""))

    async def cron_create_batch(self, project: str, reqs: list[CronCreate]) -> list[CronJob]:
        """Create up to ``MAX_JOB_BATCH`` cron jobs in one transaction, all or nothing: every
        item is checked as ``cron_create`` checks it (an error names ``jobs[i].field``)."""
        now = self._now()
        rows = _each(reqs, "jobs", lambda req: self._new_cron(project, req, now))
        await self._check_each(reqs, "jobs")
        missing = await self._missing_queues(project, reqs, "jobs")
        stored = await self._insert_batch(project, rows)
        made = await self._make_queues(project, missing)
        return [cron_record(row, made.get(req.queue or "")) for row, req in zip(stored, reqs, strict=True)]

    def _new_cron(self, project: str, req: CronCreate, now: datetime) -> Row:
        tz = zone(req.timezone)
        job_id = new_id("cj")
        schedule = req.schedule
        if schedule is not None and (req.schedule_kind or "cron") == "cron":
            schedule = cron_expr(schedule)
        rec = recurrence_for(req, schedule=schedule, tz=tz, now=now, key=job_id)
        run_at = future(req.run_at, now, "run_at") if req.run_at is not None else None
        timing: Row = first_times(rec, now, job_id) if rec is not None else {"next_run_at": run_at, "schedule": None}
        if not req.enabled:
            timing.update(next_run_at=None, plan_at=None)
        nowts = ts(now)
        return {
            "id": job_id, "project": project, "kind": "cron", "agent_id": None,
            "name": req.name or target_text(req.url, req.queue, req.method)[:200], "schedule_type": None,
            "timezone": tz, "run_at": run_at, "delay_seconds": None,
            **_target(req.url, req.queue), "method": req.method, "headers": dump_json(req.headers),
            "payload": dump_json(req.payload),
            "retries": req.retries, "timeout_seconds": req.timeout_seconds, "secret": req.secret,
            "on_failure_webhook": req.on_failure_webhook, "overlap_policy": req.overlap_policy,
            "misfire_policy": req.misfire_policy, "max_runs": req.max_runs,
            "status": "active" if req.enabled else "paused", "retention_days": req.retention_days,
            "idempotency_key": req.idempotency_key, **timing,
            "created_at": nowts, "updated_at": nowts, "result_url": req.result_url, "events_url": req.events_url,
        }

    async def _check_each(self, reqs: list[CronCreate] | list[TaskCreate], name: str) -> None:
        """The targets of every item of a batch, as a single create checks them."""
        for i, req in enumerate(reqs):
            try:
                await self.deps.check_targets(req)
            except InvalidInput as exc:
                raise exc.within(f"{name}[{i}]") from None

    async def _insert_batch(self, project: str, rows: list[Row]) -> list[Row]:
        results = await self.store.insert_jobs(project, rows)
        if any(created for _, created in results):
            self.deps.wake()
        return [row for row, _ in results]

    async def cron_list(
        self, project: str, *, name: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page[CronJob]:
        check_limit(limit)
        check_cursor(cursor, "cj")
        rows, nxt = page(
            await self.store.list_jobs(project, "cron", cursor=cursor, limit=limit + 1, filters={"name": name}), limit
        )
        return Page[CronJob](items=[cron_record(r) for r in rows], next_cursor=nxt)

    async def cron_get(self, project: str, cron_id: str) -> CronJob:
        return cron_record(await self._cron_row(project, cron_id))

    async def cron_update(self, project: str, cron_id: str, req: CronUpdate) -> CronJob:
        row = await self._cron_row(project, cron_id)
        await self.deps.check_targets(req)
        now = self._now()
        given = req.model_fields_set
        changes: Row = {}
        nullable = {"headers", "payload", "max_runs", "on_failure_webhook", "secret", "result_url", "events_url"}
        for name in ("name", "method", "retries", "timeout_seconds", "overlap_policy", "misfire_policy",
                     "max_runs", "on_failure_webhook", "secret", "retention_days", "headers", "payload",
                     "result_url", "events_url"):
            if name not in given:
                continue
            value = getattr(req, name)
            if value is None and name not in nullable:
                continue
            changes[name] = dump_json(value) if name in ("headers", "payload") else value
        missing: set[str] = set()
        if req.url is not None or req.queue is not None:  # a new target replaces the old one, URL or queue
            missing = await self._missing_queues(project, [req])
            changes.update(_target(req.url, req.queue))
        schedule, tz = row["schedule"], row["timezone"]
        retime = False
        if "timezone" in given and req.timezone is not None:
            tz = changes["timezone"] = zone(req.timezone)
            retime = True
        new_schedule = req.schedule if "schedule" in given else None
        if new_schedule is not None:
            if req.run_at is not None:
                raise InvalidInput("give schedule (recurring) or run_at (one-shot), not both", field="run_at")
            if (req.schedule_kind or "cron") == "cron":
                new_schedule = cron_expr(new_schedule)
            changes["run_at"] = None  # a one-shot job given a schedule becomes recurring
        rec = None
        if req.run_at is None and (retime or new_schedule is not None or given & _KIND_FIELDS):
            rec = recurrence_for(req, schedule=new_schedule, tz=tz, now=now, key=cron_id, current=row)
            if rec is not None:
                columns = first_times(rec, now, cron_id)
                changes.update({k: v for k, v in columns.items() if k not in ("next_run_at", "plan_at")})
                schedule, retime = columns["schedule"], True
        status = row["status"]
        if req.run_at is not None:
            # A new one-shot time, validated as at create; a recurring job becomes a one-shot and
            # a one-shot that already fired runs again at the new time.
            changes["run_at"] = future(req.run_at, now, "run_at")
            schedule = changes["schedule"] = None
            retime = True
            if status == "completed":
                status = "active"
        if "enabled" in given and req.enabled is not None and status != "completed":
            status = "active" if req.enabled else "paused"
            retime = retime or status != row["status"]
        max_runs = changes.get("max_runs", row["max_runs"])
        used_up = max_runs is not None and int(row["run_count"]) >= max_runs
        if schedule and status == "completed" and "max_runs" in given and not used_up:
            status, retime = "active", True  # more runs allowed: the job continues
        elif schedule and status in ("active", "paused") and used_up:
            status, retime = "completed", True  # max_runs at or below the fires it has made
        if retime:
            if status != "active":
                changes["next_run_at"] = None
            elif schedule:
                rec = rec or recurrence_of(row)
                assert rec is not None
                timing = first_times(rec, now, cron_id)
                changes.update(next_run_at=timing["next_run_at"], plan_at=timing["plan_at"])
            elif req.run_at is not None:
                changes["next_run_at"] = changes["run_at"]
            elif row["run_at"] is not None and int(row["run_count"]) == 0:
                changes["next_run_at"] = max(row["run_at"], ts(now))  # a one-shot resumed after its time: now
        changes["status"] = status
        changes["updated_at"] = ts(now)
        new = await self.store.update_job(project, "cron", cron_id, changes)
        if new is None:
            raise NotFound(f"No cron job {cron_id!r}.", hint="cron")
        self.deps.wake()
        return cron_record(new, (await self._make_queues(project, missing)).get(req.queue or ""))

    async def cron_delete(self, project: str, cron_id: str) -> Deleted:
        if not await self.store.delete_job(project, "cron", cron_id, ts(self._now())):
            raise NotFound(f"No cron job {cron_id!r}.", hint="cron")
        return Deleted(id=cron_id, deleted=True)

    async def cron_pause(self, project: str, cron_id: str) -> CronJob:
        return await self.cron_update(project, cron_id, CronUpdate.model_validate({"enabled": False}))

    async def cron_resume(self, project: str, cron_id: str) -> CronJob:
        # Next fire is computed from now: no burst of the fires missed while paused.
        return await self.cron_update(project, cron_id, CronUpdate.model_validate({"enabled": True}))

    async def cron_trigger(self, project: str, cron_id: str) -> Run:
        await self._cron_row(project, cron_id)
        return await self._trigger(project, "cron", cron_id)

    async def _trigger(self, project: str, kind: str, job_id: str) -> Run:
        nowts = ts(self._now())
        run_id = new_id("run")
        row = await self.store.insert_run({
            "id": run_id, "project": project, "job_id": job_id, "job_kind": kind, "trigger": "manual",
            "state": "pending", "scheduled_for": nowts, "next_attempt_at": nowts, "finished_at": None,
            "error": None, "webhook_id": "msg_" + run_id.removeprefix("run_"), "created_at": nowts,
        })
        self.deps.wake()
        return run_record(row)

    async def cron_runs_list(
        self, project: str, cron_id: str, *, cursor: str | None = None, limit: int = 50
    ) -> Page[Run]:
        check_limit(limit)
        check_cursor(cursor, "run")
        await self._cron_row(project, cron_id)
        rows = await self.store.list_runs(project, cursor=cursor, limit=limit + 1, filters={"job_id": cron_id})
        rows, nxt = page(rows, limit)
        return Page[Run](items=[run_record(r) for r in rows], next_cursor=nxt)

    async def cron_run_get(self, project: str, cron_id: str, run_id: str) -> Run:
        row = await self.store.get_run(project, run_id)
        if row is None or row["job_id"] != cron_id:
            raise NotFound(f"No run {run_id!r} of cron job {cron_id!r}.", hint="cron_run")
        return run_record(row, await self.store.list_attempts(project, run_id))

    async def cron_retention_get(self, project: str, cron_id: str) -> Retention:
        row = await self._cron_row(project, cron_id)
        return Retention(cron_id=cron_id, retention_days=row["retention_days"])

    async def cron_retention_set(self, project: str, cron_id: str, retention_days: int) -> Retention:
        if not isinstance(retention_days, int) or isinstance(retention_days, bool) or not 0 <= retention_days <= 3650:
            raise InvalidInput(f"retention_days must be an integer from 0 to 3650, got {retention_days!r}",
                               field="retention_days")
        new = await self.store.update_job(project, "cron", cron_id,
                                          {"retention_days": retention_days, "updated_at": ts(self._now())})
        if new is None:
            raise NotFound(f"No cron job {cron_id!r}.", hint="cron")
        return Retention(cron_id=cron_id, retention_days=retention_days)

    # -- one-shot tasks -----------------------------------------------------------------
    async def task_schedule(self, project: str, req: TaskCreate) -> Task:
        await self.deps.check_targets(req)
        row = self._new_task(project, req, self._now())
        missing = await self._missing_queues(project, [req])
        stored, created = await self.store.insert_job(row)
        if created:
            self.deps.wake()
        made = await self._make_queues(project, missing)
        return task_record(stored, made.get(req.queue or ""))

    async def task_schedule_batch(self, project: str, reqs: list[TaskCreate]) -> list[Task]:
        """Schedule up to ``MAX_JOB_BATCH`` tasks in one transaction, all or nothing: every item
        is checked as ``task_schedule`` checks it (an error names ``tasks[i].field``)."""
        now = self._now()
        rows = _each(reqs, "tasks", lambda req: self._new_task(project, req, now))
        await self._check_each(reqs, "tasks")
        missing = await self._missing_queues(project, reqs, "tasks")
        stored = await self._insert_batch(project, rows)
        made = await self._make_queues(project, missing)
        return [task_record(row, made.get(req.queue or "")) for row, req in zip(stored, reqs, strict=True)]

    def _new_task(self, project: str, req: TaskCreate, now: datetime) -> Row:
        if req.run_at is not None:
            run_at = future(req.run_at, now, "run_at")
        else:
            run_at = ts(now + timedelta(seconds=req.delay_seconds or 0))
        nowts = ts(now)
        return {
            "id": new_id("tk"), "project": project, "kind": "task", "agent_id": None, "name": req.name,
            "schedule_type": None, "schedule": None, "timezone": "UTC", "run_at": run_at,
            "delay_seconds": req.delay_seconds, **_target(req.url, req.queue), "method": req.method,
            "headers": dump_json(req.headers), "payload": dump_json(req.payload),
            "retries": req.retries, "timeout_seconds": req.timeout_seconds, "secret": req.secret,
            "on_failure_webhook": req.on_failure_webhook, "overlap_policy": "allow", "misfire_policy": "run_once",
            "max_runs": 1, "status": "scheduled", "retention_days": DEFAULT_RETENTION_DAYS,
            "idempotency_key": req.idempotency_key, "next_run_at": run_at, "created_at": nowts, "updated_at": nowts,
            "result_url": req.result_url, "events_url": req.events_url,
        }

    async def task_get(self, project: str, task_id: str) -> Task:
        row = await self.store.get_job(project, "task", task_id)
        if row is None:
            raise NotFound(f"No task {task_id!r}.", hint="task")
        return task_record(row)

    async def task_list(
        self, project: str, *, state: str | None = None, cursor: str | None = None, limit: int = 50
    ) -> Page[Task]:
        check_limit(limit)
        check_cursor(cursor, "tk")
        check_choice(state, TASK_STATES, "state")
        rows = await self.store.list_jobs(project, "task", cursor=cursor, limit=limit + 1, filters={"status": state})
        rows, nxt = page(rows, limit)
        return Page[Task](items=[task_record(r) for r in rows], next_cursor=nxt)

    async def task_cancel(self, project: str, task_id: str) -> Task:
        row = await self.store.cancel_task(project, task_id, ts(self._now()))
        if row is None:
            raise NotFound(f"No task {task_id!r}.", hint="task")
        if row["status"] != "cancelled":
            raise Conflict(f"task {task_id!r} is {row['status']}; only a scheduled task can be cancelled")
        return task_record(row)

    # -- runs ---------------------------------------------------------------------------
    async def run_list(
        self,
        project: str,
        *,
        job_id: str | None = None,
        state: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page[Run]:
        check_limit(limit)
        check_cursor(cursor, "run")
        check_choice(state, RUN_STATES, "state")
        rows = await self.store.list_runs(project, cursor=cursor, limit=limit + 1,
                                          filters={"job_id": job_id, "state": state})
        rows, nxt = page(rows, limit)
        return Page[Run](items=[run_record(r) for r in rows], next_cursor=nxt)

    async def run_get(self, project: str, run_id: str) -> Run:
        row = await self.store.get_run(project, run_id)
        if row is None:
            raise NotFound(f"No run {run_id!r}.", hint="run")
        return run_record(row, await self.store.list_attempts(project, run_id))


