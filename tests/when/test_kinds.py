"""Schedule kinds (when/kinds.py) and their fires (when/fires.py): named cases per kind and zone.

DST dates used: New York springs forward 2026-03-08 02:00 → 03:00 and falls back 2026-11-01
02:00 → 01:00; Berlin 2026-03-29 02:00 → 03:00 and 2026-10-25 03:00 → 02:00; Sydney falls back
2026-04-05 03:00 → 02:00 and springs forward 2026-10-04 02:00 → 03:00; Kolkata has no DST.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import islice, pairwise, takewhile
from zoneinfo import ZoneInfo

import pytest

from infrai_mcp.when import describe, next_fires, parse_when
from infrai_mcp.when.fires import jitter_offset, occurrences
from infrai_mcp.when.fires import next_fires as rec_fires
from infrai_mcp.when.kinds import CalendarRule, CronRule, Exclusions, IntervalRule, Recurrence, RuleError
from infrai_mcp.when.model import When


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(rec: Recurrence, after: datetime, n: int) -> list[str]:
    z = ZoneInfo(rec.timezone)
    return [f.astimezone(z).strftime("%m-%d %H:%M %Z") for f in rec_fires(rec, after, n)]


def cal(rule: str | list[str], tz: str, start: datetime = datetime(2026, 1, 1), **kw: object) -> Recurrence:
    return Recurrence(CalendarRule.of(rule, start=start), tz, **kw)  # type: ignore[arg-type]


# ---- interval: exact elapsed time, DST does not move it -----------------------------------------

@pytest.mark.parametrize("tz, night", [
    ("America/New_York", utc(2026, 3, 8, 6)), ("America/New_York", utc(2026, 11, 1, 5)),
    ("Europe/Berlin", utc(2026, 3, 29, 0)), ("Europe/Berlin", utc(2026, 10, 25, 0)),
    ("Australia/Sydney", utc(2026, 4, 4, 15)), ("Australia/Sydney", utc(2026, 10, 3, 15)),
    ("Asia/Kolkata", utc(2026, 3, 8, 6)),
])
def test_interval_fires_at_exact_periods_across_dst(tz: str, night: datetime) -> None:
    rec = Recurrence(IntervalRule.of(5400, anchor=night - timedelta(hours=30)), tz)
    fires = rec_fires(rec, night - timedelta(hours=3), 8)
    assert all(b - a == timedelta(seconds=5400) for a, b in pairwise(fires))
    assert all((f - rec.rule.anchor).total_seconds() % 5400 == 0 for f in fires)  # type: ignore[union-attr]
    assert fires[0] > night - timedelta(hours=3)


def test_interval_default_anchor_is_one_period_after_creation() -> None:
    rule = IntervalRule.of(90, created=utc(2026, 12, 2, 11, 0, 0))
    assert rule.anchor == utc(2026, 12, 2, 11, 1, 30)
    rec = Recurrence(rule, "UTC")
    assert rec_fires(rec, utc(2026, 12, 2, 11), 3) == [utc(2026, 12, 2, 11, 1, 30), utc(2026, 12, 2, 11, 3),
                                                       utc(2026, 12, 2, 11, 4, 30)]
    # strictly after: a fire time itself is not returned again
    assert rec_fires(rec, utc(2026, 12, 2, 11, 3), 1) == [utc(2026, 12, 2, 11, 4, 30)]


@pytest.mark.parametrize("bad", [0, -5, 366 * 86400 + 1, True, 1.5])
def test_interval_refuses_bad_periods(bad: object) -> None:
    with pytest.raises(RuleError, match="interval"):
        IntervalRule.of(bad, created=utc(2026, 1, 1))  # type: ignore[arg-type]


# ---- calendar rules: wall times in the zone, one-shot DST rules ---------------------------------

def test_rrule_new_york_gap_shifts_forward_by_the_gap() -> None:
    rec = cal("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "America/New_York")
    assert local(rec, utc(2026, 3, 7, 12), 3) == ["03-08 03:30 EDT", "03-09 02:30 EDT", "03-10 02:30 EDT"]


def test_rrule_new_york_repeated_hour_takes_the_earlier_instant() -> None:
    rec = cal("FREQ=DAILY;BYHOUR=1;BYMINUTE=30", "America/New_York")
    assert local(rec, utc(2026, 10, 31, 12), 3) == ["11-01 01:30 EDT", "11-02 01:30 EST", "11-03 01:30 EST"]


def test_rrule_berlin_both_transitions() -> None:
    rec = cal("FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=30", "Europe/Berlin")
    assert local(rec, utc(2026, 3, 28), 2) == ["03-29 03:30 CEST", "04-05 02:30 CEST"]
    assert local(rec, utc(2026, 10, 24), 2) == ["10-25 02:30 CEST", "11-01 02:30 CET"]


def test_rrule_sydney_hourly_through_both_transitions() -> None:
    rec = cal("FREQ=HOURLY;BYMINUTE=0", "Australia/Sydney")
    # fall back 03:00 AEDT → 02:00 AEST: the repeated 02:00 hour fires once (first pass)
    assert local(rec, utc(2026, 4, 4, 13, 30), 4) == [
        "04-05 01:00 AEDT", "04-05 02:00 AEDT", "04-05 03:00 AEST", "04-05 04:00 AEST"]
    # spring forward 02:00 → 03:00: 02:00 does not exist, is shifted to 03:00 and fires once
    assert local(rec, utc(2026, 10, 3, 14, 30), 3) == ["10-04 01:00 AEST", "10-04 03:00 AEDT", "10-04 04:00 AEDT"]


def test_rrule_union_keeps_a_real_time_that_follows_a_shifted_one() -> None:
    rec = cal(["FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "FREQ=DAILY;BYHOUR=3;BYMINUTE=15"], "America/New_York")
    assert local(rec, utc(2026, 3, 8, 5), 3) == ["03-08 03:15 EDT", "03-08 03:30 EDT", "03-09 02:30 EDT"]


def test_rrule_kolkata_every_other_tuesday_keeps_its_phase_years_later() -> None:
    rec = cal("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10", "Asia/Kolkata", start=datetime(2026, 12, 2, 11))
    first = rec_fires(rec, utc(2026, 12, 2), 1)[0]
    assert first == utc(2026, 12, 15, 4, 30)
    later = rec_fires(rec, utc(2031, 6, 1), 3)
    assert all((f - first).days % 14 == 0 for f in later)
    assert [f.astimezone(ZoneInfo("Asia/Kolkata")).strftime("%a %H:%M") for f in later] == ["Tue 10:00"] * 3


def test_rrule_nth_weekday_of_given_month_and_last_day() -> None:
    july = cal("FREQ=YEARLY;BYMONTH=7;BYDAY=2TU;BYHOUR=10", "Europe/Berlin")
    assert local(july, utc(2026, 12, 2), 2) == ["07-13 10:00 CEST", "07-11 10:00 CEST"]
    last_bday = cal("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;BYHOUR=17", "America/New_York")
    assert local(last_bday, utc(2026, 12, 2), 3) == ["12-31 17:00 EST", "01-29 17:00 EST", "02-26 17:00 EST"]


def test_rrule_canonical_text_makes_dtstart_values_explicit() -> None:
    rule = CalendarRule.of("DTSTART:20261202T091500\nRRULE:FREQ=MONTHLY", start=datetime(2000, 1, 1))
    assert rule.rrules == ("FREQ=MONTHLY;BYMONTHDAY=2;BYHOUR=9;BYMINUTE=15;BYSECOND=0",)
    assert rule.start == datetime(2026, 12, 2, 9, 15)


@pytest.mark.parametrize("text, says", [
    ("FREQ=DAILY;COUNT=3", "max_runs"), ("FREQ=SECONDLY", "interval"), ("BYHOUR=9", "FREQ"),
    ("FREQ=DAILY;BYHOUR=25", "out of range"), ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "never fires"),
    ("FREQ=WEEKLY;BYDAY=XX", "weekday"), ("FREQ=DAILY;FOO=1", "not supported"), ("EXDATE:20261225", "EXDATE"),
])
def test_rrule_errors_say_what_to_change(text: str, says: str) -> None:
    with pytest.raises(RuleError, match=says):
        CalendarRule.of(text, start=datetime(2026, 1, 1))


# ---- extended cron ----------------------------------------------------------------------------

@pytest.mark.parametrize("expr, expected", [
    ("0 17 * * 5L", ["12-25 17:00 EST", "01-29 17:00 EST"]),
    ("0 9 * * 1#1", ["12-07 09:00 EST", "01-04 09:00 EST"]),
    ("0 9 L * *", ["12-31 09:00 EST", "01-31 09:00 EST"]),
    ("0 9 LW * *", ["12-31 09:00 EST", "01-29 09:00 EST"]),
    ("30 0 9 * * *", ["12-02 09:00 EST", "12-03 09:00 EST"]),
])
def test_extended_cron_kind(expr: str, expected: list[str]) -> None:
    assert local(Recurrence(CronRule.of(expr), "America/New_York"), utc(2026, 12, 2), 2) == expected


# ---- exclusions and jitter --------------------------------------------------------------------

def test_holiday_exclusion_skips_the_day_and_says_why() -> None:
    rec = Recurrence(CronRule.of("0 9 * * 1-5"), "Europe/Berlin", Exclusions.of(holidays=["de/by"]))
    occ = list(takewhile(lambda o: o.nominal < utc(2027, 1, 8), occurrences(rec, utc(2026, 12, 20))))
    skipped = {o.nominal.date(): o.skipped for o in occ if o.skipped}
    assert skipped == {date(2026, 12, 25): "holiday: Christmas Day (DE/BY)",
                       date(2027, 1, 1): "holiday: New Year's Day (DE/BY)",
                       date(2027, 1, 6): "holiday: Epiphany (DE/BY)"}
    fired = [o.at for o in occ if not o.skipped]
    assert rec_fires(rec, utc(2026, 12, 20), len(fired)) == fired


def test_excluded_dates_yearly_and_skip_occurrence() -> None:
    base = Recurrence(CronRule.of("0 8 * * *"), "Asia/Kolkata")
    nxt = rec_fires(base, utc(2026, 12, 20), 2)
    rec = Recurrence(base.rule, "Asia/Kolkata", Exclusions.of(dates=["2026-12-23", "--12-25"], skip=nxt[:1]))
    got = [f.astimezone(ZoneInfo("Asia/Kolkata")).day for f in rec_fires(rec, utc(2026, 12, 20), 5)]
    assert got == [21, 22, 24, 26, 27]  # the 20th is skipped
    reasons = [o.skipped for o in islice(occurrences(rec, utc(2026, 12, 20)), 8) if o.skipped]
    assert reasons == ["skipped occurrence", "excluded date 2026-12-23", "excluded date --12-25 (every year)"]


@pytest.mark.parametrize("kw, says", [
    ({"holidays": ["XX"]}, "ISO 3166"), ({"holidays": ["US/ZZ"]}, "subdivision"), ({"dates": ["12/25"]}, "--12-25"),
])
def test_exclusion_errors(kw: dict[str, list[str]], says: str) -> None:
    with pytest.raises(RuleError, match=says):
        Exclusions.of(**kw)  # type: ignore[arg-type]


def test_jitter_is_fixed_per_key_and_bounded() -> None:
    rec = Recurrence(CronRule.of("0 * * * *"), "UTC", jitter_seconds=600)
    offsets = {k: jitter_offset(rec, k) for k in (f"job{i}" for i in range(50))}
    shift = timedelta(seconds=offsets["job7"])
    plain = rec_fires(Recurrence(rec.rule, "UTC"), utc(2026, 12, 2) - shift, 5)
    assert all(0 <= v <= 600 for v in offsets.values()) and len(set(offsets.values())) > 10
    fires = rec_fires(rec, utc(2026, 12, 2), 5, key="job7")
    assert [f - p for f, p in zip(fires, plain, strict=True)] == [shift] * 5
    assert rec_fires(rec, utc(2026, 12, 2), 5) == rec_fires(Recurrence(rec.rule, "UTC"), utc(2026, 12, 2), 5)
    with pytest.raises(RuleError, match="jitter"):
        Recurrence(rec.rule, "UTC", jitter_seconds=3601)


# ---- When carries a recurrence ------------------------------------------------------------------

def test_when_recurring_types_and_round_trip() -> None:
    plain = When.recurring(Recurrence(CronRule.of("0 9 * * 1-5"), "Europe/Berlin"))
    assert plain.type == "cron" and plain.cron == "0 9 * * 1-5" and plain.repeats
    assert parse_when("0 9 * * 1-5", timezone="Europe/Berlin") == plain
    rec = cal("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10", "Europe/Berlin", start=datetime(2026, 12, 2, 11),
              exclusions=Exclusions.of(holidays=["DE"]), jitter_seconds=60)
    w = When.recurring(rec)
    assert w.type == "recurring" and w.cron is None and w.recurrence == rec
    assert When.from_dict(w.to_dict()) == w
    assert describe(w) == ("Every 2 weeks on Tuesday at 10:00, counted from 2026-12-02, except public holidays "
                           "in DE, each up to 1 minute late (jitter) (Europe/Berlin)")
    assert next_fires(w, 2, after=utc(2026, 12, 2)) == [utc(2026, 12, 15, 9), utc(2026, 12, 29, 9)]


# ---- warnings shown with a reading ----------------------------------------------------------------

def test_warnings_name_dst_gaps_repeated_hours_and_fixed_offsets() -> None:
    from infrai_mcp.when.notes import warnings

    now = utc(2026, 12, 2)
    gap = parse_when("30 2 * * *", timezone="America/New_York", now=now)
    assert warnings(gap, now=now) == ["2027-03-14 02:30 does not exist in America/New_York (clocks go forward): "
                                      "cron fires once, when the gap ends (03:00)"]
    rr = When.recurring(cal("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "Australia/Sydney"))
    assert warnings(rr, now=utc(2026, 6, 1)) == [
        "2026-10-04 02:30 does not exist in Australia/Sydney (clocks go forward): that time fires at 03:30 instead",
        "2027-04-04 02:30 happens twice in Australia/Sydney (clocks go back): it fires once, at the first"]
    fold = When.recurring(cal("FREQ=DAILY;BYHOUR=2;BYMINUTE=30", "Europe/Berlin"))
    assert warnings(fold, now=utc(2026, 6, 1)) == [
        "2026-10-25 02:30 happens twice in Europe/Berlin (clocks go back): it fires once, at the first",
        "2027-03-28 02:30 does not exist in Europe/Berlin (clocks go forward): that time fires at 03:30 instead"]
    pst = parse_when("every day at 9am PST", timezone="UTC", now=now)
    assert warnings(pst, "every day at 9am PST", now=now) == [
        "'PST' is the fixed offset UTC-8 all year (no daylight saving time); for local time in Los Angeles say "
        "'PT' or 'America/Los_Angeles'"]
    assert warnings(parse_when("0 9 * * *", timezone="America/New_York", now=now), now=now) == []
    assert warnings(parse_when("0 9 * * *", timezone="Asia/Kolkata", now=now), now=now) == []
