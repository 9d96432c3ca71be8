"""Recurring phrases → a cron expression aligned to the clock."""

from __future__ import annotations

import re

from infrai_mcp.when.clock import Clock, extract_times
from infrai_mcp.when.cron import CronError, normalize_cron
from infrai_mcp.when.pieces import (
    DAYSET,
    UNITS,
    cut,
    days,
    err,
    field,
    interval,
    ranges,
    read_hour_range,
    read_minutes,
)
from infrai_mcp.when.positions import Positions, month_positions
from infrai_mcp.when.text import ordinal
from infrai_mcp.when.vocab import (
    DAY_NAMES,
    MONTH_NAMES,
    MONTH_RE,
    MONTHS,
    ORD,
    WEEKDAY_RE,
    leftover,
)

MARKERS = re.compile(
    r"\b(every|daily|hourly|weekly|monthly|yearly|annually|nightly|weekdays|weekends|twice|thrice|"
    r"times (?:a|an|per|every|daily|hourly)|per (?:day|hour|week)|except|quarterly|"
    r"once (?:a|an|per|every) (?:day|hour)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b"
    r"|\b" + WEEKDAY_RE + r" (?:through|to|until|till|-) " + WEEKDAY_RE + r"\b"
    r"|\b" + WEEKDAY_RE + r" and " + WEEKDAY_RE + r"\b"
    r"|\b(?:day|weekdays?|" + WEEKDAY_RE + r"s?) of (?:the |every |each )?(?:month|quarter)\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)(?:,? (?:and|&) | )(?:the )?(?:\d(?:st|nd|rd|th)|last) (?:" + WEEKDAY_RE + r")s?\b"
    r"|\b(?:day|weekdays?|" + WEEKDAY_RE + r"s?) (?:of|in) " + MONTH_RE + r"(?:,? (?:and )?" + MONTH_RE + r")+\b"
)


def is_recurring(s: str) -> bool:
    return bool(MARKERS.search(s))


