"""The composable pieces of a recurring phrase: days, intervals, minutes past the hour, hour,
month and day-of-month ranges. Each takes the phrase and returns what it read plus the rest."""

from __future__ import annotations

import re

from infrai_mcp.when.clock import extract_times
from infrai_mcp.when.model import EXAMPLES_CRON, WhenError, fail
from infrai_mcp.when.text import spans
from infrai_mcp.when.vocab import MONTH_RE, MONTHS, ORD, WEEKDAY_RE, weekday_number

UNITS = ("second", "minute", "hour", "day", "week", "month", "year")
DAYWORD = WEEKDAY_RE + r"s?"
DAYSET = r"(?:weekdays?|weekends?|" + DAYWORD + r")"


def err(what: str) -> WhenError:
    return fail(what, EXAMPLES_CRON)


def cut(s: str, m: re.Match[str], keep: str = " ") -> str:
    return s[: m.start()] + keep + s[m.end() :]


def days(text: str) -> set[int]:
    """Weekday numbers named in a piece of text: lists, ranges, weekdays, weekends."""
    out: set[int] = set()
    ranges_re = r"\b(" + WEEKDAY_RE + r")s? (?:through|to|until|till|-) (" + WEEKDAY_RE + r")s?\b"
    for m in reversed(list(re.finditer(ranges_re, text))):
        a, b = weekday_number(m.group(1)), weekday_number(m.group(2))
        d = a
        while True:
            out.add(d)
            if d == b:
                break
            d = (d + 1) % 7
        text = cut(text, m)
    for m in re.finditer(r"\b(weekdays?|weekends?|" + WEEKDAY_RE + r")s?\b", text):
        w = m.group(1)
        if w.startswith("weekday"):
            out |= {1, 2, 3, 4, 5}
        elif w.startswith("weekend"):
            out |= {0, 6}
        else:
            out.add(weekday_number(w))
    return out


def field(values: set[int], lo: int, hi: int) -> str:
    """Canonical cron list: sorted, runs of 3+ as ranges, the full span as '*'."""
    vals = sorted(values)
    if vals == list(range(lo, hi + 1)):
        return "*"
    parts: list[str] = []
    for first, last in spans(vals):
        if last - first >= 2:
            parts.append(f"{first}-{last}")
        else:
            parts.extend(str(v) for v in range(first, last + 1))
    return ",".join(parts)


def interval(s: str) -> tuple[str | None, float, str]:
    """(unit, count, rest) for 'every N units', 'hourly', 'every quarter hour'..."""
    m = re.search(r"\bevery (quarter|half) (?:an? |of an? )?hour\b", s)
    if m:
        return "minute", 15 if m.group(1) == "quarter" else 30, cut(s, m)
    found = list(re.finditer(r"\bevery (?:(\d+(?:\.\d+)?) ?)?(second|minute|hour|day|week|month|year)s?\b", s))
    m = min(found, key=lambda f: UNITS.index(f.group(2))) if found else None  # the finest one
    if m:
        n = float(m.group(1)) if m.group(1) else 1.0
        unit = m.group(2)
        smaller = {"hour": ("minute", 60), "minute": ("second", 60), "day": ("hour", 24)}
        if n != int(n) and unit in smaller:
            unit, n = smaller[unit][0], n * smaller[unit][1]
        return unit, n, cut(s, m, " every ")
    m = re.search(r"\b(quarterly|every quarter)\b(?! (?:of an |an )?hour)", s)
    if m:
        return "month", 3.0, cut(s, m)
    m = re.search(r"\b(hourly|daily|nightly|weekly|monthly|yearly|annually)\b", s)
    if m:
        unit = {"hourly": "hour", "daily": "day", "nightly": "day", "weekly": "week", "monthly": "month",
                "yearly": "year", "annually": "year"}[m.group(1)]
        return unit, 1.0, cut(s, m, " every night " if m.group(1) == "nightly" else " ")
    return None, 1.0, s


