"""Differential and property tests for the schedule kinds (when/fires.py).

* extended crons (``L``, ``nL``, ``n#k``, ``LW``, 6 fields) through ``Recurrence`` against direct
  cronsim iteration;
* calendar rules against a brute-force evaluation written here from RFC 5545 (day by day over
  the calendar, no dateutil), with the one-shot DST rules applied to its wall times;
* holiday exclusions against the ``holidays`` package;
* hypothesis: fires strictly increasing, never on an excluded day, for every kind.
"""

from __future__ import annotations

import calendar
import random
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice, pairwise
from zoneinfo import ZoneInfo

import holidays
from cronsim import CronSim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infrai_mcp.when.fires import next_fires, occurrences
from infrai_mcp.when.kinds import CalendarRule, CronRule, Exclusions, IntervalRule, Recurrence

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata"]
# Instants near each zone's transitions in 2026, and ordinary ones.
NEAR = [datetime(2026, 3, 7, 12, tzinfo=UTC), datetime(2026, 10, 31, 12, tzinfo=UTC),
        datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 10, 24, 12, tzinfo=UTC),
        datetime(2026, 4, 4, 6, tzinfo=UTC), datetime(2026, 10, 3, 6, tzinfo=UTC),
        datetime(2026, 6, 15, 9, tzinfo=UTC), datetime(2027, 1, 30, 23, tzinfo=UTC)]


# ---- extended cron against cronsim --------------------------------------------------------------

def _random_cron(rng: random.Random) -> str:
    minute = rng.choice(["0", "30", "*/20", "15,45", "*"])
    hour = rng.choice(["9", "1-3", "*/6", "2", "0,12", "*"])
    day = rng.choice([("L", "*"), ("LW", "*"), ("15", "*"), ("*", "5L"), ("*", "1#1"),
                      ("*", "2#3"), ("*", "1-5"), ("*", "*"), ("1", "*")])
    month = rng.choice(["*", "*/3", "1,7", "2"])
    expr = f"{minute} {hour} {day[0]} {month} {day[1]}"
    return f"{rng.choice(['0', '30'])} {expr}" if rng.random() < 0.2 else expr


def test_extended_crons_match_cronsim() -> None:
    rng = random.Random(15)
    for _ in range(600):
        expr, tz, after = _random_cron(rng), rng.choice(ZONES), rng.choice(NEAR) + timedelta(
            minutes=rng.randrange(0, 3000))
        got = next_fires(Recurrence(CronRule.of(expr), tz), after, 6)
        zone = ZoneInfo(tz)
        start = after.astimezone(zone).replace(microsecond=0)
        if len(expr.split()) == 5:
            start = start.replace(second=0)
        want: list[datetime] = []
        for fire in CronSim(expr, start):
            at = fire.astimezone(UTC)
            if at > after:
                want.append(at)
            if len(want) == 6:
                break
        assert got == want, (expr, tz, after)


# ---- RRULE against a brute-force RFC 5545 evaluation ---------------------------------------------

_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _nth_weekdays(days: list[date], token: str) -> list[date]:
    """Days of ``days`` (one month or year, in order) that match BYDAY token ``token``."""
    wd = _DAYS.index(token[-2:])
    matching = [d for d in days if d.weekday() == wd]
    if not token[:-2]:
        return matching
    n = int(token[:-2])
    idx = n - 1 if n > 0 else len(matching) + n
    return [matching[idx]] if 0 <= idx < len(matching) else []


