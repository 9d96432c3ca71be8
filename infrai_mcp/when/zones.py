"""Zones: the default zone, zone names inside phrases, and wall time → UTC (DST rules)."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from zoneinfo import available_timezones

from infrai_mcp.when.cron import CronError, get_zone

# Abbreviations. ET/PT/CT/MT follow daylight time; the explicit standard/daylight ones are
# fixed offsets (Etc/GMT signs are inverted: Etc/GMT+8 is UTC-8).
ABBREVIATIONS = {
    "utc": "UTC", "gmt": "UTC", "z": "UTC",
    "et": "America/New_York", "pt": "America/Los_Angeles",
    "ct": "America/Chicago", "mt": "America/Denver",
    "est": "Etc/GMT+5", "edt": "Etc/GMT+4", "cst": "Etc/GMT+6", "cdt": "Etc/GMT+5",
    "mst": "Etc/GMT+7", "mdt": "Etc/GMT+6", "pst": "Etc/GMT+8", "pdt": "Etc/GMT+7",
    "akst": "Etc/GMT+9", "hst": "Etc/GMT+10", "eastern": "America/New_York", "pacific": "America/Los_Angeles",
    "central": "America/Chicago", "mountain": "America/Denver",
    "bst": "Etc/GMT-1", "cet": "Etc/GMT-1", "cest": "Etc/GMT-2", "eet": "Etc/GMT-2", "eest": "Etc/GMT-3",
    "ist": "Asia/Kolkata", "jst": "Asia/Tokyo", "kst": "Asia/Seoul", "hkt": "Asia/Hong_Kong",
    "sgt": "Asia/Singapore", "aest": "Etc/GMT-10", "aedt": "Etc/GMT-11", "nzst": "Etc/GMT-12",
}

# Places people name that are not the last component of an IANA name.
PLACES = {
    "beijing": "Asia/Shanghai", "china": "Asia/Shanghai", "shenzhen": "Asia/Shanghai",
    "guangzhou": "Asia/Shanghai", "hangzhou": "Asia/Shanghai", "japan": "Asia/Tokyo",
    "india": "Asia/Kolkata", "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata", "bangalore": "Asia/Kolkata", "bengaluru": "Asia/Kolkata",
    "san francisco": "America/Los_Angeles", "seattle": "America/Los_Angeles",
    "california": "America/Los_Angeles", "pacific": "America/Los_Angeles",
    "boston": "America/New_York", "washington": "America/New_York", "miami": "America/New_York",
    "eastern": "America/New_York", "central": "America/Chicago", "mountain": "America/Denver",
    "us eastern": "America/New_York", "us pacific": "America/Los_Angeles",
    "texas": "America/Chicago", "dallas": "America/Chicago", "austin": "America/Chicago",
    "houston": "America/Chicago", "germany": "Europe/Berlin", "munich": "Europe/Berlin",
    "frankfurt": "Europe/Berlin", "france": "Europe/Paris", "uk": "Europe/London",
    "england": "Europe/London", "korea": "Asia/Seoul", "singapore": "Asia/Singapore",
    "hong kong": "Asia/Hong_Kong", "taipei": "Asia/Taipei", "utc": "UTC", "gmt": "UTC",
}

_ZONE_CHARS = r"[a-z][a-z_]*(?:/[a-z][a-z_+\-0-9]*){1,2}"
_OFFSET = re.compile(r"\b(?:utc|gmt)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?\b")


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    """IANA names keyed by lowercase full name and by last component ('new york')."""
    idx: dict[str, str] = {}
    for name in available_timezones():
        low = name.lower()
        idx[low] = name
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "US/")):
            idx.setdefault(low.rsplit("/", 1)[1].replace("_", " "), name)
    idx.update(PLACES)
    return idx


def lookup_place(words: str) -> str | None:
    return _index().get(words.strip().lower())


def _is_valid(name: str) -> bool:
    try:
        get_zone(name)
    except CronError:
        return False
    return True


def default_timezone() -> str:
    """INFRAI_TIMEZONE if set and valid, else the machine's IANA zone, else "UTC"."""
    env = os.environ.get("INFRAI_TIMEZONE", "").strip()
    if env and _is_valid(env):
        return env
    tz_env = os.environ.get("TZ", "").strip().lstrip(":")
    if tz_env and "/" in tz_env and _is_valid(tz_env):
        return tz_env
    try:
        target = str(Path("/etc/localtime").resolve())
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        name = target.split("zoneinfo/", 1)[1]
        if _is_valid(name):
            return name
    return "UTC"


