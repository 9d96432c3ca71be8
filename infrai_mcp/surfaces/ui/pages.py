"""GET pages: each reads a bounded amount through the Backend and renders one template."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response

from infrai_mcp.backends.base import Backend
from infrai_mcp.core.errors import InvalidInput, NotFound
from infrai_mcp.models import MAX_PAGE, Run
from infrai_mcp.services.upcoming import cron_fires, schedule_fires
from infrai_mcp.surfaces.ui import charts, data
from infrai_mcp.surfaces.ui.render import render

PAGE_SIZE = 50
RUNS_PAGE = 25


# -- template filters ---------------------------------------------------------------------


def when(value: datetime | None, empty: str = "—") -> Markup:
    """A ``<time>``: UTC in the markup and on hover; ``ui.js`` shows it in the viewer's zone."""
    if value is None:
        return Markup(escape(empty))
    utc = value.astimezone(UTC)
    iso = utc.isoformat().replace("+00:00", "Z")
    text = utc.strftime("%Y-%m-%d %H:%M:%S UTC")
    return Markup('<time datetime="{0}" title="{1}">{1}</time>').format(iso, text)


def pretty_json(value: Any) -> str:
    if value is None:
        return ""
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)[:20000]
    except (TypeError, ValueError):
        return str(value)[:20000]


def duration(ms: int | None) -> str:
    if ms is None:
        return "—"
    return f"{ms} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def seconds(value: float | None) -> str:
    if value is None:
        return "—"
    s = int(value)
    if s < 120:
        return f"{s} s"
    if s < 7200:
        return f"{s // 60} min"
    if s < 172800:
        return f"{s // 3600} h {s % 3600 // 60} min"
    return f"{s // 86400} d"


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


FILTERS = {"when": when, "pretty_json": pretty_json, "duration": duration, "seconds": seconds, "iso": iso}


# -- helpers ------------------------------------------------------------------------------


def _limit(request: Request, default: int = PAGE_SIZE) -> int:
    raw = request.query_params.get("limit")
    if not raw:
        return default
    try:
        n = int(raw)
    except ValueError:
        raise InvalidInput("limit must be a whole number from 1 to 500", field="limit") from None
    return max(1, min(MAX_PAGE, n))


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value[:200] or None


# -- pages --------------------------------------------------------------------------------


async def overview(request: Request, backend: Backend) -> Response:
    now = backend.now()
    agent = _param(request, "agent")
    rph, tl = await asyncio.gather(data.runs_per_hour(backend, now), data.timeline(backend, now, agent))
    return render(
        request,
        "overview.html",
        {
            "title": "Overview",
            "nav": "overview",
            "now": now,
            "agent": agent or "",
            "rph": rph,
            "chart": charts.bar_chart(rph),
            "tl": tl,
            "tl_draw": charts.timeline_chart(tl, data.TIMELINE_MAX_ROWS),
            "upcoming": tl.upcoming(40),
            "outcomes": data.OUTCOMES,
        },
    )


async def jobs(request: Request, backend: Backend) -> Response:
    kind = _param(request, "type")
    if kind and kind not in data.KINDS:
        raise InvalidInput("type must be cron, task or schedule", field="type")
    status = _param(request, "status")
    agent = _param(request, "agent")
    cursors = {k: v for k in data.KINDS if (v := request.query_params.get(f"{k}_cursor", ""))}
    result = await data.list_jobs(
        backend, kind=kind, status=status, agent=agent, cursors=cursors, limit=_limit(request)
    )
    next_params = None
    if result.cursors:
        keep = {k: v for k, v in (("type", kind), ("status", status), ("agent", agent),
                                  ("limit", request.query_params.get("limit"))) if v}
        next_params = {**keep, **{f"{k}_cursor": v for k, v in result.cursors.items()}}
    return render(
        request,
        "jobs.html",
        {
            "title": "Jobs",
            "nav": "jobs",
            "rows": result.rows,
            "notes": result.notes,
            "kind": kind or "",
            "status": status or "",
            "agent": agent or "",
            "q": _param(request, "q") or "",
            "next_params": next_params,
            "paged": bool(cursors),
        },
    )


async def _runs(backend: Backend, request: Request, job_kind: str, job_id: str) -> tuple[list[Run], str | None]:
    cursor = _param(request, "cursor")
    if job_kind == "cron":
        page = await backend.cron_runs_list(job_id, cursor=cursor, limit=_limit(request, RUNS_PAGE))
    else:
        page = await backend.run_list(job_id=job_id, cursor=cursor, limit=_limit(request, RUNS_PAGE))
    return page.items, page.next_cursor


async def cron_job(request: Request, backend: Backend) -> Response:
    job_id = request.path_params["job_id"]
    job = await backend.cron_get(job_id)
    runs, next_cursor = await _runs(backend, request, "cron", job_id)
    upcoming, _ = cron_fires(job, backend.now())
    return render(
        request,
        "job.html",
        {
            "title": job.name or job.cron_id,
            "nav": "jobs",
            "kind": "cron",
            "job": job,
            "row": data.cron_row(job),
            "settings": job.model_dump(mode="json", exclude={"payload", "headers"}),
            "runs": runs,
            "next_cursor": next_cursor,
            "upcoming": upcoming,
            "actions_base": f"/cron/{job.cron_id}",
        },
    )


