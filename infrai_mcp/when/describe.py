"""Readable English for When values and for the cron shapes the parser produces.

The wording is chosen so that ``parse_when(describe(w))`` gives ``w`` back for those shapes;
other crons fall back to cronsim's ``explain()``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache

from infrai_mcp.when.cron import explain, normalize_cron
from infrai_mcp.when.model import When
from infrai_mcp.when.pieces import field as canonical_field
from infrai_mcp.when.text import ordinal, spans
from infrai_mcp.when.vocab import DAY_NAMES, MONTH_NAMES, MONTHS, WEEKDAYS
from infrai_mcp.when.zones import local_now

_NAMES = {k: v for k, v in (WEEKDAYS | MONTHS).items() if len(k) == 3}
_NUM_LIST = re.compile(r"^\d+(,\d+)*$")


def _expand(field: str, lo: int, hi: int) -> list[int] | None:
    """Values of a list/range field without steps; None for '*' or steps."""
    if field == "*" or "/" in field:
        return None
    out: list[int] = []
    field = re.sub(r"[a-z]{3}", lambda m: str(_NAMES.get(m.group(0), 99)), field.lower())
    for part in field.split(","):
        if "-" in part:
            a, b = (int(x) for x in part.split("-"))
            out.extend(range(a, b + 1))
        elif part.isdigit():
            out.append(int(part))
        else:
            return None
    return out if all(lo <= v <= hi for v in out) else None


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _runs(values: list[int], name: Callable[[int], str]) -> list[str]:
    """[1, 2, 3, 4, 9] → ['1st through 4th', '9th']: runs of three or more as ranges."""
    out: list[str] = []
    for first, last in spans(values):
        if last - first >= 2:
            out.append(f"{name(first)} through {name(last)}")
        else:
            out.extend(name(v) for v in range(first, last + 1))
    return out


def _days_text(dow: str) -> str | None:
    days = _expand(dow, 0, 7)
    if days is None:
        return None
    days = sorted({d % 7 for d in days})
    ordered = sorted(days, key=lambda d: (d + 6) % 7)  # Monday first
    if 3 <= len(days) < 7:
        for first in days:  # a run, possibly across the week's end ("Sunday through Thursday")
            run = [(first + i) % 7 for i in range(len(days))]
            if set(run) == set(days):
                return f"{DAY_NAMES[run[0]]} through {DAY_NAMES[run[-1]]}"
    return "every " + _join([DAY_NAMES[d] for d in ordered])


def _date_part(dom: str, mon: str, dow: str) -> str | None:
    """', every day' / ', Monday through Friday' / ', on the 1st of every month' ..."""
    if dom != "*" and dow != "*":
        return None
    if mon != "*" and not (mon.startswith("*/") or _expand(mon, 1, 12)):
        return None
    months = _expand(mon, 1, 12) if mon != "*" and not mon.startswith("*/") else None
    if dow != "*":
        days = _days_text(dow)
        if days is None:
            return None
        if months:
            return f", {days} in {_months(months)}"
        return None if mon != "*" else f", {days}"
    if dom == "*":
        if months:
            return f", every day in {_months(months)}"
        return ", every day" if mon == "*" else None
    doms = _expand(dom, 1, 31)
    if doms is None:
        return None
    ords = _join(_runs(doms, ordinal))
    if mon == "*":
        return f", on the {ords} of every month"
    if mon.startswith("*/"):
        return f", on the {ords}, every {mon[2:]} months"
    if months and len(months) == 1 and len(doms) == 1:
        return f", on {MONTH_NAMES[months[0] - 1]} {doms[0]} every year"
    return None


def _months(months: list[int]) -> str:
    return _join(_runs(months, lambda m: MONTH_NAMES[m - 1]))


def _full(field: str, lo: int, hi: int) -> str:
    """A list or range in its canonical form: ``1,1-12`` (months) is ``*``, ``0-0`` is ``0``."""
    values = _expand(field, lo, hi)
    return field if values is None else canonical_field(set(values), lo, hi)


@lru_cache(maxsize=4096)
def describe_cron(expr: str) -> str:
    cron = normalize_cron(expr)
    fields = cron.split(" ")
    sec = fields[0] if len(fields) == 6 else "0"
    m, h, dom, mon, dow = fields[-5:]
    # Day of the month and weekday stay as written: "1-31" with a weekday is cron's "either".
    text = _describe_fields(_full(sec, 0, 59), _full(m, 0, 59), _full(h, 0, 23), dom, _full(mon, 1, 12), dow)
    return text if text else explain(cron)


def _describe_fields(sec: str, m: str, h: str, dom: str, mon: str, dow: str) -> str | None:
    every = re.fullmatch(r"\*(?:/(\d+))?", m)
    hours_range = re.fullmatch(r"(\d+)-(\d+)", h)
    if sec != "0":
        s_every = re.fullmatch(r"\*(?:/(\d+))?", sec)
        if not (s_every and m == "*" and h == "*" and dom == "*" and mon == "*"):
            return _fixed_times(sec, m, h, dom, mon, dow)
        base = "Every second" if not s_every.group(1) else f"Every {s_every.group(1)} seconds"
        days = "" if dow == "*" else _date_part(dom, mon, dow)
        return None if days is None else base + days
    if every:
        base = "Every minute" if not every.group(1) else f"Every {every.group(1)} minutes"
        if h == "*":
            pass
        elif hours_range:  # a window includes its end: name the last run
            last = max(range(0, 60, int(every.group(1) or 1)))
            base += f" from {int(hours_range.group(1)):02d}:00 to {int(hours_range.group(2)):02d}:{last:02d}"
        else:
            return None
        return _with_days(base, dom, mon, dow)
    if _NUM_LIST.match(m) and h == "*" and "," in m:
        mins = sorted(int(x) for x in m.split(","))
        return _with_days("Every hour at " + _join([f":{x:02d}" for x in mins]), dom, mon, dow)
    if m.isdigit():
        step = re.fullmatch(r"(?:\*|(\d+)-(\d+))(?:/(\d+))?", h)
        if step and (h == "*" or "/" in h or hours_range):
            base = "Every hour" if not step.group(3) else f"Every {step.group(3)} hours"
            base += f" at :{int(m):02d}"
            if step.group(1):
                base += f" from {int(step.group(1)):02d}:00 to {int(step.group(2)):02d}:00"
            return _with_days(base, dom, mon, dow)
    return _fixed_times(sec, m, h, dom, mon, dow)


def _with_days(base: str, dom: str, mon: str, dow: str) -> str | None:
    if dom == "*" and mon == "*" and dow == "*":
        return base
    part = _date_part(dom, mon, dow)
    return None if part is None else base + part


def _fixed_times(sec: str, m: str, h: str, dom: str, mon: str, dow: str) -> str | None:
    if not (_NUM_LIST.match(sec) and "," not in sec):
        return None
    mins, hrs = _expand(m, 0, 59), _expand(h, 0, 23)
    if mins is None or hrs is None or len(mins) * len(hrs) > 6:
        return None
    s = int(sec)
    times = [f"{hh:02d}:{mm:02d}" + (f":{s:02d}" if s else "") for hh in hrs for mm in mins]
    part = _date_part(dom, mon, dow)
    return None if part is None else f"At {_join(times)}{part}"


def _duration(seconds: int) -> str:
    if seconds == 0:
        return "Now"
    parts = []
    for name, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        k, seconds = divmod(seconds, size)
        if k:
            parts.append(f"{k} {name}{'s' if k != 1 else ''}")
    return "In " + " ".join(parts)


def describe(when: When) -> str:
    """A sentence an agent can show a person (and parse back)."""
    if when.type == "cron":
        assert when.cron is not None
        return f"{describe_cron(when.cron)} ({when.timezone})"
    if when.type == "recurring":
        from infrai_mcp.when.rulewords import describe_recurrence

        assert when.recurrence is not None
        return describe_recurrence(when.recurrence)
    if when.type == "delayed":
        assert when.delay_seconds is not None
        return _duration(when.delay_seconds)
    assert when.run_at is not None
    local: datetime = local_now(when.run_at, when.timezone)
    secs = f":{local.second:02d}" if local.second else ""
    return f"Once at {local:%Y-%m-%d %H:%M}{secs} ({when.timezone})"
