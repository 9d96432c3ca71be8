"""A recurrence in words, for every kind: the rule, its exclusions and its jitter.

``describe_recurrence(rec)`` → "Every 2 weeks on Tuesday at 10:00, except public holidays in DE
(Europe/Berlin)". Cron rules use ``describe_cron``; intervals name their largest whole unit and
their start; RRULEs are read part by part (FREQ/INTERVAL, BYDAY with ordinals, BYMONTHDAY,
BYMONTH, the times, BYSETPOS, UNTIL).
"""

from __future__ import annotations

from infrai_mcp.when.describe import describe_cron
from infrai_mcp.when.kinds import CalendarRule, CronRule, Exclusions, IntervalRule, Recurrence
from infrai_mcp.when.text import ordinal
from infrai_mcp.when.vocab import MONTH_NAMES
from infrai_mcp.when.zones import local_now

_DAY = {"MO": "Monday", "TU": "Tuesday", "WE": "Wednesday", "TH": "Thursday", "FR": "Friday", "SA": "Saturday",
        "SU": "Sunday"}
_UNITS = {"YEARLY": "year", "MONTHLY": "month", "WEEKLY": "week", "DAILY": "day", "HOURLY": "hour",
          "MINUTELY": "minute"}
_NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last", -2: "second-to-last"}


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def period(seconds: int) -> str:
    """90 → "90 seconds", 5400 → "90 minutes", 129600 → "36 hours", 86400 → "day"."""
    for name, size in (("week", 604800), ("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            k = seconds // size
            return name if k == 1 else f"{k} {name}s"
    return f"{seconds} seconds"  # unreachable: every whole number divides by 1


def _nth(n: int) -> str:
    return _NTH.get(n) or (ordinal(n) if n > 0 else f"{ordinal(-n)}-to-last")


def _day(token: str) -> str:
    name = _DAY[token[-2:]]
    return f"the {_nth(int(token[:-2]))} {name}" if token[:-2] else name


def _monthday(n: int) -> str:
    return "the last day" if n == -1 else f"the {_nth(n)} day" if n < 0 else f"the {ordinal(n)}"


def _times(p: dict[str, str]) -> str:
    hours = [int(h) for h in p["BYHOUR"].split(",")] if "BYHOUR" in p else []
    mins = [int(m) for m in p["BYMINUTE"].split(",")] if "BYMINUTE" in p else []
    secs = [int(s) for s in p["BYSECOND"].split(",")] if "BYSECOND" in p else [0]
    if hours and mins and len(hours) * len(mins) * len(secs) <= 8:
        stamps = [f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "") for h in hours for m in mins for s in secs]
        return " at " + _join(stamps)
    out = ""
    if mins:
        out += " at minute " + ",".join(map(str, mins)) + ("" if secs == [0] else f" second {','.join(map(str, secs))}")
    if hours:
        out += " in hour " + ",".join(map(str, hours))
    return out


def describe_rrule(text: str) -> str:
    p = dict(item.split("=", 1) for item in text.split(";"))
    every = int(p.get("INTERVAL", "1"))
    unit = _UNITS[p["FREQ"]]
    out = f"Every {unit}" if every == 1 else f"Every {every} {unit}s"
    days = [_day(t) for t in p["BYDAY"].split(",")] if "BYDAY" in p else []
    if "BYSETPOS" in p:
        pos = _join([_nth(int(n)) for n in p["BYSETPOS"].split(",")])
        what = _join(days) if days else _join([_monthday(int(n)) for n in p.get("BYMONTHDAY", "").split(",") if n])
        out += f", the {pos} of {what or 'its times'}"
    else:
        if "BYMONTHDAY" in p:
            out += " on " + _join([_monthday(int(n)) for n in p["BYMONTHDAY"].split(",")])
        if days:
            out += (" and" if "BYMONTHDAY" in p else "") + " on " + _join(days)
    if "BYYEARDAY" in p:
        out += " on day " + ",".join(p["BYYEARDAY"].split(",")) + " of the year"
    if "BYWEEKNO" in p:
        out += " in week " + ",".join(p["BYWEEKNO"].split(","))
    if "BYMONTH" in p:
        out += " in " + _join([MONTH_NAMES[int(m) - 1] for m in p["BYMONTH"].split(",")])
    out += _times(p)
    if "UNTIL" in p:
        u = p["UNTIL"]
        out += f", until {u[:4]}-{u[4:6]}-{u[6:8]} {u[9:11]}:{u[11:13]}"
    return out


def _exclusions(ex: Exclusions, tz: str) -> str:
    parts: list[str] = []
    if ex.holidays:
        parts.append("public holidays in " + _join(list(ex.holidays)))
    parts.extend(d.isoformat() for d in ex.dates)
    parts.extend(f"every {MONTH_NAMES[m - 1][:3]} {d}" for m, d in ex.yearly)
    out = ", except " + _join(parts) if parts else ""
    if ex.skip:
        out += ", skipping " + _join([f"{local_now(s, tz):%Y-%m-%d %H:%M}" for s in ex.skip])
    return out


def describe_recurrence(rec: Recurrence, *, zone: bool = True) -> str:
    """The recurrence in words, ending with its zone in parentheses unless ``zone=False``."""
    rule = rec.rule
    if isinstance(rule, CronRule):
        text = describe_cron(rule.expr)
    elif isinstance(rule, IntervalRule):
        text = f"Every {period(rule.seconds)} from {local_now(rule.anchor, rec.timezone):%Y-%m-%d %H:%M:%S}"
    else:
        assert isinstance(rule, CalendarRule)
        text = " and ".join(describe_rrule(r) if i == 0 else describe_rrule(r)[0].lower() + describe_rrule(r)[1:]
                             for i, r in enumerate(rule.rrules))
        if any("INTERVAL=" in r for r in rule.rrules):
            text += f", counted from {rule.start:%Y-%m-%d}"
    text += _exclusions(rec.exclusions, rec.timezone)
    if rec.jitter_seconds:
        span = period(rec.jitter_seconds)
        text += f", each up to {span if span[0].isdigit() else '1 ' + span} late (jitter)"
    return f"{text} ({rec.timezone})" if zone else text


__all__ = ["describe_recurrence", "describe_rrule", "period"]
