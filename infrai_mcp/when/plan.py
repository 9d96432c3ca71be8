"""A recurring phrase → the simplest schedule kind that says it exactly.

Order of preference: one cron (clock-aligned, ``recur.py``); else an interval (a period that does
not divide the clock: "every 90 seconds", "every 7 minutes", "every 36 hours"); else a calendar
rule (RRULEs, ``rrules.py``: every N weeks, every N days, unions of times or of days, positions
only a calendar rule can say). Exclusions (``excluding.py``) go with any kind.

Starts: an interval without a start is anchored one period after now; "starting at 9am" (or any
date or time after "starting") anchors it at the next such time. "every N days" keeps the wall
time (a calendar rule, DST does not move it): at the time given, else at now's time of day, from
one period after now. "every other Tuesday" starts with the next Tuesday: the week of the first
fire is an "on" week; "starting <date>" moves the first fire to that date or later.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from infrai_mcp.when.clock import extract_times
from infrai_mcp.when.cron import next_fire
from infrai_mcp.when.excluding import ExclusionWords
from infrai_mcp.when.kinds import CalendarRule, CronRule, Exclusions, IntervalRule, Recurrence, Rule, RuleError
from infrai_mcp.when.model import When
from infrai_mcp.when.once import parse_once
from infrai_mcp.when.pieces import DAYSET, err
from infrai_mcp.when.recur import to_crons
from infrai_mcp.when.rrules import to_rrules
from infrai_mcp.when.vocab import MONTH_RE, WEEKDAY_RE
from infrai_mcp.when.zones import local_now, to_utc

_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_TERM = r"(?:(?:-?\d+(?:\.\d+)?|an?) ?)?(?:second|minute|hour|day|week)s?(?: and a half)?\b"
_PERIOD = re.compile(rf"^(?:every|each) (?P<dur>{_TERM}(?:(?:,? and|,)? (?=[-\d]|an? ){_TERM})*) ?(?P<rest>.*)$")
_TERM_RE = re.compile(r"(?P<n>-?\d+(?:\.\d+)?|an?)? ?(?P<unit>second|minute|hour|day|week)s?(?P<half> and a half)?")
_START = re.compile(r"\b(?:starting|beginning|commencing|effective)(?: from| on)? (?P<when>.+)$")
_WEEKS = re.compile(r"\b(?:every|each) (?:(?P<n>\d+) weeks?(?: on)?|(?P<o>other|2nd) "
                    rf"(?=(?:{WEEKDAY_RE}|weekday|weekend)s?\b(?! (?:of|in) )))")
_MONTHS_YEARS = re.compile(r"\b(?:every|each) (?P<n>[2-9]|[1-9]\d) (?P<unit>month|year)s?\b")
_TIME_WORD = re.compile(r"\b\d{1,2}(?::\d{2})? ?(?:am|pm)\b|\b\d{1,2}:\d{2}\b|\bat \d{1,2}\b|\bnoon\b|\bmidnight\b")
_DAY_WORD = re.compile(r"\b(?:" + DAYSET + r"|daily|every day)\b")


def recurring(s: str, now: datetime, zone: str, words: ExclusionWords) -> When:
    """The When of a normalised recurring phrase (zone and exclusion clauses already taken out)."""
    jitter, s = _take_jitter(s)
    rule = _rule(s, now, zone)
    try:
        dates: list[str | date] = list(words.date_texts())
        excl = Exclusions.of(holidays=words.holidays, dates=dates) if words else Exclusions()
        return When.recurring(Recurrence(rule, zone, excl, jitter))
    except RuleError as exc:
        raise err(str(exc).split(". Accepted examples")[0]) from None


_JITTER = re.compile(r"\b(?:with )?(?:a )?(?:random )?(?:jitter|delay|spread|randomness)? ?(?:of )?(?:up to )?"
                     r"(?P<n>\d+) (?P<unit>second|minute|hour)s? (?:of )?(?:random )?(?:jitter|randomness|spread)\b"
                     r"|\bwith (?:a )?(?:random )?(?:jitter|delay|spread) of (?:up to )?(?P<n2>\d+) "
                     r"(?P<unit2>second|minute|hour)s?\b")


def _take_jitter(s: str) -> tuple[int, str]:
    """ "with up to 5 minutes of jitter" → 300 seconds (each job fires a fixed offset in [0, 300] s late)."""
    m = _JITTER.search(s)
    if not m:
        return 0, s
    secs = int(m.group("n") or m.group("n2")) * _UNIT_SECONDS[m.group("unit") or m.group("unit2")]
    if secs > 3600:
        raise err(f"jitter of {secs} s is more than an hour; say at most 'with up to 60 minutes of jitter'")
    return secs, (s[: m.start()] + " " + s[m.end():]).strip()


def _rule(s: str, now: datetime, zone: str) -> Rule:
    period = _PERIOD.match(s)
    if period:
        rule = _period(period, now, zone)
        if rule is not None:
            return rule
    weeks = _WEEKS.search(s)
    if weeks:
        n = int(weeks.group("n") or (2 if weeks.group("o") == "other" else re.sub(r"\D", "", weeks.group("o"))))
        rest, start = _take_start(s[: weeks.start()] + " every " + s[weeks.end():], now, zone, date_only=True)
        if n < 1:
            raise err("'every 0 weeks' never repeats; say 'every week' or 'every 2 weeks'")
        return _calendar([r for c in to_crons(rest) for r in to_rrules(c, weeks=n)], now, zone, start, phase=n > 1)
    cal = _MONTHS_YEARS.search(s)
    if cal and (cal.group("unit") == "year" or 12 % int(cal.group("n"))):
        n, unit = int(cal.group("n")), cal.group("unit")
        rest, start = _take_start(s[: cal.start()] + f" every {unit} " + s[cal.end():], now, zone, date_only=True)
        rules = [r for c in to_crons(rest) for r in (to_rrules(c, months=n) if unit == "month" else
                                                      to_rrules(c, years=n))]
        return _calendar(rules, now, zone, start, phase=True)
    s, start = _take_start(s, now, zone, date_only=True, strict=False)
    crons = [c for part in _parts(s) for c in to_crons(part)]
    if len(crons) == 1 and not _calendar_only(crons[0]) and not _starts_later(crons[0], start, now, zone):
        return CronRule.of(crons[0])
    return _calendar([r for c in dict.fromkeys(crons) for r in to_rrules(c)], now, zone, start, phase=False)


def _starts_later(cron: str, start: datetime | None, now: datetime, zone: str) -> bool:
    """A start ("starting next Monday") that holds back the cron's next fire needs a calendar rule."""
    if start is None:
        return False
    first = local_now(next_fire(cron, zone, now), zone).replace(tzinfo=None)
    return first < start


