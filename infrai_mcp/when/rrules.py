"""Cron-like field sets → RFC 5545 RRULE text, for what one cron can't say.

The recurring-phrase reader (``recur.py``) speaks in 5- or 6-field cron shapes, some with tokens
only a calendar rule evaluates (``positions.py``: ``L-k``, ``W+n``, ``W-n``, ``d#-n``). When the
phrase needs a calendar rule (every N weeks, unions of times or days, those tokens) each shape
becomes RRULEs here: FREQ=DAILY with BYMONTH / BYMONTHDAY / BYDAY / BYHOUR / BYMINUTE /
BYSECOND for plain fields (the cross product is exactly cron's), FREQ=MONTHLY for positions in
the month (``BYDAY=1MO``, ``BYMONTHDAY=-1``, ``BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1`` one rule per
time of day, since BYSETPOS counts the times too), FREQ=WEEKLY;INTERVAL=N for every N weeks.
"""

from __future__ import annotations

import re

from infrai_mcp.when.pieces import err

DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # cron numbering: 0 = Sunday
_WEEKDAYS = "MO,TU,WE,TH,FR"


def values(field: str, lo: int, hi: int) -> list[int]:
    """A plain cron field (lists, ranges, steps, '*') → sorted values."""
    out: set[int] = set()
    for part in field.split(","):
        body, _, step = part.partition("/")
        if body == "*":
            a, b = lo, hi
        elif "-" in body:
            a, b = (int(x) for x in body.split("-"))
        else:
            a = int(body)
            b = hi if step else a
        out.update(range(a, b + 1, int(step) if step else 1))
    return sorted(v % 7 if hi == 7 else v for v in out)


def is_plain(field: str) -> bool:
    return bool(re.fullmatch(r"[\d*,/-]+", field))


def to_rrules(expr: str, weeks: int = 1, *, months: int = 1, years: int = 1) -> list[str]:
    """The RRULEs (their union) that fire exactly when the cron-like ``expr`` does, every
    ``weeks`` weeks (or ``months`` months, ``years`` years) when that is more than 1."""
    if months > 1 or years > 1:
        freq, n = ("MONTHLY", months) if months > 1 else ("YEARLY", years)
        out = []
        for rule in to_rrules(expr):
            if "BYMONTHDAY" not in rule and not re.search(r"BYDAY=[^;]*\d", rule):
                raise err(f"every {n} {'months' if months > 1 else 'years'} goes with a day of the month, e.g. "
                          f"'every {n} {'months' if months > 1 else 'years'} on the 1st'")
            out.append(re.sub(r"^FREQ=\w+", f"FREQ={freq};INTERVAL={n}", rule))
        return out
    fields = expr.split(" ")
    sec = fields[0] if len(fields) == 6 else "0"
    minute, hour, dom, mon, dow = fields[-5:]
    if dom != "*" and dow != "*":
        raise err("a schedule with both a day of the month and a weekday is ambiguous (it would run on either)")
    times = f"BYHOUR={_list(values(hour, 0, 23))};BYMINUTE={_list(values(minute, 0, 59))};" \
            f"BYSECOND={_list(values(sec, 0, 59))}"
    in_months = "" if mon == "*" else f"BYMONTH={_list(values(mon, 1, 12))};"
    if weeks > 1:
        if dom != "*":
            raise err("'every N weeks' goes with weekdays, not days of the month; say 'every 2 weeks on Monday'")
        days = values(dow, 0, 7) if dow != "*" else list(range(7))
        return [f"FREQ=WEEKLY;INTERVAL={weeks};{in_months}BYDAY={','.join(DAYS[d] for d in days)};{times}"]
    if dow != "*" and is_plain(dow):
        return [f"FREQ=DAILY;{in_months}BYDAY={','.join(DAYS[d] for d in values(dow, 0, 7))};{times}"]
    if dow != "*":
        return [f"FREQ=MONTHLY;{in_months}BYDAY={','.join(_nth_day(t) for t in dow.split(','))};{times}"]
    if dom == "*" or is_plain(dom):
        by_day = "" if dom == "*" else f"BYMONTHDAY={_list(values(dom, 1, 31))};"
        return [f"FREQ=DAILY;{in_months}{by_day}{times}"]
    rules: list[str] = []
    plain = [t for t in dom.split(",") if t.isdigit()]
    ends = [t for t in dom.split(",") if t == "L" or t.startswith("L-")]
    monthdays = [int(t) for t in plain] + [-1 - int(t[2:] or 0) for t in ends]
    if monthdays:
        rules.append(f"FREQ=MONTHLY;{in_months}BYMONTHDAY={_list(monthdays)};{times}")
    for token in (t for t in dom.split(",") if t == "LW" or t.startswith("W")):
        pos = -1 if token == "LW" else int(token[1:])
        for h in values(hour, 0, 23):
            for m in values(minute, 0, 59):
                for s in values(sec, 0, 59):
                    rules.append(f"FREQ=MONTHLY;{in_months}BYDAY={_WEEKDAYS};BYSETPOS={pos};BYHOUR={h};BYMINUTE={m};"
                                 f"BYSECOND={s}")
    return rules


def _nth_day(token: str) -> str:
    m = re.fullmatch(r"(\d)(?:#(-?\d)|(L))", token)
    if not m:
        raise err(f"'{token}' is not a weekday of the month")
    n = -1 if m.group(3) else int(m.group(2))
    return f"{n}{DAYS[int(m.group(1)) % 7]}"


def _list(vals: list[int]) -> str:
    return ",".join(str(v) for v in sorted(set(vals)))


__all__ = ["is_plain", "to_rrules", "values"]
