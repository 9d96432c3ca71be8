"""Dynamic fields in a recurring job's body (seed 003): ``"$job"``, ``"$state"``, ``"$previous"``.

A JSON string value in the body that is exactly one of these names, anywhere in it (nested
objects and lists too), is replaced when the job fires; ``"$$job"`` sends the literal text
``"$job"``. One-shot jobs (tasks, ``run_at`` jobs) send their body as it is. docs/REST.md:

* ``"$job"``: this fire: ``{"id", "name", "run_id", "scheduled_for", "trigger"}``;
* ``"$state"``: the job's schedule and state: ``{"status", "schedule", "timezone", "max_runs"}``;
* ``"$previous"``: the job's previous run, or ``null`` before the first:
  ``{"run_id", "state", "scheduled_for", "finished_at", "response_status", "response", "error"}``
  where ``response`` is the response body the engine kept (parsed as JSON when it is JSON).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

NAMES = ("$job", "$state", "$previous")


def has_fields(payload: str | None) -> bool:
    """Whether a stored (JSON text) body names a dynamic field at all: the cheap check per fire."""
    return payload is not None and any(f'"{name}"' in payload or f'"${name}"' in payload for name in NAMES)


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts is not None else None


def _response(excerpt: str | None) -> Any:
    if excerpt is None:
        return None
    try:
        return json.loads(excerpt)
    except ValueError:
        return excerpt


def values(job: dict[str, Any], run: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """The three values for one fire of ``job`` (rows as the store keeps them)."""
    return {
        "$job": {"id": job["id"], "name": job.get("name"), "run_id": run["id"],
                 "scheduled_for": _iso(run.get("scheduled_for")), "trigger": run.get("trigger")},
        "$state": {"status": job.get("status"), "schedule": job.get("schedule"), "timezone": job.get("timezone"),
                   "max_runs": job.get("max_runs")},
        "$previous": None if previous is None else {
            "run_id": previous["id"], "state": previous.get("state"),
            "scheduled_for": _iso(previous.get("scheduled_for")), "finished_at": _iso(previous.get("finished_at")),
            "response_status": previous.get("response_status"),
            "response": _response(previous.get("response_excerpt")), "error": previous.get("error")},
    }


def substitute(body: Any, fields: dict[str, Any]) -> Any:
    """``body`` with each string equal to a field name replaced by its value (``"$$x"`` → ``"$x"``)."""
    if isinstance(body, str):
        if body in fields:
            return fields[body]
        return body[1:] if body.startswith("$$") and body[1:] in fields else body
    if isinstance(body, list):
        return [substitute(v, fields) for v in body]
    if isinstance(body, dict):
        return {k: substitute(v, fields) for k, v in body.items()}
    return body


__all__ = ["NAMES", "has_fields", "substitute", "values"]
