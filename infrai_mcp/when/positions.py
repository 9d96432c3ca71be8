"""Positions in the month: "the first Monday of every month", "the last Friday", "the last day",
"the second-to-last day", "the last business day", "the 2nd and 4th Tuesday of each quarter".

``month_positions`` reads them into cron-like day tokens. Tokens cron (cronsim) evaluates:
``L`` (last day), ``LW`` (last weekday) in the day-of-month field, ``d#n`` (nth weekday d) and
``dL`` (last weekday d) in the day-of-week field. Tokens only a calendar rule can say (the
schedule then becomes an RRULE, see ``rrules.py``): ``L-k`` (k days before the last day),
``W+n`` / ``W-n`` (the nth / nth-last weekday, Monday to Friday, of the month) and ``d#-n``
(the nth-last weekday d).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from infrai_mcp.when.pieces import cut, err
from infrai_mcp.when.vocab import MONTH_RE, MONTHS, WEEKDAY_RE, weekday_number

_ORD = r"(?:(?:\d(?:st|nd|rd|th)|next) (?:to )?last|penultimate|last|\d{1,2}(?:st|nd|rd|th))"
_WHAT = rf"(?:(?:{WEEKDAY_RE})s?|weekdays?|day)"
_ITEM = rf"{_ORD}(?:(?:,| and| or| &)? {_ORD})* {_WHAT}"
_ITEMS = rf"(?:the )?{_ITEM}(?:(?:,| and| &)? (?:the )?{_ITEM})*"
_CONTEXT = (r"(?: (?:of|in) (?:the |every |each |a )?"
            r"(?:(?P<month>calendar month|month)|(?P<quarter>quarter)|(?P<year>year)"
            rf"|(?P<names>(?:{MONTH_RE})(?:(?:,| and| &)? (?:{MONTH_RE}))*)))")
_RE = re.compile(rf"\b(?P<every>(?:(?:every|each|on) )*)(?P<items>{_ITEMS})(?P<ctx>{_CONTEXT})?")
_MONTHLY = re.compile(r"\b(?:every|each) (?:\d+ )?months?\b|\bmonthly\b|\bquarterly\b|\bevery quarter\b")


@dataclass(frozen=True)
class Positions:
    doms: tuple[str, ...] = ()  # "L", "LW", "L-1", "W+1", plain day numbers "1"
    dows: tuple[str, ...] = ()  # "1#1", "5L", "5#-2"
    months: tuple[int, ...] = ()


def _rank(word: str) -> int:
    """'1st' → 1, 'last' → -1, '2nd last' / 'next to last' / 'penultimate' → -2."""
    if word == "last":
        return -1
    if word == "penultimate" or word.startswith("next"):
        return -2
    n = int(re.match(r"\d+", word).group(0))  # type: ignore[union-attr]
    return -n if word.endswith("last") else n


def month_positions(s: str) -> tuple[Positions | None, str]:
    """Read day-of-month positions; None when the phrase has none."""
    m = _RE.search(s)
    if not m:
        return None, s
    every = "every" in m.group("every") or "each" in m.group("every")
    listed = len(re.findall(_ORD, m.group("items"))) > 1  # "the 1st and 3rd monday"
    yearly = re.search(r"\b(?:every|each) year\b|\byearly\b|\bannually\b", s)
    if not m.group("ctx") and not _MONTHLY.search(s[: m.start()] + s[m.end():]) and not yearly and not listed and not (
            every and not re.fullmatch(r"2nd \S+", m.group("items"))):
        return None, s  # "every 2nd tuesday" is every other week; "the last friday" alone is one date
    doms: list[str] = []
    dows: list[str] = []
    last_only = True
    for item in re.finditer(rf"(?P<ords>{_ORD}(?:(?:,| and| or| &)? {_ORD})*) (?P<what>{_WHAT})", m.group("items")):
        what = item.group("what")
        for word in re.findall(_ORD, item.group("ords")):
            n = _rank(word)
            last_only = last_only and n < 0
            if what == "day":
                if n > 31:
                    raise err(f"a month has at most 31 days; '{item.group(0)}' never happens")
                doms.append(str(n) if n > 0 else ("L" if n == -1 else f"L-{-n - 1}"))
            elif what.startswith("weekday"):
                if abs(n) > 23:
                    raise err(f"a month has at most 23 weekdays; '{item.group(0)}' never happens")
                doms.append("LW" if n == -1 else f"W{n:+d}")
            else:
                d = weekday_number(what)
                if abs(n) > 5:
                    raise err(f"a month has at most five of each weekday; '{item.group(0)}' never happens")
                dows.append(f"{d}L" if n == -1 else f"{d}#{n}")
    if doms and dows:
        raise err(f"'{m.group('items')}' mixes days of the month and weekdays; create one schedule for each")
    months: tuple[int, ...] = ()
    quarterly = re.search(r"\bquarterly\b|\bevery quarter\b|\bevery 3 months\b", s)
    if m.group("quarter") or (quarterly and not m.group("ctx")):
        months = (3, 6, 9, 12) if last_only else (1, 4, 7, 10)
    elif m.group("year") or (yearly and not m.group("ctx") and doms):
        months = (12,) if last_only else (1,)
    elif m.group("names"):
        months = tuple(sorted({MONTHS[w] for w in re.findall(MONTH_RE, m.group("names"))}))
    return Positions(tuple(dict.fromkeys(doms)), tuple(dict.fromkeys(dows)), months), cut(s, m)


def day_in_month(year: int, month: int, token: str) -> date | None:
    """The date a position token names in one month (None when that month has no such day)."""
    last = calendar.monthrange(year, month)[1]
    days = [date(year, month, d) for d in range(1, last + 1)]
    pick: list[date]
    m = re.fullmatch(r"(\d)(?:#(-?\d)|(L))", token)
    if m:
        pick = [d for d in days if d.isoweekday() % 7 == int(m.group(1)) % 7]
        n = -1 if m.group(3) else int(m.group(2))
    elif token == "LW" or token.startswith("W"):
        pick = [d for d in days if d.isoweekday() <= 5]
        n = -1 if token == "LW" else int(token[1:])
    elif token == "L" or token.startswith("L-"):
        pick, n = days, -1 - int(token[2:] or 0)
    else:
        pick, n = days, int(token)
    if n > 0:
        return pick[n - 1] if n <= len(pick) else None
    return pick[n] if -n <= len(pick) else None


def read_position_date(s: str) -> tuple[tuple[tuple[str, ...], tuple[int, ...], str] | None, str]:
    """One date said as a position: "the second Tuesday of July", "the last day of next month".
    Returns ((tokens, months, which), rest) with which in "named" / "this" / "next"."""
    m = re.search(rf"\b(?:on )?(?P<items>{_ITEMS}) (?:of|in) (?:(?P<which>this|next) month|(?P<names>{MONTH_RE}))\b", s)
    if not m:
        return None, s
    pos, _ = month_positions(m.group("items") + " of the month")
    if pos is None or len(pos.doms) + len(pos.dows) != 1:
        return None, s
    months = (MONTHS[m.group("names")],) if m.group("names") else ()
    return ((pos.doms + pos.dows), months, m.group("which") or "named"), cut(s, m)


__all__ = ["Positions", "day_in_month", "month_positions", "read_position_date"]
