"""Recurring phrases → a cron expression aligned to the clock."""

from __future__ import annotations

import re

from infrai_mcp.when.clock import Clock, extract_times
from infrai_mcp.when.cron import CronError, normalize_cron
from infrai_mcp.when.model import EXAMPLES_CRON, WhenError, fail
from infrai_mcp.when.text import ordinal
from infrai_mcp.when.vocab import (
    DAY_NAMES,
    MONTH_NAMES,
    MONTH_RE,
    MONTHS,
    ORD,
    WEEKDAY_RE,
    leftover,
    weekday_number,
)

_DAYWORD = WEEKDAY_RE + r"s?"
_DAYSET = r"(?:weekdays?|weekends?|" + _DAYWORD + r")"
MARKERS = re.compile(
    r"\b(every|daily|hourly|weekly|monthly|yearly|annually|nightly|weekdays|weekends|twice|thrice|"
    r"times (?:a|an|per|every|daily|hourly)|per (?:day|hour|week)|except|quarterly|"
    r"once (?:a|an|per|every) (?:day|hour)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)days)\b"
    r"|\b" + WEEKDAY_RE + r" (?:through|to|until|till|-) " + WEEKDAY_RE + r"\b"
    r"|\b" + WEEKDAY_RE + r" and " + WEEKDAY_RE + r"\b"
)
_UNITS = ("second", "minute", "hour", "day", "week", "month", "year")


def is_recurring(s: str) -> bool:
    return bool(MARKERS.search(s))


def _err(what: str) -> WhenError:
    return fail(what, EXAMPLES_CRON)


def _cut(s: str, m: re.Match[str], keep: str = " ") -> str:
    return s[: m.start()] + keep + s[m.end() :]


def _days(text: str) -> set[int]:
    """Weekday numbers named in a piece of text: lists, ranges, weekdays, weekends."""
    out: set[int] = set()
    for m in re.finditer(r"\b(" + WEEKDAY_RE + r")s? (?:through|to|until|till|-) (" + WEEKDAY_RE + r")s?\b", text):
        a, b = weekday_number(m.group(1)), weekday_number(m.group(2))
        d = a
        while True:
            out.add(d)
            if d == b:
                break
            d = (d + 1) % 7
        text = _cut(text, m)
    for m in re.finditer(r"\b(weekdays?|weekends?|" + WEEKDAY_RE + r")s?\b", text):
        w = m.group(1)
        if w.startswith("weekday"):
            out |= {1, 2, 3, 4, 5}
        elif w.startswith("weekend"):
            out |= {0, 6}
        else:
            out.add(weekday_number(w))
    return out


def _field(values: set[int], lo: int, hi: int) -> str:
    """Canonical cron list: sorted, runs of 3+ as ranges, the full span as '*'."""
    vals = sorted(values)
    if vals == list(range(lo, hi + 1)):
        return "*"
    parts: list[str] = []
    i = 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{vals[i]}-{vals[j]}")
        else:
            parts.extend(str(v) for v in vals[i : j + 1])
        i = j + 1
    return ",".join(parts)


def _interval(s: str) -> tuple[str | None, float, str]:
    """(unit, count, rest) for 'every N units', 'hourly', 'every quarter hour'..."""
    m = re.search(r"\bevery (quarter|half) (?:an? |of an? )?hour\b", s)
    if m:
        return "minute", 15 if m.group(1) == "quarter" else 30, _cut(s, m)
    found = list(re.finditer(r"\bevery (?:(\d+(?:\.\d+)?) ?)?(second|minute|hour|day|week|month|year)s?\b", s))
    m = min(found, key=lambda f: _UNITS.index(f.group(2))) if found else None  # the finest one
    if m:
        n = float(m.group(1)) if m.group(1) else 1.0
        unit = m.group(2)
        smaller = {"hour": ("minute", 60), "minute": ("second", 60), "day": ("hour", 24)}
        if n != int(n) and unit in smaller:
            unit, n = smaller[unit][0], n * smaller[unit][1]
        return unit, n, _cut(s, m, " every ")
    m = re.search(r"\b(quarterly|every quarter)\b(?! (?:of an |an )?hour)", s)
    if m:
        return "month", 3.0, _cut(s, m)
    m = re.search(r"\b(hourly|daily|nightly|weekly|monthly|yearly|annually)\b", s)
    if m:
        unit = {"hourly": "hour", "daily": "day", "nightly": "day", "weekly": "week", "monthly": "month",
                "yearly": "year", "annually": "year"}[m.group(1)]
        return unit, 1.0, _cut(s, m, " every night " if m.group(1) == "nightly" else " ")
    return None, 1.0, s


