"""Cron expressions and zones: validation and next fire times. The ONLY caller of cronsim.

Fire times follow Debian cron's DST rules, which cronsim implements:
- a wall time inside a spring-forward gap fires once, at the instant the gap ends;
- on fall-back a job with a fixed hour fires once (first pass), while a job whose hour
  field is ``*`` fires in both passes.

cronsim was chosen over croniter because croniter 7.0.0 fires fixed-hour jobs twice on
fall-back and reads a single-value range such as ``9-9`` as ``*`` (see docs/TIME.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

CRON_EXAMPLES = '"0 9 * * 1-5" (09:00 on weekdays), "*/15 * * * *" (every 15 minutes), "@daily"'


class CronError(ValueError):
    """A cron expression or timezone that cannot be used; the message says what to change."""


@lru_cache(maxsize=512)
def get_zone(name: str) -> ZoneInfo:
    """The ZoneInfo for an IANA name, or CronError naming the problem."""
    if not isinstance(name, str) or not name.strip():
        raise CronError("timezone must be an IANA zone name such as 'UTC', 'America/New_York' or 'Asia/Shanghai'")
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise CronError(
            f"unknown timezone {name!r}: use an IANA zone name such as 'UTC', 'America/New_York', "
            "'Europe/Berlin' or 'Asia/Shanghai'"
        ) from None


def validate_timezone(name: str) -> str:
    get_zone(name)
    return name.strip()


@lru_cache(maxsize=4096)
def normalize_cron(expr: str) -> str:
    """Validate a 5-field (or 6-field, seconds first) expression or an @macro.

    Returns the canonical form (macros expanded, whitespace collapsed). Raises CronError
    for bad syntax, out-of-range fields, @reboot, and expressions that can never fire.
    """
    if not isinstance(expr, str) or not expr.strip():
        raise CronError(f"cron expression is empty; examples: {CRON_EXAMPLES}")
    text = " ".join(expr.split())
    lowered = text.lower()
    if lowered == "@reboot":
        raise CronError("@reboot is not supported: a scheduler has no 'boot'; use a one-shot task instead")
    if lowered.startswith("@"):
        if lowered not in MACROS:
            raise CronError(f"unknown cron macro {text!r}; accepted: {', '.join(sorted(MACROS))}")
        return MACROS[lowered]
    fields = text.split(" ")
    if len(fields) not in (5, 6):
        raise CronError(
            f"cron expression {text!r} has {len(fields)} fields; use 5 fields "
            f"(minute hour day-of-month month day-of-week) or 6 with seconds first; examples: {CRON_EXAMPLES}"
        )
    start = datetime(2000, 1, 1, tzinfo=UTC)
    try:
        it = CronSim(text, start)
        next(it)
    except CronSimError as exc:
        if _never_fires(fields):
            raise CronError(
                f"cron expression {text!r} never fires: day-of-month {fields[-3]} does not occur in "
                f"month {fields[-2]}"
            ) from None
        raise CronError(f"invalid cron expression {text!r}: {exc}; examples: {CRON_EXAMPLES}") from None
    except StopIteration:
        raise CronError(f"cron expression {text!r} never fires") from None
    return text


def _never_fires(fields: list[str]) -> bool:
    """True when day-of-month and month are valid alone but never meet (``0 0 31 2 *``)."""
    dom, month = fields[-3], fields[-2]
    if not re.fullmatch(r"\d+(,\d+)*", dom) or not re.fullmatch(r"\d+(,\d+)*", month):
        return False
    days = [int(d) for d in dom.split(",")]
    months = [int(m) for m in month.split(",")]
    if not all(1 <= d <= 31 for d in days) or not all(1 <= m <= 12 for m in months):
        return False
    longest = {1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31}
    return all(d > longest[m] for d in days for m in months)


def has_seconds(expr: str) -> bool:
    return len(normalize_cron(expr).split(" ")) == 6


def iter_fires(expr: str, timezone: str, after: datetime) -> Iterator[datetime]:
    """Fire instants (aware, UTC) strictly after ``after``, DST-correct in ``timezone``."""
    cron = normalize_cron(expr)
    zone = get_zone(timezone)
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    local = after.astimezone(zone)
    # cronsim ticks once before matching, so it yields matches strictly after its (truncated)
    # start. A fixed-time job reads the start as a naive wall time, so in a repeated hour it
    # can yield the first-pass instant again; the ``utc > after`` filter drops such fires.
    if len(cron.split(" ")) == 6:
        local = local.replace(microsecond=0)
    else:
        local = local.replace(second=0, microsecond=0)
    it = CronSim(cron, local)
    for fire in it:
        utc = fire.astimezone(UTC)
        if utc > after:
            yield utc


def next_fire(expr: str, timezone: str, after: datetime) -> datetime:
    """The first fire instant (UTC) strictly after ``after``.

    Fires fall on whole minutes (whole seconds for 6-field crons), so "strictly after
    ``after``" and "strictly after the minute (second) it is in" are the same fire: anchoring
    on it lets a batch of creates with one schedule share one computation (~50 us each)."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    step = 1 if len(expr.split()) == 6 else 60
    return _next_fire_at(expr, timezone, int(after.timestamp()) // step * step)


@lru_cache(maxsize=4096)
def _next_fire_at(expr: str, timezone: str, anchor: int) -> datetime:
    return next(iter_fires(expr, timezone, datetime.fromtimestamp(anchor, UTC)))


def next_fires(expr: str, timezone: str, after: datetime, n: int) -> list[datetime]:
    out: list[datetime] = []
    for fire in iter_fires(expr, timezone, after):
        out.append(fire)
        if len(out) >= n:
            break
    return out


def explain(expr: str) -> str:
    """A short English description, e.g. 'At 09:00 on Monday through Friday'."""
    cron = normalize_cron(expr)
    return str(CronSim(cron, datetime(2000, 1, 1, tzinfo=UTC)).explain())
