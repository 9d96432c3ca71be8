"""POST actions (pause, resume, trigger now, delete, cancel, redrive), each one Backend call.

They are wrapped by ``app.action``: authorised, CSRF-checked, answered with JSON
``{"ok", "message", "location"}`` that ``ui.js`` turns into a notice and a page load.
"""

from __future__ import annotations

from starlette.requests import Request

from infrai_mcp.backends.base import Backend
from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import RedriveRequest, ScheduleUpdate
from infrai_mcp.surfaces.ui.render import body_json

CRON_VERBS = ("pause", "resume", "trigger", "delete")
SCHEDULE_VERBS = ("pause", "resume", "delete")


def _verb(request: Request, allowed: tuple[str, ...]) -> str:
    verb = str(request.path_params["verb"])
    if verb not in allowed:
        raise InvalidInput(f"unknown action {verb!r}; choose one of {', '.join(allowed)}", field="action")
    return verb


async def cron_action(request: Request, backend: Backend) -> tuple[str, str]:
    job_id = str(request.path_params["job_id"])
    verb = _verb(request, CRON_VERBS)
    here = f"/cron/{job_id}"
    if verb == "pause":
        await backend.cron_pause(job_id)
        return "Paused: no fires until resumed.", here
    if verb == "resume":
        job = await backend.cron_resume(job_id)
        return f"Resumed ({job.status}).", here
    if verb == "trigger":
        run = await backend.cron_trigger(job_id)
        return f"Triggered: run {run.run_id} ({run.state}).", here
    await backend.cron_delete(job_id)
    return "Deleted.", "/jobs"


async def task_cancel(request: Request, backend: Backend) -> tuple[str, str]:
    job_id = str(request.path_params["job_id"])
    await backend.task_cancel(job_id)
    return "Cancelled.", f"/tasks/{job_id}"


async def schedule_action(request: Request, backend: Backend) -> tuple[str, str]:
    agent_id, job_id = str(request.path_params["agent_id"]), str(request.path_params["job_id"])
    verb = _verb(request, SCHEDULE_VERBS)
    here = f"/agents/{agent_id}/schedules/{job_id}"
    if verb == "delete":
        await backend.schedule_delete(agent_id, job_id)
        return "Deleted.", f"/jobs?type=schedule&agent={agent_id}"
    status = "paused" if verb == "pause" else "active"
    await backend.schedule_update(agent_id, job_id, ScheduleUpdate.model_validate({"status": status}))
    return ("Paused." if verb == "pause" else "Resumed."), here


async def redrive(request: Request, backend: Backend) -> tuple[str, str]:
    """Body ``{"message_id": "..."}`` redrives one dead letter; ``{}`` redrives them all."""
    queue = str(request.path_params["queue"])
    body = await body_json(request)
    message_id = body.get("message_id") or None
    if message_id is not None and not isinstance(message_id, str):
        raise InvalidInput("message_id must be a string", field="message_id")
    result = await backend.queue_dlq_redrive(queue, RedriveRequest.model_validate({"message_id": message_id}))
    what = f"message {message_id}" if message_id else "all dead letters"
    return f"Redrove {result.redriven} ({what}) back to {queue}.", f"/queues/{queue}"
