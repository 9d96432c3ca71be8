"""Input checks the request models cannot make alone (they need the clock or when/).

Each raises InvalidInput naming the field and what is accepted.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.core.ids import is_id
from infrai_mcp.models.common import MAX_PAGE
from infrai_mcp.store.jobs import Row
from infrai_mcp.when.cron import CronError, next_fire, normalize_cron, validate_timezone

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
