"""Phrase normalisation: lower case, number words → digits, Chinese → the English grammar.

Everything downstream reads one small English-like vocabulary, so each rule is written once.
"""

from __future__ import annotations

import re

from infrai_mcp.when.clock import Clock
from infrai_mcp.when.vocab import WEEKDAY_RE

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "ninety": 90}
_ORD_UNITS = {
    "first": 1, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}
_NUM_RE = re.compile(
    r"\b(?:(" + "|".join(_TENS) + r")(?:[\s-](" + "|".join(k for k in _UNITS if _UNITS[k] < 10 and k != "zero")
    + r"))?|(" + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"))\b"
)
_ORD_RE = re.compile(
    r"\b(?:(twenty|thirty)[\s-])?(" + "|".join(sorted(_ORD_UNITS, key=len, reverse=True)) + r")\b"
)
_SUFFIX = {1: "st", 2: "nd", 3: "rd"}


def spans(values: list[int] | set[int]) -> list[tuple[int, int]]:
    """Sorted distinct values as (first, last) runs of consecutive numbers: [1, 2, 3, 9] → [(1, 3), (9, 9)]."""
    out: list[tuple[int, int]] = []
    for v in sorted(set(values)):
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else _SUFFIX.get(n % 10, 'th')}"


def _num_words(s: str) -> str:
    def num(m: re.Match[str]) -> str:
        if m.group(1):
            return str(_TENS[m.group(1)] + (_UNITS[m.group(2)] if m.group(2) else 0))
        return str(_UNITS[m.group(3)])

    def ordn(m: re.Match[str]) -> str:
        base = {"twenty": 20, "thirty": 30}.get(m.group(1) or "", 0)
        return ordinal(base + _ORD_UNITS[m.group(2)])

    s = _ORD_RE.sub(ordn, s)
    s = _NUM_RE.sub(num, s)
    # "second" is a unit and an ordinal: only "the second (of)" and "every second <unit>" are ordinals.
    s = re.sub(r"\bthe second\b(?!s)", "the 2nd", s)
    s = re.sub(rf"\bsecond(?= (?:to )?last\b| (?:{WEEKDAY_RE})s?\b| (?:business |working |work )?(?:week)?days?\b)",
               "2nd", s)
    s = re.sub(r"\b(?:on |every |each )?alternate\b", "every other", s)  # "on alternate mondays"
    s = re.sub(r"\bonce (?:a|an|per|every) (week|month|year)\b", r"every \1", s)
    s = re.sub(r"\btwice (?:a|per|every) month\b", lambda m: "every month" if re.search(r"\d(?:st|nd|rd|th)\b", s)
               else "on the 1st and 15th of every month", s)
    s = re.sub(r"\b(every|each) (?:second|other) (minute|hour|day|week|month|year)s?\b", r"\1 2 \2s", s)
    s = re.sub(r"\b(every|each) (\d+)(?:st|nd|rd|th) (minute|hour|day|week|month|year)s?\b", r"\1 \2 \3s", s)
    s = re.sub(r"\ba couple(?: of)? (?=seconds?|minutes?|hours?|days?|weeks?)", "2 ", s)
    return s


