"""Times of day, parts of the day, and durations, read from a normalised phrase."""

from __future__ import annotations

import re
from dataclasses import dataclass

from infrai_mcp.when.model import EXAMPLES_ALL, WhenError, fail

# "zhongwu" (中午, around noon: 1 means 13:00) is internal; Chinese text is rewritten to it.
PARTS = ("early morning", "morning", "zhongwu", "afternoon", "evening", "tonight", "night")


@dataclass(frozen=True)
class Clock:
    hour: int
    minute: int
    second: int = 0
    meridiem: str | None = None  # "am" / "pm" when written
    midnight: bool = False  # written as "midnight"

    def with_part(self, part: str | None) -> Clock:
        """Apply a part-of-day word to an hour written without am/pm ("tonight at 11")."""
        if self.meridiem or part is None or self.hour > 12 or self.midnight:
            if self.meridiem and part in ("afternoon", "evening") and self.meridiem == "am" and self.hour != 12:
                raise fail(f"'{self.hour}am' contradicts '{part}'")
            if self.meridiem == "pm" and part in ("morning", "early morning"):
                raise fail(f"'{self.hour}pm' contradicts '{part}'")
            return self
        h = self.hour
        if part in ("morning", "early morning"):
            h = 0 if h == 12 else h
        elif part == "zhongwu":
            h = h + 12 if 1 <= h <= 5 else h
        elif part in ("afternoon", "evening"):
            h = h + 12 if h < 12 else (0 if part == "evening" else 12)
        elif part in ("night", "tonight"):
            h = h + 12 if 5 <= h < 12 else (0 if h == 12 else h)
        return Clock(h, self.minute, self.second, None, self.midnight or (h == 0 and self.hour == 12))


def _hour(h: int, meridiem: str | None, src: str) -> int:
    if meridiem:
        if not 1 <= h <= 12:
            raise fail(f"'{src}' is not a valid 12-hour time (hours 1-12 go with am/pm)")
        return (h % 12) + (12 if meridiem == "pm" else 0)
    if not 0 <= h <= 24:
        raise fail(f"'{src}' is not a valid time of day")
    return 0 if h == 24 else h


