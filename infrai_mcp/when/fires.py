"""Every next-fire computation for every schedule kind (the engine, previews and surfaces call this).

``occurrences(rec, after, key=)`` yields the rule's times strictly after ``after``, each marked
as firing or skipped with its reason; ``next_fires(rec, after, n, key=)`` keeps the firing ones.

* cron: ``when.cron.iter_fires`` (cronsim, Debian cron's DST rules: docs/TIME.md).
* interval: ``anchor + k * seconds``, exact elapsed time; DST does not move it.
* calendar (RRULE): dateutil evaluates the rules on naive wall times in the zone; each wall time
  becomes an instant as one-shot times do: a time in a spring-forward gap is shifted forward by
  the gap (and fires once if that lands on another fire of the rule), a repeated time takes the
  earlier instant (so an hourly RRULE does not fire in the repeated hour's second pass; use an
  interval for exact elapsed time). Evaluation starts at a period boundary near ``after`` that
  keeps INTERVAL's phase, so its cost does not grow with the rule's age.
* exclusions: a time whose local date is a public holiday of a listed calendar or an excluded
  date is skipped; the first time of such a day is yielded (skipped, with the reason) and the
  rest of that day is passed over. A skipped occurrence (``Exclusions.skip``) is yielded as
  skipped. The reasons start with ``holiday``, ``excluded date`` or ``skipped occurrence``.
* jitter: every time moves by one offset in [0, jitter] fixed by ``key`` (the job's id); with
  no key (a preview before the job exists) the offset is 0.
"""

from __future__ import annotations

import hashlib
import heapq
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from infrai_mcp.when.cron import get_zone
from infrai_mcp.when.cron import iter_fires as cron_fires
from infrai_mcp.when.kinds import CalendarRule, CronRule, IntervalRule, Recurrence

# A spring-forward gap moves a wall time forward by at most this much (real zones: <= 2 h).
_GAP_MARGIN = timedelta(hours=3)
# next_fires gives up after this many skipped occurrences in a row (a rule excluded on every day it has).
_MAX_SKIPPED_RUN = 2000


@dataclass(frozen=True)
class Occurrence:
    at: datetime  # when it fires (UTC), jitter included
    nominal: datetime  # the rule's time (UTC)
    skipped: str | None = None  # why it does not fire


def jitter_offset(rec: Recurrence, key: str | None) -> int:
    """The job's fixed jitter in seconds: a hash of ``key`` in [0, jitter]; 0 without a key."""
    if not rec.jitter_seconds or not key:
        return 0
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % (rec.jitter_seconds + 1)


def rule_times(rec: Recurrence, after: datetime) -> Iterator[datetime]:
    """The rule's own times (UTC) strictly after ``after``: no exclusions, no jitter.

    The times end where the calendar does (year 9999) or where a calendar rule's UNTIL does."""
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    rule = rec.rule
    if isinstance(rule, CronRule):
        times = cron_fires(rule.expr, rec.timezone, after)
    elif isinstance(rule, IntervalRule):
        times = _interval_times(rule, after.astimezone(UTC))
    else:
        times = _calendar_times(rule, rec.timezone, after.astimezone(UTC))
    try:
        yield from times
    except OverflowError:
        return


def occurrences(rec: Recurrence, after: datetime, *, key: str | None = None) -> Iterator[Occurrence]:
    """Times strictly after ``after`` (by firing time), firing or skipped with the reason."""
    off = timedelta(seconds=jitter_offset(rec, key))
    ex = rec.exclusions
    cursor = after - off
    skip = frozenset(ex.skip)
    while True:
        jumped = False
        for nominal in rule_times(rec, cursor):
            reason = day_excluded(rec, nominal) if (ex.holidays or ex.dates or ex.yearly) else None
            if reason:
                yield Occurrence(nominal + off, nominal, reason)
                cursor = _day_end(nominal, rec.timezone)
                jumped = True
                break
            yield Occurrence(nominal + off, nominal, "skipped occurrence" if nominal in skip else None)
        if not jumped:
            return


def iter_fires(rec: Recurrence, after: datetime, *, key: str | None = None) -> Iterator[datetime]:
    """Firing times (UTC) strictly after ``after``; ends if only skipped ones remain for long."""
    run = 0
    for occ in occurrences(rec, after, key=key):
        if occ.skipped:
            run += 1
            if run > _MAX_SKIPPED_RUN:
                return
            continue
        run = 0
        yield occ.at


def next_fires(rec: Recurrence, after: datetime, n: int, *, key: str | None = None) -> list[datetime]:
    """The next ``n`` firing times (UTC) strictly after ``after``."""
    out: list[datetime] = []
    if n <= 0:
        return out
    for at in iter_fires(rec, after, key=key):
        out.append(at)
        if len(out) >= n:
            break
    return out


def next_fire(rec: Recurrence, after: datetime, *, key: str | None = None) -> datetime | None:
    fires = next_fires(rec, after, 1, key=key)
    return fires[0] if fires else None


def day_excluded(rec: Recurrence, nominal: datetime) -> str | None:
    """Why the local day of ``nominal`` is excluded ("holiday: Christmas Day (DE)"), else None."""
    ex = rec.exclusions
    day = nominal.astimezone(get_zone(rec.timezone)).date()
    if day in ex.dates:
        return f"excluded date {day.isoformat()}"
    if (day.month, day.day) in ex.yearly:
        return f"excluded date --{day.month:02d}-{day.day:02d} (every year)"
    for cal in ex.holidays:
        name = _holiday_name(cal, day)
        if name:
            return f"holiday: {name} ({cal})"
    return None