def _minute_only(s: str) -> tuple[str | None, str]:
    """The minute field for 'every hour at :15' style phrases (':00 and :30' gives '0,30')."""
    listed = list(re.finditer(r"(?:\bat )?(?<![\d:])(?:xx)?:(\d{2})\b", s))
    if len(listed) > 1:
        values = {int(m.group(1)) for m in listed}
        if max(values) > 59:
            raise _err(f"minute {max(values)} is out of range (0-59)")
        for lm in reversed(listed):
            s = _cut(s, lm)
        return _field(values, 0, 59), s
    pats = [
        (r"(?:\bat )?(?<![\d:])(?:xx)?:(\d{2})\b", None),
        (r"(?<!every )\b(?:at )?(\d{1,2}|quarter|half) (?:minutes? )?(?:past|after) (?:the |every |each )?hour\b",
         None),
        (r"(?<!every )\b(?:at )?(\d{1,2}|quarter|half) (?:minutes? )?past\b(?! \d)", None),
        (r"\bat minute (\d{1,2})\b", None),
        (r"\bon the half hour\b", 30),
        (r"\b(?:at )?(?:the )?top of (?:the|every|each) hour\b", 0),
        (r"(?<=\bevery hour )at (\d{1,2})\b(?![:\d]| ?(?:am|pm)\b)", None),
        (r"(?<=\bhourly )at (\d{1,2})\b(?![:\d]| ?(?:am|pm)\b)", None),
        (r"\bon the hour\b", 0),
    ]
    for pat, fixed in pats:
        m = re.search(pat, s)
        if m:
            val = fixed if fixed is not None else {"quarter": 15, "half": 30}.get(m.group(1))
            minute = val if val is not None else int(m.group(1))
            if minute > 59:
                raise _err(f"minute {minute} is out of range (0-59)")
            return str(minute), _cut(s, m)
    return None, s


def _hour_range(s: str) -> tuple[tuple[int, int] | None, str]:
    t = r"(\d{1,2}(?::\d{2})?(?: ?(?:am|pm))?|noon|midnight)"
    m = re.search(rf"\b(?:between|from) {t} (?:and|to|until|till|through|-) {t}\b", s) or re.search(
        rf"\b{t} ?(?:-|to|until|till) ?{t}\b(?= |$)", s
    )
    if not m:
        return None, s
    ends = []
    for g in (m.group(1), m.group(2)):
        times, _, _ = extract_times(f"at {g}")
        if len(times) != 1 or times[0].minute:
            raise _err(f"could not read '{g}' as a whole hour in '{m.group(0)}'")
        ends.append(times[0].hour)
    if ends[0] > ends[1] and ends[1] < 12 and not re.search(r"am|pm|:|midnight", m.group(2)):
        ends[1] += 12  # "between 9 and 5": office hours
    if ends[0] > ends[1]:
        raise _err(f"the hour range '{m.group(0)}' runs backwards")
    return (ends[0], ends[1]), _cut(s, m)


