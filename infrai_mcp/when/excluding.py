"""Exclusion clauses of a recurring phrase: "except public holidays in Germany", "on US business
days", "except Christmas", "except on the 25th December", 除节假日.

``take_exclusions`` reads them from a normalised phrase (before zone names are looked for, so
"holidays in Germany" names a holiday calendar, not a zone) and returns what the words say plus
the rest of the phrase. Which country a holiday clause means:
- a named country (or subdivision: "in Bavaria", "in California", "DE-BY") wins;
- otherwise a Chinese phrase (节假日) means China's holidays;
- otherwise the country of the schedule's zone (America/New_York → US); a zone without a
  country (UTC) is an error asking for the country.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from infrai_mcp.when.model import WhenError, fail
from infrai_mcp.when.vocab import MONTH_RE, MONTHS, ORD, WEEKDAY_RE

HOLIDAY_EXAMPLES = ('"every weekday at 9am except public holidays in Germany", "on US business days at 8am", '
                    '"daily at 7 except Christmas"')

# Fixed-date days people name in exclusions (every year).
NAMED_DAYS = {
    "christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25), "xmas": (12, 25),
    "boxing day": (12, 26), "new year's eve": (12, 31), "new years eve": (12, 31),
    "new year's day": (1, 1), "new years day": (1, 1), "new year's": (1, 1), "new year": (1, 1),
    "halloween": (10, 31), "valentine's day": (2, 14), "valentines day": (2, 14),
}
_NAMED_RE = "|".join(sorted((re.escape(k) for k in NAMED_DAYS), key=len, reverse=True))

# Names and adjectives that are not the holidays package's own country names.
_COUNTRY_ALIASES = {
    "us": "US", "u.s.": "US", "u.s": "US", "usa": "US", "america": "US", "american": "US", "united states": "US",
    "the us": "US", "the usa": "US", "the united states": "US", "federal": "US",
    "uk": "GB", "the uk": "GB", "britain": "GB", "great britain": "GB", "british": "GB", "united kingdom": "GB",
    "the united kingdom": "GB", "england": "GB/ENG", "english": "GB/ENG", "scotland": "GB/SCT",
    "scottish": "GB/SCT", "wales": "GB/WLS", "welsh": "GB/WLS", "northern ireland": "GB/NIR",
    "german": "DE", "french": "FR", "chinese": "CN", "japanese": "JP", "indian": "IN", "canadian": "CA",
    "australian": "AU", "dutch": "NL", "holland": "NL", "the netherlands": "NL", "spanish": "ES",
    "italian": "IT", "irish": "IE", "swiss": "CH", "austrian": "AT", "mexican": "MX", "brazilian": "BR",
    "korean": "KR", "korea": "KR", "south korean": "KR", "singaporean": "SG", "taiwanese": "TW",
    "new zealand": "NZ", "russian": "RU", "polish": "PL", "swedish": "SE", "norwegian": "NO", "danish": "DK",
    "finnish": "FI", "belgian": "BE", "portuguese": "PT", "israeli": "IL", "turkish": "TR", "greek": "GR",
    "czech": "CZ", "hungarian": "HU", "vietnamese": "VN", "thai": "TH", "indonesian": "ID",
    "filipino": "PH", "malaysian": "MY", "south african": "ZA", "argentinian": "AR", "argentine": "AR",
    "chilean": "CL", "colombian": "CO", "egyptian": "EG", "nigerian": "NG", "kenyan": "KE", "ukrainian": "UA",
    "romanian": "RO", "hong kong": "HK", "bavaria": "DE/BY", "bavarian": "DE/BY",
    "中国": "CN", "美国": "US", "德国": "DE", "日本": "JP", "英国": "GB", "法国": "FR", "香港": "HK", "台湾": "TW",
}


@dataclass(frozen=True)
class ExclusionWords:
    """What an exclusion clause said: holiday calendars ("DE", "US/CA"), yearly (month, day)
    pairs and single dates."""

    holidays: tuple[str, ...] = ()
    yearly: tuple[tuple[int, int], ...] = ()
    dates: tuple[date, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.holidays or self.yearly or self.dates)

    def date_texts(self) -> list[str]:
        """Dates in the ``Exclusions.of`` form: ``2026-12-24`` and yearly ``--12-25``."""
        return [d.isoformat() for d in self.dates] + [f"--{m:02d}-{d:02d}" for m, d in self.yearly]


def err(what: str) -> WhenError:
    return fail(what, HOLIDAY_EXAMPLES)


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    """Lower-case country and subdivision names → "CC" or "CC/SUB" (the holidays package's)."""
    import holidays
    from holidays.registry import COUNTRIES

    out: dict[str, str] = {}
    supported = holidays.list_supported_countries()
    for module, names in COUNTRIES.items():
        code = names[1]
        if code in supported:
            out[module.replace("_", " ")] = code
    for code in ("US", "DE", "CA", "AU", "GB", "CH", "AT", "ES", "IT", "FR", "IN", "BR", "MX"):
        aliases = getattr(holidays.country_holidays(code), "subdivisions_aliases", {}) or {}
        for name, sub in aliases.items():
            out.setdefault(name.lower(), f"{code}/{sub}")
    out.update(_COUNTRY_ALIASES)
    return out


@lru_cache(maxsize=1)
def country_re() -> str:
    """An alternation of every country name, adjective and code we know."""
    names = sorted(_countries(), key=len, reverse=True)
    return "(?:" + "|".join(re.escape(n) for n in names) + "|" + _CODE + ")"


def country_code(words: str) -> str | None:
    """ "germany" / "us" / "california" / "de-by" → "DE" / "US" / "US/CA" / "DE/BY", else None."""
    key = words.strip().lower().replace("_", " ")
    found = _countries().get(key) or _countries().get(re.sub(r"^the ", "", key))
    if found:
        return found
    m = re.fullmatch(r"([a-z]{2})(?:[-/ ]([a-z0-9]{1,3}))?", key)
    if m:
        import holidays

        supported = holidays.list_supported_countries()
        code = m.group(1).upper()
        if code in supported and (not m.group(2) or m.group(2).upper() in supported[code]):
            return code + (f"/{m.group(2).upper()}" if m.group(2) else "")
    return None


@lru_cache(maxsize=128)
def zone_country(zone: str) -> str | None:
    """The ISO country of an IANA zone (zone.tab), or None (UTC, Etc/...)."""
    from importlib.resources import files

    try:
        text = files("tzdata.zoneinfo").joinpath("zone.tab").read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError):  # pragma: no cover - tzdata is a dependency
        return None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) >= 3 and cols[2] == zone:
            return cols[0]
    return None