_REPLACEMENTS = [
    (r"\ba\.m\.?(?=\s|$)", "am"), (r"\bp\.m\.?(?=\s|$)", "pm"),
    (r"\b(\d{1,2})\s*o'?\s?clock\b", r"\1:00"), (r"\bo'?clock\b", ""),
    (r"\b(?:tmrw|tmr|tomorow|tommorow|tommorrow|tomorrw)\b", "tomorrow"),
    (r"\btonite\b", "tonight"), (r"\bmidday\b", "noon"), (r"\b12\s*noon\b", "noon"),
    (r"\b12\s*midnight\b", "midnight"), (r"\bevery ?day\b", "every day"), (r"\beach\b", "every"),
    (r"\bmid-?night\b", "midnight"), (r"\bweek-?days\b", "weekdays"), (r"\bweek-?ends\b", "weekends"),
    (r"\bthru\b", "through"), (r"\blocal time\b", ""), (r"(?<=\d)(secs?|s|mins?|m|hrs?|h|d|w)\b", r" \1"),
    (r"(?<=[\d\s])(secs?|s)\b(?=\s|$)", "seconds"), (r"\blater (today|tonight)\b", r"\1"),
    (r"\b(\d{1,2})h(\d{2})\b", r"\1:\2"), (r"\bat (\d{1,2})\.(\d{2})\b", r"at \1:\2"),
    (r"^(?:please |kindly )?(?:remind (?:me|us)|run (?:it|this|the job)?|schedule (?:it|this)?|do it|"
     r"start(?: it)?|trigger(?: it)?)\b ?", ""), (r"\bmins?\b", "minutes"), (r"\bsingle\b", ""),
    (r"\bnightly\b", "every night"), (r"\bon the dot\b", ""), (r"\bweek days?\b", "weekdays"),
    (r"\b(?:business|working|work) ?days?\b|\bworkdays?\b", "weekdays"),
    (r"\bhrs?\b", "hours"), (r"\bh\b", "hours"), (r"\bwks?\b", "weeks"),
    (r"\b(?:bi ?weekly|fortnightly|every fortnight|once a fortnight)\b", "every 2 weeks"),
    (r"\b(?:bi ?monthly)\b", "every 2 months"), (r"\bfinal\b", "last"),
    (r"\b(?:semi ?annually|twice a year)\b", "every 6 months"),
]
_REPLACEMENTS_RE = [(re.compile(a), b) for a, b in _REPLACEMENTS]


def normalize(text: str) -> str:
    """The English-grammar form of a phrase (Chinese is translated first)."""
    s = text.strip().lower()
    if re.search(r"[\u3000-\u9fff\uff00-\uffef]", s):
        s = chinese(s)
    s = s.replace("’", "'").replace("，", " ").replace("。", " ")
    s = re.sub(r"(?<=[\dm]),\s*(?=\d{1,2}(?!\d))", " and ", s)  # "at 9, 13 and 17"
    s = re.sub(r"[,;!?\"“”()\[\]]", " ", s)
    s = re.sub(r"(?<![\d])\.(?=\s|$)", " ", s)
    s = _num_words(s)
    s = re.sub(rf"\b({WEEKDAY_RE})/(?={WEEKDAY_RE}\b)", r"\1 and ", s)  # mon/wed/fri
    s = re.sub(r"[–—]", "-", s)
    s = re.sub(rf"\b({WEEKDAY_RE})-(?={WEEKDAY_RE}\b)", r"\1 - ", s)  # mon-fri stays a range
    s = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", s)  # half-hour, twice-daily
    s = re.sub(r"\b(\d+)\s*h\s*(\d+)\s*m(?:ins?)?\b", r"\1 hours \2 minutes", s)
    for pat, rep in _REPLACEMENTS_RE:
        s = pat.sub(rep, s)
    s = re.sub(r"\b(\d+) m\b", r"\1 minutes", s)
    s = re.sub(r"\b(\d+) d\b", r"\1 days", s)
    s = re.sub(r"\b(\d+) w\b", r"\1 weeks", s)
    return re.sub(r"\s+", " ", s).strip()


# ---- Chinese --------------------------------------------------------------------------------

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
              "七": 7, "八": 8, "九": 9}
_CN_WEEKDAYS = {"一": "monday", "二": "tuesday", "三": "wednesday", "四": "thursday",
                "五": "friday", "六": "saturday", "日": "sunday", "天": "sunday", "七": "sunday",
                "1": "monday", "2": "tuesday", "3": "wednesday", "4": "thursday", "5": "friday",
                "6": "saturday", "7": "sunday"}


def cn_number(s: str) -> int:
    """一..九十九, 两, 百 and plain digits."""
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    for ch in s:
        if ch in _CN_DIGITS:
            current = current * 10 + _CN_DIGITS[ch] if current and ch in "零〇" else _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