_MER = r"(?:\s*(am|pm)|(a|p))\b"
_TIME_PATTERNS: list[tuple[str, str]] = [
    ("hm", r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?" + rf"(?:{_MER})?"),
    ("spoken", r"\b(?:at|@) (\d{1,2}) ([0-5]\d)\b(?:" + _MER
               + r")?(?! ?(?:minutes?|hours?|seconds?|days?|st|nd|rd|th)\b)"),
    ("past", r"\b(half|quarter|\d{1,2})(?: minutes?)? past (\d{1,2})(?:" + _MER + r")?(?! hours?)"),
    ("to", r"\b(quarter|\d{1,2} minutes?|(?<=at )\d{1,2}) to (\d{1,2})(?:" + _MER + r")?(?= |$)"),
    ("h_mer", r"\b(\d{1,2})" + _MER),
    ("noon", r"\bnoon\b"),
    ("midnight", r"\bmidnight\b"),
    ("mil", r"\b(?:at|@) ([01]\d|2[0-3])([0-5]\d)\b(?! *(?:-|/))"),
    ("part", r"\b(\d{1,2}) (?:in the (morning|afternoon|evening)|at (night))\b"),
    ("numpart", r"(?<![:\d])\b(\d{1,2})(?=\s+(?:tomorrow |today |this |every )?(?:early morning|morning|afternoon|"
                r"evening|tonight|night)\b)"),
    ("bare", r"\b(?:at|@|and|&)\s+(\d{1,2})\b(?!\s*(?::|st\b|nd\b|rd\b|th\b|seconds|minutes|hours|days|weeks|"
             r"months|times|/|-\d|\.\d))"),
]
_TIME_RES = [(k, re.compile(p)) for k, p in _TIME_PATTERNS]


def _minutes(word: str) -> int:
    return {"half": 30, "quarter": 15}.get(word) or int(word)


_PART_WORDS = r"\b(?:early morning|morning|zhongwu|afternoon|evening|tonight|night)\b"


def _bind_part(m: re.Match[str]) -> str:
    c = Clock(_hour(int(m.group(2)), None, m.group(0)), int(m.group(3) or 0)).with_part(m.group(1))
    return f" {c.hour:02d}:{c.minute:02d} "


def extract_times(s: str) -> tuple[list[Clock], str | None, str]:
    """All clock times in a phrase, the part-of-day word if any, and the remaining text."""
    found: list[tuple[int, Clock]] = []
    part: str | None = None
    if len(re.findall(_PART_WORDS, s)) >= 2:
        # "morning 8:00 and evening 8:00" (每天早上8点和晚上8点): each part word binds to its own time.
        s = re.sub(r"\b(early morning|morning|zhongwu|afternoon|evening|night) (?:at )?(\d{1,2})(?::(\d{2}))?\b"
                   r"(?!\s*(?:am|pm|:))", _bind_part, s)
    for kind, rx in _TIME_RES:
        pos = 0
        while True:
            m = rx.search(s, pos)
            if not m:
                break
            if kind == "bare" and not found and not m.group(0).startswith(("at", "@")):
                pos = m.end()  # "and 5" with no time before it is not a time
                continue
            if kind == "numpart" and (found or re.search(r"[a-z]{3}\s+$|[-/]$", s[: m.start()])):
                pos = m.end()  # "march 5 morning 10:00": 5 is the day
                continue
            src = m.group(0)
            if kind == "hm":
                mer = m.group(4) or ({"a": "am", "p": "pm"}.get(m.group(5) or ""))
                c = Clock(_hour(int(m.group(1)), mer, src), int(m.group(2)), int(m.group(3) or 0), mer)
                if c.minute > 59 or c.second > 59:
                    raise fail(f"'{src}' is not a valid time of day")
                if int(m.group(1)) == 24 and (c.minute or c.second):
                    raise fail(f"'{src}' is not a valid time of day")
            elif kind == "h_mer":
                mer = m.group(2) or {"a": "am", "p": "pm"}[m.group(3)]
                c = Clock(_hour(int(m.group(1)), mer, src), 0, 0, mer)
            elif kind in ("past", "to"):
                mer = m.group(3) or ({"a": "am", "p": "pm"}.get(m.group(4) or ""))
                mins = _minutes(m.group(1).split(" ")[0])
                h = _hour(int(m.group(2)), mer, src)
                if mins >= 60:
                    raise fail(f"'{src}' is not a valid time of day")
                c = Clock(h, mins, 0, mer) if kind == "past" else Clock((h - 1) % 24, 60 - mins, 0, mer)
            elif kind == "noon":
                c = Clock(12, 0, 0, "pm")
            elif kind == "midnight":
                c = Clock(0, 0, 0, "am", midnight=True)
            elif kind == "spoken":  # "at nine thirty pm"
                mer = m.group(3) or ({"a": "am", "p": "pm"}.get(m.group(4) or ""))
                c = Clock(_hour(int(m.group(1)), mer, src), int(m.group(2)), 0, mer)
            elif kind == "mil":
                c = Clock(int(m.group(1)), int(m.group(2)))
            elif kind == "numpart":
                c = Clock(_hour(int(m.group(1)), None, src), 0)
            elif kind == "part":
                p = m.group(2) or m.group(3)
                c = Clock(_hour(int(m.group(1)), None, src), 0).with_part(p)
            else:
                c = Clock(_hour(int(m.group(1)), None, src), 0)
            found.append((m.start(), c))
            keep = "at " if kind == "bare" and src.startswith("and") else ""
            s = s[: m.start()] + f" {keep}¤ " + s[m.end() :]
    s = s.replace("¤", " ")
    pm = re.search(r"\b(this |in the |every |at )?(early morning|morning|zhongwu|afternoon|evening|tonight|night)\b", s)
    if pm:
        part = pm.group(2)
        if pm.group(1) == "this " and part in ("evening", "night"):
            part = "tonight"
        prefix = "today " if pm.group(1) == "this " or part == "tonight" else ""
        s = s[: pm.start()] + f" {prefix}" + s[pm.end() :]
        if re.search(r"\b(early morning|morning|zhongwu|afternoon|evening|tonight|night)\b", s):
            raise fail("the phrase names two different parts of the day")
    found.sort(key=lambda t: t[0])
    return [c for _, c in found], part, re.sub(r"\s+", " ", s).strip()


# ---- durations ---------------------------------------------------------------------------------

UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_UNIT = r"(seconds?|minutes?|hours?|days?|weeks?)"
_NUM = r"(\d+(?:\.\d+)?|an?)"
_TERMS = [
    re.compile(rf"\b{_NUM} {_UNIT} and a half\b"),  # an hour and a half
    re.compile(rf"\b{_NUM} and a half {_UNIT}"),  # 2 and a half hours
    re.compile(rf"\b(?:a |one )?(half) (?:an? |of an? )?{_UNIT}"),  # half an hour
    re.compile(r"\b(?:a |one )?(quarter) (?:of )?(?:an? )?(hours?)"),  # a quarter of an hour
    re.compile(rf"\b{_NUM} ?{_UNIT}"),
]


def _count(word: str) -> float:
    return {"a": 1.0, "an": 1.0, "half": 0.5, "quarter": 0.25}.get(word) or float(word)


def parse_duration(s: str) -> float | None:
    """Seconds for a phrase made only of duration terms ("2 hours and 15 minutes"), else None."""
    total = 0.0
    rest = s
    matched = False
    for i, rx in enumerate(_TERMS):
        while True:
            m = rx.search(rest)
            if not m:
                break
            matched = True
            if i == 0 or i == 1:
                n, unit = _count(m.group(1)) + 0.5, m.group(2)
            else:
                n, unit = _count(m.group(1)), m.group(2)
            total += n * UNIT_SECONDS[unit.rstrip("s")]
            rest = rest[: m.start()] + " " + rest[m.end() :]
    if not matched or re.sub(r"\b(and|&|plus)\b", " ", rest).strip():
        return None
    return total


def duration_phrase(s: str) -> tuple[float, str] | None:
    """("in 20 minutes" | "20 minutes from now" | "after 20 minutes" | "20 minutes later") → seconds;
    "20 minutes ago" → negative. Returns (seconds, how it was written) or None."""
    m = re.fullmatch(r"(?:(in|after|within) )?(.+?)(?: (from now|later|hence|ago|before now|from today))?", s)
    if not m:
        return None
    secs = parse_duration(m.group(2))
    if secs is None:
        return None
    if m.group(3) in ("ago", "before now"):
        return -secs, s
    return secs, s


def check_delay(secs: float, src: str) -> int:
    if secs != int(secs):
        raise WhenError(f"'{src}' is not a whole number of seconds. Accepted examples: {EXAMPLES_ALL}.")
    if secs <= 0:
        raise fail(f"'{src}' is not in the future (a delay must be positive)")
    if secs > 366 * 86400:
        raise fail(f"'{src}' is more than 366 days away")
    return int(secs)


_ISO_DURATION = re.compile(
    r"^[+]?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE
)


def iso_duration(text: str) -> float | None:
    """Seconds for an ISO 8601 duration ("PT30M", "P1DT2H", "PT45S", "P2W"), else None."""
    m = _ISO_DURATION.match(text.strip())
    if not m or not any(m.groups()) or text.strip().upper().endswith("T"):
        return None
    w, d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return w * 604800 + d * 86400 + h * 3600 + mi * 60 + s
