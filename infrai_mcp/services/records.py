"""Rows (store dicts) to records (pydantic models), and the small conversions around them.

Secrets never leave through here: records carry ``has_secret`` and masked headers only.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from infrai_mcp.core.planning import recurrence_of
from infrai_mcp.models.common import mask_headers, stored_json
from infrai_mcp.models.jobs import Attempt, CronJob, Run, Task
from infrai_mcp.models.schedules import Execution, ExecutionStatus, Schedule
from infrai_mcp.services.queue_records import trusted
from infrai_mcp.store.jobs import Row
from infrai_mcp.when.cron import CronError
from infrai_mcp.when.describe import describe_cron
from infrai_mcp.when.rulewords import describe_recurrence


def ts(dt: datetime) -> float:
    return dt.timestamp()


def dt(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def dt_req(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def dump_json(value: Any) -> str | None:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False) if value is not None else None


def _headers(row: Row) -> dict[str, str] | None:
    headers = stored_json(row["headers"])
    return mask_headers(headers) if isinstance(headers, dict) else None


def _describe(schedule: str | None) -> str | None:
    if not schedule:
        return None
    try:
        return describe_cron(schedule)
    except (CronError, ValueError):
        return None


def kind_fields(row: Row) -> dict[str, Any]:
    """A recurring job's schedule kind, start, exclusions and jitter, as records show them."""
    if not row.get("schedule"):
        return {"schedule_kind": None, "schedule_start": None, "exclusions": None, "jitter_seconds": 0}
    return {"schedule_kind": row.get("schedule_kind") or "cron", "schedule_start": row.get("schedule_start"),
            "exclusions": stored_json(row.get("exclusions")), "jitter_seconds": row.get("jitter_seconds") or 0}


def describe_row(row: Row) -> str | None:
    """The job's schedule in words (a plain cron as before; other kinds with their exclusions)."""
    if not row.get("schedule"):
        return None
    if (row.get("schedule_kind") or "cron") == "cron" and not row.get("exclusions") and not row.get("jitter_seconds"):
        return _describe(row["schedule"])
    try:
        rec = recurrence_of(row)
    except ValueError:
        return None
    return describe_recurrence(rec, zone=False) if rec is not None else None


def _queue(row: Row) -> str | None:
    return row["callback_id"] if row["callback_type"] == "queue" else None


# Job records are built from store rows, which only validated writes made: ``trusted`` skips
# re-validating them (a batch create answers 1,000 records at once). Fields go in the model's
# order: the serializer writes them in the order of the instance's dict.
def cron_record(row: Row, warnings: list[str] | None = None) -> CronJob:
    return trusted(CronJob, dict(
        cron_id=row["id"], name=row["name"] or "", schedule=row["schedule"], run_at=dt(row["run_at"]),
        timezone=row["timezone"], description=describe_row(row), **kind_fields(row), url=row["url"],
        queue=_queue(row), method=row["method"], headers=_headers(row), payload=stored_json(row["payload"]),
        retries=row["retries"],
        timeout_seconds=row["timeout_seconds"], overlap_policy=row["overlap_policy"],
        misfire_policy=row["misfire_policy"], max_runs=row["max_runs"], run_count=row["run_count"],
        on_failure_webhook=row["on_failure_webhook"], result_url=row.get("result_url"),
        events_url=row.get("events_url"), has_secret=bool(row["secret"]),
        enabled=row["status"] == "active", status=row["status"], retention_days=row["retention_days"],
        next_run_at=dt(row["next_run_at"]), last_run_at=dt(row["last_run_at"]),
        created_at=dt_req(row["created_at"]), updated_at=dt_req(row["updated_at"]),
        warnings=warnings or [], number=row.get("seq"),
    ))


def task_record(row: Row, warnings: list[str] | None = None) -> Task:
    return trusted(Task, dict(
        task_id=row["id"], name=row["name"], url=row["url"], queue=_queue(row), method=row["method"],
        headers=_headers(row),
        payload=stored_json(row["payload"]), retries=row["retries"], timeout_seconds=row["timeout_seconds"],
        on_failure_webhook=row["on_failure_webhook"], result_url=row.get("result_url"),
        events_url=row.get("events_url"), has_secret=bool(row["secret"]),
        run_at=dt_req(row["run_at"]), state=row["status"], run_id=row["last_run_id"],
        created_at=dt_req(row["created_at"]), updated_at=dt_req(row["updated_at"]),
        warnings=warnings or [], number=row.get("seq"),
    ))


def attempt_record(row: Row) -> Attempt:
    return Attempt(
        attempt=row["attempt"], started_at=dt_req(row["started_at"]), finished_at=dt(row["finished_at"]),
        response_status=row["response_status"], duration_ms=row["duration_ms"], error=row["error"],
    )


def run_record(row: Row, attempts: list[Row] | None = None) -> Run:
    kind = row["job_kind"]
    return Run(
        run_id=row["id"], job_id=row["job_id"], job_kind=kind,
        cron_id=row["job_id"] if kind == "cron" else None,
        task_id=row["job_id"] if kind == "task" else None,
        schedule_id=row["job_id"] if kind == "schedule" else None,
        state=row["state"], trigger=row["trigger"], scheduled_for=dt_req(row["scheduled_for"]),
        started_at=dt(row["started_at"]), finished_at=dt(row["finished_at"]), attempts=row["attempts"],
        response_status=row["response_status"], response_excerpt=row["response_excerpt"], error=row["error"],
        duration_ms=row["duration_ms"], webhook_id=row["webhook_id"],
        attempt_log=[attempt_record(a) for a in attempts] if attempts is not None else None,
    )


_EXEC_STATUS: dict[str, ExecutionStatus] = {
    "pending": "pending", "retrying": "pending", "running": "running", "succeeded": "success",
}


def execution_record(row: Row) -> Execution:
    return Execution(
        id=row["id"], executed_at=dt_req(row["started_at"] or row["scheduled_for"]),
        status=_EXEC_STATUS.get(row["state"], "failed"), run_id=row["id"], error=row["error"],
    )


def schedule_record(row: Row, executions: list[Row] | None = None) -> Schedule:
    return Schedule(
        id=row["id"], agent_id=row["agent_id"], name=row["name"] or "", type=row["schedule_type"],
        cron_expression=row["schedule"], timezone=row["timezone"], delay_seconds=row["delay_seconds"],
        description=_describe(row["schedule"]), next_run=dt(row["next_run_at"]), last_run=dt(row["last_run_at"]),
        callback_type=row["callback_type"], callback_id=row["callback_id"], callback_url=row["url"],
        callback_method=row["method"], payload=stored_json(row["payload"]), status=row["status"],
        created_at=dt_req(row["created_at"]), updated_at=dt(row["updated_at"]),
        executions=[execution_record(r) for r in executions] if executions is not None else None,
    )
