"""Agent schedules (seed 004): once / delayed / cron, with a url, queue or workflow callback.

A schedule is a job of kind 'schedule' owned by ``agent_id``; its executions are its runs.
Callbacks are carried out by the executor (runner.py): ``url`` through the dispatcher,
``queue`` by publishing to the project's queue named ``callback_id``, ``workflow`` by a
signed POST to ``settings.workflow_url`` with ``{callback_id}`` filled in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from infrai_mcp.core.errors import InvalidInput, NotFound
from infrai_mcp.core.ids import new_id
from infrai_mcp.models.common import Page
from infrai_mcp.models.jobs import DEFAULT_RETENTION_DAYS, DEFAULT_RETRIES, DEFAULT_TIMEOUT, Deleted
from infrai_mcp.models.schedules import Schedule, ScheduleCreate, ScheduleUpdate
from infrai_mcp.services.records import dump_json, schedule_record, ts
from infrai_mcp.services.validate import (
    check_choice,
    check_cursor,
    check_limit,
    cron_expr,
    first_fire,
    future,
    page,
    zone,
)
from infrai_mcp.store.jobs import JobStore, Row

if TYPE_CHECKING:
    from infrai_mcp.services.deps import Deps

MAX_EXECUTIONS = 50
MAX_AGENT_ID = 200


def _agent(agent_id: str) -> str:
    if not isinstance(agent_id, str) or not agent_id.strip() or len(agent_id) > MAX_AGENT_ID:
        raise InvalidInput(f"agent_id must be a non-empty string of at most {MAX_AGENT_ID} characters",
                           field="agent_id")
    return agent_id


class ScheduleOps:
    deps: Deps

    @property
    def store(self) -> JobStore:
        return self.deps.store

    def _now(self) -> datetime:
        return self.deps.clock.now()

    async def _check_callback(self, project: str, callback_type: str | None, callback_id: str | None) -> None:
        """Refuse a callback that could never be delivered (docs/REST.md, "Agent schedules").

        A queue deleted after the schedule was made is not caught here: that fire records a
        failed execution naming the missing queue (runner.py)."""
        if callback_type == "queue" and await self.deps.store.get_queue(project, callback_id or "") is None:
            raise InvalidInput(
                f"callback_id: no queue {callback_id!r} in this project; create the queue first, then the "
                "schedule, or use callback_type 'url' with callback_url", field="callback_id",
            )
        if callback_type == "workflow" and not self.deps.settings.workflow_url:
            raise InvalidInput(
                "callback_type: 'workflow' needs INFRAI_WORKFLOW_URL (a URL template with {callback_id}) on the "
                "server, and none is configured; configure it, or use callback_type 'url' with callback_url",
                field="callback_type",
            )

    def _not_found(self, agent_id: str, schedule_id: str) -> NotFound:
        return NotFound(f"No schedule {schedule_id!r} for agent {agent_id!r}.", hint="schedule")

    async def _schedule_row(self, project: str, agent_id: str, schedule_id: str) -> Row:
        row = await self.store.get_job(project, "schedule", schedule_id)
        if row is None or row["agent_id"] != agent_id:
            raise self._not_found(agent_id, schedule_id)
        return row

    async def schedule_create(self, project: str, agent_id: str, req: ScheduleCreate) -> Schedule:
        _agent(agent_id)
        await self.deps.check_targets(req)
        now = self._now()
        tz = zone(req.timezone)
        schedule: str | None = None
        run_at: float | None = None
        if req.type == "cron":
            schedule = cron_expr(req.cron_expression or "", "cron_expression")
            nxt = first_fire(schedule, tz, now, "cron_expression")
        elif req.type == "once":
            assert req.next_run is not None  # the model requires it for 'once'
            nxt = run_at = future(req.next_run, now, "next_run")
        else:
            nxt = run_at = ts(now + timedelta(seconds=req.delay_seconds or 0))
        await self._check_callback(project, req.callback_type, req.callback_id)
        nowts = ts(now)
        row: Row = {
            "id": new_id("sch"), "project": project, "kind": "schedule", "agent_id": agent_id, "name": req.name,
            "schedule_type": req.type, "schedule": schedule, "timezone": tz, "run_at": run_at,
            "delay_seconds": req.delay_seconds, "callback_type": req.callback_type, "callback_id": req.callback_id,
            "url": req.callback_url, "method": req.callback_method, "headers": dump_json(req.callback_headers),
            "payload": dump_json(req.payload), "retries": DEFAULT_RETRIES, "timeout_seconds": DEFAULT_TIMEOUT,
            "secret": None, "on_failure_webhook": None, "overlap_policy": "allow", "misfire_policy": "run_once",
            "max_runs": None, "status": req.status, "retention_days": DEFAULT_RETENTION_DAYS,
            "idempotency_key": None, "next_run_at": nxt if req.status == "active" else None,
            "created_at": nowts, "updated_at": nowts,
        }
        stored, _ = await self.store.insert_job(row)
        self.deps.wake()
        return schedule_record(stored)

    async def schedule_list(
        self,
        project: str,
        agent_id: str | None = None,
        *,
        status: str | None = None,
        type: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Page[Schedule]:
        """One agent's schedules, or (``agent_id=None``) every agent's, oldest first."""
        if agent_id is not None:
            _agent(agent_id)
        check_limit(limit)
        check_cursor(cursor, "sch")
        check_choice(status, ("active", "paused", "completed"), "status")
        check_choice(type, ("once", "delayed", "cron"), "type")
        rows = await self.store.list_jobs(
            project, "schedule", cursor=cursor, limit=limit + 1,
            filters={"agent_id": agent_id, "status": status, "schedule_type": type},
        )
        rows, nxt = page(rows, limit)
        return Page[Schedule](items=[schedule_record(r) for r in rows], next_cursor=nxt)

    async def schedule_get(self, project: str, agent_id: str, schedule_id: str) -> Schedule:
        row = await self._schedule_row(project, agent_id, schedule_id)
        runs = await self.store.list_runs(project, cursor=None, limit=MAX_EXECUTIONS, filters={"job_id": schedule_id})
        return schedule_record(row, runs)

    async def schedule_update(
        self, project: str, agent_id: str, schedule_id: str, req: ScheduleUpdate
    ) -> Schedule:
        row = await self._schedule_row(project, agent_id, schedule_id)
        await self.deps.check_targets(req)
        now = self._now()
        given = req.model_fields_set
        changes: Row = {}
        simple = {"name": "name", "callback_type": "callback_type", "callback_id": "callback_id",
                  "callback_url": "url", "callback_method": "method"}
        for field, col in simple.items():
            if field in given and getattr(req, field) is not None:
                changes[col] = getattr(req, field)
        for field, col in (("callback_headers", "headers"), ("payload", "payload")):
            if field in given:
                changes[col] = dump_json(getattr(req, field))
        ctype = changes.get("callback_type", row["callback_type"])
        if ctype == "url" and not changes.get("url", row["url"]):
            raise InvalidInput("callback_type 'url' needs callback_url", field="callback_url")
        if ctype in ("queue", "workflow") and not changes.get("callback_id", row["callback_id"]):
            raise InvalidInput(f"callback_type '{ctype}' needs callback_id", field="callback_id")
        if "callback_type" in changes or "callback_id" in changes:
            await self._check_callback(project, ctype, changes.get("callback_id", row["callback_id"]))
        stype, schedule, tz = row["schedule_type"], row["schedule"], row["timezone"]
        run_at: float | None = row["run_at"]
        retime = False
        if "timezone" in given and req.timezone is not None:
            tz = changes["timezone"] = zone(req.timezone)
            retime = True
        if "cron_expression" in given and req.cron_expression is not None:
            if stype != "cron":
                raise InvalidInput(f"cron_expression applies to type 'cron'; this schedule is '{stype}'",
                                   field="cron_expression")
            schedule = changes["schedule"] = cron_expr(req.cron_expression, "cron_expression")
            retime = True
        if "next_run" in given and req.next_run is not None:
            if stype == "cron":
                raise InvalidInput("next_run applies to 'once' and 'delayed' schedules; change cron_expression",
                                   field="next_run")
            run_at = changes["run_at"] = future(req.next_run, now, "next_run")
            retime = True
        if "delay_seconds" in given and req.delay_seconds is not None:
            if stype == "cron":
                raise InvalidInput("delay_seconds applies to 'delayed' schedules", field="delay_seconds")
            changes["delay_seconds"] = req.delay_seconds
            run_at = changes["run_at"] = ts(now + timedelta(seconds=req.delay_seconds))
            retime = True
        status = row["status"]
        if retime and status == "completed":
            status = "active"  # a finished one-shot given a new time runs again
        if "status" in given and req.status is not None and req.status != status:
            status, retime = req.status, True
        if retime:
            if status != "active":
                changes["next_run_at"] = None
            elif schedule:
                changes["next_run_at"] = first_fire(schedule, tz, now, "cron_expression")
            elif run_at is not None:
                # Resuming a one-shot whose time passed while paused fires it now, once.
                changes["next_run_at"] = max(run_at, ts(now))
        changes["status"] = status
        changes["updated_at"] = ts(now)
        new = await self.store.update_job(project, "schedule", schedule_id, changes)
        if new is None:
            raise self._not_found(agent_id, schedule_id)
        self.deps.wake()
        return schedule_record(new)

    async def schedule_delete(self, project: str, agent_id: str, schedule_id: str) -> Deleted:
        _agent(agent_id)
        row = await self.store.get_job(project, "schedule", schedule_id)
        if row is not None and row["agent_id"] != agent_id:
            raise self._not_found(agent_id, schedule_id)
        if not await self.store.delete_job(project, "schedule", schedule_id, ts(self._now())):
            raise self._not_found(agent_id, schedule_id)
        return Deleted(id=schedule_id, deleted=True)
