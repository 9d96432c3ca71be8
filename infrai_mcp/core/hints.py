"""What to call next after an error, said in the words of the surface that answers.

The engine raises errors whose message is neutral (``No cron job 'cj_...'.``) and names the
kind of record in ``InfraiError.hint`` (``"cron"``). Each surface appends the sentence for
that kind in its own terms: MCP names a tool (``Call cron_list to see valid ids.``), REST a
route (``GET /v1/scheduling/cron/list lists them.``), the CLI a command. A surface with no
way to list a kind adds nothing. ``RemoteBackend`` turns a REST sentence back into the
kind, so an error reads the same through every backend.
"""

from __future__ import annotations

from typing import Literal

from infrai_mcp.core.errors import InfraiError

Surface = Literal["mcp", "rest", "cli"]

_HINTS: dict[str, dict[Surface, str]] = {
    "cron": {
        "mcp": "Call cron_list to see valid ids.",
        "rest": "GET /v1/scheduling/cron/list lists them.",
        "cli": "`infrai-mcp cron ls` lists them.",
    },
    "cron_run": {
        "mcp": "Call run_list(job_id=<cron_id>) to see valid ids.",
        "rest": "GET /v1/scheduling/cron/runs/list/{cron_id} lists them.",
        "cli": "`infrai-mcp cron runs <cron_id>` lists them.",
    },
    "task": {
        "mcp": "Call task_list to see valid ids.",
        "rest": "GET /v1/scheduling/task/list lists them.",
        "cli": "`infrai-mcp task ls` lists them.",
    },
    "run": {
        "mcp": "Call run_list to see valid ids.",
        "rest": "GET /v1/scheduling/run/list lists them.",
        "cli": "`infrai-mcp cron runs <cron_id>` lists a job's runs.",
    },
    "schedule": {
        "mcp": "Call schedule_list to see valid ids.",
        "rest": "GET /api/agents/{agent_id}/schedules lists them.",
    },
    "queue": {
        "mcp": "Call queue_list to see valid names.",
        "rest": "GET /v1/scheduling/queue/list lists them.",
    },
    "queue_exists": {
        "mcp": "Call queue_update to change it.",
        "rest": "PATCH /v1/scheduling/queue/update/{queue} changes it.",
    },
    "dlq_in_use": {
        "mcp": "queue_update sets dead_letter_queue.",
        "rest": "PATCH /v1/scheduling/queue/update/{queue} sets dead_letter_queue.",
    },
    "subscription": {
        "mcp": "Call queue_push_list to see subscriptions.",
        "rest": "GET /v1/scheduling/queue/push_list/{queue} lists them.",
    },
    "message": {
        "mcp": "Call queue_consume to receive messages and use the receipt it returns.",
        "rest": "POST /v1/scheduling/queue/consume receives messages; use the receipt it returns.",
    },
    "lease": {
        "mcp": "Call queue_consume.",
        "rest": "POST /v1/scheduling/queue/consume to receive it again.",
    },
    "delivery": {
        "mcp": "Use the delivery_id that webhook_send returned.",
        "rest": "GET /v1/scheduling/webhook/list lists them.",
    },
}


def hint(kind: str | None, surface: Surface) -> str | None:
    return _HINTS.get(kind or "", {}).get(surface)


def render(exc: InfraiError, surface: Surface) -> str:
    """The error's message followed by this surface's hint, if it has one."""
    text = hint(exc.hint, surface)
    return f"{exc.message} {text}" if text else exc.message


def strip_rest(message: str) -> tuple[str, str | None]:
    """A REST error message split into the neutral message and the kind its hint names."""
    for kind, by_surface in _HINTS.items():
        text = by_surface.get("rest")
        if text and message.endswith(" " + text):
            return message[: -len(text) - 1], kind
    return message, None