def _holiday_name(cal: str, day: date) -> str | None:
    """The holiday's name; None outside the years the ``holidays`` package covers for the calendar."""
    days = _calendar(cal)
    if not days.start_year <= day.year <= days.end_year:
        return None
    with warnings.catch_warnings():  # years a calendar does not cover: no holidays (docs/TIME.md), no warning
        warnings.simplefilter("ignore", UserWarning)
        found: Any = days.get(day)
    return str(found) if found else None


@lru_cache(maxsize=64)
def _calendar(cal: str) -> Any:
    import holidays as hol

    country, _, sub = cal.partition("/")
    return hol.country_holidays(country, subdiv=sub or None)


def _day_end(nominal: datetime, tz: str) -> datetime:
    """Just before the next local midnight after ``nominal`` (UTC), so times from then on come next."""
    zone = get_zone(tz)
    day = nominal.astimezone(zone).date()
    midnight = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=zone, fold=0)
    return midnight.astimezone(UTC) - timedelta(microseconds=1)


def _interval_times(rule: IntervalRule, after: datetime) -> Iterator[datetime]:
    step = timedelta(seconds=rule.seconds)
    k = (after - rule.anchor) // step + 1 if after >= rule.anchor else 0
    at = rule.anchor + k * step
    while True:
        yield at
        at += step


def named_walls(rec: Recurrence, start: datetime, end: datetime) -> list[datetime]:
    """Wall times (naive) the rule names in [start, end), before any DST adjustment (an interval
    names none: it is elapsed time). For notes about times in a DST gap or a repeated hour."""
    rule = rec.rule
    out: list[datetime] = []
    if isinstance(rule, IntervalRule):
        return out
    if isinstance(rule, CronRule):
        from cronsim import CronSim

        walls: Iterator[datetime] = iter(CronSim(rule.expr, start - timedelta(seconds=1)))
    else:
        walls = heapq.merge(*(_walls(t, rule.start, start) for t in rule.rrules))
    for wall in walls:
        if wall >= end or len(out) >= 100:
            break
        if wall >= start:
            out.append(wall)
    return out


# ---- calendar rules ------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _parts(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(";"))


_WKST = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def _aligned_start(text: str, start: datetime, begin: datetime) -> datetime:
    """A DTSTART at a period boundary at or before ``begin`` with INTERVAL's phase (or ``start``).

    Every value dateutil would read from DTSTART is explicit in the canonical rule, so a start
    at a later period boundary a multiple of INTERVAL periods on gives the same times from then on."""
    p = _parts(text)
    freq, every = p["FREQ"], int(p.get("INTERVAL", "1"))
    if begin <= start:
        return start
    if freq == "YEARLY":
        k = (begin.year - start.year) // every * every
        moved = datetime(start.year + k, 1, 1)
    elif freq == "MONTHLY":
        k = ((begin.year - start.year) * 12 + begin.month - start.month) // every * every
        y, m = divmod(start.year * 12 + start.month - 1 + k, 12)
        moved = datetime(y, m + 1, 1)
    elif freq == "WEEKLY":
        wkst = _WKST[p.get("WKST", "MO")]
        s_week = start.date() - timedelta(days=(start.weekday() - wkst) % 7)
        b_week = begin.date() - timedelta(days=(begin.weekday() - wkst) % 7)
        k = (b_week - s_week).days // 7 // every * every
        moved = datetime.combine(s_week + timedelta(weeks=k), time(0))
    elif freq == "DAILY":
        k = (begin.date() - start.date()).days // every * every
        moved = datetime.combine(start.date() + timedelta(days=k), time(0))
    else:
        unit = timedelta(hours=1) if freq == "HOURLY" else timedelta(minutes=1)
        base = start.replace(minute=0 if freq == "HOURLY" else start.minute, second=0)
        k = (begin - base) // unit // every * every
        moved = base + k * unit
    return moved if moved > start else start


@lru_cache(maxsize=512)
def _rrule(text: str, dtstart: datetime) -> Any:
    from dateutil.rrule import rrulestr

    return rrulestr(text, dtstart=dtstart, cache=False)


def _walls(text: str, start: datetime, begin: datetime) -> Iterator[datetime]:
    rule = _rrule(text, _aligned_start(text, start, begin))
    it: Iterator[datetime] = rule.xafter(begin, inc=True)
    return it


def _calendar_times(rule: CalendarRule, tz: str, after: datetime) -> Iterator[datetime]:
    zone = get_zone(tz)
    begin = after.astimezone(zone).replace(tzinfo=None) - _GAP_MARGIN
    walls = heapq.merge(*(_walls(t, rule.start, begin) for t in rule.rrules))
    pending: list[datetime] = []  # gap times, shifted forward: they go out in order among the real ones
    last: datetime | None = None
    for wall in walls:
        at = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if at.astimezone(zone).replace(tzinfo=None) != wall:
            heapq.heappush(pending, at)
            continue
        while pending and pending[0] <= at:
            shifted = heapq.heappop(pending)
            if shifted < at and shifted > after and (last is None or shifted > last):
                last = shifted
                yield shifted
        if at > after and (last is None or at > last):
            last = at
            yield at
    while pending:
        shifted = heapq.heappop(pending)
        if shifted > after and (last is None or shifted > last):
            last = shifted
            yield shifted


__all__ = ["Occurrence", "day_excluded", "iter_fires", "jitter_offset", "named_walls", "next_fire", "next_fires",
           "occurrences", "rule_times"]
