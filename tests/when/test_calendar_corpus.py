"""Calendar phrases → the next 12 fires, exactly (to the second), against fires computed in
``calendar_data.py`` by brute force from hand-written day predicates; and the phrases that
can't be scheduled, with what their error says."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from calendar_data import CASES, ERRORS, NOWS, Days, Every, Fires, Union

from infrai_mcp.when import WhenError, next_fires, parse_when

N = 12


def _utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """A wall time as an instant: fold=0, so a time in a spring-forward gap moves forward by the
    gap and a repeated time is the earlier instant."""
    return wall.replace(tzinfo=zone, fold=0).astimezone(UTC)


def _days(spec: Days, zone: ZoneInfo, now: datetime) -> list[datetime]:
    clocks = sorted(time.fromisoformat(t) for t in spec.times)
    out: list[datetime] = []
    day = now.astimezone(zone).date()
    for _ in range(366 * 60):
        if spec.pred(day):
            out.extend(u for u in (_utc(datetime.combine(day, c), zone) for c in clocks) if u > now)
            if len(out) >= N:
                break
        day += timedelta(days=1)
    return out[:N]


def expected(spec: Days | Every | Union | Fires, zone_name: str, now: datetime) -> list[datetime]:
    zone = ZoneInfo(zone_name)
    if isinstance(spec, Fires):
        return [_utc(datetime.fromisoformat(t), zone) for t in spec.local]
    if isinstance(spec, Every):
        first = now + timedelta(seconds=spec.seconds) if spec.first is None else _utc(
            datetime.fromisoformat(spec.first), zone)
        return [first + timedelta(seconds=k * spec.seconds) for k in range(N)]
    if isinstance(spec, Union):
        return sorted({f for part in spec.parts for f in _days(part, zone, now)})[:N]
    return _days(spec, zone, now)


def test_corpus_is_big_enough() -> None:
    assert len(CASES) >= 150
    assert len({c[0] for c in CASES}) >= 140
    assert sum(1 for c in CASES if any("\u4e00" <= ch <= "\u9fff" for ch in c[0])) >= 30


@pytest.mark.parametrize(("phrase", "zone", "now_key", "spec"), CASES,
                         ids=[f"{c[0]!r}@{c[1]}/{c[2]}" for c in CASES])
def test_next_fires(phrase: str, zone: str, now_key: str, spec: Days | Every | Union | Fires) -> None:
    now = NOWS[now_key].replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    when = parse_when(phrase, now=now, timezone=zone)
    want = expected(spec, zone, now)
    assert len(want) == (1 if isinstance(spec, Fires) and len(spec.local) == 1 else N)
    got = next_fires(when, N, after=now)
    assert [f.isoformat() for f in got] == [f.isoformat() for f in want]


@pytest.mark.parametrize(("phrase", "fragment"), ERRORS, ids=[e[0] for e in ERRORS])
def test_unschedulable(phrase: str, fragment: str) -> None:
    with pytest.raises(WhenError) as info:
        parse_when(phrase, now=datetime(2026, 11, 22, 8, 10, tzinfo=UTC), timezone="UTC")
    message = str(info.value)
    assert fragment.lower() in message.lower()
    assert "example" in message.lower()
    assert "cron" not in message.split("Accepted examples")[0].lower() or "every 0" not in phrase


@pytest.mark.parametrize(("phrase", "jitter", "cron"), [
    ("every hour with up to 5 minutes of jitter", 300, "0 * * * *"),
    ("every day at 9am with a random delay of up to 10 minutes", 600, "0 9 * * *"),
    ("every weekday at 8 with 30 seconds jitter", 30, "0 8 * * 1-5"),
])
def test_jitter(phrase: str, jitter: int, cron: str) -> None:
    """Jitter is said with the rule; a preview (no job id yet) shows the rule's own times."""
    now = datetime(2026, 11, 22, 8, 10, tzinfo=UTC)
    when = parse_when(phrase, now=now, timezone="UTC")
    assert when.recurrence is not None
    assert (when.recurrence.jitter_seconds, when.cron) == (jitter, cron)
    assert next_fires(when, 3, after=now) == next_fires(parse_when(cron, timezone="UTC"), 3, after=now)
