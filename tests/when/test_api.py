"""The public API around parse_when: instants, delays, recurrences, describe, next_fires, zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

import infrai_mcp.when as when_pkg
from infrai_mcp.when import (
    When,
    WhenError,
    cron_next_fires,
    default_timezone,
    describe,
    next_fires,
    parse_delay,
    parse_instant,
    parse_recurrence,
    parse_when,
)

NOW = datetime(2026, 11, 22, 13, 10, tzinfo=UTC)  # Sunday 08:10 in New York
NY = "America/New_York"


def test_exports() -> None:
    for name in ("parse_when", "parse_instant", "parse_delay", "parse_recurrence", "describe", "next_fires",
                 "cron_next_fires", "default_timezone", "When", "WhenError", "normalize_cron", "next_fire",
                 "validate_timezone", "get_zone", "CronError"):
        assert name in when_pkg.__all__
    from infrai_mcp.when.cron import get_zone, next_fire, normalize_cron, validate_timezone  # engine imports

    assert callable(get_zone) and callable(next_fire) and callable(normalize_cron) and callable(validate_timezone)


def test_when_error_is_value_error() -> None:
    assert issubclass(WhenError, ValueError)


# ---- parse_instant ---------------------------------------------------------------------------------

def test_parse_instant_iso_phrase_and_delay() -> None:
    assert parse_instant("2026-12-01T08:00:00Z", now=NOW) == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert parse_instant("tomorrow at 9am", now=NOW, timezone=NY) == datetime(2026, 11, 23, 14, tzinfo=UTC)
    assert parse_instant("in 2 seconds", now=NOW) == NOW + timedelta(seconds=2)
    assert parse_instant("in 20 minutes", now=NOW) == NOW + timedelta(minutes=20)
    assert parse_instant("20分钟后", now=NOW) == NOW + timedelta(minutes=20)


def test_parse_instant_refuses_recurring_and_past() -> None:
    with pytest.raises(WhenError, match="single time; recurring schedules go to cron_create / schedule_create"):
        parse_instant("every day at 9am", now=NOW, timezone=NY)
    with pytest.raises(WhenError, match="past"):
        parse_instant("2026-11-22T13:00:00Z", now=NOW)
    with pytest.raises(WhenError, match="past"):
        parse_instant("today at 8am", now=NOW, timezone=NY)


def test_parse_instant_naive_now_is_read_in_zone() -> None:
    got = parse_instant("at 9am", now=datetime(2026, 11, 22, 8, 10), timezone=NY)
    assert got == datetime(2026, 11, 22, 14, tzinfo=UTC)


# ---- parse_delay -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "seconds"), [
    (90, 90), (90.0, 90), ("90", 90), (" 45 ", 45), ("20 minutes", 1200), ("in 20 minutes", 1200),
    ("1 hour and 30 minutes", 5400), ("an hour and a half", 5400), ("2h30m", 9000), ("半小时", 1800),
    ("10分钟后", 600), ("366 days", 366 * 86400), ("1.5 minutes", 90), ("PT20M", 1200), ("P1DT1H", 90000),
])
def test_parse_delay(value: str | int | float, seconds: int) -> None:
    assert parse_delay(value) == seconds


@pytest.mark.parametrize("value", [0, -5, "0", "-10", 366 * 86400 + 1, "367 days", "banana", "", "tomorrow at 9",
                                   True, 1.5, "2 hours ago", "every 5 minutes"])
def test_parse_delay_refuses(value: str | int | float) -> None:
    with pytest.raises(WhenError):
        parse_delay(value)


# ---- parse_recurrence --------------------------------------------------------------------------------

def test_parse_recurrence_accepts_phrases_and_cron() -> None:
    assert parse_recurrence("every weekday at 9am", now=NOW, timezone=NY) == When(
        type="cron", cron="0 9 * * 1-5", timezone=NY)
    assert parse_recurrence("*/5 * * * *", timezone="UTC").cron == "*/5 * * * *"
    assert parse_recurrence("@hourly", timezone="UTC").cron == "0 * * * *"


@pytest.mark.parametrize("phrase", ["tomorrow at 9am", "in 20 minutes", "2026-12-01T08:00:00Z"])
def test_parse_recurrence_refuses_one_shots(phrase: str) -> None:
    with pytest.raises(WhenError, match="one-shot tool"):
        parse_recurrence(phrase, now=NOW, timezone=NY)


# ---- describe / next_fires / to_dict -----------------------------------------------------------------

@pytest.mark.parametrize(("phrase", "text"), [
    ("every weekday at 9am", "At 09:00, Monday through Friday (America/New_York)"),
    ("every 5 minutes", "Every 5 minutes (America/New_York)"),
    ("hourly at :15", "Every hour at :15 (America/New_York)"),
    ("twice a day at 9 and 17", "At 09:00 and 17:00, every day (America/New_York)"),
    ("every Monday and Thursday at 10pm", "At 22:00, every Monday and Thursday (America/New_York)"),
    ("on the 1st of every month at 9am", "At 09:00, on the 1st of every month (America/New_York)"),
    ("every year on dec 25 at 8am", "At 08:00, on December 25 every year (America/New_York)"),
    ("tomorrow at 9am", "Once at 2026-11-23 09:00 (America/New_York)"),
    ("in 2 hours and 15 minutes", "In 2 hours 15 minutes"),
    ("0 0 L * *", "At 00:00 on the last day of every month (America/New_York)"),
])
def test_describe(phrase: str, text: str) -> None:
    assert describe(parse_when(phrase, now=NOW, timezone=NY)) == text


@pytest.mark.parametrize("expr", ["0 9 * * MON-FRI", "0 9 * JAN-MAR MON-FRI", "*/5 * * * SAT,SUN", "0 0 * * 7",
                                  "15 10 * * 1-7", "0,30 * * * *", "0 0 * * * *", "5 4 * * sun", "0 22 * * 1-5",
                                  "0 12 1,15 * *", "30 */6 * * *", "0 9-17 * * 1-5", "*/20 9-16 * * *"])
def test_describe_of_raw_cron_reads_back_as_the_same_schedule(expr: str) -> None:
    w = When(type="cron", cron=expr, timezone="Asia/Kolkata")
    back = parse_when(describe(w), timezone="UTC")
    assert back.timezone == "Asia/Kolkata"
    assert next_fires(back, 50, after=NOW) == next_fires(w, 50, after=NOW)


def test_next_fires_for_each_type() -> None:
    cron = parse_when("every weekday at 9am", now=NOW, timezone=NY)
    got = next_fires(cron, 3, after=NOW)
    assert [f.astimezone(ZoneInfo(NY)).strftime("%a %H:%M") for f in got] == ["Mon 09:00", "Tue 09:00", "Wed 09:00"]
    assert got == cron_next_fires("0 9 * * 1-5", NY, NOW, 3)
    once = parse_when("tomorrow at 9am", now=NOW, timezone=NY)
    assert next_fires(once, 5, after=NOW) == [once.run_at]
    assert next_fires(once, 5, after=datetime(2027, 1, 1, tzinfo=UTC)) == []
    delayed = parse_when("in 30 minutes", now=NOW, timezone=NY)
    assert next_fires(delayed, 1, after=NOW) == [NOW + timedelta(minutes=30)]
    before = datetime.now(UTC)
    (fire,) = next_fires(delayed, 1)
    assert before + timedelta(minutes=30) <= fire <= datetime.now(UTC) + timedelta(minutes=30)


def test_to_dict_round_trip() -> None:
    for phrase in ("every weekday at 9am", "tomorrow at 9am", "in 30 minutes"):
        w = parse_when(phrase, now=NOW, timezone=NY)
        d = w.to_dict()
        assert set(d) == {"type", "run_at", "delay_seconds", "cron", "timezone"}
        assert When.from_dict(d) == w
    assert parse_when("tomorrow at 9am", now=NOW, timezone=NY).to_dict()["run_at"] == "2026-11-23T14:00:00Z"


def test_when_is_frozen_and_validated() -> None:
    w = When(type="cron", cron="0 9 * * *", timezone="UTC")
    with pytest.raises(AttributeError):
        w.cron = "x"  # type: ignore[misc]
    with pytest.raises(ValueError):
        When(type="once", timezone="UTC")
    with pytest.raises(ValueError):
        When(type="delayed", delay_seconds=-1, timezone="UTC")


# ---- zones ---------------------------------------------------------------------------------------------

def test_default_timezone_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRAI_TIMEZONE", "Asia/Kolkata")
    assert default_timezone() == "Asia/Kolkata"
    assert parse_when("every day at 9am").timezone == "Asia/Kolkata"
    monkeypatch.setenv("INFRAI_TIMEZONE", "Not/AZone")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    assert default_timezone() == "Europe/Berlin"
    monkeypatch.delenv("INFRAI_TIMEZONE")
    monkeypatch.delenv("TZ")
    assert isinstance(default_timezone(), str) and default_timezone()


@pytest.mark.parametrize(("given", "zone"), [
    ("america/new_york", "America/New_York"), ("Tokyo", "Asia/Tokyo"), ("ET", "America/New_York"), ("utc", "UTC"),
    ("New York", "America/New_York"), ("Asia/Kolkata", "Asia/Kolkata")])
def test_timezone_argument_is_forgiving(given: str, zone: str) -> None:
    assert parse_when("every day at 9am", timezone=given).timezone == zone


def test_unknown_timezone_argument() -> None:
    with pytest.raises(WhenError, match="unknown timezone"):
        parse_when("at 9am", timezone="Mars/Olympus")


def test_errors_say_what_was_understood() -> None:
    with pytest.raises(WhenError) as info:
        parse_when("tomorrow at 9am blah", now=NOW, timezone=NY)
    assert "blah" in str(info.value) and "tomorrow" in str(info.value) and "09:00" in str(info.value)
    with pytest.raises(WhenError, match=r"every 7 minutes.*\*/7"):
        parse_when("every 7 minutes on weekdays", timezone="UTC")


def test_smoke_real_clock() -> None:
    """The one test that uses the real clock."""
    w = parse_when("in 5 minutes")
    assert w.type == "delayed" and w.delay_seconds == 300
    run = parse_instant("tomorrow at noon", timezone="UTC")
    assert timedelta(hours=12) <= run - datetime.now(UTC) <= timedelta(hours=36)
