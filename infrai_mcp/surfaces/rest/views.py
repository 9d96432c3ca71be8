"""Records as the seeds show them: the model's fields plus the aliases the seeds use.

The seeds name the same thing differently (``cron_id``/``id``, ``schedule``/``cron_expr``,
``url``/``task``, ``retries``/``retry``); responses carry both spellings so code written
against any seed reads its field. ``openapi.py`` declares these extra fields too.
"""

from __future__ import annotations

from collections.abc import Sequence

from infrai_mcp.models import (
    CronJob,
    DeadLetter,
    Deleted,
    Message,
    Page,
    Published,
    Queue,
    Run,
    Subscription,
    Task,
)
from infrai_mcp.surfaces.rest.common import JSON, dump

# name of the response schema -> {alias: (source field, JSON schema of the alias)}
ALIASES: dict[str, dict[str, tuple[str, JSON]]] = {
    "CronJob": {
        "id": ("cron_id", {"type": "string"}),
        "cron_expr": ("schedule", {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        "task": ("url", {"type": "string", "description": "url, or the queue of a queue target"}),
        "task_type": ("url", {"type": "string", "enum": ["http_url", "queue"]}),
        "retry": ("retries", {"type": "integer"}),
    },
    "Run": {"id": ("run_id", {"type": "string"})},
    "Task": {"id": ("task_id", {"type": "string"}), "task": ("url", {"type": "string"}),
             "task_type": ("url", {"type": "string", "enum": ["http_url", "queue"]})},
    "Queue": {"name": ("queue", {"type": "string"})},
    "Published": {"id": ("message_id", {"type": "string"})},
    "Message": {"id": ("message_id", {"type": "string"})},
    "DeadLetter": {"id": ("message_id", {"type": "string"})},
    "Subscription": {"id": ("subscription_id", {"type": "string"})},
}


def with_aliases(kind: str, record: JSON) -> JSON:
    for alias, (source, _) in ALIASES.get(kind, {}).items():
        record[alias] = record.get(source)
    if kind in ("CronJob", "Task"):  # seed 001's task: the URL, or the queue of a queue target
        queue = record.get("queue")
        record["task"] = queue or record.get("url")
        record["task_type"] = "queue" if queue else "http_url"
    return record


def view(record: CronJob | Run | Task | Queue | Published | Message | Subscription) -> JSON:
    kind = "DeadLetter" if isinstance(record, DeadLetter) else type(record).__name__
    return with_aliases(kind, dump(record))


def views(records: Sequence[CronJob | Run | Task | Queue | Published | Message | Subscription]) -> list[JSON]:
    return [view(r) for r in records]


def page_view(page: Page[CronJob] | Page[Run] | Page[Task] | Page[Queue] | Page[DeadLetter]) -> JSON:
    return {"items": views(page.items), "next_cursor": page.next_cursor}


def deleted_view(result: Deleted, id_field: str) -> JSON:
    """``{cron_id|queue|..., id, deleted}``: the seed's id field name plus the generic ``id``."""
    return {id_field: result.id, "id": result.id, "deleted": result.deleted}
