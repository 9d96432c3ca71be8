"""One-off dates and times → an aware UTC instant, with the zone arithmetic done here."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from infrai_mcp.when.clock import Clock, extract_times
from infrai_mcp.when.model import EXAMPLES_ONCE, WhenError, fail
from infrai_mcp.when.positions import day_in_month, read_position_date
from infrai_mcp.when.vocab import DAY_NAMES, MONTH_NAMES, MONTH_RE, MONTHS, ORD, WEEKDAY_RE, leftover, weekday_number
from infrai_mcp.when.zones import local_now, to_utc


@lru_cache(maxsize=16)
def _dateparser(base: datetime) -> Any:
    """A DateDataParser for one relative base (dateparser takes the base only as a setting).
    Imported lazily: importing dateparser costs ~100 ms."""
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["en", "zh"],
        settings={"RELATIVE_BASE": base, "RETURN_AS_TIMEZONE_AWARE": False, "PREFER_DATES_FROM": "future",
                  "REQUIRE_PARTS": ["day", "month"]},
    )


def _err(what: str) -> WhenError:
    return fail(what, EXAMPLES_ONCE)


class _DateSpec:
    """What the words say about the day: a fixed date, or a rule to resolve against 'now'."""

    def __init__(self) -> None:
        self.day: date | None = None
        self.roll_year = False  # day+month without a year: next year if passed
        self.said: list[str] = []
        self.weekday: int | None = None  # "Friday, Dec 4": checked against the date
        self.roller: Callable[[int], date] | None = None  # the same position in a later year


def _cut(s: str, m: re.Match[str]) -> str:
    return s[: m.start()] + " " + s[m.end() :]


def _safe_date(y: int, mo: int, d: int, src: str) -> date:
    try:
        return date(y, mo, d)
    except ValueError:
        raise _err(f"'{src}' is not a real date") from None


def _read_date(s: str, today: date, spec: _DateSpec) -> str:
    """Fill ``spec`` from the date words in ``s``; return what was not used."""
    if re.search(r"\b(yesterday|last (?:" + WEEKDAY_RE + r"|week|month|year|night))\b", s):
        raise _err("that time is in the past")
    vague = r"\b(?:end|beginning|start|middle) of\b|(?<!of )\bnext (?:week|month|year)$|\bsoon\b|\blater\b|\bsometime\b"
    if re.search(vague, s) and not re.search(
        r"\bnext week (?:on )?" + WEEKDAY_RE + r"|" + WEEKDAY_RE + r" next week", s):
        raise _err(f"'{s}' is too vague for a single run time; give a date and a clock time")
    explicit = (r"\b\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\b|\b" + MONTH_RE + r" (?:the )?\d{1,2}" + ORD + r"?\b|\b\d{1,2}"
                + ORD + r"? (?:of )?" + MONTH_RE + r"\b|\b\d{1,2}/\d{1,2}\b|\bthe \d{1,2}" + ORD + r"\b")
    wm = re.search(r"\b(?:on )?(" + WEEKDAY_RE + r")\b", s)
    if wm and re.search(explicit, s):
        spec.weekday = weekday_number(wm.group(1))
        s = _cut(s, wm)
    rules: list[tuple[str, Any]] = [
        (r"\b(?:the )?day after tomorrow\b", lambda m: today + timedelta(days=2)),
        (r"\btomorrow\b", lambda m: today + timedelta(days=1)),
        (r"\b(?:today|tonight)\b", lambda m: today),
        (r"\bin (\d+) (days?|weeks?)\b|\b(\d+) (days?|weeks?) from (?:now|today)\b",
         lambda m: today + timedelta(days=int(m.group(1) or m.group(3)) * (7 if (m.group(2) or m.group(4))
                                                                           .startswith("week") else 1))),
        (r"\b(?:nextweek|next week) (?:on )?(" + WEEKDAY_RE + r")\b|\b(" + WEEKDAY_RE + r") next week\b",
         lambda m: today - timedelta(days=today.weekday()) + timedelta(
             days=7 + (weekday_number(m.group(1) or m.group(2)) - 1) % 7)),
        (r"\b(?:(?:next|this|coming|on|this coming) )?(" + WEEKDAY_RE + r")\b",
         lambda m: today + timedelta(days=(weekday_number(m.group(1)) - (today.weekday() + 1) % 7 - 1) % 7 + 1)),
        (r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b",
         lambda m: _safe_date(int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(0))),
        (r"\b(" + MONTH_RE + r") (?:the )?(\d{1,2})" + ORD + r"?(?: (\d{4}))?\b",
         lambda m: _md(m, 1, 2, 3, today, spec)),
        (r"\b(?:the )?(\d{1,2})" + ORD + r"? (?:of )?(" + MONTH_RE + r")(?: (\d{4}))?\b",
         lambda m: _md(m, 2, 1, 3, today, spec)),
        (r"\b(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{2,4}))?\b", lambda m: _slash(m, today, spec)),
        (r"\b(?:on )?(?:the )?(\d{1,2})" + ORD + r"? of next month\b|\bnext month (?:on )?the (\d{1,2})" + ORD + r"\b",
         lambda m: _next_month(int(m.group(1) or m.group(2)), today, m.group(0))),
        (r"\b(?:on )?the (\d{1,2})" + ORD + r"\b", lambda m: _dom(int(m.group(1)), today)),
    ]
    for pat, fn in rules:
        m = re.search(pat, s)
        if m:
            if spec.day is not None:
                raise _err(f"two dates given ({spec.said[0]!r} and {m.group(0).strip()!r})")
            spec.day = fn(m)
            spec.said.append(m.group(0).strip())
            s = _cut(s, m)
    return s


def _position_date(s: str, today: date, spec: _DateSpec) -> str:
    """ "the second Tuesday of July", "the last day of next month", "the last Friday of this month"."""
    found, rest = read_position_date(s)
    if found is None:
        return s
    (token,), months, which = found
    if which == "named":
        month = months[0]

        def roller(year: int) -> date:
            for y in range(year, year + 8):
                got = day_in_month(y, month, token)
                if got is not None:
                    return got
            raise _err("that day does not occur in the next years")

        day = roller(today.year)
        if day < today:
            day = roller(today.year + 1)
        spec.roller = roller
    else:
        y, mo = today.year, today.month
        if which == "next":
            y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
        got = day_in_month(y, mo, token)
        if got is None:
            raise _err(f"{MONTH_NAMES[mo - 1]} {y} has no such day")
        day = got
    spec.day = day
    spec.said.append(s[: len(s) - len(rest)].strip() or token)
    return rest


def _md(m: re.Match[str], mi: int, di: int, yi: int, today: date, spec: _DateSpec) -> date:
    month, day = MONTHS[m.group(mi)], int(m.group(di))
    if m.group(yi):
        return _safe_date(int(m.group(yi)), month, day, m.group(0))
    spec.roll_year = True
    for year in range(today.year, today.year + 9):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise _err(f"'{m.group(0)}' is not a real date ({MONTH_NAMES[month - 1]} has no day {day})")


def _slash(m: re.Match[str], today: date, spec: _DateSpec) -> date:
    a, b = int(m.group(1)), int(m.group(3))
    if a <= 12 and b <= 12 and a != b:
        raise _err(f"'{m.group(0)}' is ambiguous (month/day or day/month?); write 'March 5' or '2026-03-05'")
    month, day = (a, b) if a <= 12 else (b, a)
    if m.group(4):
        year = int(m.group(4))
        return _safe_date(year + 2000 if year < 100 else year, month, day, m.group(0))
    spec.roll_year = True
    return _safe_date(today.year, month, day, m.group(0))


def _next_month(day: int, today: date, src: str) -> date:
    y, mo = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return _safe_date(y, mo, day, src)


def _dom(day: int, today: date) -> date:
    if not 1 <= day <= 31:
        raise _err(f"day {day} of the month does not exist")
    y, mo = today.year, today.month
    for _ in range(14):
        try:
            d = date(y, mo, day)
            if d > today:
                return d
        except ValueError:
            pass
        y, mo = (y + 1, 1) if mo == 12 else (y, mo + 1)
    raise _err(f"day {day} of the month does not exist")


def parse_once(s: str, now: datetime, zone: str) -> datetime:
    """A single future instant (UTC) for a normalised date/time phrase in ``zone``."""
    same = re.search(r"\b(?:at )?(?:this|the same|same) time\b", s)
    if same:  # "this time tomorrow": the current wall time on the named day
        if not re.search(r"\b(?:tomorrow|next|in \d+ (?:days?|weeks?)|" + WEEKDAY_RE + r")\b", s):
            raise _err(f"'{same.group(0)}' needs a day, e.g. 'this time tomorrow'")
        wall_now = local_now(now, zone)
        s = _cut(s, same) + f" at {wall_now.hour:02d}:{wall_now.minute:02d}"
    times, part, s = extract_times(s)
    if len(times) > 1:
        raise _err("several clock times were given for a single run; for a repeating schedule say "
                   "'every day at 9am and 9:30am'")
    if part and not times:
        example = "tonight at 9" if part == "tonight" else f"tomorrow {part} at 8"
        raise _err(f"'{part}' needs a clock time, e.g. '{example}'")
    clock: Clock | None = times[0].with_part(part) if times else None
    today = local_now(now, zone).date()
    spec = _DateSpec()
    date_words = " ".join(leftover(s))
    s = _position_date(s, today, spec)
    s = _read_date(s, today, spec)
    rest = leftover(s)
    if rest:
        s_rest = " ".join(rest)
        if not re.search(r"\d|\b" + MONTH_RE + r"\b", s_rest) or not re.search(
                r"\b" + MONTH_RE + r"\b|\b\d{4}\b", date_words) or re.search(
                r"\b(?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\b", date_words):
            raise _err(f"could not understand {s_rest!r}" + (f" (understood: {_said(spec, clock)})"
                                                            if spec.said or clock else ""))
        # Our rules left digits or a month name unread: let dateparser read all the date words.
        spec = _DateSpec()
        spec.day = _fallback_date(date_words, now, zone)
        spec.said.append(date_words)
        spec.roll_year = not re.search(r"\b\d{4}\b", date_words)
    if spec.day is None and clock is None:
        raise _err("no date or time found")
    wall = time(clock.hour, clock.minute, clock.second) if clock else time(0, 0)
    late = clock is not None and part in ("tonight", "night", "evening") and clock.hour < 5
    if spec.day is None:
        day = today + timedelta(days=1 if late else 0)
        run = to_utc(day, wall, zone)
        return run if run > now else to_utc(day + timedelta(days=1), wall, zone)
    day = spec.day + timedelta(days=1 if late else 0)
    run = to_utc(day, wall, zone)
    if run <= now and spec.roller is not None:
        run = to_utc(spec.roller(day.year + 1), wall, zone)
    if run <= now and spec.roll_year:
        for year in range(day.year + 1, day.year + 9):
            try:
                run = to_utc(day.replace(year=year), wall, zone)
                break
            except ValueError:
                continue
    if spec.weekday is not None:
        local_day = local_now(run, zone).date() - timedelta(days=1 if late else 0)
        if local_day.isoweekday() % 7 != spec.weekday:
            said = f"{local_day:%B} {local_day.day}, {local_day.year}"
            raise _err(f"{said} is a {local_day:%A}, not a {DAY_NAMES[spec.weekday]}")
    if run <= now:
        raise _err(f"{_said(spec, clock)} is in the past (now is "
                   f"{local_now(now, zone):%Y-%m-%d %H:%M} {zone})")
    return run


def _said(spec: _DateSpec, clock: Clock | None) -> str:
    parts = list(spec.said)
    if clock:
        parts.append(f"{clock.hour:02d}:{clock.minute:02d}")
    return " ".join(repr(p) if not p[:1].isdigit() else p for p in parts) or "the phrase"


def _fallback_date(text: str, now: datetime, zone: str) -> date:
    """Dates our rules do not spell out (e.g. 'march the 5th, 2027') go to dateparser, which is
    asked for the calendar day only; the clock time and the zone stay ours."""
    base = local_now(now, zone).replace(tzinfo=None, second=0, microsecond=0)
    data = _dateparser(base).get_date_data(text)
    if data is None or data.date_obj is None or data.period != "day":
        raise _err(f"could not understand {text!r} as a date")
    got: date = data.date_obj.date()
    years = {int(y) for y in re.findall(r"\b(\d{4})\b", text)}
    today = local_now(now, zone).date()
    if (years and got.year not in years) or (not years and not today <= got <= today + timedelta(days=366)):
        raise _err(f"could not understand {text!r} as a date")
    return got
