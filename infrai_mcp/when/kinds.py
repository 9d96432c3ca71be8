"""Schedule kinds: the value types of a recurring schedule, validated and (de)serialised.

A ``Recurrence`` is one rule in a zone, with optional exclusions and jitter:

* ``CronRule(expr)``: 5 or 6 fields (seconds first) with cronsim's extensions ``L`` (the last
  day of the month), ``nL`` in day-of-week (the last weekday n of the month: ``5L`` the last
  Friday), ``n#k`` (the kth weekday n: ``1#1`` the first Monday), ``LW`` (the last weekday of
  the month) and the @macros. ``CronRule.of("0 9 L * *")`` validates and normalises.
* ``IntervalRule(seconds, anchor)``: fires at ``anchor + k * seconds`` (k >= 0), exact elapsed
  time, unaffected by DST. ``IntervalRule.of(90, created=now)`` anchors one period after
  creation; pass ``anchor=`` for "every 90 minutes starting at 9am".
* ``CalendarRule(rrules, start)``: one or more RFC 5545 RRULEs (their union) evaluated by
  python-dateutil on wall times in the job's zone from ``start`` (DTSTART, a naive wall time).
  ``CalendarRule.of("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10", start=...)`` validates and
  writes every value dateutil would take from DTSTART explicitly (BYHOUR/BYMINUTE/BYSECOND,
  BYDAY of a weekly rule, BYMONTHDAY of a monthly one, BYMONTH+BYMONTHDAY of a yearly one), so
  the stored text says the whole rule and the start only fixes the phase of INTERVAL.
  COUNT and FREQ=SECONDLY are refused (``max_runs`` and the interval kind say those).
* ``Exclusions``: public holidays of countries (``"DE"``, ``"US/CA"``: ISO country code and
  optional subdivision, from the ``holidays`` package), explicit dates (``2026-12-24``) and
  yearly dates (``--12-25``), both on the zone's calendar, and skipped occurrences (UTC
  instants; "skip the next 2" is resolved to the instants when it is said).
* ``jitter_seconds``: 0 (default) to 3600. Each job fires a fixed offset in [0, jitter] after
  the rule's times, chosen from the job's id (``fires.jitter_offset``), so the fires keep their
  order and spacing and a job lands at the same offset every time.

How a parser builds each kind (``When.recurring(Recurrence(...))`` in ``when/model.py``):
"every weekday at 9am" → ``Recurrence(CronRule.of("0 9 * * 1-5"), zone)``;
"the last Friday of every month at 5pm" → ``CronRule.of("0 17 * * 5L")``;
"every 90 minutes starting at 9am" → ``IntervalRule.of(5400, anchor=<9am as UTC>)``;
"every other Tuesday at 10am" → ``CalendarRule.of("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10",
start=<local now>)``; "at 8:30 and 17:45 every day" → ``CalendarRule.of(["FREQ=DAILY;BYHOUR=8;
BYMINUTE=30", "FREQ=DAILY;BYHOUR=17;BYMINUTE=45"], start=...)``; "weekdays at 9am except public
holidays in Germany" → a cron rule with ``Exclusions(holidays=("DE",))``; "except Christmas" →
``Exclusions(yearly=((12, 25),))``. The next fires of any of them: ``when/fires.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal

from infrai_mcp.when.cron import CronError, get_zone, normalize_cron
from infrai_mcp.when.model import WhenError

Kind = Literal["cron", "interval", "rrule"]
MAX_JITTER = 3600
MAX_INTERVAL = 366 * 86400

RRULE_EXAMPLES = '"FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10", "FREQ=MONTHLY;BYDAY=1MO;BYHOUR=9"'
_RRULE_KEYS = ("FREQ", "INTERVAL", "WKST", "BYSETPOS", "BYMONTH", "BYWEEKNO", "BYYEARDAY", "BYMONTHDAY",
               "BYDAY", "BYHOUR", "BYMINUTE", "BYSECOND", "UNTIL")
_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY")
_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class RuleError(WhenError):
    """A rule, exclusion or jitter that cannot be used; the message says what to change."""


def _utc(at: datetime, what: str) -> datetime:
    if at.tzinfo is None:
        raise RuleError(f"{what} must be an aware instant (with a UTC offset), e.g. 2026-12-01T09:00:00Z")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class CronRule:
    expr: str
    kind: Kind = field(default="cron", init=False)

    @classmethod
    def of(cls, expr: str) -> CronRule:
        try:
            return cls(normalize_cron(expr))
        except CronError as exc:
            raise RuleError(str(exc)) from None


@dataclass(frozen=True)
class IntervalRule:
    seconds: int
    anchor: datetime  # aware UTC: the first fire
    kind: Kind = field(default="interval", init=False)

    def __post_init__(self) -> None:
        if isinstance(self.seconds, bool) or not isinstance(self.seconds, int) or self.seconds < 1:
            raise RuleError(f"an interval is a whole number of seconds >= 1, not {self.seconds!r}; e.g. 90 "
                            "(every 90 seconds) or 5400 (every 90 minutes)")
        if self.seconds > MAX_INTERVAL:
            raise RuleError(f"an interval of {self.seconds} s is longer than 366 days; for yearly schedules use "
                            f"a calendar rule, e.g. {RRULE_EXAMPLES}")
        if self.anchor.tzinfo is None or self.anchor.utcoffset():
            object.__setattr__(self, "anchor", _utc(self.anchor, "the interval's start"))

    @classmethod
    def of(cls, seconds: int, *, created: datetime | None = None, anchor: datetime | None = None) -> IntervalRule:
        """Anchored at ``anchor``, or one period after ``created`` (default: now)."""
        if anchor is None:
            base = _utc(created, "created") if created is not None else datetime.now(UTC)
            if isinstance(seconds, int) and not isinstance(seconds, bool) and 1 <= seconds <= MAX_INTERVAL:
                anchor = base.replace(microsecond=0) + timedelta(seconds=seconds)
            else:
                anchor = base
        return cls(seconds, anchor)


@dataclass(frozen=True)
class CalendarRule:
    rrules: tuple[str, ...]  # canonical RRULE values (no "RRULE:" prefix), their union
    start: datetime  # DTSTART: naive wall time in the recurrence's zone
    kind: Kind = field(default="rrule", init=False)

    @classmethod
    def of(cls, rrules: str | list[str] | tuple[str, ...], *, start: datetime) -> CalendarRule:
        """Validate RRULE text (one rule, a list, or lines of ``RRULE:``/``DTSTART:`` text).

        ``start`` is a naive wall time (or an aware instant, read in no zone: its wall time is
        taken); a ``DTSTART:`` line in the text overrides it."""
        texts = [rrules] if isinstance(rrules, str) else list(rrules)
        lines: list[str] = []
        for text in texts:
            if not isinstance(text, str):
                raise RuleError(f"an RRULE is text such as {RRULE_EXAMPLES}")
            lines.extend(ln.strip() for ln in re.split(r"[\r\n]+", text) if ln.strip())
        rules: list[str] = []
        for line in lines:
            head, _, value = line.partition(":") if ":" in line and "=" not in line.split(":")[0] else ("", "", line)
            key = head.split(";")[0].upper()
            if key == "DTSTART":
                start = _parse_local(value, "DTSTART")
            elif key in ("", "RRULE"):
                rules.append(value)
            else:
                raise RuleError(f"{key} is not supported in a calendar rule; give RRULE lines (and DTSTART), "
                                f"e.g. {RRULE_EXAMPLES}; exclusions are separate fields")
        if not rules:
            raise RuleError(f"a calendar rule needs at least one RRULE, e.g. {RRULE_EXAMPLES}")
        wall = start.replace(tzinfo=None, microsecond=0)
        canon = tuple(dict.fromkeys(_canonical(r, wall) for r in rules))
        return cls(canon, wall)

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None:
            raise RuleError("a calendar rule's start is a wall time in the job's zone (naive)")


Rule = CronRule | IntervalRule | CalendarRule


def _parse_local(value: str, what: str) -> datetime:
    v = value.strip().upper().rstrip("Z")
    for fmt in ("%Y%m%dT%H%M%S", "%Y%m%d"):
        try:
            return datetime.strptime(v, fmt)
        except ValueError:
            pass
    try:
        return datetime.fromisoformat(value.strip()).replace(tzinfo=None)
    except ValueError:
        raise RuleError(f"{what} {value!r} is not a date-time; write e.g. 20261201T090000") from None


def _ints(key: str, value: str, lo: int, hi: int, *, signed: bool = False) -> list[int]:
    out = []
    for part in value.split(","):
        try:
            n = int(part)
        except ValueError:
            raise RuleError(f"{key}={value} is not a list of numbers; e.g. {key}={lo if lo > 0 else 1}") from None
        if not (lo <= abs(n) <= hi if signed else lo <= n <= hi) or (signed and n == 0):
            bound = f"{'±' if signed else ''}{max(lo, 1) if signed else lo}..{hi}"
            raise RuleError(f"{key}={value}: {n} is out of range ({bound})")
        out.append(n)
    return out


def _canonical(text: str, start: datetime) -> str:
    """Validate one RRULE and write it with every value dateutil would take from DTSTART."""
    parts: dict[str, str] = {}
    for item in text.strip().strip(";").split(";"):
        key, eq, value = item.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not eq or not value:
            raise RuleError(f"RRULE part {item!r} is not KEY=VALUE; e.g. {RRULE_EXAMPLES}")
        if key == "COUNT":
            raise RuleError("COUNT is not supported in a calendar rule: give the job max_runs instead")
        if key not in _RRULE_KEYS:
            raise RuleError(f"RRULE part {key} is not supported; use {', '.join(_RRULE_KEYS)}")
        if key in parts:
            raise RuleError(f"RRULE part {key} is given twice")
        parts[key] = value
    freq = parts.get("FREQ")
    if freq == "SECONDLY":
        raise RuleError("FREQ=SECONDLY is not supported: use an interval ('every 90 seconds', 90)")
    if freq not in _FREQS:
        raise RuleError(f"an RRULE needs FREQ, one of {', '.join(_FREQS)}; e.g. {RRULE_EXAMPLES}")
    if "INTERVAL" in parts:
        interval = _ints("INTERVAL", parts["INTERVAL"], 1, 10_000)
        if len(interval) != 1:
            raise RuleError("INTERVAL is one number, e.g. INTERVAL=2")
    if parts.get("WKST", "MO") not in _DAYS:
        raise RuleError(f"WKST={parts['WKST']} is not a weekday; use one of {','.join(_DAYS)}")
    for key, lo, hi, signed in (("BYMONTH", 1, 12, False), ("BYWEEKNO", 1, 53, True), ("BYYEARDAY", 1, 366, True),
                                ("BYMONTHDAY", 1, 31, True), ("BYHOUR", 0, 23, False), ("BYMINUTE", 0, 59, False),
                                ("BYSECOND", 0, 59, False), ("BYSETPOS", 1, 366, True)):
        if key in parts:
            parts[key] = ",".join(str(n) for n in sorted(set(_ints(key, parts[key], lo, hi, signed=signed))))
    if "BYDAY" in parts:
        for day in parts["BYDAY"].split(","):
            m = re.fullmatch(r"([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)", day)
            if not m or (m.group(1) and not 1 <= abs(int(m.group(1))) <= 53):
                raise RuleError(f"BYDAY={parts['BYDAY']}: {day!r} is not a weekday such as MO, 1MO (first Monday) "
                                "or -1FR (last Friday)")
    if "UNTIL" in parts:
        parts["UNTIL"] = _parse_local(parts["UNTIL"], "UNTIL").strftime("%Y%m%dT%H%M%S")
    _fill_defaults(parts, freq, start)
    canon = ";".join(f"{k}={parts[k]}" for k in _RRULE_KEYS if k in parts)
    if _never_fires(canon, start):
        raise RuleError(f"the rule {canon} never fires after {start:%Y-%m-%d %H:%M}; check its days and months")
    return canon


def _fill_defaults(parts: dict[str, str], freq: str, start: datetime) -> None:
    if parts.get("INTERVAL") == "1":
        del parts["INTERVAL"]
    if parts.get("WKST") == "MO":
        del parts["WKST"]
    rank = _FREQS.index(freq)
    if rank < _FREQS.index("HOURLY"):
        parts.setdefault("BYHOUR", str(start.hour))
    if rank < _FREQS.index("MINUTELY"):
        parts.setdefault("BYMINUTE", str(start.minute))
    parts.setdefault("BYSECOND", str(start.second))
    if not any(k in parts for k in ("BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY")):
        if freq == "YEARLY":
            parts.setdefault("BYMONTH", str(start.month))
            parts["BYMONTHDAY"] = str(start.day)
        elif freq == "MONTHLY":
            parts["BYMONTHDAY"] = str(start.day)
        elif freq == "WEEKLY":
            parts["BYDAY"] = _DAYS[start.weekday()]


@lru_cache(maxsize=256)
def _never_fires(canon: str, start: datetime) -> bool:
    from dateutil.rrule import rrulestr

    try:
        rule = rrulestr(canon, dtstart=start)
        return rule.after(start, inc=True) is None
    except (ValueError, TypeError) as exc:
        raise RuleError(f"invalid RRULE {canon}: {exc}; e.g. {RRULE_EXAMPLES}") from None


@dataclass(frozen=True)
class Exclusions:
    """Days and occurrences a recurring job does not fire on (each is recorded as skipped)."""

    holidays: tuple[str, ...] = ()  # "DE", "US/CA"
    dates: tuple[date, ...] = ()  # local dates
    yearly: tuple[tuple[int, int], ...] = ()  # (month, day) every year
    skip: tuple[datetime, ...] = ()  # occurrences (UTC instants of the rule's time)

    @classmethod
    def of(cls, *, holidays: Sequence[str] = (), dates: Sequence[str | date] = (),
           skip: Sequence[datetime] = ()) -> Exclusions:
        """Validate: holiday calendars as "CC" or "CC/SUBDIV"; dates as ``YYYY-MM-DD`` or yearly ``--MM-DD``."""
        cals = tuple(dict.fromkeys(holiday_calendar(h) for h in holidays))
        once: list[date] = []
        every: list[tuple[int, int]] = []
        for d in dates:
            if isinstance(d, date):
                once.append(d)
                continue
            text = str(d).strip()
            m = re.fullmatch(r"--(\d{2})-(\d{2})", text)
            try:
                if m:
                    date(2000, int(m.group(1)), int(m.group(2)))  # 2000 is a leap year: --02-29 is valid
                    every.append((int(m.group(1)), int(m.group(2))))
                else:
                    once.append(date.fromisoformat(text))
            except ValueError:
                raise RuleError(f"excluded date {text!r} is not a date; write 2026-12-24 (that day) or --12-25 "
                                "(every year)") from None
        return cls(cals, tuple(sorted(set(once))), tuple(sorted(set(every))),
                   tuple(sorted({_utc(s, "a skipped occurrence") for s in skip})))

    def __bool__(self) -> bool:
        return bool(self.holidays or self.dates or self.yearly or self.skip)

    def to_dict(self) -> dict[str, Any]:
        return {
            "holidays": list(self.holidays),
            "dates": [d.isoformat() for d in self.dates] + [f"--{m:02d}-{d:02d}" for m, d in self.yearly],
            "skip": [_iso(s) for s in self.skip],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Exclusions:
        data = data or {}
        return cls.of(holidays=data.get("holidays") or (), dates=data.get("dates") or (),
                      skip=[_instant(s) for s in data.get("skip") or ()])


@lru_cache(maxsize=64)
def holiday_calendar(spec: str) -> str:
    """Normalise "de", "US/ca", "US-CA" to "DE", "US/CA"; RuleError naming what exists."""
    import holidays as hol

    text = str(spec).strip().upper().replace("-", "/")
    country, _, sub = text.partition("/")
    supported = hol.list_supported_countries()
    if country not in supported:
        raise RuleError(f"no public holiday calendar for {spec!r}: use an ISO 3166 country code such as 'US', "
                        "'DE', 'GB', 'CN', 'IN', optionally with a subdivision ('US/CA', 'DE/BY')")
    if sub and sub not in supported[country]:
        some = ", ".join(supported[country][:8])
        raise RuleError(f"{country} has no subdivision {sub!r}; known ones include {some}")
    return f"{country}/{sub}" if sub else country


@dataclass(frozen=True)
class Recurrence:
    """A recurring schedule: a rule in a zone, exclusions, jitter. Fires: ``when.fires``."""

    rule: Rule
    timezone: str
    exclusions: Exclusions = field(default_factory=Exclusions)
    jitter_seconds: int = 0

    def __post_init__(self) -> None:
        try:
            get_zone(self.timezone)
        except CronError as exc:
            raise RuleError(str(exc)) from None
        j = self.jitter_seconds
        if isinstance(j, bool) or not isinstance(j, int) or not 0 <= j <= MAX_JITTER:
            raise RuleError(f"jitter is a whole number of seconds from 0 to {MAX_JITTER}, not {j!r}; e.g. 300")

    @property
    def kind(self) -> Kind:
        return self.rule.kind

    @property
    def is_plain_cron(self) -> bool:
        """A cron with nothing else: what a ``When`` of type "cron" carries."""
        return isinstance(self.rule, CronRule) and not self.exclusions and not self.jitter_seconds

    def to_dict(self) -> dict[str, Any]:
        """The stored and shown form: ``kind``, ``rule`` (text), ``start``, exclusions, jitter."""
        rule = self.rule
        out: dict[str, Any] = {"kind": rule.kind, "timezone": self.timezone}
        if isinstance(rule, CronRule):
            out["rule"] = rule.expr
        elif isinstance(rule, IntervalRule):
            out["rule"] = str(rule.seconds)
            out["start"] = _iso(rule.anchor)
        else:
            out["rule"] = "\n".join(rule.rrules)
            out["start"] = rule.start.isoformat()
        out["exclusions"] = self.exclusions.to_dict()
        out["jitter_seconds"] = self.jitter_seconds
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recurrence:
        kind, text, zone = data.get("kind"), data.get("rule"), data.get("timezone")
        if not isinstance(text, str) or not isinstance(zone, str):
            raise RuleError("a recurrence needs 'rule' text and a 'timezone'")
        start = data.get("start")
        rule: Rule
        if kind == "cron":
            rule = CronRule.of(text)
        elif kind == "interval":
            if not text.strip().isdigit() or not isinstance(start, str):
                raise RuleError("an interval rule is a number of seconds with a 'start' instant")
            rule = IntervalRule(int(text), _instant(start))
        elif kind == "rrule":
            if not isinstance(start, str):
                raise RuleError("a calendar rule needs its 'start' wall time")
            rule = CalendarRule.of(text, start=_parse_local(start, "start"))
        else:
            raise RuleError(f"unknown schedule kind {kind!r}; use 'cron', 'interval' or 'rrule'")
        return cls(rule, zone, Exclusions.from_dict(data.get("exclusions")), int(data.get("jitter_seconds") or 0))


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _instant(text: str | datetime) -> datetime:
    if isinstance(text, datetime):
        return _utc(text, "an instant")
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")), "an instant")
    except (ValueError, AttributeError):
        raise RuleError(f"{text!r} is not an ISO 8601 instant such as 2026-12-01T09:00:00Z") from None


__all__ = ["MAX_JITTER", "CalendarRule", "CronRule", "Exclusions", "IntervalRule", "Kind", "Recurrence", "Rule",
           "RuleError", "holiday_calendar"]