_CODE = r"[a-z]{2}(?:/[a-z0-9]{1,3})?"
_HOLIDAY_WORDS = r"(?:public |bank |national |federal |statutory |legal |official |state )*holidays?"
_KEYWORD = r"(?:except|excluding|but not|skipping|skip|not on|other than|apart from|without)"
_DAY_ITEM = (rf"(?:the )?(?:\d{{1,2}}{ORD}? (?:of )?{MONTH_RE}|{MONTH_RE} (?:the )?\d{{1,2}}{ORD}?)(?: \d{{4}})?"
             r"|\d{4}-\d{2}-\d{2}")


def _business_days(s: str) -> str:
    """ "us business days" / "business days in germany" → weekdays with a holiday clause."""
    country = country_re()

    def repl(m: re.Match[str]) -> str:
        return f"weekdays except holidays in {m.group(1) or m.group(2)}"

    return re.sub(rf"\b(?:the )?({country}) (?:business|working|work) ?days?\b"
                  rf"|\b(?:business|working|work) ?days? (?:in|of) (?:the )?({country})\b", repl, s)


def pre_normalize(s: str) -> str:
    """Runs before the general normaliser turns "business days" into "weekdays"."""
    s = re.sub(r"\b(holidays? (?:in|of|for) )([a-z]{2})[-/]([a-z0-9]{1,3})\b", r"\1\2/\3", s)
    if not re.search(r"business|working|work ?day", s):
        return s
    return _business_days(s)


@lru_cache(maxsize=2)
def _item(named: bool) -> str:
    def g(name: str) -> str:
        return f"?P<{name}>" if named else "?:"

    country = country_re() + r"(?![a-z])"

    return (rf"(?:on |for )?(?:(?:the )?({g('adj')}{country}) (?={_HOLIDAY_WORDS}))?({g('hol')}{_HOLIDAY_WORDS})"
            rf"(?: (?:in|of|for) (?:the )?({g('where')}{country}))?"
            rf"|(?:on |for )?({g('named')}{_NAMED_RE})"
            rf"|(?:on |for )?({g('day')}{_DAY_ITEM})"
            rf"|({g('days')}(?:weekends?|weekdays?|{WEEKDAY_RE}s?)(?= (?:and|or|,|&) ))")