def _period_days(freq: str, day: date) -> list[date]:
    if freq == "YEARLY":
        first, last = date(day.year, 1, 1), date(day.year, 12, 31)
    elif freq == "MONTHLY":
        first = day.replace(day=1)
        last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    elif freq == "WEEKLY":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=6)
    else:
        first = last = day
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _brute(rule: str, start: datetime, tz: str, after: datetime, n: int) -> list[datetime]:
    """The rule's next ``n`` instants after ``after``: every period from ``start``, its days by the
    BY parts, its times, BYSETPOS, then wall → UTC (gap: forward by the gap; repeat: earlier)."""
    p = dict(kv.split("=") for kv in rule.split(";"))
    freq, every = p["FREQ"], int(p.get("INTERVAL", "1"))
    ints = {k: [int(v) for v in p[k].split(",")] for k in ("BYMONTH", "BYMONTHDAY", "BYHOUR", "BYMINUTE",
                                                           "BYSECOND", "BYSETPOS") if k in p}
    byday = p["BYDAY"].split(",") if "BYDAY" in p else None
    zone = ZoneInfo(tz)
    out: list[datetime] = []
    day = _period_days(freq, start.date())[0]
    while len([x for x in out if x > after]) < n + 4 and day.year < 2100:
        period = _period_days(freq, day)
        if freq == "YEARLY":
            index = day.year - start.year
        elif freq == "MONTHLY":
            index = (day.year - start.year) * 12 + day.month - start.month
        elif freq == "WEEKLY":
            index = (period[0] - (start.date() - timedelta(days=start.weekday()))).days // 7
        else:
            index = (day - start.date()).days
        if index % every == 0:
            days = [d for d in period if "BYMONTH" not in ints or d.month in ints["BYMONTH"]]
            if "BYMONTHDAY" in ints:
                days = [d for d in days if any(
                    d.day == (m if m > 0 else calendar.monthrange(d.year, d.month)[1] + 1 + m)
                    for m in ints["BYMONTHDAY"])]
            if byday:
                if freq in ("MONTHLY", "YEARLY") and any(t[:-2] for t in byday):
                    groups: dict[tuple[int, int], list[date]] = {}
                    for d in days:
                        groups.setdefault((d.year, d.month if freq == "MONTHLY" or "BYMONTH" in ints else 0),
                                          []).append(d)
                    days = sorted({x for g in groups.values() for t in byday for x in _nth_weekdays(g, t)})
                else:
                    days = [d for d in days if _DAYS[d.weekday()] in byday]
            walls = sorted(datetime.combine(d, time(h, m, s)) for d in days for h in ints["BYHOUR"]
                           for m in ints["BYMINUTE"] for s in ints["BYSECOND"])
            if "BYSETPOS" in ints:
                walls = sorted({walls[i - 1 if i > 0 else len(walls) + i] for i in ints["BYSETPOS"]
                                if -len(walls) <= i <= len(walls) and i != 0})
            for wall in walls:
                if wall >= start:
                    out.append(wall.replace(tzinfo=zone, fold=0).astimezone(UTC))
        day = period[-1] + timedelta(days=1)
    return sorted(x for x in set(out) if x > after)[:n]


