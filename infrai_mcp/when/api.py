"""The public entry points: parse_when, parse_instant, parse_delay, parse_recurrence, next_fires."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from infrai_mcp.when import cron as cronmod
from infrai_mcp.when import fires
from infrai_mcp.when.clock import check_delay, duration_phrase, iso_duration
from infrai_mcp.when.cron import CronError, normalize_cron, validate_timezone
from infrai_mcp.when.excluding import pre_normalize, resolve_holidays, take_exclusions
from infrai_mcp.when.model import EXAMPLES_ALL, EXAMPLES_CRON, EXAMPLES_ONCE, When, WhenError, fail
from infrai_mcp.when.once import parse_once
from infrai_mcp.when.plan import recurring
from infrai_mcp.when.recur import is_recurring
from infrai_mcp.when.text import normalize
from infrai_mcp.when.zones import ABBREVIATIONS, default_timezone, extract_zone, lookup_place

_NAMES = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun"
_CRON_ATOM = rf"(?:\*|\?|\d+[lw]?|l|lw|{_NAMES})(?:#\d)?"
_CRON_ITEM = rf"{_CRON_ATOM}(?:-{_CRON_ATOM})?(?:/\d+)?"
_CRON_FIELD = rf"{_CRON_ITEM}(?:,{_CRON_ITEM})*"
_CRON_RE = re.compile(rf"^{_CRON_FIELD}(?:\s+{_CRON_FIELD}){{4,5}}$", re.IGNORECASE)
_ISO_RE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[t ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(z|utc|[+-]\d{2}(?::?\d{2})?)?$",
    re.IGNORECASE,
)
_NOW_WORDS = {"now", "right now", "immediately", "asap", "right away", "立即", "立刻", "马上", "现在"}


def looks_like_cron(text: str) -> bool:
    t = text.strip()
    if t.startswith("@"):
        return True
    if not _CRON_RE.match(t):
        return False
    return any(ch.isdigit() or ch == "*" for ch in t)


def _zone(timezone: str | None) -> str:
    """The zone argument: an IANA name (any case), or a place or abbreviation we know ("tokyo", "ET")."""
    if not timezone:
        return default_timezone()
    try:
        return validate_timezone(timezone)
    except CronError as exc:
        key = " ".join(timezone.strip().lower().replace("_", " ").split())
        known = lookup_place(key) or ABBREVIATIONS.get(key) or lookup_place(key.replace(" ", "_"))
        if known:
            return known
        raise WhenError(str(exc)) from None


def _now(now: datetime | None, zone: str) -> datetime:
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=cronmod.get_zone(zone), fold=0).astimezone(UTC)
    return now.astimezone(UTC)


def parse_when(text: str, *, now: datetime | None = None, timezone: str | None = None) -> When:
    """A phrase, ISO timestamp or cron expression → When (once / delayed / cron), or WhenError."""
    if not isinstance(text, str):
        raise fail(f"expected text, got {type(text).__name__}")
    zone = _zone(timezone)
    at = _now(now, zone)
    raw = " ".join(text.split())
    if not raw:
        raise fail("the time phrase is empty")
    if looks_like_cron(raw):
        try:
            return When(type="cron", cron=normalize_cron(raw), timezone=zone)
        except CronError as exc:
            msg = str(exc) if "examples" in str(exc) else f"{exc}. Accepted examples: {EXAMPLES_CRON}."
            raise WhenError(msg) from None
    iso = _ISO_RE.match(raw)
    if iso:
        return When(type="once", run_at=_iso(raw, iso, at, zone), timezone=zone)
    if raw.lower() in _NOW_WORDS:
        return When(type="delayed", delay_seconds=0, timezone=zone)
    iso_secs = iso_duration(raw)
    if iso_secs is not None:
        return When(type="delayed", delay_seconds=check_delay(iso_secs, raw), timezone=zone)
    raw = re.sub(r"^\+\s*(?=\d)", "in ", raw)  # "+30 minutes"
    _unschedulable(raw)
    s = normalize(pre_normalize(raw.lower()))
    words, s = take_exclusions(s)
    try:
        named, s = extract_zone(s)
    except CronError as exc:
        raise WhenError(str(exc)) from None
    z = named or zone
    unknown = re.findall(r"[\u3000-\u9fff]+", s)
    if unknown:
        raise fail(f"could not understand {raw!r} (unknown words: {' '.join(unknown)})")
    if not s:
        raise fail(f"only a timezone was found in {raw!r}")
    if is_recurring(s):
        chinese = bool(re.search(r"[\u3000-\u9fff]", raw))
        return recurring(s, at, z, resolve_holidays(words, z, chinese) if words else words)
    if words:
        raise fail(f"'{raw}' excludes days but does not repeat; exclusions go with recurring schedules, "
                   "e.g. 'every weekday at 9am except public holidays in Germany'", EXAMPLES_CRON)
    dur = duration_phrase(s)
    if dur is not None:
        secs, said = dur
        if secs < 0:
            raise fail(f"'{said}' is in the past", EXAMPLES_ONCE)
        return When(type="delayed", delay_seconds=check_delay(secs, said), timezone=z)
    if re.fullmatch(r"(?:in |after )?(?:\d+(?:\.\d+)?|an?) (?:months?|years?)(?: from now| later)?", s):
        raise fail(f"'{raw}' is not a fixed number of seconds (months and years vary in length); "
                   "give a date, e.g. 'on March 5 at 9am'", EXAMPLES_ONCE)
    return When(type="once", run_at=parse_once(s, at, z), timezone=z)


_UNSCHEDULABLE = [
    (re.compile(r"农历|阴历|旧历|春节|中秋|端午|元宵|七夕|重阳|除夕|腊八|\blunar\b|\bchinese (?:calendar|new year)\b"),
     "lunar calendar dates move against the Gregorian calendar every year and are not supported; give the "
     "Gregorian date for each year, e.g. 'on 2027-09-15 at 9am' / '2027年9月15日上午9点'"),
    (re.compile(r"\b(?:sun ?rise|sun ?set|sun ?up|sun ?down|dawn|dusk|twilight|daybreak|nightfall)\b"
                r"|日出|日落|黎明|黄昏"),
     "times that follow the sun (sunrise, sunset, dawn, dusk) change every day and are not supported; give a clock "
     "time, e.g. 'every day at 6:30am'"),
    (re.compile(r"\b(?:milli|micro|nano) ?seconds?\b|\bms\b|毫秒|微秒"),
     "periods shorter than a second are not supported; the shortest is one second, e.g. 'every second' or "
     "'every 10 seconds'"),
]


def _unschedulable(raw: str) -> None:
    """Things no schedule kind can say: errors that say why and what to write instead."""
    low = raw.lower()
    for rx, why in _UNSCHEDULABLE:
        if rx.search(low):
            raise fail(f"'{raw}': {why}", EXAMPLES_CRON)


def _iso(raw: str, m: re.Match[str], now: datetime, zone: str) -> datetime:
    text = m.group(1) + ("T" + m.group(2) if m.group(2) else "")
    off = (m.group(3) or "").lower()
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise fail(f"'{raw}' is not a valid ISO 8601 date", EXAMPLES_ONCE) from None
    if off in ("z", "utc"):
        dt = dt.replace(tzinfo=UTC)
    elif off:
        sign = 1 if off[0] == "+" else -1
        digits = off[1:].replace(":", "")
        delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        if delta > timedelta(hours=14):
            raise fail(f"UTC offset in '{raw}' is out of range", EXAMPLES_ONCE)
        dt = (dt - sign * delta).replace(tzinfo=UTC)
    else:
        dt = dt.replace(tzinfo=cronmod.get_zone(zone), fold=0)
    run = dt.astimezone(UTC)
    if run <= now:
        raise fail(f"'{raw}' is in the past (now is {now:%Y-%m-%dT%H:%M:%SZ})", EXAMPLES_ONCE)
    return run


def parse_instant(text: str, *, now: datetime | None = None, timezone: str | None = None) -> datetime:
    """One aware UTC instant for fields such as run_at: ISO 8601, a date/time phrase or a delay."""
    zone = _zone(timezone)
    at = _now(now, zone)
    when = parse_when(text, now=at, timezone=zone)
    if when.repeats:
        raise WhenError(
            f"'{text}' is a recurring schedule ({when.cron or when.type}); this field needs a single time; recurring "
            f"schedules go to cron_create / schedule_create. Accepted examples: {EXAMPLES_ONCE}."
        )
    if when.type == "delayed":
        assert when.delay_seconds is not None
        return at + timedelta(seconds=when.delay_seconds)
    assert when.run_at is not None
    return when.run_at


def parse_delay(value: str | int | float, *, now: datetime | None = None) -> int:
    """Seconds from a number, a numeric string or a duration phrase ("20 minutes", "in 2 hours")."""
    del now  # durations do not depend on the clock; kept for a uniform signature
    if isinstance(value, bool):
        raise fail("a delay must be a number of seconds or a duration such as '20 minutes'", EXAMPLES_ONCE)
    if isinstance(value, int | float):
        return check_delay(float(value), f"{value} seconds")
    if not isinstance(value, str) or not value.strip():
        raise fail("a delay must be a number of seconds or a duration such as '20 minutes'",
                   '"90", "20 minutes", "in 1 hour and 30 minutes"')
    text = value.strip()
    iso_secs = iso_duration(text)
    if iso_secs is not None:
        return check_delay(iso_secs, text)
    if re.fullmatch(r"[+-]?\d+(?:\.\d+)?", text):
        return check_delay(float(text), f"{text} seconds")
    dur = duration_phrase(normalize(text))
    if dur is None:
        raise fail(f"could not read {text!r} as a duration", '"90", "20 minutes", "in 1 hour and 30 minutes"')
    if dur[0] < 0:
        raise fail(f"'{text}' is in the past", '"90", "20 minutes", "in 1 hour and 30 minutes"')
    return check_delay(dur[0], text)


def parse_recurrence(text: str, *, now: datetime | None = None, timezone: str | None = None) -> When:
    """Only recurring schedules (a phrase or a cron expression)."""
    when = parse_when(text, now=now, timezone=timezone)
    if not when.repeats:
        raise WhenError(
            f"'{text}' is a one-time {'delay' if when.type == 'delayed' else 'time'}, not a recurring schedule; "
            f"use a one-shot tool (task_create / a delayed task) for it, or say how often, e.g. {EXAMPLES_CRON}."
        )
    return when


def next_fires(when: When, n: int = 5, after: datetime | None = None) -> list[datetime]:
    """The next ``n`` run instants (UTC) of a When, strictly after ``after`` (default: now)."""
    if after is not None and after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    start = after.astimezone(UTC) if after else datetime.now(UTC)
    if when.recurrence is not None:
        return fires.next_fires(when.recurrence, start, n)
    if when.type == "delayed":
        assert when.delay_seconds is not None
        return [start + timedelta(seconds=when.delay_seconds)][:n]
    assert when.run_at is not None
    return [when.run_at] if (after is None or when.run_at > start) and n > 0 else []


__all__ = ["EXAMPLES_ALL", "looks_like_cron", "next_fires", "parse_delay", "parse_instant", "parse_recurrence",
           "parse_when"]