_WEEKDAY_CN = r"(?:周|週|星期|礼拜|禮拜)"
_DAYS_CN = r"[一二三四五六日天七1-7]"

_CN_RULES: list[tuple[str, str]] = [
    (r"北京时间|中国时间", " beijing time "), (r"东京时间", " tokyo time "), (r"纽约时间", " new york time "),
    (r"伦敦时间", " london time "), (r"柏林时间", " berlin time "), (r"悉尼时间", " sydney time "),
    (r"(工作日|周一到周五|周一至周五)", " weekdays "),
    (r"(?:周末|週末)", " weekends "), (r"每天|每日|天天", " every day "), (r"每晚", " every day evening "),
    (r"每早", " every day morning "), (r"每小时|每个小时", " every hour "), (r"每分钟", " every minute "),
    (r"每半小时|每半个小时", " every 30 minutes "), (r"每刻钟|每一刻钟", " every 15 minutes "),
    (r"每年", " every year "), (r"每月", " every month "), (r"每周|每星期|每礼拜", " every week "),
    (r"大后天", " in 3 days "), (r"后天", " day after tomorrow "), (r"明天|明日", " tomorrow "),
    (r"今天|今日", " today "), (r"昨天|前天", " yesterday "), (r"今晚|今天晚上", " tonight "),
    (r"明早", " tomorrow morning "), (r"明晚", " tomorrow evening "),
    (r"凌晨", " early morning "), (r"中午(?!\s*\d)", " noon "),
    (r"早上|早晨|上午|清晨|早", " morning "), (r"中午", " zhongwu "),
    (r"下午", " afternoon "), (r"傍晚|晚上|夜里|夜晚|晚", " evening "),
]
_CN_RULES_RE = [(re.compile(a), b) for a, b in _CN_RULES]
_CN_UNITS = {"秒": "seconds", "秒钟": "seconds", "分": "minutes", "分钟": "minutes", "小时": "hours",
             "钟头": "hours", "天": "days", "周": "weeks", "星期": "weeks", "礼拜": "weeks", "个月": "months"}


def _weekdays_cn(m: re.Match[str]) -> str:
    prefix = {"下": " nextweek ", "下个": " nextweek ", "上": " yesterday ", "上个": " yesterday ",
              "这": " ", "这个": " ", "本": " ", "每": " every "}.get(m.group(1) or "", " ")
    body = m.group(2)
    if re.fullmatch(_DAYS_CN + "[到至]" + _DAYS_CN, body):  # 周一到五: a range
        return prefix + f"{_CN_WEEKDAYS[body[0]]} through {_CN_WEEKDAYS[body[2]]} "
    days = [_CN_WEEKDAYS[c] for c in re.findall(_DAYS_CN, body)]
    return prefix + " and ".join(days) + " "


_CN_PARTS = {"凌晨": "early morning", "早上": "morning", "早晨": "morning", "上午": "morning", "清晨": "morning",
             "早": "morning", "中午": "zhongwu", "下午": "afternoon", "傍晚": "evening", "晚上": "evening",
             "夜里": "evening", "晚": "evening"}


def _cn_time_range(m: re.Match[str]) -> str:
    ends = []
    for p, h, mm in ((m.group(1), m.group(2), m.group(3)), (m.group(4), m.group(5), m.group(6))):
        c = Clock(int(h) % 24, int(mm)).with_part(_CN_PARTS.get(p or "")) if int(h) <= 24 else Clock(int(h), 0)
        ends.append(f"{c.hour:02d}:{c.minute:02d}")
    return f" {ends[0]} to {ends[1]} "


_CN_NOT = r"(?:除了?|不含|不包括|跳过|避开)"
_CN_COUNTRIES = {"中国": "china", "美国": "us", "德国": "germany", "日本": "japan", "英国": "uk", "法国": "france",
                 "香港": "hong kong", "台湾": "taiwan", "新加坡": "singapore", "韩国": "korea", "澳大利亚": "australia"}
_CN_EXCLUDABLE = (r"(?:(?:(?:" + "|".join(_CN_COUNTRIES) + r")的?)?(?:法定)?(?:节假日|节日|假日|公共假期)"
                  r"|圣诞节?|周末|週末)")