def _random_rrule(rng: random.Random) -> str:
    freq = rng.choice(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"])
    parts = [f"FREQ={freq}"]
    if rng.random() < 0.5:
        parts.append(f"INTERVAL={rng.choice([2, 3, 5])}")
    if freq == "WEEKLY":
        parts.append("BYDAY=" + ",".join(rng.sample(_DAYS, rng.randint(1, 3))))
    elif freq == "MONTHLY":
        parts.append(rng.choice(["BYDAY=1MO", "BYDAY=-1FR", "BYDAY=2TU,4TU", "BYMONTHDAY=-1", "BYMONTHDAY=1,15",
                                 "BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1"]))
    elif freq == "YEARLY":
        parts.append(rng.choice(["BYMONTH=7;BYDAY=2TU", "BYMONTH=12;BYMONTHDAY=25", "BYMONTH=3,10;BYDAY=-1SU",
                                 "BYMONTH=1,4,7,10;BYMONTHDAY=1"]))
    elif rng.random() < 0.3:
        parts.append("BYDAY=" + ",".join(rng.sample(_DAYS, 2)))
    parts.append("BYHOUR=" + ",".join(str(h) for h in sorted(rng.sample([0, 1, 2, 3, 9, 17], rng.randint(1, 2)))))
    parts.append(f"BYMINUTE={rng.choice(['0', '30', '15,45'])}")
    return ";".join(parts)


def test_rrule_matches_a_brute_force_evaluation() -> None:
    rng = random.Random(1505)
    for _ in range(300):
        text, tz = _random_rrule(rng), rng.choice(ZONES)
        start = datetime(2025, 1, 1) + timedelta(days=rng.randrange(0, 500), hours=rng.randrange(0, 24))
        after = rng.choice(NEAR) + timedelta(days=rng.randrange(0, 400))
        rule = CalendarRule.of(text, start=start)
        got = next_fires(Recurrence(rule, tz), after, 8)
        assert got == _brute(rule.rrules[0], start, tz, after, 8), (text, start, tz, after)


def test_rrule_union_matches_brute_force_of_each_rule_merged() -> None:
    rng = random.Random(7)
    for _ in range(80):
        texts, tz = [_random_rrule(rng), _random_rrule(rng)], rng.choice(ZONES)
        after = rng.choice(NEAR)
        rule = CalendarRule.of(texts, start=datetime(2026, 1, 1))
        want = sorted(set(_brute(rule.rrules[0], rule.start, tz, after, 8))
                      | set(_brute(rule.rrules[-1], rule.start, tz, after, 8)))[:8]
        assert next_fires(Recurrence(rule, tz), after, 8) == want, (texts, tz, after)


# ---- holidays -------------------------------------------------------------------------------------

def test_business_days_skip_exactly_the_holidays_package_days() -> None:
    for cal, tz in (("US", "America/New_York"), ("DE/BY", "Europe/Berlin"), ("AU/NSW", "Australia/Sydney"),
                    ("IN", "Asia/Kolkata")):
        country, _, sub = cal.partition("/")
        days_off = holidays.country_holidays(country, subdiv=sub or None, years=[2026, 2027])
        rec = Recurrence(CronRule.of("0 8 * * 1-5"), tz, Exclusions.of(holidays=[cal]))
        after = datetime(2026, 1, 1, tzinfo=ZoneInfo(tz)) - timedelta(seconds=1)
        fired = {f.astimezone(ZoneInfo(tz)).date() for f in next_fires(rec, after, 400)}
        last = max(fired)
        weekdays = {date(2026, 1, 1) + timedelta(days=i) for i in range((last - date(2026, 1, 1)).days + 1)}
        weekdays = {d for d in weekdays if d.weekday() < 5}
        assert fired == {d for d in weekdays if d not in days_off}, cal
        skipped = [o for o in islice(occurrences(rec, after), 420) if o.skipped]
        assert {o.nominal.astimezone(ZoneInfo(tz)).date() for o in skipped} == {d for d in weekdays if d in days_off}
        assert all(o.skipped == f"holiday: {days_off.get(o.nominal.astimezone(ZoneInfo(tz)).date())} ({cal})"
                   for o in skipped)


# ---- properties ----------------------------------------------------------------------------------

@st.composite
def recurrences(draw: st.DrawFn) -> Recurrence:
    tz = draw(st.sampled_from(ZONES))
    kind = draw(st.sampled_from(["cron", "interval", "rrule"]))
    if kind == "cron":
        rule: CronRule | IntervalRule | CalendarRule = CronRule.of(_random_cron(random.Random(draw(st.integers()))))
    elif kind == "interval":
        rule = IntervalRule(draw(st.integers(1, 200_000)), datetime(2026, 1, 1, tzinfo=UTC) + timedelta(
            seconds=draw(st.integers(0, 10**7))))
    else:
        rule = CalendarRule.of(_random_rrule(random.Random(draw(st.integers()))), start=datetime(2026, 1, 1))
    days = draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=20))
    yearly = draw(st.lists(st.sampled_from(["--12-25", "--01-01", "--07-04", "--03-29"]), max_size=2))
    cals = draw(st.lists(st.sampled_from(["US", "DE", "IN", "AU/NSW"]), max_size=2))
    ex = Exclusions.of(holidays=cals, dates=[*days, *yearly])
    return Recurrence(rule, tz, ex, draw(st.sampled_from([0, 0, 30, 3600])))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(recurrences(), st.datetimes(datetime(2026, 1, 1), datetime(2027, 6, 1), timezones=st.just(UTC)),
       st.text(min_size=1, max_size=8))
def test_fires_strictly_increase_and_never_land_on_an_excluded_day(rec: Recurrence, after: datetime,
                                                                    key: str) -> None:
    fires = next_fires(rec, after, 12, key=key)
    if not fires:  # a rule whose every time is excluded (Dec 25 only, except Dec 25): none, not a hang
        assert all(o.skipped for o in islice(occurrences(rec, after, key=key), 50))
        return
    assert fires[0] > after
    assert all(a < b for a, b in pairwise(fires))
    zone = ZoneInfo(rec.timezone)
    offset = fires[0] - next(o.nominal for o in occurrences(rec, after, key=key) if o.at == fires[0])
    cals = [holidays.country_holidays(c.partition("/")[0], subdiv=c.partition("/")[2] or None, years=range(2026, 2035))
            for c in rec.exclusions.holidays]
    for at in fires:
        day = (at - offset).astimezone(zone).date()
        assert day not in rec.exclusions.dates
        assert (day.month, day.day) not in rec.exclusions.yearly
        assert all(day not in c for c in cals)