def take_exclusions(s: str) -> tuple[ExclusionWords, str]:
    """Exclusion clauses in a normalised phrase → (what they exclude, the rest). A holiday clause
    that names no country is kept as "" until ``resolve_holidays`` knows the zone."""
    if not re.search(r"\b(?:except|excluding|but not|skipping|skip|not on|other than|apart from|without)\b", s):
        return ExclusionWords(), s
    holidays: list[str] = []
    yearly: list[tuple[int, int]] = []
    dates: list[date] = []
    item = _item(True)
    plain = _item(False)
    clause = re.compile(rf"\b{_KEYWORD} (?:on |for )?(?:{plain})(?:(?: and| or|,| &| plus)? (?:{plain}))*")
    single = re.compile(rf"(?:(?: and| or|,| &| plus)? )?(?:{item})")
    out = s
    for m in reversed(list(clause.finditer(s))):
        unknown = re.match(r" (?:in|of|for) (?:the )?([a-z]+(?: [a-z]+)?)", s[m.end():])
        if unknown and re.search(r"holidays?$", m.group(0)):
            raise err(f"no public holiday calendar is known for {unknown.group(1)!r}; name a country such as "
                      "Germany, the US, China or an ISO code such as 'DE' or 'US-CA'")
        text = re.sub(rf"^{_KEYWORD} ", "", m.group(0))
        items = list(_items(single, text))
        if all(im.group("days") for im in items):
            continue  # "except saturday and sunday": weekdays are the cron reader's
        kept: list[str] = []
        for im in items:
            if im.group("days"):
                kept.append(im.group("days"))
            elif im.group("hol"):
                holidays.append(_holiday_code(im.group("adj"), im.group("where")))
            elif im.group("named"):
                yearly.append(NAMED_DAYS[im.group("named")])
            else:
                got = _day(im.group("day"))
                if isinstance(got, date):
                    dates.append(got)
                else:
                    yearly.append(got)
        out = out[: m.start()] + (" except " + " and ".join(kept) + " " if kept else " ") + out[m.end():]
    return ExclusionWords(tuple(dict.fromkeys(holidays)), tuple(dict.fromkeys(yearly)),
                          tuple(dict.fromkeys(dates))), re.sub(r"\s+", " ", out).strip()


def _items(single: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    pos = 0
    while pos < len(text):
        im = single.match(text, pos)
        if not im or im.end() == pos:
            return
        pos = im.end()
        yield im


def _holiday_code(adj: str | None, where: str | None) -> str:
    for words in (where, adj):
        if words:
            code = country_code(words)
            if code is None:
                raise err(f"no public holiday calendar is known for {words!r}; name a country such as Germany, "
                          "the US, China or an ISO code such as 'DE' or 'US-CA'")
            return code
    return ""


def resolve_holidays(words: ExclusionWords, zone: str, chinese: bool) -> ExclusionWords:
    """Fill in the country of a holiday clause that named none (see the module docstring)."""
    if "" not in words.holidays:
        return words
    code = "CN" if chinese else zone_country(zone)
    if code is None:
        raise err(f"'except holidays' does not say whose public holidays, and the zone {zone} belongs to no "
                  "country; name the country, e.g. 'except public holidays in Germany'")
    import holidays

    if code not in holidays.list_supported_countries():
        raise err(f"there is no public holiday calendar for {code} (the country of {zone}); name the country "
                  "whose holidays to skip")
    cals = tuple(dict.fromkeys(code if h == "" else h for h in words.holidays))
    return ExclusionWords(cals, words.yearly, words.dates)


def _day(text: str) -> date | tuple[int, int]:
    iso = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text)
    year = re.search(r"\b(\d{4})\b", text)
    month = re.search(MONTH_RE, text)
    day = re.search(r"\b(\d{1,2})" + ORD + r"?\b", text)
    try:
        if iso:
            return date(int(iso.group(1)), int(iso.group(2)), int(iso.group(3)))
        assert month is not None and day is not None
        if year:
            return date(int(year.group(1)), MONTHS[month.group(0)], int(day.group(1)))
        date(2000, MONTHS[month.group(0)], int(day.group(1)))  # 2000 is a leap year
    except ValueError:
        raise err(f"'{text}' is not a real date") from None
    return (MONTHS[month.group(0)], int(day.group(1)))


__all__ = ["NAMED_DAYS", "ExclusionWords", "country_code", "pre_normalize", "resolve_holidays", "take_exclusions",
           "zone_country"]