def _ranges(s: str) -> tuple[set[int], set[int], bool, str]:
    """Month and day-of-month ranges: 'from January through September', 'in every 3rd month',
    'on the 1st through the 7th', 'days 1-7'. Returns (months, days, daily-in-months, rest)."""
    months: set[int] = set()
    doms: set[int] = set()
    daily_in_months = False
    m = re.search(r"\bin every (\d+) months\b|\bin every month\b", s)  # "at 9 in every 3rd month": daily
    if m:
        months = set(range(1, 13, int(m.group(1)))) if m.group(1) else set()
        daily_in_months = True
        s = _cut(s, m)
    for m in list(re.finditer(r"\b(" + MONTH_RE + r") (?:through|to|until|till|-) (" + MONTH_RE + r")\b", s))[::-1]:
        a, b = MONTHS[m.group(1)], MONTHS[m.group(2)]
        months |= {(a - 1 + i) % 12 + 1 for i in range((b - a) % 12 + 1)}
        s = _cut(s, m)
    dom_range = (r"\b(?:days? |the )?(\d{1,2})" + ORD + r"?(?: ?- ?| (?:through|to|until|till) )(?:the )?(\d{1,2})"
                 + ORD + r"?(?: days?)?\b(?! ?(?:am|pm|:|hours?|minutes?))")
    for m in list(re.finditer(dom_range, s))[::-1]:
        if not (re.search(ORD + r"\b", m.group(0)) or re.match(r"days? ", m.group(0))):
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if not 1 <= a <= b <= 31:
            raise _err(f"'{m.group(0)}' is not a range of days of the month")
        doms |= set(range(a, b + 1))
        s = _cut(s, m)
    return months, doms, daily_in_months, s