def to_crons(s: str) -> list[str]:
    """The cron-like expressions (their union) for one recurring phrase (normalised, zone, exclusions
    and "every N weeks" already removed). Usually one; several when the times of day need different
    minutes in different hours or a window's end needs its own entry. They may hold tokens only a
    calendar rule evaluates (see ``positions.py``)."""
    s = re.sub(r"(?<=[a-z])/(?=[a-z])", " and ", s)
    pos, s = month_positions(s)
    excluded: set[int] = set()
    m = re.search(r"\bexcept (?:on |for )?((?:" + DAYSET + r")(?: (?:and|or|-|through|to) (?:" + DAYSET
                  + r"))*)", s)
    if m:
        excluded = days(m.group(1))
        s = cut(s, m)
    s = re.sub(r"\b(?:starting|beginning|from) (?:now|today)(?: on)?\b|\bfrom now on\b", " ", s)
    months, doms, daily_in_months, s = ranges(s)
    minute_only, s = read_minutes(s)
    window, s = read_hour_range(s)
    count: tuple[int, str] | None = None
    m = re.search(r"\b(once|twice|thrice|(\d+) times) (?:(?:a|an|per|every) (day|hour)|(daily|hourly))\b", s)
    if m:
        k = {"once": 1, "twice": 2, "thrice": 3}.get(m.group(1)) or int(m.group(2))
        count = (k, m.group(3) or {"daily": "day", "hourly": "hour"}[m.group(4)])
        s = cut(s, m)
    starting = bool(re.search(r"\b(?:starting|beginning|from)\b", s))
    times, part, s = extract_times(s)
    unit, n, s = interval(s)
    if unit in UNITS:  # "every hour on Jan 1 every year": a coarser 'every' is redundant
        coarser = "|".join(u for u in ("day", "month", "year") if UNITS.index(u) > UNITS.index(unit))
        if coarser:
            s = re.sub(rf"\b(?:of )?every (?:{coarser})\b", " ", s)
    dows = days(s)
    s = re.sub(r"\b(" + WEEKDAY_RE + r")s? (?:through|to|until|till|-) (" + WEEKDAY_RE + r")s?\b", " ", s)
    s = re.sub(r"\b(" + DAYSET + r")\b", " ", s)
    if re.search(r"\b(?:until|till|for)\b (?!the\b)", s):
        raise err("an end date or a number of runs is not supported in a schedule; create it and delete it later")
    pairs: set[tuple[int, int]] = set()
    for m in re.finditer(r"\b(" + MONTH_RE + r") (\d{1,2})" + ORD + r"?\b|\b(\d{1,2})" + ORD + r"? (?:of )?("
                         + MONTH_RE + r")\b", s):
        pairs.add((MONTHS[m.group(1) or m.group(4)], int(m.group(2) or m.group(3))))
    months |= {p[0] for p in pairs}
    doms |= {p[1] for p in pairs}
    s = re.sub(r"\b(" + MONTH_RE + r") (\d{1,2})" + ORD + r"?\b|\b(\d{1,2})" + ORD + r"? (?:of )?(" + MONTH_RE
               + r")\b", " ", s)
    for m in re.finditer(r"\b(?:in |every |of )?(" + MONTH_RE + r")\b", s):
        months.add(MONTHS[m.group(1)])
    s = re.sub(r"\b(?:in |every |of )?(" + MONTH_RE + r")\b", " ", s)
    for m in re.finditer(r"\b(\d{1,2})" + ORD + r"\b|\bday (\d{1,2})\b", s):
        doms.add(int(m.group(1) or m.group(2)))
    s = re.sub(r"\b(\d{1,2})" + ORD + r"\b|\bday (\d{1,2})\b", " ", s)
    if re.search(r"\blast\b|\bend of\b", s):
        raise err("'end of the month' is ambiguous: say 'on the last day of every month' or give a day number such "
                  "as 'on the 28th'")
    s = re.sub(r"\b(?:of|in) (?:the|each|every|a) (?:month|year)\b", " ", s)
    rest = leftover(s, {"every"})
    if rest:
        seen = _understood(unit, n, dows, doms, months, times)
        raise err(f"could not understand {' '.join(rest)!r} in a recurring schedule"
                   + (f" (understood: {seen})" if seen else ""))
    if not dows and excluded:
        dows = set(range(7))
    dows -= excluded
    if excluded and not dows:
        raise err("every day is excluded; nothing would run")
    clocks = [c.with_part(part) for c in times]
    if part and not clocks and unit not in ("second", "minute", "hour"):
        raise err(f"'{part}' needs a clock time, e.g. 'every day at 8am' or 'every {part} at 7'")
    dow_f = field(dows, 0, 6) if dows else "*"
    if dow_f == "*" and dows and len(dows) < 7:
        dow_f = "*"
    if daily_in_months and unit is None and not doms and not dows:
        unit = "day"
    if window and unit not in ("minute", "hour"):
        raise err("an hour range ('between 9am and 5pm') needs 'every N minutes' or 'every hour'")
    start: Clock | None = None
    if unit == "hour" and n > 1 and starting and len(clocks) == 1 and not window and minute_only is None:
        start, clocks = clocks[0], []  # "every 4 hours starting at 1am"
    if pos:
        months |= set(pos.months)
        if pos.months and unit == "month" and n == 3:
            unit, n = None, 1.0  # "quarterly on the last day": the quarter's months are said
        if pos.months and unit == "year":
            unit = None
    days_f = _days_fields(pos, dows, doms, unit)
    if window and (window[0] % 60 or window[1] % 60 or unit == "minute" or window[1] > 24 * 60):
        if doms and dows:
            raise err("a schedule with both a day of the month and a weekday is ambiguous (it would run on either)")
        plain = (field(doms, 1, 31) if doms else "*", field(dows, 0, 6) if dows else "*")
        return _window(unit, n, window, days_f or plain, months)
    hour_range = (window[0] // 60, window[1] // 60) if window else None
    if len(pairs) > 1 and pairs != {(mo, d) for mo in months for d in doms}:  # "on March 15 and October 1"
        by_month: dict[int, set[int]] = {}
        for mo, d in sorted(pairs):
            by_month.setdefault(mo, set()).add(d)
        return [c for mo, ds in by_month.items()
                for c in _assemble(unit, n, count, clocks, minute_only, hour_range, dows, ds, {mo}, start, days_f)]
    return _assemble(unit, n, count, clocks, minute_only, hour_range, dows, doms, months, start, days_f)


def _days_fields(pos: Positions | None, dows: set[int], doms: set[int], unit: str | None) -> tuple[str, str] | None:
    """(day-of-month, day-of-week) fields when the phrase named positions in the month."""
    if pos is None:
        return None
    if dows:
        raise err("a position in the month ('the first Monday') cannot be combined with other weekdays; "
                  "create one schedule for each")
    if unit in ("day", "week"):
        raise err(f"'every {unit}' conflicts with a position in the month; say 'the first Monday of every month'")
    dom = [field(doms, 1, 31)] if doms else []
    if pos.dows and doms:
        raise err("a schedule with both a day of the month and a weekday is ambiguous (it would run on either)")
    return ",".join(dom + list(pos.doms)) or "*", ",".join(pos.dows) or "*"


def _window(unit: str | None, n: float, window: tuple[int, int], days_f: tuple[str, str] | None,
            months: set[int]) -> list[str]:
    """'every 30 minutes from 9 to 5': each time from the start to the end (included), grouped into
    cron entries that share their hours."""
    step = n * {"second": 1 / 60, "minute": 1, "hour": 60}.get(unit or "", 0)
    if step != int(step) or step < 1:
        raise err("a window ('from 9am to 5pm') goes with whole minutes, e.g. 'every 30 minutes from 9am to 5pm'")
    last = 24 * 60 - 1 if window[1] == 24 * 60 else window[1]  # "to midnight": the day's last minute
    clocks = [Clock(t % 1440 // 60, t % 60) for t in range(window[0], last + 1, int(step))]
    dom_f, dow_f = days_f or ("*", "*")
    mon_f = field(months, 1, 12) if months else "*"
    out = []
    for t in _times_fields(clocks):
        minutes, hours = t.split(" ")
        steps = [k for k in range(1, 31) if minutes == field(set(range(0, 60, k)), 0, 59)]
        out.append(f"{'*' if steps == [1] else f'*/{steps[0]}' if steps else minutes} {hours}")
    return [c for t in out for c in _final(f"{t} {dom_f} {mon_f} {dow_f}")]


def _understood(unit: str | None, n: float, dows: set[int], doms: set[int], months: set[int],
                times: list[Clock]) -> str:
    bits = []
    if unit:
        bits.append(f"every {unit}" if n == 1 else f"every {n:g} {unit}s")
    if dows:
        bits.append("on " + ", ".join(DAY_NAMES[d] for d in sorted(dows)))
    if doms:
        bits.append("on the " + ", ".join(ordinal(d) for d in sorted(doms)))
    if months:
        bits.append("in " + ", ".join(MONTH_NAMES[m - 1] for m in sorted(months)))
    if times:
        bits.append("at " + ", ".join(f"{c.hour:02d}:{c.minute:02d}" for c in times))
    return " ".join(bits)


def _check_div(n: float, base: int, unit: str) -> int:
    if n != int(n) or n <= 0:
        raise err(f"'every {n:g} {unit}s' is not a whole positive number of {unit}s")
    k = int(n)
    if base % k and k > base:
        near = [d for d in range(1, base + 1) if base % d == 0]
        raise err(
            f"'every {k} {unit}s' does not divide evenly into the clock ({base} {unit}s per cycle), so one cron "
            f"cannot run it at even gaps. Use an interval that divides {base} ({', '.join(map(str, near[-4:]))}), "
            f"the next larger unit, or pass cron expressions yourself"
        )
    if base % k:
        sample = {"minute": f"*/{k} * * * *", "hour": f"0 */{k} * * *", "second": f"*/{k} * * * * *",
                  "month": f"0 0 1 */{k} *"}[unit]
        raise err(
            f"'every {k} {unit}s' does not divide evenly into the clock ({base} {unit}s per "
            f"{'hour' if unit == 'minute' else 'minute' if unit == 'second' else 'day' if unit == 'hour' else 'year'})"
            f": cron restarts the count at each {'hour' if unit == 'minute' else 'boundary'}, so the gaps would be "
            f"uneven. Pick a divisor of {base}, or pass a cron expression yourself, e.g. '{sample}' "
            f"if that uneven pattern is what you want"
        )
    return k


def _assemble(unit: str | None, n: float, count: tuple[int, str] | None, clocks: list[Clock],
              minute_only: str | None, hour_range: tuple[int, int] | None, dows: set[int],
              doms: set[int], months: set[int], start: Clock | None = None,
              days_f: tuple[str, str] | None = None) -> list[str]:
    dow_f = field(dows, 0, 6) if dows else "*"
    dom_f = field(doms, 1, 31) if doms else "*"
    mon_f = field(months, 1, 12) if months else "*"
    if days_f:
        dom_f, dow_f = days_f
        if unit in ("month", "year"):
            unit, n = (None, 1.0) if n == 1 or unit == "year" else (unit, n)
    if doms and dows:
        raise err("a schedule with both a day of the month and a weekday is ambiguous in cron (it runs on either)")
    if dows and unit in ("month", "year"):
        raise err(f"'every {unit}' together with a weekday cannot be one cron (it would run on the 1st or on that "
                   "weekday); say 'every Monday' or 'on the 1st of every month'")
    if doms and unit in ("day", "week"):
        raise err(f"'every {unit}' conflicts with a day of the month; say 'on the 15th of every month'")
    if months and unit == "month" and n != 1:
        raise err(f"'every {n:g} months' conflicts with the month names given")
    if not (unit or count or dows or doms or months or clocks or minute_only is not None or hour_range or days_f):
        raise err("'every' needs a unit or a day, e.g. 'every 15 minutes', 'every day at 9am', 'every Monday'")
    if unit == "second" and n >= 60 and n % 60 == 0:
        unit, n = "minute", n / 60
    if unit == "minute" and n >= 60 and n % 60 == 0:
        unit, n = "hour", n / 60
    if unit == "hour" and n >= 24 and n % 24 == 0 and n != 24:
        unit, n = "day", n / 24
    if unit in ("second", "minute", "hour") and clocks:
        every = f"every {unit}" if n == 1 else f"every {n:g} {unit}s"
        raise err(f"'{every}' cannot also have a clock time; use 'every {unit} between 9am and 5pm', "
                   "'every 4 hours starting at 1am' or 'every day at 9am'")
    hours = f"{hour_range[0]}-{min(hour_range[1], 23)}" if hour_range else "*"
    if unit == "second":
        k = _check_div(n, 60, "second")
        return _final(f"{'*' if k == 1 else f'*/{k}'} * {hours} {dom_f} {mon_f} {dow_f}")
    if unit == "minute":
        k = _check_div(n, 60, "minute")
        if hour_range:
            hours = f"{hour_range[0]}-{hour_range[1] - 1}" if hour_range[1] > hour_range[0] else str(hour_range[0])
        return _final(f"{'*' if k == 1 else f'*/{k}'} {hours} {dom_f} {mon_f} {dow_f}")
    if unit == "hour":
        k = _check_div(n, 24, "hour")
        if start is not None:
            first = start.hour % k
            h = "*" if k == 1 else (f"*/{k}" if first == 0 else f"{first}-23/{k}")
            return _final(f"{start.minute} {h} {dom_f} {mon_f} {dow_f}")
        h = hours if k == 1 else (f"{hours}/{k}" if hour_range else f"*/{k}" if k < 24 else "0")
        return _final(f"{minute_only or '0'} {h} {dom_f} {mon_f} {dow_f}")
    if count:
        k, per = count
        if per == "hour":
            _check_div(60 / k if 60 % k == 0 else 7, 60, "minute")
            return _final(f"{','.join(str(i) for i in range(0, 60, 60 // k))} {hours} {dom_f} {mon_f} {dow_f}")
        if clocks and len(clocks) != k:
            raise err(f"'{k} times a day' but {len(clocks)} time(s) given")
        if not clocks:
            if 24 % k:
                raise err(f"{k} times a day does not divide the day evenly; list the times, e.g. 'at 8, 12 and 18'")
            clocks = [Clock(h, 0) for h in range(0, 24, 24 // k)]
    if n != 1:
        if unit == "month":
            k = _check_div(n, 12, "month")
            mon_f = f"*/{k}" if mon_f == "*" else mon_f
        else:
            raise err(
                f"'every {n:g} {unit}s' cannot be written as one cron (days of the month and weeks do not divide "
                f"evenly); say 'every Monday', 'on the 1st and 15th', or pass a cron expression yourself"
            )
    if minute_only is not None and not clocks:
        if unit not in (None,) or dows or doms:
            raise err("a minute past the hour needs 'every hour', e.g. 'every hour at :15'")
        return _final(f"{minute_only} {hours} * {mon_f} *")
    if not days_f:
        if unit == "week" and not dows:
            dow_f = "0"
        if unit == "month" and not doms:
            dom_f = "1"
        if unit == "year":
            mon_f = mon_f if months else "1"
            dom_f = dom_f if doms else "1"
        if months and not doms and unit != "month":
            dom_f = dom_f if dows or unit == "day" else "1"
    if not clocks:
        clocks = [Clock(0, 0)]
    return [c for t in _times_fields(clocks) for c in _final(f"{t} {dom_f} {mon_f} {dow_f}")]


def _times_fields(clocks: list[Clock]) -> list[str]:
    """Times of day as cron second/minute/hour fields: one entry when one cron field set says them
    all (same minute, or same hour), else one per group of times sharing minutes and hours."""
    by_minute: dict[tuple[int, int], set[int]] = {}
    for c in clocks:
        by_minute.setdefault((c.second, c.minute), set()).add(c.hour)
    groups: dict[tuple[int, frozenset[int]], set[int]] = {}
    for (sec, minute), hrs in by_minute.items():
        groups.setdefault((sec, frozenset(hrs)), set()).add(minute)
    out = []
    for (sec, hour_set), minutes in sorted(groups.items(), key=lambda g: (min(g[0][1]), min(g[1]), g[0][0])):
        base = f"{field(minutes, 0, 59)} {field(set(hour_set), 0, 23)}"
        out.append(f"{sec} {base}" if sec else base)
    return out


_CALENDAR_ONLY = re.compile(r"W[+-]|L-|#-")


def _final(expr: str) -> list[str]:
    if _CALENDAR_ONLY.search(expr):
        return [expr]  # a calendar rule evaluates it (rrules.py)
    try:
        return [normalize_cron(expr)]
    except CronError as exc:
        raise err(f"the schedule {expr!r} is impossible: {exc}") from None