def extract_zone(text: str) -> tuple[str | None, str]:
    """Find a zone named in a normalised phrase. Returns (IANA name or None, rest of the phrase)."""
    # An IANA name, optionally in parentheses (describe() writes "(America/New_York)").
    for m in re.finditer(_ZONE_CHARS, text):
        name = _index().get(m.group(0))
        if name:
            return name, _cut(text, m.start(), m.end())
    off = _OFFSET.search(text)
    if off:
        hours = int(off.group(2))
        if off.group(3) and off.group(3) != "00":
            raise CronError(f"offset {off.group(0)!r} is not whole hours; name the place instead ('in Kolkata')")
        if hours > 14:
            raise CronError(f"offset {off.group(0)!r} is out of range")
        name = "UTC" if hours == 0 else f"Etc/GMT{'-' if off.group(1) == '+' else '+'}{hours}"
        return name, _cut(text, off.start(), off.end())
    # "<place> time", "in <place>", trailing abbreviation ("10am pst").
    tm = re.search(r"\b([a-z]+(?: [a-z]+){0,2}) time\b", text)
    if tm:
        words = tm.group(1).split()
        for k in range(len(words)):
            name = lookup_place(" ".join(words[k:])) or (
                ABBREVIATIONS.get(words[k]) if k == len(words) - 1 else None
            )
            if name:
                start = tm.start(1) + len(" ".join(words[:k])) + (1 if k else 0)
                return name, _cut(text, start, tm.end())
    for im in re.finditer(r"\bin ([a-z]+(?: [a-z]+){0,2})", text):
        words = im.group(1).split()
        for k in range(len(words), 0, -1):
            name = lookup_place(" ".join(words[:k]))
            if name and " ".join(words[:k]) not in _NOT_PLACES:
                return name, _cut(text, im.start(), im.start() + 3 + len(" ".join(words[:k])))
    for am in re.finditer(r"\b([a-z]{1,8})\b", text):
        name = ABBREVIATIONS.get(am.group(1))
        if name and (am.group(1) not in _AMBIGUOUS_ABBR or _after_time(text, am.start())):
            return name, _cut(text, am.start(), am.end())
    return None, text


# Words that follow "in" in time phrases and happen to name a zone component.
_NOT_PLACES = {"the", "a", "an"}
# Short abbreviations that are also ordinary words or letters; only a zone right after a time.
_AMBIGUOUS_ABBR = {"et", "pt", "ct", "mt", "z", "ist", "bst", "cst", "est", "eastern", "pacific", "central",
                   "mountain"}


def _after_time(text: str, pos: int) -> bool:
    return bool(re.search(r"(\d|am|pm|noon|midnight)\s*$", text[:pos]))


def _cut(text: str, start: int, end: int) -> str:
    return re.sub(r"\s+", " ", (text[:start] + " " + text[end:]).replace("()", " ")).strip()


def to_utc(day: date, clock: time, zone_name: str) -> datetime:
    """Wall time → UTC. A time in a spring-forward gap moves forward by the gap (zoneinfo
    fold=0 reads it with the pre-transition offset); a repeated time takes the earlier instant."""
    zone = get_zone(zone_name)
    local = datetime.combine(day, clock).replace(tzinfo=zone, fold=0)
    return local.astimezone(UTC)


def local_now(now: datetime, zone_name: str) -> datetime:
    return now.astimezone(get_zone(zone_name))