def to_cron(s: str) -> str:
    """The cron expression for a recurring phrase (normalised, zone already removed)."""
    s = re.sub(r"(?<=[a-z])/(?=[a-z])", " and ", s)
    m = re.search(r"\bevery (other|second|\d+(?:st|nd|rd|th)?) (" + WEEKDAY_RE + r")s?\b", s)
    if m:
        raise _err(f"'every {m.group(1)} {m.group(2)}' cannot be written as one cron (weeks do not line up with "
                   f"months); use 'every {m.group(2)}' or pass a cron expression yourself")
    excluded: set[int] = set()
    m = re.search(r"\bexcept (?:on |for )?((?:" + _DAYSET + r")(?: (?:and|or|-|through|to) (?:" + _DAYSET
                  + r"))*)", s)
    if m:
        excluded = _days(m.group(1))
        s = _cut(s, m)
    months, doms, daily_in_months, s = _ranges(s)
    minute_only, s = _minute_only(s)
    hour_range, s = _hour_range(s)
    count: tuple[int, str] | None = None
    m = re.search(r"\b(once|twice|thrice|(\d+) times) (?:(?:a|an|per|every) (day|hour)|(daily|hourly))\b", s)
    if m:
        k = {"once": 1, "twice": 2, "thrice": 3}.get(m.group(1)) or int(m.group(2))
        count = (k, m.group(3) or {"daily": "day", "hourly": "hour"}[m.group(4)])
        s = _cut(s, m)
    starting = bool(re.search(r"\b(?:starting|beginning|from)\b", s))
    times, part, s = extract_times(s)
    unit, n, s = _interval(s)
    if unit in _UNITS:  # "every hour on Jan 1 every year": a coarser 'every' is redundant
        coarser = "|".join(u for u in ("day", "month", "year") if _UNITS.index(u) > _UNITS.index(unit))
        if coarser:
            s = re.sub(rf"\b(?:of )?every (?:{coarser})\b", " ", s)
    dows = _days(s)
    s = re.sub(r"\b(" + WEEKDAY_RE + r")s? (?:through|to|until|till|-) (" + WEEKDAY_RE + r")s?\b", " ", s)
    s = re.sub(r"\b(" + _DAYSET + r")\b", " ", s)
    if re.search(r"\b(?:until|till|for)\b (?!the\b)", s):
        raise _err("an end date or a number of runs is not supported in a schedule; create it and delete it later")
    for m in re.finditer(r"\b(" + MONTH_RE + r") (\d{1,2})" + ORD + r"?\b|\b(\d{1,2})" + ORD + r"? (?:of )?("
                         + MONTH_RE + r")\b", s):
        months.add(MONTHS[m.group(1) or m.group(4)])
        doms.add(int(m.group(2) or m.group(3)))
    s = re.sub(r"\b(" + MONTH_RE + r") (\d{1,2})" + ORD + r"?\b|\b(\d{1,2})" + ORD + r"? (?:of )?(" + MONTH_RE
               + r")\b", " ", s)
    for m in re.finditer(r"\b(?:in |every |of )?(" + MONTH_RE + r")\b", s):
        months.add(MONTHS[m.group(1)])
    s = re.sub(r"\b(?:in |every |of )?(" + MONTH_RE + r")\b", " ", s)
    for m in re.finditer(r"\b(\d{1,2})" + ORD + r"\b|\bday (\d{1,2})\b", s):
        doms.add(int(m.group(1) or m.group(2)))
    s = re.sub(r"\b(\d{1,2})" + ORD + r"\b|\bday (\d{1,2})\b", " ", s)
    if re.search(r"\blast\b|\bend of\b", s):
        raise _err("'last day' / 'end of the month' is not supported: give a day number such as 'on the 28th'")
    s = re.sub(r"\b(?:of|in) (?:the|each|every|a) (?:month|year)\b", " ", s)
    rest = leftover(s, {"every"})
    if rest:
        seen = _understood(unit, n, dows, doms, months, times)
        raise _err(f"could not understand {' '.join(rest)!r} in a recurring schedule"
                   + (f" (understood: {seen})" if seen else ""))
    if not dows and excluded:
        dows = set(range(7))
    dows -= excluded
    if excluded and not dows:
        raise _err("every day is excluded; nothing would run")
    clocks = [c.with_part(part) for c in times]
    if part and not clocks and unit not in ("second", "minute", "hour"):
        raise _err(f"'{part}' needs a clock time, e.g. 'every day at 8am' or 'every {part} at 7'")
    dow_f = _field(dows, 0, 6) if dows else "*"
    if dow_f == "*" and dows and len(dows) < 7:
        dow_f = "*"
    if daily_in_months and unit is None and not doms and not dows:
        unit = "day"
    if hour_range and unit not in ("minute", "hour"):
        raise _err("an hour range ('between 9am and 5pm') needs 'every N minutes' or 'every hour'")
    start: Clock | None = None
    if unit == "hour" and n > 1 and starting and len(clocks) == 1 and not hour_range and minute_only is None:
        start, clocks = clocks[0], []  # "every 4 hours starting at 1am"
    return _assemble(unit, n, count, clocks, minute_only, hour_range, dows, doms, months, start)


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
        raise _err(f"'every {n:g} {unit}s' is not a whole positive number of {unit}s")
    k = int(n)
    if base % k and k > base:
        near = [d for d in range(1, base + 1) if base % d == 0]
        raise _err(
            f"'every {k} {unit}s' does not divide evenly into the clock ({base} {unit}s per cycle), so one cron "
            f"cannot run it at even gaps. Use an interval that divides {base} ({', '.join(map(str, near[-4:]))}), "
            f"the next larger unit, or pass cron expressions yourself"
        )
    if base % k:
        sample = {"minute": f"*/{k} * * * *", "hour": f"0 */{k} * * *", "second": f"*/{k} * * * * *",
                  "month": f"0 0 1 */{k} *"}[unit]
        raise _err(
            f"'every {k} {unit}s' does not divide evenly into the clock ({base} {unit}s per "
            f"{'hour' if unit == 'minute' else 'minute' if unit == 'second' else 'day' if unit == 'hour' else 'year'})"
            f": cron restarts the count at each {'hour' if unit == 'minute' else 'boundary'}, so the gaps would be "
            f"uneven. Pick a divisor of {base}, or pass a cron expression yourself, e.g. '{sample}' "
            f"if that uneven pattern is what you want"
        )
    return k