_CN_LIST = rf"{_CN_EXCLUDABLE}(?:\s*[和及与、,]\s*{_CN_EXCLUDABLE})*"
_CN_EXCEPT = re.compile(rf"[(（]?\s*(?:{_CN_NOT}\s*(?P<a>{_CN_LIST})\s*(?:除外|之?外)?|(?P<b>{_CN_LIST})\s*"
                        r"(?:除外|不执行|跳过|休息))\s*[)）]?")


def _cn_except(m: re.Match[str]) -> str:
    words = []
    for item in re.findall(_CN_EXCLUDABLE, m.group("a") or m.group("b")):
        if item.startswith("圣诞"):
            words.append("christmas")
        elif item in ("周末", "週末"):
            words.append("weekends")
        else:
            country = next((en for cn, en in _CN_COUNTRIES.items() if item.startswith(cn)), None)
            words.append("holidays" + (f" in {country}" if country else ""))
    return " except " + " and ".join(words) + " "


def _from_last(m: re.Match[str]) -> str:
    return " last " if m.group(1) == "1" else f" {ordinal(int(m.group(1)))} last "


def chinese(s: str) -> str:
    s = s.replace("：", ":").replace("、", ",").replace("点钟", "点")
    s = s.replace("每个", "每").replace("每一个", "每").replace("每逢", "每").replace("今年", "")
    s = re.sub(r"每个?季度", " quarterly ", s)
    s = re.sub(r"下个?月", " next month ", s)
    s = re.sub(r"([一二两三四\d])刻钟", lambda m: f"{cn_number(m.group(1)) * 15}分钟", s)
    s = re.sub(r"每隔\s*[一1]?\s*[天日]", " every 2 days ", s)  # 每隔一天: every other day
    s = re.sub(r"每隔\s*[一1]\s*(?=个?(?:周|星期|礼拜|月))|隔(?=周)|双(?=周)", "每两", s)  # 每隔一周: every other week
    s = s.replace("每半年", "每6个月").replace("半年", "6个月")
    s = re.sub(r"(每[两二三四\d]?个?(?:周|星期|礼拜))一次", r"\1 ", s)  # 每两周一次: not 周一
    s = s.replace("每隔", "每")
    s = _CN_EXCEPT.sub(_cn_except, s)
    s = s.replace("元旦", "1月1日").replace("圣诞节", "12月25日").replace("平安夜", "12月24日")
    more = r"(?:[,和及与到至]?[一二三四五六日天七]|[,和及与到至][1-7])*"
    s = re.sub(r"([下上这本每]个?)?" + _WEEKDAY_CN + "(" + _DAYS_CN + more + ")",
               _weekdays_cn, s)
    s = re.sub(r"(?<=monday) to | 到 | 至 ", " through ", s)
    num = r"[零〇一二两三四五六七八九十百]+"
    s = re.sub(num, lambda m: str(cn_number(m.group(0))), s)
    s = re.sub(r"每个?小时的?第?(\d{1,2})分钟?", lambda m: f" every hour at :{int(m.group(1)):02d} ", s)
    # Positions in the month: 第一个周一, 最后一个周五, 最后一天, 倒数第二天, 第一个工作日.
    s = re.sub(r"倒数第\s*(\d+)\s*个?", _from_last, s)
    s = re.sub(r"最后\s*(?:1\s*)?个?", " last ", s)
    s = re.sub(r"第\s*(\d+)\s*个?(?!\s*[月日号號天])|第\s*(\d+)\s*(?=天)",
               lambda m: f" {ordinal(int(m.group(1) or m.group(2)))} ", s)
    s = re.sub(r"(?<=last )\s*天|(?<=\d(?:st|nd|rd|th) )\s*天", " day ", s)
    # Durations: "2小时15分钟后", "半小时后", "1个半小时后", "30分钟以后", "过10分钟".
    s = re.sub(r"(\d+)个半(小时|钟头|月)", r"\1.5\2", s)
    s = re.sub(r"半个?(小时|钟头)", r"0.5\1", s)
    s = re.sub(r"(\d+)个?(?=小时|钟头|星期|礼拜)", r"\1", s)
    s = re.sub(r"半天(?=\s*(?:以后|之后|过后|后))", "0.5天", s)
    unit_re = r"(\d+(?:\.\d+)?)\s*(秒钟|秒|分钟|小时|钟头|个月|天|周|星期|礼拜|分)"
    s = re.sub(r"过\s*((?:" + unit_re + r"\s*)+)(?![\d\s]*(?:以后|之后|过后|后))",
               lambda m: " in " + re.sub(unit_re, lambda u: f" {u.group(1)} {_CN_UNITS[u.group(2)]} ",
                                         m.group(1)) + " ", s)
    s = re.sub(r"((?:" + unit_re + r"\s*)+)(?:以后|之后|过后|后)",
               lambda m: " in " + re.sub(unit_re, lambda u: f" {u.group(1)} {_CN_UNITS[u.group(2)]} ",
                                         m.group(1)) + " ", s)
    s = re.sub(r"(?<!每)(?<![\d.])(\d+(?:\.\d+)?)\s*个?(秒钟|秒|分钟|小时|钟头|个月)(?!后)",
               lambda u: f" {u.group(1)} {_CN_UNITS[u.group(2)]} ", s)
    s = re.sub(r"每\s*(\d+(?:\.\d+)?)\s*个?(秒钟|秒|分钟|小时|钟头|天|周|星期|个月|分)",
               lambda u: f" every {u.group(1)} {_CN_UNITS[u.group(2)]} ", s)
    # Clock: 3点半, 3点1刻, 3点15分, 15:30, 3时15分.
    s = re.sub(r"(\d{1,2})[点點时]半", r" \1:30 ", s)
    s = re.sub(r"(\d{1,2})[点點时](\d)刻", lambda m: f" {m.group(1)}:{int(m.group(2)) * 15:02d} ", s)
    s = re.sub(r"(\d{1,2})[点點时](\d{1,2})分?", lambda m: f" {m.group(1)}:{int(m.group(2)):02d} ", s)
    s = re.sub(r"(\d{1,2})[点點时]", r" \1:00 ", s)
    # Time ranges: 上午9点到下午5点 → 09:00 to 17:00 (each end keeps its own part of day).
    part = r"(凌晨|早上|早晨|上午|清晨|早|中午|下午|傍晚|晚上|夜里|晚)?\s*"
    s = re.sub(part + r"(\d{1,2}):(\d{2})\s*[到至~\-]\s*" + part + r"(\d{1,2}):(\d{2})", _cn_time_range, s)
    # Dates: 2026年12月1日, 12月1号, 每月1号, 15号.
    s = re.sub(r"(\d{4})年(\d{1,2})月(\d{1,2})[日号號]?",
               lambda m: f" {m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d} ", s)
    s = re.sub(r"(\d{1,2})月(\d{1,2})[日号號]?", lambda m: f" month{m.group(1)} {m.group(2)} ", s)
    s = re.sub(r"(\d{1,2})[日号號]", lambda m: f" the {ordinal(int(m.group(1)))} ", s)
    s = re.sub(r"(?<!\d)(\d{1,2})月(?!\d)", lambda m: f" month{m.group(1)} ", s)  # 6月的第二个星期日
    s = re.sub(r"(?<![\d.])1\s*次", " ", s)  # 每两周一次: once
    for pat, rep in _CN_RULES_RE:
        s = pat.sub(rep, s)
    s = re.sub(r"每\s*", " every ", s)
    s = re.sub(r"[和及与跟]", " and ", s)
    s = re.sub(r"[的在于於请到时]|提醒我|提醒|执行|运行|一次|钟", " ", s)
    s = re.sub(r"\bmonth(\d{1,2})\b", lambda m: _MONTHS[int(m.group(1)) - 1] if 1 <= int(m.group(1)) <= 12
               else m.group(0), s)
    return s


_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"]