def read_minutes(s: str) -> tuple[str | None, str]:
    """The minute field for 'every hour at :15' style phrases (':00 and :30' gives '0,30')."""
    listed = list(re.finditer(r"(?:\bat )?(?<![\d:])(?:xx)?:(\d{2})\b", s))
    if len(listed) > 1:
        values = {int(m.group(1)) for m in listed}
        if max(values) > 59:
            raise err(f"minute {max(values)} is out of range (0-59)")
        for lm in reversed(listed):
            s = cut(s, lm)
        return field(values, 0, 59), s
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
                raise err(f"minute {minute} is out of range (0-59)")
            return str(minute), cut(s, m)
    return None, s


def read_hour_range(s: str) -> tuple[tuple[int, int] | None, str]:
    """A daily window 'between 9am and 5pm' / 'from 9:30 to 17:00' as (first, last) minute of the day;
    the end is included; a window across midnight ends after 1440 ('from 10pm to 2am': (1320, 1560))."""
    t = r"(\d{1,2}(?::\d{2})?(?: ?(?:am|pm))?|noon|midnight)"
    vague = re.search(r"\bevery (?:\d+ ?(?:-|to|or) ?\d+|\d+ (?:or|and) \d+) (?:seconds?|minutes?|hours?|days?)\b", s)
    if vague:
        raise err(f"'{vague.group(0)}' is a range of intervals; cron needs one, e.g. 'every 10 minutes'")
    unit_after = r"(?! ?(?:seconds?|minutes?|hours?|days?|weeks?|months?)\b)"
    m = re.search(rf"\b(?:between|from) {t} (?:and|to|until|till|through|-) {t}\b{unit_after}", s) or re.search(
        rf"(?<!every )\b{t} ?(?:-|to|until|till) ?{t}\b(?= |$){unit_after}", s
    )
    if not m:
        return None, s
    ends = []
    for g in (m.group(1), m.group(2)):
        times, _, _ = extract_times(f"at {g}")
        if len(times) != 1:
            raise err(f"could not read '{g}' as a time of day in '{m.group(0)}'")
        ends.append(times[0].hour * 60 + times[0].minute)
    if ends[1] == 0 and ends[0] > 0 and re.search(r"midnight|24", m.group(2)):
        ends[1] = 24 * 60  # "from 9 to midnight"
    if ends[0] > ends[1] and ends[1] < 12 * 60 and not re.search(r"am|pm|midnight", m.group(2)):
        ends[1] += 12 * 60  # "between 9 and 5": office hours
    if ends[0] > ends[1]:  # "between 10pm and 2am": across midnight
        ends[1] += 24 * 60
    return (ends[0], ends[1]), cut(s, m)


def ranges(s: str) -> tuple[set[int], set[int], bool, str]:
    """Month and day-of-month ranges: 'from January through September', 'in every 3rd month',
    'on the 1st through the 7th', 'days 1-7'. Returns (months, days, daily-in-months, rest)."""
    months: set[int] = set()
    doms: set[int] = set()
    daily_in_months = False
    m = re.search(r"\bin every (\d+) months\b|\bin every month\b", s)  # "at 9 in every 3rd month": daily
    if m:
        months = set(range(1, 13, int(m.group(1)))) if m.group(1) else set()
        daily_in_months = True
        s = cut(s, m)
    for m in list(re.finditer(r"\b(" + MONTH_RE + r") (?:through|to|until|till|-) (" + MONTH_RE + r")\b", s))[::-1]:
        a, b = MONTHS[m.group(1)], MONTHS[m.group(2)]
        months |= {(a - 1 + i) % 12 + 1 for i in range((b - a) % 12 + 1)}
        s = cut(s, m)
    dom_range = (r"\b(?:days? |the )?(\d{1,2})" + ORD + r"?(?: ?- ?| (?:through|to|until|till) )(?:the )?(\d{1,2})"
                 + ORD + r"?(?: days?)?\b(?! ?(?:am|pm|:|hours?|minutes?))")
    for m in list(re.finditer(dom_range, s))[::-1]:
        if not (re.search(ORD + r"\b", m.group(0)) or re.match(r"days? ", m.group(0))):
            continue
        a, b = int(m.group(1)), int(m.group(2))
        if not 1 <= a <= b <= 31:
            raise err(f"'{m.group(0)}' is not a range of days of the month")
        doms |= set(range(a, b + 1))
        s = cut(s, m)
    return months, doms, daily_in_months, s