async def task(request: Request, backend: Backend) -> Response:
    job_id = request.path_params["job_id"]
    t = await backend.task_get(job_id)
    runs, next_cursor = await _runs(backend, request, "task", job_id)
    return render(
        request,
        "job.html",
        {
            "title": t.name or t.task_id,
            "nav": "jobs",
            "kind": "task",
            "job": t,
            "row": data.task_row(t),
            "settings": t.model_dump(mode="json", exclude={"payload", "headers"}),
            "runs": runs,
            "next_cursor": next_cursor,
            "upcoming": [t.run_at] if t.state == "scheduled" else [],
            "actions_base": f"/tasks/{t.task_id}",
        },
    )


async def schedule(request: Request, backend: Backend) -> Response:
    agent_id, job_id = request.path_params["agent_id"], request.path_params["job_id"]
    s = await backend.schedule_get(agent_id, job_id)
    runs, next_cursor = await _runs(backend, request, "schedule", job_id)
    upcoming, _ = schedule_fires(s, backend.now())
    return render(
        request,
        "job.html",
        {
            "title": s.name,
            "nav": "jobs",
            "kind": "schedule",
            "job": s,
            "row": data.schedule_row(s),
            "settings": s.model_dump(mode="json", exclude={"payload", "executions", "callback_headers"}),
            "runs": runs,
            "executions": s.executions or [],
            "next_cursor": next_cursor,
            "upcoming": upcoming,
            "actions_base": f"/agents/{s.agent_id}/schedules/{s.id}",
        },
    )


RUN_STATES = ("pending", "running", "retrying", "succeeded", "failed", "skipped", "cancelled")


async def runs(request: Request, backend: Backend) -> Response:
    """Every run of the project, newest first: one ``run_list`` page, filtered by state/job."""
    state = _param(request, "state")
    if state and state not in RUN_STATES:
        raise InvalidInput(f"state must be one of {', '.join(RUN_STATES)}", field="state")
    job_id = _param(request, "job_id")
    cursor = _param(request, "cursor")
    page = await backend.run_list(job_id=job_id, state=state, cursor=cursor, limit=_limit(request))
    return render(
        request,
        "runs.html",
        {"title": "Runs", "nav": "runs", "runs": page.items, "next_cursor": page.next_cursor,
         "state": state or "", "job_id": job_id or "", "states": RUN_STATES, "paged": bool(cursor)},
    )


async def run(request: Request, backend: Backend) -> Response:
    r = await backend.run_get(request.path_params["run_id"])
    if r.attempt_log is None and r.cron_id:
        r = await backend.cron_run_get(r.cron_id, r.run_id)
    return render(request, "run.html", {"title": f"Run {r.run_id}", "nav": "runs", "run": r, "job_path": _job_path(r)})


def _job_path(r: Run) -> str | None:
    if r.cron_id or r.job_kind == "cron":
        return f"/cron/{r.cron_id or r.job_id}"
    if r.task_id or r.job_kind == "task":
        return f"/tasks/{r.task_id or r.job_id}"
    return None  # a schedule's page needs its agent id, which a run does not carry


async def queues(request: Request, backend: Backend) -> Response:
    page = await backend.queue_list(cursor=_param(request, "cursor"), limit=_limit(request))
    stats = await asyncio.gather(*(backend.queue_stats(q.queue) for q in page.items))
    return render(
        request,
        "queues.html",
        {"title": "Queues", "nav": "queues", "rows": list(zip(page.items, stats, strict=True)),
         "next_cursor": page.next_cursor},
    )


async def queue(request: Request, backend: Backend) -> Response:
    name = request.path_params["queue"]
    q, stats = await asyncio.gather(backend.queue_get(name), backend.queue_stats(name))
    dlq = await backend.queue_dlq_list(name, cursor=_param(request, "cursor"), limit=_limit(request))
    subs = await backend.queue_push_list(name)
    return render(
        request,
        "queue.html",
        {"title": f"Queue {q.queue}", "nav": "queues", "q": q, "stats": stats, "dlq": dlq.items,
         "next_cursor": dlq.next_cursor, "subs": subs},
    )


DELIVERY_STATES = ("pending", "delivering", "succeeded", "failed")


async def webhooks(request: Request, backend: Backend) -> Response:
    """The project's deliveries, newest first (one ``webhook_list`` page), plus lookup by id."""
    delivery_id = _param(request, "id")
    state = _param(request, "state")
    if state and state not in DELIVERY_STATES:
        raise InvalidInput(f"state must be one of {', '.join(DELIVERY_STATES)}", field="state")
    cursor = _param(request, "cursor")
    delivery = None
    error = None
    if delivery_id:
        try:
            delivery = await backend.webhook_get(delivery_id)
        except NotFound as exc:
            error = exc.message
    listed = await backend.webhook_list(state=state, cursor=cursor, limit=_limit(request))
    return render(
        request,
        "webhooks.html",
        {"title": "Webhook deliveries", "nav": "webhooks", "delivery": delivery, "lookup": delivery_id or "",
         "error": error, "deliveries": listed.items, "next_cursor": listed.next_cursor, "state": state or "",
         "states": DELIVERY_STATES, "paged": bool(cursor), "listing": True},
    )


async def delivery(request: Request, backend: Backend) -> Response:
    d = await backend.webhook_get(request.path_params["delivery_id"])
    return render(
        request,
        "webhooks.html",
        {"title": f"Delivery {d.delivery_id}", "nav": "webhooks", "delivery": d, "lookup": d.delivery_id,
         "error": None},
    )
