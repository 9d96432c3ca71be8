"""Time fields of the tools → exact times. The only module of the MCP layer that calls ``when``.

Every time field takes plain language or the exact form; this resolves it once, in the
caller's zone, and raises ``InvalidInput`` naming the field, what was understood and what
the field accepts, so the model can correct the call. Messages name the tool that takes the
other kind of time ("a recurrence goes to cron_create"), because the model picks tools.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.when import (
    CronError,
    When,
    WhenError,
    default_timezone,
    describe,
    get_zone,
    parse_delay,
    parse_when,
    validate_timezone,
)
from infrai_mcp.when import next_fires as when_next_fires
from infrai_mcp.when.notes import warnings

PREVIEW_FIRES = 5

__all__ = [
    "SchedulePreview",
    "When",
    "describe_instant",
    "describe_stored",
    "describe_when",
    "preview",
    "resolve_delay",
    "resolve_instant",
    "resolve_recurrence",
    "resolve_when",
    "schedule_fields",
    "server_timezone",
    "zone",
]


class SchedulePreview(BaseModel):
    """A resolved time, as shown back to the agent to confirm with the user."""

    type: str = Field(description="once | delayed | cron | recurring")
    cron: str | None = None
    # kind (cron | interval | rrule), local (next_fires in timezone), warnings: in answers, not in
    # the output schema (tools/list carries it on every turn; the tool's description names them).
    kind: SkipJsonSchema[str | None] = None
    run_at: datetime | None = None
    delay_seconds: int | None = None
    timezone: str
    description: str
    next_fires: list[datetime] = Field(default_factory=list, description="UTC")
    local: SkipJsonSchema[list[str]] = Field(default_factory=list)
    warnings: SkipJsonSchema[list[str]] = Field(default_factory=list)


def server_timezone(configured: str | None) -> str:
    """INFRAI_TIMEZONE (already in Settings) when valid, else the machine's zone, else UTC."""
    if configured:
        try:
            return validate_timezone(configured)
        except CronError:
            pass
    return default_timezone()


def zone(value: str | None, default: str, field: str = "timezone") -> str:
    if not value:
        return default
    try:
        return validate_timezone(value)
    except CronError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def _parse(text: str, field: str, tz: str, now: datetime) -> When:
    try:
        return parse_when(text, now=now, timezone=tz)
    except (WhenError, CronError) as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def resolve_when(text: str, *, field: str, tz: str, now: datetime) -> When:
    """Any phrase: once, delayed or cron (schedule_create's ``when``, when_preview)."""
    return _parse(text, field, tz, now)


def schedule_fields(when: When) -> dict[str, Any]:
    """A recurring When as the job fields that store it (a plain cron: ``schedule`` alone)."""
    rec = when.recurrence
    if rec is None or rec.is_plain_cron:
        return {"schedule": when.cron}
    d = rec.to_dict()
    ex = rec.exclusions.to_dict()
    return {"schedule": d["rule"], "schedule_kind": d["kind"], "schedule_start": d.get("start"),
            "exclusions": {"holidays": ex["holidays"], "dates": ex["dates"], "skip": ex["skip"]} if rec.exclusions
            else None, "jitter_seconds": rec.jitter_seconds or None}


def resolve_recurrence(text: str, *, field: str, tz: str, now: datetime, one_shot_hint: str) -> When:
    """A recurring schedule; a one-time phrase is an error naming where one-time phrases go."""
    when = _parse(text, field, tz, now)
    if not when.repeats:
        raise InvalidInput(
            f"{field}: '{text}' is a single time ({describe(when)}), not a recurrence. {one_shot_hint} "
            f"{field} takes recurrences such as 'every weekday at 9am', 'every 15 minutes' or '0 9 * * 1-5'.",
            field=field,
        )
    return when


def resolve_instant(text: str, *, field: str, tz: str, now: datetime, recurring_hint: str) -> datetime:
    """One instant: a date/time, an ISO timestamp or a delay ('in 2 seconds' = now + 2 s)."""
    when = _parse(text, field, tz, now)
    if when.repeats:
        raise InvalidInput(
            f"{field}: '{text}' repeats ({when.cron or when.type}: {describe(when)}); {field} needs one instant "
            f"such as 'tomorrow at 3pm', 'in 20 minutes' or '2026-12-01T09:00:00Z'. {recurring_hint}",
            field=field,
        )
    if when.type == "delayed":
        assert when.delay_seconds is not None
        return now + timedelta(seconds=when.delay_seconds)
    assert when.run_at is not None
    return when.run_at


def resolve_delay(value: int | str, *, field: str) -> int:
    """Whole seconds from an integer, a numeric string or a duration ('20 minutes')."""
    try:
        return parse_delay(value)
    except (WhenError, CronError) as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def notes(*texts: tuple[str | None, str], tz: str, now: datetime) -> list[str]:
    """Warnings for the time phrases a call gave, as ``(text, field)`` pairs (None: not given):
    a wall time in a DST gap or repeated hour, a fixed-offset zone read from "EST"-style
    abbreviations. Each prefixed with its field; a phrase that does not parse has none (the
    resolve_* call reports it)."""
    out: list[str] = []
    for text, field in texts:
        if text is None:
            continue
        try:
            out += [f"{field}: {w}" for w in warnings(parse_when(text, now=now, timezone=tz), text, now=now)]
        except (WhenError, CronError, ValueError):
            continue
    return out


def preview(when: When, now: datetime, n: int = PREVIEW_FIRES, text: str = "") -> SchedulePreview:
    rec = when.recurrence
    if rec is not None:
        fires = when_next_fires(when, n, after=now)
    elif when.type == "delayed":
        assert when.delay_seconds is not None
        fires = [now + timedelta(seconds=when.delay_seconds)]
    else:
        assert when.run_at is not None
        fires = [when.run_at]
    zone = get_zone(when.timezone)
    return SchedulePreview(
        type=when.type,
        cron=when.cron,
        kind=rec.kind if rec is not None else None,
        local=[f"{f.astimezone(zone):%Y-%m-%d %H:%M:%S %Z}" for f in fires],
        warnings=warnings(when, text, now=now),
        run_at=when.run_at,
        delay_seconds=when.delay_seconds,
        timezone=when.timezone,
        description=describe(when),
        next_fires=fires,
    )


def describe_when(when: When) -> str:
    """A parsed time in words (as ``when_preview`` says it)."""
    return describe(when)


def describe_instant(run_at: datetime, tz: str) -> str:
    return describe_stored("once", tz, run_at=run_at) or run_at.isoformat()


def describe_stored(
    kind: str, tz: str, *, cron: str | None = None, run_at: datetime | None = None, delay_seconds: int | None = None
) -> str | None:
    """The human description of a stored schedule (records may come back without one)."""
    try:
        if kind == "cron" and cron:
            return describe(When(type="cron", cron=cron, timezone=tz))
        if kind == "delayed" and delay_seconds is not None:
            return describe(When(type="delayed", delay_seconds=delay_seconds, timezone=tz))
        if run_at is not None:
            return describe(When(type="once", run_at=run_at.astimezone(UTC), timezone=tz))
    except (CronError, ValueError):
        pass
    return None