def _calendar_only(cron: str) -> bool:
    return bool(re.search(r"W[+-]|L-|#-", cron))


def _period(m: re.Match[str], now: datetime, zone: str) -> Rule | None:
    """ "every N <unit>" that one cron can't say: an interval, or every N days at a wall time.
    None when the general reader (one cron, windows, days) takes the phrase."""
    said = m.group("dur")
    seconds = 0.0
    for term in _TERM_RE.finditer(said):
        raw, unit = term.group("n") or "1", term.group("unit")
        n = 1.0 if raw in ("a", "an") else float(raw)
        if n < 0:
            raise err(f"'every {said}' is negative; a period is a positive number, e.g. 'every 5 {unit}s'")
        seconds += (n + (0.5 if term.group("half") else 0)) * _UNIT_SECONDS[unit]
    if seconds == 0:
        raise err(f"'every {said}' never repeats: a period must be at least one {unit}, "
                  f"e.g. 'every 1 {unit}' or 'every 10 {unit}s'")
    if seconds < 1 or seconds != int(seconds):
        raise err(f"'every {said}' is not a whole number of seconds; the shortest period is one second "
                  "('every second'), e.g. 'every 90 seconds'")
    secs = int(seconds)
    rest, start = _take_start(m.group("rest"), now, zone)
    clock_start = start is not None and not re.search(r"\d{4}|tomorrow|today|" + WEEKDAY_RE + r"|" + MONTH_RE,
                                                      m.group("rest"))
    if secs % 86400:
        if rest.strip():
            return None  # windows, days, minutes past the hour: the general reader
        if _clock_aligned(secs) and (start is None or (clock_start and secs % 3600 == 0)):
            return None  # one cron says it ("every 15 minutes", "every 4 hours starting at 1am")
        anchor = None if start is None else to_utc(start.date(), start.time(), zone)
        return IntervalRule.of(secs, created=now, anchor=anchor)
    times, part, left = extract_times(rest)
    if re.sub(r"\b(?:at|and)\b", " ", left).strip():
        return None
    if start is None and (secs == 86400 or re.fullmatch(r"(?:an? |1 )?week", said)):
        return None  # "every day at 9", "every week": one cron
    return _every_days(secs // 86400, [(c.hour, c.minute, c.second) for c in (t.with_part(part) for t in times)],
                       now, zone, start)


