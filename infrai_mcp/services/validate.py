"""Input checks the request models cannot make alone (they need the clock or when/).

Each raises InvalidInput naming the field and what is accepted.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import islice

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.core.ids import is_id
from infrai_mcp.core.planning import recurrence_columns, recurrence_of
from infrai_mcp.models.common import MAX_PAGE
from infrai_mcp.models.jobs import ExclusionsIn, KindFields
from infrai_mcp.store.jobs import Row
from infrai_mcp.when.cron import CronError, get_zone, next_fire, normalize_cron, validate_timezone
from infrai_mcp.when.fires import next_fires, occurrences
from infrai_mcp.when.kinds import CalendarRule, CronRule, Exclusions, IntervalRule, Recurrence, Rule, RuleError

# A run_at this far in the past is still accepted (clock skew, request latency) and fires
# at once; anything older is an error rather than a silent immediate fire.
PAST_TOLERANCE = timedelta(seconds=1)
RUN_STATES = ("pending", "running", "retrying", "succeeded", "failed", "skipped", "cancelled")
TASK_STATES = ("scheduled", "running", "succeeded", "failed", "cancelled")


def check_limit(limit: int) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE:
        raise InvalidInput(f"limit must be an integer from 1 to {MAX_PAGE}, got {limit!r}", field="limit")
    return limit


def check_cursor(cursor: str | None, prefix: str) -> str | None:
    """A cursor is the last id of the previous page (``<prefix>_...``). A well-formed one whose
    record was deleted since still works (pages continue after it); a malformed one is an
    error rather than a silently empty page."""
    if cursor is not None and not is_id(cursor, prefix):
        raise InvalidInput(
            f"cursor is not one this list returns (they look like {prefix}_...); pass the next_cursor value "
            "from a previous page, or omit it for the first page", field="cursor",
        )
    return cursor


def check_choice(value: str | None, choices: tuple[str, ...], field: str) -> str | None:
    if value is not None and value not in choices:
        raise InvalidInput(f"{field} must be one of {', '.join(choices)}; got {value!r}", field=field)
    return value


def cron_expr(expr: str, field: str = "schedule") -> str:
    try:
        return normalize_cron(expr)
    except CronError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def zone(name: str, field: str = "timezone") -> str:
    try:
        return validate_timezone(name)
    except CronError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def first_fire(expr: str, tz: str, after: datetime, field: str = "schedule") -> float:
    try:
        return next_fire(expr, tz, after).timestamp()
    except (CronError, StopIteration):
        raise InvalidInput(f"{field}: cron expression {expr!r} has no future fire time", field=field) from None


def _start(text: str, tz: str, field: str = "schedule_start") -> datetime:
    """An ISO 8601 start: aware as given, naive read as a wall time in ``tz`` (returned aware)."""
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{field}: {text!r} is not an ISO 8601 time such as 2026-12-01T09:00:00 or "
                           "2026-12-01T09:00:00Z", field=field) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=get_zone(tz), fold=0)


def rule_of(schedule: str, kind: str, start: str | None, tz: str, now: datetime, field: str = "schedule") -> Rule:
    """The rule ``schedule`` says when read as ``kind`` (cron, interval seconds, RRULE lines)."""
    try:
        if kind == "interval":
            text = schedule.strip()
            if not text.isdigit():
                raise InvalidInput(f"{field}: an interval is a whole number of seconds such as '5400' (every 90 "
                                   f"minutes), not {schedule!r}", field=field)
            return IntervalRule.of(int(text), created=now, anchor=_start(start, tz) if start else None)
        if kind == "rrule":
            # Default DTSTART: today's local midnight, so what the rule leaves out is 00:00:00 and today.
            wall = _start(start, tz).astimezone(get_zone(tz)) if start else now.astimezone(get_zone(tz)).replace(
                hour=0, minute=0, second=0)
            return CalendarRule.of(schedule, start=wall.replace(tzinfo=None, microsecond=0))
        if start:
            raise InvalidInput("schedule_start: only an interval or rrule schedule has a start", field="schedule_start")
        return CronRule.of(schedule)
    except RuleError as exc:
        raise InvalidInput(f"{field}: {exc}", field=field) from None


def exclusions_of(given: ExclusionsIn, rule: Rule, tz: str, now: datetime, key: str) -> Exclusions:
    """Exclusions from a request; ``skip_next`` becomes the next N times of the rule (without jitter)."""
    try:
        ex = Exclusions.of(holidays=given.holidays, dates=given.dates, skip=given.skip)
    except RuleError as exc:
        raise InvalidInput(f"exclusions: {exc}", field="exclusions") from None
    if not given.skip_next:
        return ex
    times = [o.nominal for o in islice(occurrences(Recurrence(rule, tz, ex), now, key=key), 10_000)
             if not o.skipped][: given.skip_next]
    return replace(ex, skip=tuple(sorted({*ex.skip, *times})))


def recurrence_for(req: KindFields, *, schedule: str | None, tz: str, now: datetime, key: str,
                   current: Row | None = None) -> Recurrence | None:
    """The recurrence a create or update asks for (None: the job has no schedule).

    Update (``current`` given): what the request leaves out is kept: the rule (a new ``schedule``
    without ``schedule_kind`` is a cron), its start unless the rule changed, the exclusions
    (``exclusions: null`` clears them), the jitter."""
    given = req.model_fields_set
    old = recurrence_of(current) if current is not None and current.get("schedule") else None
    if schedule is None and old is None:
        if any(f in given and getattr(req, f) not in (None, 0) for f in ("schedule_kind", "schedule_start",
                                                                         "exclusions", "jitter_seconds")):
            raise InvalidInput("schedule_kind, schedule_start, exclusions and jitter_seconds go with a recurring "
                               "schedule; give schedule too", field="schedule")
        return None
    if schedule is not None or "schedule_kind" in given or "schedule_start" in given:
        kind = req.schedule_kind or ("cron" if schedule is not None or old is None else old.kind)
        text = schedule if schedule is not None else (current or {}).get("schedule") or ""
        start = req.schedule_start
        if start is None and schedule is None and old is not None and kind == old.kind:
            start = (current or {}).get("schedule_start")
        rule = rule_of(text, kind, start, tz, now)
    else:
        assert old is not None
        rule = old.rule
    if "exclusions" in given or old is None:
        ex = exclusions_of(req.exclusions, rule, tz, now, key) if req.exclusions is not None else Exclusions()
    else:
        ex = old.exclusions
    jitter = req.jitter_seconds if req.jitter_seconds is not None else (old.jitter_seconds if old else 0)
    try:
        rec = Recurrence(rule, tz, ex, jitter)
    except RuleError as exc:
        raise InvalidInput(f"jitter_seconds: {exc}", field="jitter_seconds") from None
    if not next_fires(rec, now, 1, key=key):
        raise InvalidInput("schedule: it has no future fire time (every time it has is excluded)", field="schedule")
    return rec


def first_times(rec: Recurrence, now: datetime, key: str) -> Row:
    """``next_run_at`` (the first fire after ``now``) and ``plan_at`` (the first time, fired or
    skipped, so a skipped first time is recorded too), with the recurrence's columns."""
    nxt = next_fires(rec, now, 1, key=key)[0].timestamp()
    first = next(iter(occurrences(rec, now, key=key))).at.timestamp() if rec.exclusions else nxt
    return {**recurrence_columns(rec), "next_run_at": nxt, "plan_at": min(first, nxt)}


def future(at: datetime, now: datetime, field: str) -> float:
    if at < now - PAST_TOLERANCE:
        raise InvalidInput(
            f"{field} {at.isoformat()} is in the past (now is {now.isoformat()}); give a future time "
            "or use a delay", field=field,
        )
    return max(at, now).timestamp()


def page(rows: list[Row], limit: int, key: str = "id") -> tuple[list[Row], str | None]:
    """Rows were fetched with limit + 1: the extra one only says there is a next page."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, rows[-1][key]
    return rows, None