def _assemble(unit: str | None, n: float, count: tuple[int, str] | None, clocks: list[Clock],
              minute_only: str | None, hour_range: tuple[int, int] | None, dows: set[int],
              doms: set[int], months: set[int], start: Clock | None = None) -> str:
    dow_f = _field(dows, 0, 6) if dows else "*"
    dom_f = _field(doms, 1, 31) if doms else "*"
    mon_f = _field(months, 1, 12) if months else "*"
    if doms and dows:
        raise _err("a schedule with both a day of the month and a weekday is ambiguous in cron (it runs on either)")
    if dows and unit in ("month", "year"):
        raise _err(f"'every {unit}' together with a weekday cannot be one cron (it would run on the 1st or on that "
                   "weekday); say 'every Monday' or 'on the 1st of every month'")
    if doms and unit in ("day", "week"):
        raise _err(f"'every {unit}' conflicts with a day of the month; say 'on the 15th of every month'")
    if months and unit == "month" and n != 1:
        raise _err(f"'every {n:g} months' conflicts with the month names given")
    if not (unit or count or dows or doms or months or clocks or minute_only is not None or hour_range):
        raise _err("'every' needs a unit or a day, e.g. 'every 15 minutes', 'every day at 9am', 'every Monday'")
    if unit == "minute" and n >= 60 and n % 60 == 0:
        unit, n = "hour", n / 60
    if unit in ("second", "minute", "hour") and clocks:
        every = f"every {unit}" if n == 1 else f"every {n:g} {unit}s"
        raise _err(f"'{every}' cannot also have a clock time; use 'every {unit} between 9am and 5pm', "
                   "'every 4 hours starting at 1am' or 'every day at 9am'")
    hours = f"{hour_range[0]}-{hour_range[1]}" if hour_range else "*"
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
        h = hours if k == 1 else (f"{hours}/{k}" if hour_range else f"*/{k}")
        return _final(f"{minute_only or '0'} {h} {dom_f} {mon_f} {dow_f}")
    if count:
        k, per = count
        if per == "hour":
            _check_div(60 / k if 60 % k == 0 else 7, 60, "minute")
            return _final(f"{','.join(str(i) for i in range(0, 60, 60 // k))} {hours} {dom_f} {mon_f} {dow_f}")
        if clocks and len(clocks) != k:
            raise _err(f"'{k} times a day' but {len(clocks)} time(s) given")
        if not clocks:
            if 24 % k:
                raise _err(f"{k} times a day does not divide the day evenly; list the times, e.g. 'at 8, 12 and 18'")
            clocks = [Clock(h, 0) for h in range(0, 24, 24 // k)]
    if n != 1:
        if unit == "month":
            k = _check_div(n, 12, "month")
            mon_f = f"*/{k}" if mon_f == "*" else mon_f
        else:
            raise _err(
                f"'every {n:g} {unit}s' cannot be written as one cron (days of the month and weeks do not divide "
                f"evenly); say 'every Monday', 'on the 1st and 15th', or pass a cron expression yourself"
            )
    if minute_only is not None and not clocks:
        if unit not in (None,) or dows or doms:
            raise _err("a minute past the hour needs 'every hour', e.g. 'every hour at :15'")
        return _final(f"{minute_only} {hours} * {mon_f} *")
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
    return _final(_times_fields(clocks) + f" {dom_f} {mon_f} {dow_f}")


def _times_fields(clocks: list[Clock]) -> str:
    secs = {c.second for c in clocks}
    mins = {c.minute for c in clocks}
    hrs = {c.hour for c in clocks}
    if len(secs) > 1 or (len(mins) > 1 and len(hrs) > 1):
        listed = ", ".join(f"{c.hour:02d}:{c.minute:02d}" for c in clocks)
        raise _err(f"the times {listed} need different minutes in different hours, which one cron cannot express; "
                   "create one schedule per time")
    sec = next(iter(secs))
    base = f"{_field(mins, 0, 59)} {_field(hrs, 0, 23)}"
    return f"{sec} {base}" if sec else base


def _final(expr: str) -> str:
    try:
        return normalize_cron(expr)
    except CronError as exc:
        raise _err(f"the schedule {expr!r} is impossible: {exc}") from None