def _clock_aligned(secs: int) -> bool:
    """One cron runs it at even gaps: divisors of a minute, an hour or a day (in their unit), a week."""
    if secs < 60:
        return 60 % secs == 0
    if secs < 3600:
        return secs % 60 == 0 and 60 % (secs // 60) == 0
    if secs <= 86400:
        return secs % 3600 == 0 and 24 % (secs // 3600) == 0
    return secs == 604800


def _every_days(days: int, clocks: list[tuple[int, int, int]], now: datetime, zone: str,
                start: datetime | None) -> Rule:
    """Every N days at the times given (from the first one after now or the start), else at the
    start's or now's time of day from one period after now."""
    local = local_now(now, zone).replace(tzinfo=None, microsecond=0)
    if not clocks:
        base = start if start is not None else local + timedelta(days=days)
        clock_list = [(base.hour, base.minute, base.second)]
        first = base
    else:
        clock_list = clocks
        first = start if start is not None else local
    hours = ",".join(str(h) for h in sorted({c[0] for c in clock_list}))
    if len({(c[1], c[2]) for c in clock_list}) > 1:
        rules = [f"FREQ=DAILY;INTERVAL={days};BYHOUR={h};BYMINUTE={mi};BYSECOND={se}" for h, mi, se in clock_list]
    else:
        rules = [f"FREQ=DAILY;INTERVAL={days};BYHOUR={hours};BYMINUTE={clock_list[0][1]};BYSECOND={clock_list[0][2]}"]
    if not clocks:
        return CalendarRule.of(rules, start=first)
    return _calendar(rules, now, zone, first, phase=True)


def _calendar(rules: list[str], now: datetime, zone: str, start: datetime | None, *, phase: bool) -> Rule:
    """A calendar rule from ``start`` (default now); with ``phase`` its first fire fixes INTERVAL's phase."""
    local = local_now(now, zone).replace(tzinfo=None, microsecond=0)
    begin = max(start, local) if start is not None else local
    if phase:
        from dateutil.rrule import rruleset, rrulestr

        every = rruleset()
        for r in rules:
            every.rrule(rrulestr(re.sub(r";INTERVAL=\d+", "", r), dtstart=begin))  # type: ignore[arg-type]
        first = every.after(begin, inc=start is not None and start > local)
        if first is None:
            raise err("this schedule never fires")
        begin = first
    try:
        return CalendarRule.of(rules, start=begin)
    except RuleError as exc:
        raise err(str(exc).split(". Accepted examples")[0]) from None


def _take_start(s: str, now: datetime, zone: str, *, date_only: bool = False,
                strict: bool = True) -> tuple[str, datetime | None]:
    """ "starting <date/time>" → (the rest, the local wall time it names). With ``date_only`` the
    start is a day (its 00:00) and a clock time after it stays with the rule ("every other Monday
    starting December 7 at 9am")."""
    m = _START.search(s)
    if not m:
        return s, None
    if re.match(r"(?:now|today|from now|immediately)$", m.group("when")):
        return s[: m.start()].strip(), None
    if re.match(r"next week$", m.group("when")):
        today = local_now(now, zone).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
        return s[: m.start()].strip(), today + timedelta(days=7 - today.weekday())
    words = m.group("when").split()
    for k in range(len(words), 0, -1):
        said = " ".join(words[:k])
        if date_only and extract_times(said)[0]:
            continue
        try:
            at = parse_once(said, now, zone)
        except ValueError:
            continue
        rest = s[: m.start()] + " " + " ".join(words[k:])
        return rest.strip(), local_now(at, zone).replace(tzinfo=None)
    if not strict:
        return s, None  # "every 4 hours starting at 1am": the cron reader's
    raise err(f"could not read '{m.group('when')}' as a start date or time, e.g. 'starting tomorrow at 9am'")


def _parts(s: str) -> list[str]:
    """ "every Monday at 9am and every Friday at 5pm", "weekdays at 9am, weekends at 10am" → its parts,
    each with its own days and time."""
    s = _split_lists(s)
    chunks = [c.strip() for c in re.split(r"\band\b|\bplus\b|;", s) if c.strip()]
    if len([c for c in chunks if _TIME_WORD.search(c) and _DAY_WORD.search(c)]) < 2:
        return [s]
    parts: list[str] = []
    pending: list[str] = []
    for chunk in chunks:
        timed, dayed = bool(_TIME_WORD.search(chunk)), bool(_DAY_WORD.search(chunk))
        if timed and dayed:
            parts.append(" and ".join([*pending, chunk]))
            pending = []
        elif dayed or not parts:
            pending.append(chunk)  # "tuesdays and thursdays at 10am": days waiting for their time
        else:
            parts[-1] += " and " + chunk  # "every monday at 9am and 5pm"
    if pending:
        if not parts:
            return [s]
        parts[-1] += " and " + " and ".join(pending)
    return parts


_TIME_END = re.compile(r"(?:\d{1,2}(?::\d{2})? ?(?:am|pm)|\b\d{1,2}:\d{2}|\bat \d{1,2}|\bnoon|\bmidnight)\b"
                       rf"(?= (?:on |every |each )?{DAYSET}\b)")


def _split_lists(s: str) -> str:
    """A list written with commas ("thursdays at 10am, saturdays at noon" lost its comma when normalised):
    a time that follows days and precedes other days ends a part."""
    out, last = [], 0
    for m in _TIME_END.finditer(s):
        segment = re.split(r"\band\b|\bplus\b|;", s[:m.start()])[-1]
        if _DAY_WORD.search(segment):
            out.append(s[last:m.end()] + " and")
            last = m.end()
    return "".join(out) + s[last:]


__all__ = ["recurring"]
