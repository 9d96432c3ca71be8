"""Cron next fires across DST changes follow Debian cron (as cronsim implements it):

* a fixed-time job whose wall time falls in a spring-forward gap fires once, when the gap ends;
* on fall-back a fixed-hour job fires once (first pass); a job whose minute or hour field
  starts with ``*`` fires in both passes.

croniter 7.0.0 gets both wrong (see docs/TIME.md), which is why when/cron.py wraps cronsim.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from cronsim import CronSim

from infrai_mcp.when.cron import iter_fires, next_fire, next_fires, normalize_cron


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def fires(expr: str, tz: str, after: datetime, n: int) -> list[str]:
    return [f.strftime("%Y-%m-%dT%H:%MZ") for f in next_fires(expr, tz, after, n)]


def local(expr: str, tz: str, after: datetime, n: int) -> list[str]:
    z = ZoneInfo(tz)
    return [f.astimezone(z).strftime("%m-%d %H:%M %Z") for f in next_fires(expr, tz, after, n)]


# ---- New York: springs forward 2026-03-08 02:00 EST → 03:00 EDT; falls back 2026-11-01 02:00 EDT → 01:00 EST

def test_new_york_spring_daily_in_gap_fires_when_gap_ends() -> None:
    assert local("30 2 * * *", "America/New_York", utc(2026, 3, 7, 12), 3) == [
        "03-08 03:00 EDT", "03-09 02:30 EDT", "03-10 02:30 EDT"]


def test_new_york_spring_daily_outside_gap_unchanged() -> None:
    assert local("0 9 * * *", "America/New_York", utc(2026, 3, 7, 12), 3) == [
        "03-07 09:00 EST", "03-08 09:00 EDT", "03-09 09:00 EDT"]


def test_new_york_spring_hourly_skips_missing_hour() -> None:
    assert local("0 * * * *", "America/New_York", utc(2026, 3, 8, 5, 30), 3) == [
        "03-08 01:00 EST", "03-08 03:00 EDT", "03-08 04:00 EDT"]


def test_new_york_spring_every_20_minutes() -> None:
    assert local("*/20 * * * *", "America/New_York", utc(2026, 3, 8, 6, 30), 4) == [
        "03-08 01:40 EST", "03-08 03:00 EDT", "03-08 03:20 EDT", "03-08 03:40 EDT"]


def test_new_york_fall_fixed_hour_fires_once_in_first_pass() -> None:
    assert local("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12), 3) == [
        "11-01 01:30 EDT", "11-02 01:30 EST", "11-03 01:30 EST"]
    assert fires("30 1 * * *", "America/New_York", utc(2026, 10, 31, 12), 1) == ["2026-11-01T05:30Z"]


def test_new_york_fall_every_20_minutes_fires_in_both_passes() -> None:
    assert local("*/20 * * * *", "America/New_York", utc(2026, 11, 1, 4, 50), 7) == [
        "11-01 01:00 EDT", "11-01 01:20 EDT", "11-01 01:40 EDT",
        "11-01 01:00 EST", "11-01 01:20 EST", "11-01 01:40 EST", "11-01 02:00 EST"]


def test_new_york_fall_hourly_fires_in_both_passes() -> None:
    assert fires("0 * * * *", "America/New_York", utc(2026, 11, 1, 3, 30), 4) == [
        "2026-11-01T04:00Z", "2026-11-01T05:00Z", "2026-11-01T06:00Z", "2026-11-01T07:00Z"]


def test_new_york_fall_after_inside_second_pass() -> None:
    # 01:15 EST (second pass): the 01:30 fixed job already ran at 01:30 EDT; next is tomorrow.
    assert local("30 1 * * *", "America/New_York", utc(2026, 11, 1, 6, 15), 1) == ["11-02 01:30 EST"]


# ---- Berlin: springs forward 2026-03-29 02:00 CET → 03:00 CEST; falls back 2026-10-25 03:00 CEST → 02:00 CET

def test_berlin_spring_daily_in_gap() -> None:
    assert local("30 2 * * *", "Europe/Berlin", utc(2026, 3, 28, 12), 2) == ["03-29 03:00 CEST", "03-30 02:30 CEST"]


def test_berlin_spring_hourly() -> None:
    assert local("0 * * * *", "Europe/Berlin", utc(2026, 3, 28, 23, 30), 3) == [
        "03-29 01:00 CET", "03-29 03:00 CEST", "03-29 04:00 CEST"]


def test_berlin_fall_daily_once() -> None:
    assert local("30 2 * * *", "Europe/Berlin", utc(2026, 10, 24, 12), 2) == ["10-25 02:30 CEST", "10-26 02:30 CET"]


def test_berlin_fall_every_20_minutes_both_passes() -> None:
    assert local("*/20 * * * *", "Europe/Berlin", utc(2026, 10, 24, 23, 50), 7) == [
        "10-25 02:00 CEST", "10-25 02:20 CEST", "10-25 02:40 CEST",
        "10-25 02:00 CET", "10-25 02:20 CET", "10-25 02:40 CET", "10-25 03:00 CET"]


def test_berlin_fall_hourly_both_passes() -> None:
    assert fires("0 * * * *", "Europe/Berlin", utc(2026, 10, 24, 23, 30), 3) == [
        "2026-10-25T00:00Z", "2026-10-25T01:00Z", "2026-10-25T02:00Z"]


# ---- Sydney: falls back 2026-04-05 03:00 AEDT → 02:00 AEST; springs forward 2026-10-04 02:00 AEST → 03:00 AEDT

def test_sydney_fall_daily_once() -> None:
    assert local("30 2 * * *", "Australia/Sydney", utc(2026, 4, 4, 2), 2) == ["04-05 02:30 AEDT", "04-06 02:30 AEST"]


def test_sydney_fall_every_20_minutes_both_passes() -> None:
    assert fires("*/20 * * * *", "Australia/Sydney", utc(2026, 4, 4, 14, 50), 7) == [
        "2026-04-04T15:00Z", "2026-04-04T15:20Z", "2026-04-04T15:40Z",
        "2026-04-04T16:00Z", "2026-04-04T16:20Z", "2026-04-04T16:40Z", "2026-04-04T17:00Z"]


def test_sydney_spring_daily_in_gap() -> None:
    assert local("30 2 * * *", "Australia/Sydney", utc(2026, 10, 3, 2), 2) == ["10-04 03:00 AEDT", "10-05 02:30 AEDT"]


def test_sydney_daily_9am_across_fall_back() -> None:
    assert fires("0 9 * * *", "Australia/Sydney", utc(2026, 4, 3, 2), 3) == [
        "2026-04-03T22:00Z", "2026-04-04T23:00Z", "2026-04-05T23:00Z"]


def test_sydney_hourly_spring() -> None:
    assert local("0 * * * *", "Australia/Sydney", utc(2026, 10, 3, 14, 30), 3) == [
        "10-04 01:00 AEST", "10-04 03:00 AEDT", "10-04 04:00 AEDT"]


# ---- cronsim vs croniter: single-value ranges are not wildcards

def test_single_value_hour_range_is_not_a_wildcard() -> None:
    # croniter 7.0.0 answers 19:03 here.
    assert fires("* 9-9 * * *", "UTC", utc(2026, 1, 1, 19, 2), 2) == ["2026-01-02T09:00Z", "2026-01-02T09:01Z"]


def test_single_value_weekday_range_is_not_a_wildcard() -> None:
    # croniter 7.0.0 fires on Friday, Saturday and Sunday here.
    got = next_fires("0 0 * * 6-6", "UTC", utc(2026, 1, 1, 19, 2), 3)
    assert [f.strftime("%a") for f in got] == ["Sat", "Sat", "Sat"]


def test_next_fire_is_strictly_after() -> None:
    assert next_fire("0 9 * * *", "UTC", utc(2026, 1, 1, 9)) == utc(2026, 1, 2, 9)
    assert next_fire("* * * * * *", "UTC", utc(2026, 1, 1, 9, 0, 0)) == utc(2026, 1, 1, 9, 0, 1)


def test_naive_after_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        next(iter_fires("0 9 * * *", "UTC", datetime(2026, 1, 1)))


# ---- differential tests --------------------------------------------------------------------------

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "Asia/Shanghai", "UTC",
         "America/Santiago", "Europe/London", "Pacific/Chatham", "Australia/Lord_Howe", "America/St_Johns"]


def _transitions(zone: str) -> list[datetime]:
    z = ZoneInfo(zone)
    out = []
    t = utc(2026, 1, 1)
    prev = t.astimezone(z).utcoffset()
    while t.year < 2028:
        t += timedelta(hours=1)
        off = t.astimezone(z).utcoffset()
        if off != prev:
            out.append(t)
            prev = off
    return out or [utc(2026, 3, 1)]


_TRANSITIONS = {z: _transitions(z) for z in ZONES}


def _field(rng: random.Random, lo: int, hi: int, dense: bool) -> str:
    kind = rng.random()
    if kind < (0.35 if dense else 0.2):
        return "*"
    if kind < 0.5:
        return f"*/{rng.choice([d for d in range(2, hi - lo + 1) if (hi - lo + 1) % d == 0] or [2])}"
    if kind < 0.7:
        return str(rng.randint(lo, hi))
    if kind < 0.85:
        a = rng.randint(lo, hi)
        return f"{a}-{rng.randint(a, hi)}"
    return ",".join(str(v) for v in sorted(rng.sample(range(lo, hi + 1), rng.randint(2, 3))))


def _random_expr(rng: random.Random) -> str:
    minute = _field(rng, 0, 59, True)
    hour = _field(rng, 0, 23, True)
    dom = "*" if rng.random() < 0.75 else _field(rng, 1, 28, False)
    month = "*" if rng.random() < 0.85 else _field(rng, 1, 12, False)
    dow = "*" if rng.random() < 0.7 else _field(rng, 0, 6, False)
    return f"{minute} {hour} {dom} {month} {dow}"


def _start(rng: random.Random, zone: str) -> datetime:
    base = rng.choice(_TRANSITIONS[zone])
    return base + timedelta(seconds=rng.randint(-36 * 3600, 36 * 3600))


def _cronsim_oracle(expr: str, zone: str, after: datetime, n: int) -> list[datetime]:
    """Direct cronsim iteration from ``after`` in the zone, converted to UTC, strictly later."""
    out: list[datetime] = []
    for fire in CronSim(expr, after.astimezone(ZoneInfo(zone))):
        u = fire.astimezone(UTC)
        if u > after:
            out.append(u)
        if len(out) == n:
            break
    return out


def test_differential_against_cronsim_random_expressions_around_transitions() -> None:
    rng = random.Random(20261122)
    checked = 0
    for _ in range(3000):
        zone = rng.choice(ZONES)
        expr = _random_expr(rng)
        try:
            normalize_cron(expr)
        except ValueError:
            continue
        after = _start(rng, zone)
        assert next_fires(expr, zone, after, 4) == _cronsim_oracle(expr, zone, after, 4), (expr, zone, after)
        checked += 1
    assert checked > 2500


def _matches(expr: str, wall: datetime) -> bool:
    m, h, dom, mon, dow = (_values(f, lo, hi) for f, (lo, hi) in zip(
        expr.split(), [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)], strict=True))
    day_ok = wall.day in dom
    dow_ok = (wall.isoweekday() % 7) in dow
    dom_star, dow_star = expr.split()[2] == "*", expr.split()[4] == "*"
    if not dom_star and not dow_star:
        day = day_ok or dow_ok
    else:
        day = day_ok and dow_ok
    return wall.minute in m and wall.hour in h and wall.month in mon and day


def _values(field: str, lo: int, hi: int) -> set[int]:
    out: set[int] = set()
    for part in field.split(","):
        rng_part, _, step = part.partition("/")
        if rng_part == "*":
            a, b = lo, hi
        elif "-" in rng_part:
            a, b = (int(x) for x in rng_part.split("-"))
        else:
            a = b = int(rng_part)
        out |= set(range(a, b + 1, int(step) if step else 1))
    return out


def _debian_oracle(expr: str, zone: str, after: datetime, n: int) -> list[datetime]:
    """A from-scratch minute-by-minute model of Debian cron's DST rules (independent of cronsim)."""
    z = ZoneInfo(zone)
    fields = expr.split()
    fixed = not fields[0].startswith("*") and not fields[1].startswith("*")
    out: list[datetime] = []
    if not fixed:
        t = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
        while len(out) < n:
            if _matches(expr, t.astimezone(z)):
                out.append(t)
            t += timedelta(minutes=1)
        return out
    wall = after.astimezone(z).replace(tzinfo=None, second=0, microsecond=0)
    while len(out) < n:
        wall += timedelta(minutes=1)
        if not _matches(expr, wall):
            continue
        # A wall time in a gap fires when the gap ends; a repeated one in its first pass.
        while wall.replace(tzinfo=z).astimezone(UTC).astimezone(z).replace(tzinfo=None) != wall:
            wall += timedelta(minutes=1)
        u = wall.replace(tzinfo=z, fold=0).astimezone(UTC)
        if u > after:
            out.append(u)
    return out


def test_differential_against_a_from_scratch_debian_model() -> None:
    rng = random.Random(7)
    for _ in range(250):
        zone = rng.choice(["America/New_York", "Europe/Berlin", "Australia/Sydney", "America/Santiago",
                           "Europe/London", "America/St_Johns"])
        minute = rng.choice(["*/20", "*/30", "0", "30", "15,45", "*", "5-10"])
        hour = rng.choice(["*", "1", "2", "3", "1-3", "*/2", "0,2"])
        expr = f"{minute} {hour} * * *"
        after = _start(rng, zone)
        assert next_fires(expr, zone, after, 3) == _debian_oracle(expr, zone, after, 3), (expr, zone, after)
