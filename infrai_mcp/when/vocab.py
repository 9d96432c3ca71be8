"""Shared words: weekdays, months, filler."""

from __future__ import annotations

import re

WEEKDAYS = {
    "monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "tues": 2, "wednesday": 3, "wed": 3, "weds": 3,
    "thursday": 4, "thu": 4, "thur": 4, "thurs": 4, "friday": 5, "fri": 5, "saturday": 6, "sat": 6,
    "sunday": 0, "sun": 0,
}
DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9,
    "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December"]

WEEKDAY_RE = r"(?:" + "|".join(sorted(WEEKDAYS, key=len, reverse=True)) + r")"
MONTH_RE = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")"
ORD = r"(?:st|nd|rd|th)"

FILLER = {"at", "on", "the", "of", "in", "and", "by", "for", "around", "about", "from", "starting", "run",
          "please", "beginning", "sharp", "exactly", "precisely", "during", "-", "a", "every", "&",
          "o", "to", "next", "this", "coming", "day", "days", "between", "until", "till", "@", "once",
          "through", "each", "per", "an", "it", "me", "remind", "then"}


def weekday_number(word: str) -> int:
    return WEEKDAYS[word.rstrip("s") if word.rstrip("s") in WEEKDAYS else word]


def leftover(text: str, extra: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Words that no rule consumed (filler removed)."""
    return [w for w in re.split(r"\s+", text.strip()) if w and w not in FILLER and w not in extra]
