"""Property tests: any When survives describe → parse_when, next_fires is strictly increasing and
every fire matches its cron in its zone, and phrases composed from grammar pieces give the cron
the pieces imply (rules, not a lookup table)."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infrai_mcp.when import When, describe, next_fires, parse_when

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Shanghai", "Asia/Kolkata", "Australia/Sydney"]
DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def canon(values: set[int], lo: int, hi: int) -> str:
    """Expected cron list: sorted, runs of three or more as ranges, the full span as '*'."""
    vals = sorted(values)
    if vals == list(range(lo, hi + 1)):
        return "*"
    out, i = [], 0
    while i < len(vals):
        j = i
        while j + 1 < len(vals) and vals[j + 1] == vals[j] + 1:
            j += 1
        out += [f"{vals[i]}-{vals[j]}"] if j - i >= 2 else [str(v) for v in vals[i : j + 1]]
        i = j + 1
    return ",".join(out)


@st.composite
def cron_exprs(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["minutes", "hours", "times"]))
    dows = draw(st.one_of(st.none(), st.sets(st.integers(0, 6), min_size=1, max_size=6)))
    dow = canon(dows, 0, 6) if dows else "*"
    if kind == "minutes":
        k = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30]))
        return f"{'*' if k == 1 else f'*/{k}'} * * * {dow}"
    if kind == "hours":
        k = draw(st.sampled_from([1, 2, 3, 4, 6, 8, 12]))
        return f"{draw(st.integers(0, 59))} {'*' if k == 1 else f'*/{k}'} * * {dow}"
    minute = draw(st.integers(0, 59))
    hours = draw(st.sets(st.integers(0, 23), min_size=1, max_size=3))
    day = draw(st.sampled_from(["dow", "dom", "monthday"]))
    if day == "dom":
        doms = draw(st.sets(st.integers(1, 28), min_size=1, max_size=2))
        return f"{minute} {canon(hours, 0, 23)} {canon(doms, 1, 31)} * *"
    if day == "monthday":
        return f"{minute} {canon(hours, 0, 23)} {draw(st.integers(1, 28))} {draw(st.integers(1, 12))} *"
    return f"{minute} {canon(hours, 0, 23)} * * {dow}"


instants = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31),
                        timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))


@SETTINGS
@given(cron_exprs(), st.sampled_from(ZONES), instants)
def test_cron_when_round_trips_through_describe(expr: str, zone: str, now: datetime) -> None:
    w = When(type="cron", cron=expr, timezone=zone)
    text = describe(w)
    assert zone in text
    assert parse_when(text, now=now, timezone="UTC") == w, text


@SETTINGS
@given(instants, st.sampled_from(ZONES), st.integers(1, 3 * 365 * 86400))
def test_once_when_round_trips_through_describe(now: datetime, zone: str, ahead: int) -> None:
    run_at = now + timedelta(seconds=ahead)
    from infrai_mcp.when import WhenError

    w = When(type="once", run_at=run_at, timezone=zone)
    # describe() shows the wall time; reading a repeated wall time back gives its first instant.
    wall = run_at.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    first = wall.replace(tzinfo=ZoneInfo(zone), fold=0).astimezone(UTC)
    if first <= now:  # the second pass of a repeated hour, whose first pass is already over
        with pytest.raises(WhenError, match="past"):
            parse_when(describe(w), now=now, timezone="UTC")
        return
    back = parse_when(describe(w), now=now, timezone="UTC")
    assert back.type == "once" and back.timezone == zone
    assert back.run_at == first


@SETTINGS
@given(st.integers(0, 366 * 86400), st.sampled_from(ZONES))
def test_delayed_when_round_trips_through_describe(seconds: int, zone: str) -> None:
    w = When(type="delayed", delay_seconds=seconds, timezone=zone)
    assert parse_when(describe(w), timezone=zone) == w


def _values(field: str, lo: int, hi: int) -> set[int]:
    out: set[int] = set()
    for part in field.split(","):
        base, _, step = part.partition("/")
        a, b = (lo, hi) if base == "*" else (int(base.split("-")[0]), int(base.split("-")[-1]))
        out |= set(range(a, b + 1, int(step or 1)))
    return out


def _matches(expr: str, wall: datetime) -> bool:
    m, h, dom, mon, dow = expr.split()
    days_ok = wall.day in _values(dom, 1, 31)
    dow_ok = wall.isoweekday() % 7 in _values(dow, 0, 6)
    day = (days_ok or dow_ok) if dom != "*" and dow != "*" else (days_ok and dow_ok)
    return (wall.minute in _values(m, 0, 59) and wall.hour in _values(h, 0, 23)
            and wall.month in _values(mon, 1, 12) and day)


def _transition_window(zone: ZoneInfo) -> st.SearchStrategy[datetime]:
    """Instants within a day of a DST change in ``zone`` (or anywhere, for zones without DST)."""
    changes = []
    t = datetime(2026, 1, 1, tzinfo=UTC)
    prev = t.astimezone(zone).utcoffset()
    while t.year < 2028:
        t += timedelta(hours=1)
        if t.astimezone(zone).utcoffset() != prev:
            changes.append(t)
            prev = t.astimezone(zone).utcoffset()
    if not changes:
        return instants
    return st.tuples(st.sampled_from(changes), st.integers(-86400, 86400)).map(
        lambda p: p[0] + timedelta(seconds=p[1]))


@SETTINGS
@given(cron_exprs(), st.sampled_from(ZONES), st.data())
def test_next_fires_increasing_and_matching(expr: str, zone: str, data: st.DataObject) -> None:
    z = ZoneInfo(zone)
    after = data.draw(_transition_window(z))
    fires = next_fires(When(type="cron", cron=expr, timezone=zone), 12, after=after)
    assert len(fires) == 12
    assert all(f.tzinfo == UTC for f in fires)
    assert after < fires[0]
    assert all(a < b for a, b in itertools.pairwise(fires))
    fixed = not expr.split()[0].startswith("*") and not expr.split()[1].startswith("*")
    for f in fires:
        wall = f.astimezone(z)
        if _matches(expr, wall.replace(tzinfo=None)):
            continue
        # Otherwise it must be the end of a spring-forward gap that swallowed a matching wall time.
        before = (f - timedelta(minutes=1)).astimezone(z)
        assert fixed and before.utcoffset() != wall.utcoffset(), (expr, zone, f)


# ---- phrases composed from grammar pieces -------------------------------------------------------

TIME_FORMS = [
    lambda h, m: f"{(h % 12) or 12}:{m:02d}{'am' if h < 12 else 'pm'}",
    lambda h, m: f"{(h % 12) or 12}:{m:02d} {'a.m.' if h < 12 else 'p.m.'}",
    lambda h, m: f"{h:02d}:{m:02d}",
    lambda h, m: f"{h}:{m:02d}",
]
ZH_TIME = [
    lambda h, m: f"{'上午' if h < 12 else '下午'}{(h % 12) or 12}点{m}分" if h not in (0, 12) else f"{h}:{m:02d}",
    lambda h, m: f"{h}点{m:02d}分",
]
DAY_FORMS = [
    ("every day at {t}", "*"), ("daily at {t}", "*"), ("{t} every day", "*"), ("each day at {t}", "*"),
    ("every weekday at {t}", "1-5"), ("weekdays at {t}", "1-5"), ("on weekdays at {t}", "1-5"),
    ("every weekend at {t}", "0,6"), ("on weekends at {t}", "0,6"),
]


@SETTINGS
@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(range(len(TIME_FORMS))),
       st.sampled_from(DAY_FORMS), st.sampled_from(ZONES))
def test_composed_english_phrases(h: int, m: int, form: int, day: tuple[str, str], zone: str) -> None:
    phrase = day[0].format(t=TIME_FORMS[form](h, m))
    w = parse_when(phrase, timezone=zone)
    assert (w.type, w.cron, w.timezone) == ("cron", f"{m} {h} * * {day[1]}", zone), phrase


@SETTINGS
@given(st.integers(0, 23), st.integers(0, 59), st.sets(st.integers(0, 6), min_size=1, max_size=3),
       st.sampled_from(["every {d} at {t}", "{d} at {t}", "at {t} every {d}", "on {d} at {t} every week"]))
def test_composed_weekday_phrases(h: int, m: int, days: set[int], template: str) -> None:
    names = [DAYS[d] + ("s" if template.startswith("{d}") else "") for d in sorted(days)]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    phrase = template.format(d=listed, t=f"{h:02d}:{m:02d}")
    w = parse_when(phrase, timezone="UTC")
    assert w.cron == f"{m} {h} * * {canon(days, 0, 6)}", phrase


@SETTINGS
@given(st.integers(0, 23), st.integers(0, 59), st.sampled_from(range(len(ZH_TIME))),
       st.sampled_from([("每天", "*"), ("每个工作日", "1-5"), ("每周一", "1"), ("每周六", "6"), ("每周日", "0")]))
def test_composed_chinese_phrases(h: int, m: int, form: int, day: tuple[str, str]) -> None:
    phrase = day[0] + ZH_TIME[form](h, m)
    w = parse_when(phrase, timezone="Asia/Shanghai")
    assert w.cron == f"{m} {h} * * {day[1]}", phrase


@SETTINGS
@given(st.integers(1, 999), st.sampled_from([("minutes", 60), ("hours", 3600), ("seconds", 1), ("days", 86400)]),
       st.sampled_from(["in {n} {u}", "{n} {u} from now", "after {n} {u}", "{n} {u} later"]))
def test_composed_delays(n: int, unit: tuple[str, int], template: str) -> None:
    seconds = n * unit[1]
    phrase = template.format(n=n, u=unit[0])
    if seconds > 366 * 86400:
        return
    assert parse_when(phrase, timezone="UTC") == When(type="delayed", delay_seconds=seconds, timezone="UTC")


@SETTINGS
@given(st.integers(1, 120), st.sampled_from(["minutes", "hours"]))
def test_interval_is_a_cron_when_it_divides_else_exact(n: int, unit: str) -> None:
    """Every N minutes/hours fires at exactly N-unit gaps: a cron when N divides the clock, an
    interval otherwise (and every N*24 hours keeps the wall time: a calendar rule)."""
    now = datetime(2026, 1, 1, 10, 7, tzinfo=UTC)
    w = parse_when(f"every {n} {unit}", now=now, timezone="UTC")
    total = n if unit == "minutes" else n * 60
    divides = (total < 60 and 60 % total == 0) or (total % 60 == 0 and 24 % (total // 60) == 0)
    assert (w.type == "cron") == divides
    fires = next_fires(w, 30, after=now)
    gaps = {(b - a).total_seconds() for a, b in itertools.pairwise(fires)}
    assert gaps == {total * 60}
    if not divides and total % 1440:
        assert fires[0] == now + timedelta(minutes=total)  # one period after now


# ---- robustness: any input gives a When or a WhenError, nothing else ------------------------------

TOKENS = ["every", "each", "at", "on", "in", "the", "of", "and", "next", "this", "tomorrow", "today", "tonight",
          "monday", "fri", "weekdays", "weekend", "day", "days", "week", "month", "year", "hour", "hours", "minute",
          "minutes", "seconds", "am", "pm", "noon", "midnight", "morning", "evening", "night", "half", "quarter",
          "past", "to", "from", "between", "except", "twice", "times", "a", "an", "ago", "later", "utc", "pst", "et",
          "berlin", "tokyo", "time", "march", "dec", "1st", "15th", "2nd", "9", "17", "0", "60", "7", "90", "13",
          "9:30", "25:00", "12", "2026-12-01", "2027-02-30", "08:00", "12/25", "1/2", ":15", "*/5", "*", "@daily",
          "@reboot", "每天", "每周一", "明天", "下午", "3点", "半", "分钟后", "小时", "号", "周末", "十", "两", "晚上",
          ",", ".", "-", "/", "+8", "o'clock", "hourly", "daily", "quarterly", "last", "first", "other"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), min_size=0, max_size=7), st.sampled_from(ZONES), instants)
def test_any_token_soup_gives_when_or_when_error(tokens: list[str], zone: str, now: datetime) -> None:
    from infrai_mcp.when import WhenError

    phrase = " ".join(tokens)
    try:
        w = parse_when(phrase, now=now, timezone=zone)
    except WhenError as exc:
        assert "example" in str(exc).lower()
        return
    assert w.type in ("once", "delayed", "cron", "recurring")
    if w.type == "once":
        assert w.run_at is not None and w.run_at > now
    describe(w)
    next_fires(w, 3, after=now)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from(ZONES))
def test_any_text_gives_when_or_when_error(text: str, zone: str) -> None:
    from infrai_mcp.when import WhenError

    with contextlib.suppress(WhenError):
        parse_when(text, now=datetime(2026, 11, 22, 12, tzinfo=UTC), timezone=zone)


def _any_field(lo: int, hi: int, names: list[str] | None = None) -> st.SearchStrategy[str]:
    num = st.integers(lo, hi)
    atom = num.map(str) if not names else st.one_of(num.map(str), st.sampled_from(names))
    rng = st.tuples(num, num).map(lambda p: f"{min(p)}-{max(p)}")
    step = st.tuples(st.sampled_from(["*", f"{lo}-{hi}"]), st.integers(2, 12)).map(lambda p: f"{p[0]}/{p[1]}")
    lst = st.lists(st.one_of(atom, rng), min_size=2, max_size=3).map(",".join)
    return st.one_of(st.just("*"), atom, rng, step, lst)


raw_crons = st.tuples(
    _any_field(0, 59), _any_field(0, 23), st.one_of(_any_field(1, 28), st.just("L")),
    _any_field(1, 12, ["JAN", "mar", "Dec"]), _any_field(0, 7, ["MON", "fri", "Sun"]),
    st.one_of(st.none(), _any_field(0, 59)),
).map(lambda f: " ".join(([f[5]] if f[5] is not None else []) + list(f[:5])))


@settings(max_examples=300, deadline=None)
@given(raw_crons, st.sampled_from(ZONES))
def test_describe_any_raw_cron(expr: str, zone: str) -> None:
    from infrai_mcp.when import WhenError

    try:
        w = parse_when(expr, timezone=zone)
    except WhenError:
        return  # e.g. day 31 in February only
    text = describe(w)
    assert text.endswith(f"({zone})")
    try:
        back = parse_when(text, timezone="UTC")
    except WhenError:
        return  # described with cronsim's explain(), which is for people only
    if back.type != "cron":
        return  # explain() wording such as "At 00:00 on January 1" reads as a single date

    def fixed(cron: str) -> bool:  # Debian/cronsim: a fixed-time job fires once on DST changes
        m, h = cron.split()[-5:-3]
        return not m.startswith("*") and not h.startswith("*")

    if fixed(expr) != fixed(back.cron or ""):
        return  # same values, different DST treatment (e.g. "*/60 1 * * 0" vs "0 1 * * 0")
    dom, dow = expr.split()[-3], expr.split()[-1]
    if dom != "*" and dow != "*":
        return  # day-of-month OR weekday: explain() may leave the weekday out ("1 * 1 * 0-7")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    assert next_fires(back, 40, after=start) == next_fires(w, 40, after=start), text
