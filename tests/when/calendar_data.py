"""Calendar phrases (issue 15): phrase, zone, now → the next 12 fires, computed here by brute
force from hand-written day predicates, never by the code under test.

A case is (phrase, zone, now_key, expect). ``expect`` is one of
  Days(pred, times)       every local day from now's date on where pred(day) holds, at each wall
                          time in ``times`` (a time in a DST gap moves forward by the gap, a
                          repeated one takes the earlier instant), strictly after now
  Every(seconds, first)   first (a local wall time; None: one period after now) + k * seconds,
                          exact elapsed time
  Union((Days, ...))      all the fires of several Days
  Fires([...])            these local wall times
and ERRORS holds (phrase, fragment of the message) for what can't be scheduled.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

import holidays

NOWS = {
    "wed": datetime(2026, 6, 17, 14, 0),  # a Wednesday afternoon in June
    "sun": datetime(2026, 11, 22, 8, 10),  # a Sunday morning
    "nye": datetime(2026, 12, 31, 23, 30),  # New Year's Eve
    "mon": datetime(2027, 3, 1, 7, 45),  # a Monday morning, the 1st
    "ny_fall": datetime(2026, 10, 31, 22, 0),  # night before New York falls back (Nov 1 02:00)
    "eu_spring": datetime(2026, 3, 28, 22, 0),  # night before Berlin springs forward (Mar 29 02:00)
    "syd_spring": datetime(2026, 10, 3, 22, 0),  # night before Sydney springs forward (Oct 4 02:00)
}

Pred = Callable[[date], bool]


@dataclass(frozen=True)
class Days:
    pred: Pred
    times: tuple[str, ...] = ("00:00",)


@dataclass(frozen=True)
class Every:
    seconds: int
    first: str | None = None


@dataclass(frozen=True)
class Union:
    parts: tuple[Days, ...]


@dataclass(frozen=True)
class Fires:
    local: tuple[str, ...]


def mlen(d: date) -> int:
    return calendar.monthrange(d.year, d.month)[1]


def dow(*days: int) -> Pred:
    """Weekdays, Monday = 0."""
    return lambda d: d.weekday() in days


WEEKDAYS = dow(0, 1, 2, 3, 4)
WEEKENDS = dow(5, 6)
DAILY: Pred = lambda d: True  # noqa: E731


def nth(wd: int, *ns: int) -> Pred:
    return lambda d: d.weekday() == wd and (d.day - 1) // 7 + 1 in ns


def last(wd: int) -> Pred:
    return lambda d: d.weekday() == wd and d.day + 7 > mlen(d)


def from_end(k: int) -> Pred:
    """k = 1: the last day of the month."""
    return lambda d: d.day == mlen(d) - k + 1


def nth_bday(n: int) -> Pred:
    """The nth (negative: from the end) Monday-to-Friday day of the month."""
    def pred(d: date) -> bool:
        days = [x for x in range(1, mlen(d) + 1) if date(d.year, d.month, x).weekday() < 5]
        return d.day == days[n - 1 if n > 0 else n]
    return pred


def dom(*days: int) -> Pred:
    return lambda d: d.day in days


def months(*ms: int) -> Pred:
    return lambda d: d.month in ms


def md(*pairs: tuple[int, int]) -> Pred:
    return lambda d: (d.month, d.day) in pairs


def step_days(n: int, first: date) -> Pred:
    return lambda d: d >= first and (d - first).days % n == 0


def step_weeks(n: int, first: date, wds: tuple[int, ...]) -> Pred:
    """Weeks (Monday to Sunday) counted from the week of ``first``; days from ``first`` on."""
    monday = date.fromordinal(first.toordinal() - first.weekday())
    return lambda d: d >= first and d.weekday() in wds and ((d - monday).days // 7) % n == 0


@cache
def _holidays(code: str, year: int) -> frozenset[date]:
    country, _, sub = code.partition("/")
    return frozenset(holidays.country_holidays(country, subdiv=sub or None, years=year))


def no_holiday(code: str) -> Pred:
    return lambda d: d not in _holidays(code, d.year)


def both(*preds: Pred) -> Pred:
    return lambda d: all(p(d) for p in preds)


def either(*preds: Pred) -> Pred:
    return lambda d: any(p(d) for p in preds)


def but(*pairs: tuple[int, int]) -> Pred:
    return lambda d: (d.month, d.day) not in pairs


def hours(first: int, last_: int, minutes: tuple[int, ...] = (0,), end: int | None = None) -> tuple[str, ...]:
    """Wall times from first:00 to last_:xx; with ``end`` only up to that minute of the last hour."""
    out = []
    for h in range(first, last_ + 1):
        for m in minutes:
            if h == last_ and end is not None and m > end:
                continue
            out.append(f"{h:02d}:{m:02d}")
    return tuple(out)


NY, BER, SHA, KOL, SYD, UTC = ("America/New_York", "Europe/Berlin", "Asia/Shanghai", "Asia/Kolkata",
                               "Australia/Sydney", "UTC")
MO, TU, WE, TH, FR, SA, SU = range(7)

CASES: list[tuple[str, str, str, Days | Every | Union | Fires]] = [
    # ---- nth / last weekday of the month ---------------------------------------------------------
    ("first Monday of every month at 9am", NY, "wed", Days(nth(MO, 1), ("09:00",))),
    ("on the first Monday of each month at 9", BER, "sun", Days(nth(MO, 1), ("09:00",))),
    ("the 1st monday of the month at 09:30", UTC, "mon", Days(nth(MO, 1), ("09:30",))),
    ("last Friday of every month at 5pm", NY, "wed", Days(last(FR), ("17:00",))),
    ("on the last Friday of every month at 5pm", SYD, "sun", Days(last(FR), ("17:00",))),
    ("every month on the last friday at 17:00", KOL, "nye", Days(last(FR), ("17:00",))),
    ("the second Tuesday of every month at 10am", BER, "wed", Days(nth(TU, 2), ("10:00",))),
    ("every second tuesday of the month at 10", UTC, "sun", Days(nth(TU, 2), ("10:00",))),
    ("third Wednesday of each month at 2pm", SHA, "mon", Days(nth(WE, 3), ("14:00",))),
    ("the fourth Thursday of every month at noon", NY, "sun", Days(nth(TH, 4), ("12:00",))),
    ("first and third Monday of every month at 8am", BER, "wed", Days(nth(MO, 1, 3), ("08:00",))),
    ("the 2nd and 4th Tuesday of each month at 6pm", KOL, "mon", Days(nth(TU, 2, 4), ("18:00",))),
    ("last Sunday of every month", UTC, "wed", Days(last(SU))),
    ("the last monday of the month at 7:15", SYD, "wed", Days(last(MO), ("07:15",))),
    ("the final Friday of each month at 4pm", UTC, "sun", Days(last(FR), ("16:00",))),
    ("first Saturday of every month at 10:30am", NY, "nye", Days(nth(SA, 1), ("10:30",))),
    ("the fifth friday of every month at 9", UTC, "wed", Days(nth(FR, 5), ("09:00",))),
    ("second to last Friday of every month at 4pm", BER, "wed",
     Days(lambda d: d.weekday() == FR and mlen(d) - 14 < d.day <= mlen(d) - 7, ("16:00",))),
    ("first Monday of January, April, July and October at 9am", NY, "sun",
     Days(both(nth(MO, 1), months(1, 4, 7, 10)), ("09:00",))),
    ("the first Monday of every quarter at 9", UTC, "wed", Days(both(nth(MO, 1), months(1, 4, 7, 10)), ("09:00",))),
    ("last Friday of each quarter at 5pm", BER, "mon", Days(both(last(FR), months(3, 6, 9, 12)), ("17:00",))),
    ("every year on the second Tuesday of July at 10am", NY, "wed", Days(both(nth(TU, 2), months(7)), ("10:00",))),
    ("the last Monday of May every year", UTC, "sun", Days(both(last(MO), months(5)))),
    ("on the 1st and 3rd Monday at 9", UTC, "wed", Days(nth(MO, 1, 3), ("09:00",))),
    ("每月第一个周一上午9点", SHA, "wed", Days(nth(MO, 1), ("09:00",))),
    ("每月最后一个周五", SHA, "sun", Days(last(FR))),
    ("每月最后一个星期五下午5点", SHA, "mon", Days(last(FR), ("17:00",))),
    ("每月第二个星期二上午10点", UTC, "wed", Days(nth(TU, 2), ("10:00",))),
    ("每个月的第三个周三下午2点半", SHA, "nye", Days(nth(WE, 3), ("14:30",))),
    ("每个月第一个工作日上午9点", SHA, "sun", Days(nth_bday(1), ("09:00",))),
    ("每月第一个和第三个周一早上8点", SHA, "wed", Days(nth(MO, 1, 3), ("08:00",))),
    # ---- last day / business days of the month -----------------------------------------------------
    ("last day of every month at 6pm", NY, "wed", Days(from_end(1), ("18:00",))),
    ("on the last day of the month", BER, "sun", Days(from_end(1))),
    ("last day of month at 9pm", UTC, "wed", Days(from_end(1), ("21:00",))),
    ("the last day of each month at 23:00", SYD, "nye", Days(from_end(1), ("23:00",))),
    ("last business day of the month at 4pm", NY, "wed", Days(nth_bday(-1), ("16:00",))),
    ("on the last weekday of every month at 5pm", UTC, "sun", Days(nth_bday(-1), ("17:00",))),
    ("last working day of each month at 3pm", BER, "mon", Days(nth_bday(-1), ("15:00",))),
    ("first business day of every month at 9am", NY, "sun", Days(nth_bday(1), ("09:00",))),
    ("first weekday of the month at 8:30", KOL, "wed", Days(nth_bday(1), ("08:30",))),
    ("second business day of every month at 10", UTC, "wed", Days(nth_bday(2), ("10:00",))),
    ("second to last day of every month at noon", SHA, "wed", Days(from_end(2), ("12:00",))),
    ("on the 15th and last day of every month", NY, "wed", Days(either(dom(15), from_end(1)))),
    ("on the 1st and last day of every month at 9am", BER, "sun", Days(either(dom(1), from_end(1)), ("09:00",))),
    ("last day of the quarter at 6pm", UTC, "wed", Days(both(from_end(1), months(3, 6, 9, 12)), ("18:00",))),
    ("every year on the last day of February at 12:00", UTC, "wed", Days(both(from_end(1), months(2)), ("12:00",))),
    ("quarterly on the last day at 6pm", NY, "sun", Days(both(from_end(1), months(3, 6, 9, 12)), ("18:00",))),
    ("每季度最后一天", SHA, "wed", Days(both(from_end(1), months(3, 6, 9, 12)))),
    ("每年的最后一天", SHA, "sun", Days(md((12, 31)))),
    ("每月最后一天", SHA, "wed", Days(from_end(1))),
    ("每月最后一天晚上11点", SHA, "nye", Days(from_end(1), ("23:00",))),
    ("每月最后一个工作日下午4点", SHA, "sun", Days(nth_bday(-1), ("16:00",))),
    ("每月倒数第二天", SHA, "wed", Days(from_end(2))),
    ("每月15号和最后一天", SHA, "wed", Days(either(dom(15), from_end(1)))),
    # ---- every N weeks -----------------------------------------------------------------------------
    ("every other Tuesday at 10am", NY, "wed", Days(step_weeks(2, date(2026, 6, 23), (TU,)), ("10:00",))),
    ("every other tuesday at 10am", NY, "sun", Days(step_weeks(2, date(2026, 11, 24), (TU,)), ("10:00",))),
    ("biweekly on Fridays at 3pm", BER, "wed", Days(step_weeks(2, date(2026, 6, 19), (FR,)), ("15:00",))),
    ("bi-weekly on monday at 9", UTC, "mon", Days(step_weeks(2, date(2027, 3, 1), (MO,)), ("09:00",))),
    ("fortnightly on Thursday at 11am", SYD, "sun", Days(step_weeks(2, date(2026, 11, 26), (TH,)), ("11:00",))),
    ("every fortnight on wednesday at 16:00", UTC, "wed", Days(step_weeks(2, date(2026, 6, 17), (WE,)), ("16:00",))),
    ("every 2 weeks on Monday and Thursday at 9am", NY, "wed",
     Days(step_weeks(2, date(2026, 6, 18), (MO, TH)), ("09:00",))),
    ("every 3 weeks on weekdays at 9", BER, "sun",
     Days(step_weeks(3, date(2026, 11, 23), (MO, TU, WE, TH, FR)), ("09:00",))),
    ("every other week on Monday at 8:30am", KOL, "wed", Days(step_weeks(2, date(2026, 6, 22), (MO,)), ("08:30",))),
    ("every second Friday at 5pm", UTC, "sun", Days(step_weeks(2, date(2026, 11, 27), (FR,)), ("17:00",))),
    ("every 2nd monday at 10am", NY, "nye", Days(step_weeks(2, date(2027, 1, 4), (MO,)), ("10:00",))),
    ("every third Sunday at 7", UTC, "wed", Days(nth(SU, 3), ("07:00",))),
    ("every first Monday at 9am", NY, "wed", Days(nth(MO, 1), ("09:00",))),
    ("every 2nd and 4th Wednesday at 6pm", BER, "sun", Days(nth(WE, 2, 4), ("18:00",))),
    ("every last Thursday at 4pm", KOL, "wed", Days(last(TH), ("16:00",))),
    ("every 4 weeks on saturday at noon", SHA, "wed", Days(step_weeks(4, date(2026, 6, 20), (SA,)), ("12:00",))),
    ("every other wednesday", BER, "sun", Days(step_weeks(2, date(2026, 11, 25), (WE,)))),
    ("on alternate Mondays at 10am", UTC, "wed", Days(step_weeks(2, date(2026, 6, 22), (MO,)), ("10:00",))),
    ("every alternate week on Friday at 6pm", NY, "sun", Days(step_weeks(2, date(2026, 11, 27), (FR,)), ("18:00",))),
    ("every other Wednesday at 2pm", NY, "wed", Days(step_weeks(2, date(2026, 6, 24), (WE,)), ("14:00",))),
    ("every weekday at 9am starting next monday", BER, "wed", Days(both(WEEKDAYS, lambda d: d >= date(2026, 6, 22)),
                                                                ("09:00",))),
    ("starting tomorrow, every day at 9am", NY, "wed", Days(DAILY, ("09:00",))),
    ("every other Monday starting December 7 at 9am", UTC, "sun",
     Days(step_weeks(2, date(2026, 12, 7), (MO,)), ("09:00",))),
    ("every other Monday at 9am starting next week", BER, "wed",
     Days(step_weeks(2, date(2026, 6, 22), (MO,)), ("09:00",))),
    ("每两周周一上午9点", SHA, "wed", Days(step_weeks(2, date(2026, 6, 22), (MO,)), ("09:00",))),
    ("每隔一周的周二上午10点", SHA, "wed", Days(step_weeks(2, date(2026, 6, 23), (TU,)), ("10:00",))),
    ("每隔两周的周五下午3点", SHA, "sun", Days(step_weeks(2, date(2026, 11, 27), (FR,)), ("15:00",))),
    ("双周周三早上8点", SHA, "mon", Days(step_weeks(2, date(2027, 3, 3), (WE,)), ("08:00",))),
    ("隔周周四下午4点", UTC, "wed", Days(step_weeks(2, date(2026, 6, 18), (TH,)), ("16:00",))),
    ("每三周的周一", SHA, "wed", Days(step_weeks(3, date(2026, 6, 22), (MO,)))),
    ("每两周一次，周五下午3点", SHA, "sun", Days(step_weeks(2, date(2026, 11, 27), (FR,)), ("15:00",))),
    ("每隔一周的星期一和星期三上午9点", SHA, "wed", Days(step_weeks(2, date(2026, 6, 22), (MO, WE)), ("09:00",))),
    ("every other Tuesday at 10am", NY, "ny_fall", Days(step_weeks(2, date(2026, 11, 3), (TU,)), ("10:00",))),
    # ---- intervals that don't divide the clock ------------------------------------------------------
    ("every 90 seconds", UTC, "wed", Every(90)),
    ("every 7 minutes", NY, "wed", Every(420)),
    ("every 45 seconds", BER, "sun", Every(45)),
    ("every 90 minutes", KOL, "sun", Every(5400)),
    ("every 36 hours", NY, "wed", Every(129600)),
    ("every 5 hours", SYD, "nye", Every(18000)),
    ("every 25 minutes", UTC, "mon", Every(1500)),
    ("every 1.5 hours", BER, "wed", Every(5400)),
    ("every hour and a half", SHA, "wed", Every(5400)),
    ("every 100 minutes", UTC, "sun", Every(6000)),
    ("every 90 minutes starting at 9am", NY, "sun", Every(5400, "2026-11-22 09:00")),
    ("every 90 minutes starting at 9am", NY, "wed", Every(5400, "2026-06-18 09:00")),
    ("every 7 minutes starting at 10:00", UTC, "mon", Every(420, "2027-03-01 10:00")),
    ("every 36 hours starting tomorrow at 6am", BER, "wed", Every(129600, "2026-06-18 06:00")),
    ("every 90 minutes", NY, "ny_fall", Every(5400)),
    ("every 5 hours", BER, "eu_spring", Every(18000)),
    ("every 1h30m", UTC, "sun", Every(5400)),
    ("every 2 hours and 30 minutes", NY, "wed", Every(9000)),
    ("every 90 seconds starting now", KOL, "wed", Every(90)),
    ("每90分钟", SHA, "wed", Every(5400)),
    ("每隔45秒", SHA, "sun", Every(45)),
    ("每7分钟", UTC, "wed", Every(420)),
    ("每36小时", SHA, "mon", Every(129600)),
    ("every 10 days", UTC, "wed", Days(step_days(10, date(2026, 6, 27)), ("14:00",))),
    ("every 10 days at 9am", NY, "wed", Days(step_days(10, date(2026, 6, 18)), ("09:00",))),
    ("every other day at 7:30", BER, "sun", Days(step_days(2, date(2026, 11, 23)), ("07:30",))),
    ("every 2 days", KOL, "wed", Days(step_days(2, date(2026, 6, 19)), ("14:00",))),
    ("every 3 days at noon", SYD, "syd_spring", Days(step_days(3, date(2026, 10, 4)), ("12:00",))),
    ("every 48 hours", SHA, "sun", Days(step_days(2, date(2026, 11, 24)), ("08:10",))),
    ("every 2 weeks", UTC, "wed", Days(step_days(14, date(2026, 7, 1)), ("14:00",))),
    ("every 7 days", BER, "wed", Days(step_days(7, date(2026, 6, 24)), ("14:00",))),
    ("on alternate days at 7", SHA, "sun", Days(step_days(2, date(2026, 11, 23)), ("07:00",))),
    ("每隔一天早上8点", SHA, "wed", Days(step_days(2, date(2026, 6, 18)), ("08:00",))),
    ("每10天", SHA, "wed", Days(step_days(10, date(2026, 6, 27)), ("14:00",))),
    ("every 10 days", NY, "ny_fall", Days(step_days(10, date(2026, 11, 10)), ("22:00",))),
    # ---- unions of times and days --------------------------------------------------------------------
    ("at 8:30 and 17:45 every day", NY, "wed", Days(DAILY, ("08:30", "17:45"))),
    ("every day at 9am and 5:30pm", BER, "sun", Days(DAILY, ("09:00", "17:30"))),
    ("daily at 7:15 and 19:40", UTC, "nye", Days(DAILY, ("07:15", "19:40"))),
    ("every Monday at 9am and every Friday at 5pm", NY, "wed",
     Fires(("2026-06-19 17:00", "2026-06-22 09:00", "2026-06-26 17:00", "2026-06-29 09:00", "2026-07-03 17:00",
            "2026-07-06 09:00", "2026-07-10 17:00", "2026-07-13 09:00", "2026-07-17 17:00", "2026-07-20 09:00",
            "2026-07-24 17:00", "2026-07-27 09:00"))),
    ("weekdays at 9 and weekends at 11", BER, "wed",
     Fires(("2026-06-18 09:00", "2026-06-19 09:00", "2026-06-20 11:00", "2026-06-21 11:00", "2026-06-22 09:00",
            "2026-06-23 09:00", "2026-06-24 09:00", "2026-06-25 09:00", "2026-06-26 09:00", "2026-06-27 11:00",
            "2026-06-28 11:00", "2026-06-29 09:00"))),
    ("every monday at 9am and friday at 5pm", UTC, "sun",
     Fires(("2026-11-23 09:00", "2026-11-27 17:00", "2026-11-30 09:00", "2026-12-04 17:00", "2026-12-07 09:00",
            "2026-12-11 17:00", "2026-12-14 09:00", "2026-12-18 17:00", "2026-12-21 09:00", "2026-12-25 17:00",
            "2026-12-28 09:00", "2027-01-01 17:00"))),
    ("on weekdays at 8:15 and 16:45", KOL, "wed", Days(WEEKDAYS, ("08:15", "16:45"))),
    ("every Tuesday at 10:30 and Thursday at 15:00", SHA, "wed",
     Fires(("2026-06-18 15:00", "2026-06-23 10:30", "2026-06-25 15:00", "2026-06-30 10:30", "2026-07-02 15:00",
            "2026-07-07 10:30", "2026-07-09 15:00", "2026-07-14 10:30", "2026-07-16 15:00", "2026-07-21 10:30",
            "2026-07-23 15:00", "2026-07-28 10:30"))),
    ("at 9:00, 12:30 and 18:00 every day", UTC, "wed", Days(DAILY, ("09:00", "12:30", "18:00"))),
    ("weekdays at 7am and saturdays at 9:30am", NY, "sun",
     Union((Days(WEEKDAYS, ("07:00",)), Days(dow(SA), ("09:30",))))),
    ("Tuesdays and Thursdays at 10am, Saturdays at noon", BER, "sun",
     Union((Days(dow(TU, TH), ("10:00",)), Days(dow(SA), ("12:00",))))),
    ("weekdays at 9am, weekends at 10am", UTC, "wed", Union((Days(WEEKDAYS, ("09:00",)), Days(WEEKENDS, ("10:00",))))),
    ("at 9am on weekdays and at 11am on weekends", KOL, "sun",
     Union((Days(WEEKDAYS, ("09:00",)), Days(WEEKENDS, ("11:00",))))),
    ("每天8:30和17:45", SHA, "wed", Days(DAILY, ("08:30", "17:45"))),
    ("每周二和周四上午10点，每周六中午12点", SHA, "wed",
     Union((Days(dow(TU, TH), ("10:00",)), Days(dow(SA), ("12:00",))))),
    ("每天早上8点半和晚上9点", SHA, "sun", Days(DAILY, ("08:30", "21:00"))),
    ("每周一上午9点和每周五下午5点", SHA, "wed",
     Fires(("2026-06-19 17:00", "2026-06-22 09:00", "2026-06-26 17:00", "2026-06-29 09:00", "2026-07-03 17:00",
            "2026-07-06 09:00", "2026-07-10 17:00", "2026-07-13 09:00", "2026-07-17 17:00", "2026-07-20 09:00",
            "2026-07-24 17:00", "2026-07-27 09:00"))),
    ("工作日上午9点和周末上午11点", SHA, "wed",
     Fires(("2026-06-18 09:00", "2026-06-19 09:00", "2026-06-20 11:00", "2026-06-21 11:00", "2026-06-22 09:00",
            "2026-06-23 09:00", "2026-06-24 09:00", "2026-06-25 09:00", "2026-06-26 09:00", "2026-06-27 11:00",
            "2026-06-28 11:00", "2026-06-29 09:00"))),
    # ---- yearly, quarterly, every N months --------------------------------------------------------------
    ("every year on March 15 at noon", NY, "wed", Days(md((3, 15)), ("12:00",))),
    ("every January 1st", UTC, "wed", Days(md((1, 1)))),
    ("annually on July 4th at 9am", NY, "sun", Days(md((7, 4)), ("09:00",))),
    ("yearly on December 25 at 8am", BER, "nye", Days(md((12, 25)), ("08:00",))),
    ("every year on Feb 29", UTC, "wed", Days(md((2, 29)))),
    ("every March 15 and September 15 at 10am", SYD, "wed", Days(md((3, 15), (9, 15)), ("10:00",))),
    ("every year on March 15 and October 1", UTC, "sun", Days(md((3, 15), (10, 1)))),
    ("quarterly on the 15th at 9am", NY, "wed", Days(both(dom(15), months(1, 4, 7, 10)), ("09:00",))),
    ("every 3 months on the 1st at 8am", BER, "sun", Days(both(dom(1), months(1, 4, 7, 10)), ("08:00",))),
    ("every 6 months on the 1st", UTC, "wed", Days(both(dom(1), months(1, 7)))),
    ("twice a year", UTC, "sun", Days(both(dom(1), months(1, 7)))),
    ("every month on the 10th and 25th at 6pm", KOL, "wed", Days(dom(10, 25), ("18:00",))),
    ("twice a month", UTC, "wed", Days(dom(1, 15))),
    ("once a month on the 15th at 9", NY, "sun", Days(dom(15), ("09:00",))),
    ("every two years", UTC, "wed", Days(lambda d: (d.month, d.day) == (1, 1) and d.year % 2 == 1)),
    ("every 2 years on March 1 at 9am", NY, "sun", Days(lambda d: (d.month, d.day) == (3, 1) and d.year % 2 == 1,
                                                       ("09:00",))),
    ("every 5 months on the 10th", BER, "wed",
     Days(lambda d: d.day == 10 and (d.year * 12 + d.month - (2026 * 12 + 7)) % 5 == 0 and d >= date(2026, 7, 10))),
    ("每年3月15日", SHA, "wed", Days(md((3, 15)))),
    ("每年12月25日早上8点", SHA, "sun", Days(md((12, 25)), ("08:00",))),
    ("每季度第一天", SHA, "wed", Days(both(dom(1), months(1, 4, 7, 10)))),
    ("每季度15号上午9点", SHA, "nye", Days(both(dom(15), months(1, 4, 7, 10)), ("09:00",))),
    ("每年1月1日上午10点", UTC, "wed", Days(md((1, 1)), ("10:00",))),
    ("每年元旦上午9点", SHA, "wed", Days(md((1, 1)), ("09:00",))),
    ("每年6月的第二个星期日", SHA, "sun", Days(both(nth(SU, 2), months(6)))),
    ("每半年", SHA, "wed", Days(both(dom(1), months(1, 7)))),
    # ---- windows (the end is included) ------------------------------------------------------------------
    ("every 30 minutes from 9 to 5 on weekdays", NY, "wed", Days(WEEKDAYS, hours(9, 17, (0, 30), end=0))),
    ("every 20 minutes between 9am and 5pm on weekdays", UTC, "wed", Days(WEEKDAYS, hours(9, 17, (0, 20, 40), end=0))),
    ("every 20 minutes between 9 and 5 on weekdays", NY, "sun", Days(WEEKDAYS, hours(9, 17, (0, 20, 40), end=0))),
    ("every 30 minutes from 9am to 6pm on weekdays", BER, "wed", Days(WEEKDAYS, hours(9, 18, (0, 30), end=0))),
    ("工作日上午9点到下午6点每30分钟", NY, "sun", Days(WEEKDAYS, hours(9, 18, (0, 30), end=0))),
    ("hourly between 8am and 6pm", NY, "wed", Days(DAILY, hours(8, 18))),
    ("every hour from 9am to 5pm", BER, "sun", Days(DAILY, hours(9, 17))),
    ("every 15 minutes between 9:30 and 17:00", UTC, "sun",
     Days(DAILY, tuple(t for t in hours(9, 17, (0, 15, 30, 45), end=0) if t >= "09:30"))),
    ("every 90 minutes from 9am to 5pm", KOL, "wed",
     Days(DAILY, ("09:00", "10:30", "12:00", "13:30", "15:00", "16:30"))),
    ("every 45 minutes between 10 and 14 on weekends", SHA, "wed",
     Days(WEEKENDS, ("10:00", "10:45", "11:30", "12:15", "13:00", "13:45"))),
    ("every 2 hours from 8am to 8pm", SYD, "wed", Days(DAILY, ("08:00", "10:00", "12:00", "14:00", "16:00",
                                                             "18:00", "20:00"))),
    ("every 10 minutes from 22:00 to 23:00", UTC, "wed", Days(DAILY, hours(22, 23, (0, 10, 20, 30, 40, 50), end=0))),
    ("every 10 minutes between 10pm and 2am", UTC, "wed",
     Days(DAILY, hours(0, 2, (0, 10, 20, 30, 40, 50), end=0) + hours(22, 23, (0, 10, 20, 30, 40, 50)))),
    ("every hour from 10pm to 2am", NY, "sun", Days(DAILY, ("00:00", "01:00", "02:00", "22:00", "23:00"))),
    ("周一到周五上午9点到下午5点每半小时", SHA, "wed", Days(WEEKDAYS, hours(9, 17, (0, 30), end=0))),
    # ---- business days, holidays, excluded dates -----------------------------------------------------------
    ("on US business days at 8am", NY, "wed", Days(both(WEEKDAYS, no_holiday("US")), ("08:00",))),
    ("every weekday at 9am except public holidays in Germany", BER, "wed",
     Days(both(WEEKDAYS, no_holiday("DE")), ("09:00",))),
    ("every weekday at 9am except public holidays in Germany", BER, "sun",
     Days(both(WEEKDAYS, no_holiday("DE")), ("09:00",))),
    ("weekdays at 9 except holidays", NY, "sun", Days(both(WEEKDAYS, no_holiday("US")), ("09:00",))),
    ("weekdays at 10am except bank holidays in the UK", UTC, "sun",
     Days(both(WEEKDAYS, no_holiday("GB")), ("10:00",))),
    ("business days in Germany at 7:30", UTC, "nye", Days(both(WEEKDAYS, no_holiday("DE")), ("07:30",))),
    ("UK working days at 9am", UTC, "sun", Days(both(WEEKDAYS, no_holiday("GB")), ("09:00",))),
    ("every weekday at 8 except US holidays", NY, "sun", Days(both(WEEKDAYS, no_holiday("US")), ("08:00",))),
    ("weekdays at 9 except public holidays in Bavaria", BER, "wed",
     Days(both(WEEKDAYS, no_holiday("DE/BY")), ("09:00",))),
    ("every weekday at 9am except holidays in California", NY, "sun",
     Days(both(WEEKDAYS, no_holiday("US/CA")), ("09:00",))),
    ("every day at 7am except Christmas", UTC, "sun", Days(but((12, 25)), ("07:00",))),
    ("daily at 6 except on the 25th December", BER, "sun", Days(but((12, 25)), ("06:00",))),
    ("every day at noon except Christmas and New Year's Day", NY, "sun", Days(but((12, 25), (1, 1)), ("12:00",))),
    ("every day at 9 except December 24 and December 31", UTC, "sun", Days(but((12, 24), (12, 31)), ("09:00",))),
    ("every weekday at 9am except public holidays in Germany and Christmas Eve", BER, "sun",
     Days(both(WEEKDAYS, no_holiday("DE"), but((12, 24))), ("09:00",))),
    ("every monday at 10 except 2026-11-30", UTC, "sun",
     Days(both(dow(MO), lambda d: d != date(2026, 11, 30)), ("10:00",))),
    ("daily at noon except weekends and holidays", NY, "wed", Days(both(WEEKDAYS, no_holiday("US")), ("12:00",))),
    ("工作日上午9点(除节假日)", SHA, "wed", Days(both(WEEKDAYS, no_holiday("CN")), ("09:00",))),
    ("每个工作日上午9点，节假日除外", SHA, "sun", Days(both(WEEKDAYS, no_holiday("CN")), ("09:00",))),
    ("工作日早上8点半，法定节假日除外", UTC, "wed", Days(both(WEEKDAYS, no_holiday("CN")), ("08:30",))),
    ("每天早上8点，圣诞节除外", SHA, "sun", Days(but((12, 25)), ("08:00",))),
    ("每天早上8点，周末和节假日除外", SHA, "wed", Days(both(WEEKDAYS, no_holiday("CN")), ("08:00",))),
    ("每个工作日早上9点（中国法定节假日除外）", NY, "sun", Days(both(WEEKDAYS, no_holiday("CN")), ("09:00",))),
    ("工作日上午10点，美国节假日除外", NY, "wed", Days(both(WEEKDAYS, no_holiday("US")), ("10:00",))),
    ("除周末外每天9点", SHA, "sun", Days(WEEKDAYS, ("09:00",))),
    ("last business day of the month at 5pm except holidays in the US", NY, "wed",
     Days(both(nth_bday(-1), no_holiday("US")), ("17:00",))),
    # ---- one date said as a position ----------------------------------------------------------------------
    ("on the second Tuesday of July at 10am", NY, "sun", Fires(("2027-07-13 10:00",))),
    ("on the second Tuesday of July at 10am", BER, "wed", Fires(("2026-07-14 10:00",))),
    ("the last Friday of this month at 5pm", UTC, "wed", Fires(("2026-06-26 17:00",))),
    ("the first monday of next month at 9", SHA, "wed", Fires(("2026-07-06 09:00",))),
    ("the last day of next month", KOL, "sun", Fires(("2026-12-31 00:00",))),
    ("on the first Monday of June at 9", UTC, "wed", Fires(("2027-06-07 09:00",))),
    ("the last Sunday of March at 2:30am", BER, "wed", Fires(("2027-03-28 03:30",))),
]

ERRORS: list[tuple[str, str]] = [
    ("every 0 days", "never repeats"),
    ("every 0 weeks", "never repeats"),
    ("every -5 minutes", "negative"),
    ("every 0.5 seconds", "whole number of seconds"),
    ("every 500 milliseconds", "shorter than a second"),
    ("every 1.5 seconds", "whole number of seconds"),
    ("农历八月十五", "lunar"),
    ("每年农历正月初一", "lunar"),
    ("每年春节早上8点", "lunar"),
    ("every year on the lunar new year", "lunar"),
    ("at sunrise", "sunrise"),
    ("every day at sunset", "sun"),
    ("每天日出时", "sun"),
    ("weekdays at 9 except holidays", "whose public holidays"),
    ("weekdays at 9 except holidays in Atlantis", "no public holiday calendar"),
    ("tomorrow at 9 except holidays", "does not repeat"),
    ("every 36 hours at 9am", "cannot also have a clock time"),
    ("every day at 9 with 2 hours of jitter", "more than an hour"),
    ("the first monday of every month on weekdays", "cannot be combined"),
    ("every day on the last friday of the month", "conflicts with a position"),
    ("the 6th monday of every month", "at most five"),
    ("end of the month", "vague"),
]
