"""Warnings to show with a reading of a time: DST gaps and repeated hours the schedule meets,
and a fixed-offset zone chosen from an abbreviation ("EST", "PST") that ignores daylight time.

``warnings(when, text, now=...)`` → sentences for ``when_preview`` and the tools' results. A
gap or repeated hour is reported once each (the next one within a year that the rule names a
wall time in); DST rules themselves: docs/TIME.md.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from infrai_mcp.when.cron import get_zone
from infrai_mcp.when.fires import named_walls
from infrai_mcp.when.kinds import CronRule, IntervalRule, Recurrence
from infrai_mcp.when.model import When
from infrai_mcp.when.zones import ABBREVIATIONS

# Fixed-offset abbreviations and the zone that follows daylight time there.
_SEASONAL = {"est": ("ET", "America/New_York"), "edt": ("ET", "America/New_York"),
             "cst": ("CT", "America/Chicago"), "cdt": ("CT", "America/Chicago"),
             "mst": ("MT", "America/Denver"), "mdt": ("MT", "America/Denver"),
             "pst": ("PT", "America/Los_Angeles"), "pdt": ("PT", "America/Los_Angeles"),
             "akst": ("AKT", "America/Anchorage"), "cet": ("CET/CEST", "Europe/Berlin"),
             "cest": ("CET/CEST", "Europe/Berlin"), "bst": ("UK time", "Europe/London"),
             "eet": ("EET/EEST", "Europe/Athens"), "eest": ("EET/EEST", "Europe/Athens"),
             "aest": ("Sydney time", "Australia/Sydney"), "aedt": ("Sydney time", "Australia/Sydney"),
             "nzst": ("NZ time", "Pacific/Auckland")}


def _fixed_offset(when: When, text: str) -> list[str]:
    if not when.timezone.startswith("Etc/GMT"):
        return []
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in _SEASONAL and ABBREVIATIONS.get(word) == when.timezone:
            say, zone = _SEASONAL[word]
            off = -int(when.timezone[7:] or 0)
            return [f"'{word.upper()}' is the fixed offset UTC{off:+d} all year (no daylight saving time); "
                    f"for local time in {zone.split('/')[-1].replace('_', ' ')} say '{say}' or '{zone}'"]
    return []


def _transitions(tz: str, now: datetime) -> list[tuple[datetime, timedelta]]:
    """(local wall time the change happens at, change of offset) for the zone's next year."""
    zone = get_zone(tz)
    out: list[tuple[datetime, timedelta]] = []
    at = now.astimezone(UTC)
    off = at.astimezone(zone).utcoffset() or timedelta(0)
    for _ in range(366):
        nxt = at + timedelta(days=1)
        noff = nxt.astimezone(zone).utcoffset() or timedelta(0)
        if noff != off:
            lo, hi = at, nxt
            while hi - lo > timedelta(minutes=1):  # bisect to the minute of the change
                mid = lo + (hi - lo) / 2
                if (mid.astimezone(zone).utcoffset() or timedelta(0)) == off:
                    lo = mid
                else:
                    hi = mid
            change = hi.replace(second=0, microsecond=0)
            out.append(((change + off).replace(tzinfo=None), noff - off))
        at, off = nxt, noff
    return out


def _dst(rec: Recurrence, now: datetime) -> list[str]:
    notes: list[str] = []
    seen: set[bool] = set()
    zone = get_zone(rec.timezone)
    for wall, delta in _transitions(rec.timezone, now):
        gap = delta > timedelta(0)
        if gap in seen:
            continue
        if isinstance(rec.rule, IntervalRule):
            if rec.rule.seconds % 86400 == 0:
                notes.append(f"an interval is exact elapsed time: after the clock change on {wall:%Y-%m-%d} its "
                             f"fires move by {abs(delta.total_seconds()) / 3600:g} h on the wall clock")
                seen.update({True, False})
            continue
        window = (wall, wall + delta) if gap else (wall + delta, wall)
        named = named_walls(rec, *window)
        if not named:
            continue
        seen.add(gap)
        first = named[0]
        if gap:
            real = first.replace(tzinfo=zone, fold=0).astimezone(UTC).astimezone(zone)
            notes.append(f"{first:%Y-%m-%d %H:%M} does not exist in {rec.timezone} (clocks go forward): that time "
                         f"fires at {real:%H:%M} instead" if rec.kind != "cron" else
                         f"{first:%Y-%m-%d %H:%M} does not exist in {rec.timezone} (clocks go forward): cron fires "
                         f"once, when the gap ends ({wall + delta:%H:%M})")
        else:
            both = isinstance(rec.rule, CronRule) and any(f.startswith("*") for f in rec.rule.expr.split()[-5:-3])
            notes.append(f"{first:%Y-%m-%d %H:%M} happens twice in {rec.timezone} (clocks go back): "
                         + ("this cron fires in both passes" if both else "it fires once, at the first"))
    return notes


def warnings(when: When, text: str = "", *, now: datetime | None = None) -> list[str]:
    """What the person should know about this reading (empty for most)."""
    at = now or datetime.now(UTC)
    notes = _fixed_offset(when, text)
    if when.recurrence is not None:
        notes += _dst(when.recurrence, at)
    return notes


__all__ = ["warnings"]
