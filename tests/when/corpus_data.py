"""The phrase corpus: phrase → expected When, computed by hand from the rules in docs/TIME.md.

Each case is (phrase, zone, now_key, expected). ``now`` is a wall time in ``zone``.
expected is one of
  ("cron", expr) or ("cron", expr, zone)        recurring, in the given (or the named) zone
  ("delayed", seconds)
  ("once", "YYYY-MM-DD HH:MM") / (..., zone)    wall time of run_at in the When's zone
  ("utc", "YYYY-MM-DDTHH:MM")                   run_at in UTC (DST cases)
  ("error", "fragment of the message")
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

ZONES = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Shanghai", "Asia/Kolkata", "Australia/Sydney"]

NOWS = {
    "sun": datetime(2026, 11, 22, 8, 10),  # a Sunday morning
    "wed": datetime(2026, 6, 17, 14, 0),  # a Wednesday afternoon in June
    "nye": datetime(2026, 12, 31, 23, 30),  # New Year's Eve
    "ny_spring": datetime(2026, 3, 7, 22, 0),  # night before New York springs forward (Mar 8 02:00)
    "ny_fall": datetime(2026, 10, 31, 22, 0),  # night before New York falls back (Nov 1 02:00)
    "eu_spring": datetime(2026, 3, 28, 22, 0),  # night before Berlin springs forward (Mar 29 02:00)
    "eu_fall": datetime(2026, 10, 24, 22, 0),  # night before Berlin falls back (Oct 25 03:00)
    "syd_fall": datetime(2026, 4, 4, 22, 0),  # night before Sydney falls back (Apr 5 03:00)
    "syd_spring": datetime(2026, 10, 3, 22, 0),  # night before Sydney springs forward (Oct 4 02:00)
}

# ---- recurring: zone-independent, checked in every zone at two different "now"s ----------------
CRON_GROUPS: dict[str, list[str]] = {
    "*/5 * * * *": ["every 5 minutes", "every five minutes", "each 5 minutes", "every 5 mins", "every 5m",
                    "每5分钟", "每隔5分钟", "每隔五分钟", "Every 5 Minutes."],
    "* * * * *": ["every minute", "each minute", "every 1 minute", "每分钟", "every single minute"],
    "*/15 * * * *": ["every quarter hour", "every quarter of an hour", "every 15 minutes", "每15分钟", "每刻钟",
                     "every fifteen minutes"],
    "*/30 * * * *": ["every half hour", "every 30 minutes", "every half an hour", "每半小时", "每隔30分钟"],
    "0,30 * * * *": ["twice an hour", "twice per hour"],
    "*/10 * * * *": ["every 10 minutes", "每十分钟", "every ten mins"],
    "*/20 * * * *": ["every 20 minutes", "every twenty minutes"],
    "0 */2 * * *": ["every 2 hours", "every other hour", "every second hour", "every two hours", "每两小时",
                    "每隔2小时", "每2个小时", "every 120 minutes", "every 2 hrs"],
    "0 * * * *": ["every hour", "hourly", "each hour", "every 60 minutes", "每小时", "every hour on the hour",
                  "once an hour"],
    "15 * * * *": ["hourly at :15", "every hour at :15", "every hour at 15 minutes past", "at quarter past every hour",
                   "every hour at xx:15", "每小时15分", "15 minutes past every hour"],
    "30 * * * *": ["every hour on the half hour", "every hour at :30", "hourly at half past"],
    "0 */3 * * *": ["every 3 hours", "every three hours"],
    "30 */6 * * *": ["every 6 hours at :30"],
    "0 */12 * * *": ["every 12 hours", "every twelve hours"],
    "0 9 * * *": ["every day at 9am", "daily at 9", "daily at 09:00", "every morning at 9", "each day at 9 am",
                  "everyday at 9am", "9am every day", "at 9am daily", "每天早上9点", "每天上午九点", "每日9点",
                  "every day at nine", "every day at 9 o'clock", "Every day at 9 A.M.",
                  "every day at 9:00 in the morning",
                  "daily @ 9am", "once a day at 9am"],
    "0 0 * * *": ["every day", "daily", "every day at midnight", "@daily", "每天", "every night at midnight",
                  "every day at 12am", "@midnight"],
    "0 12 * * *": ["every day at noon", "daily at 12pm", "每天中午12点", "every day at midday", "every day at 12 noon"],
    "30 20 * * *": ["每天晚上8点半", "every evening at 8:30", "every day at 8:30pm", "daily at 20:30",
                    "every day at half past 8 in the evening", "every night at 8:30"],
    "0 23 * * *": ["every night at 11", "nightly at 11pm", "每天晚上11点"],
    "0 7 * * *": ["every morning at 7", "每天早上7点", "every day at 7 in the morning"],
    "45 8 * * 1-5": ["weekdays at 8:45am", "every weekday at 8:45", "on weekdays at quarter to 9am",
                     "monday to friday at 8:45", "工作日早上8点45分"],
    "0 9 * * 1-5": ["every weekday at 9am", "weekdays at 9", "at 9am on weekdays", "monday through friday at 9:00",
                    "every weekday at 09:00", "mon-fri at 9am", "each weekday at nine am", "9am every weekday",
                    "at 9am every day except weekends", "每个工作日早上9点", "工作日上午9点", "周一到周五早上9点",
                    "every day except saturday and sunday at 9am", "Mon through Fri at 9", "every week day at 9am"],
    "30 19 * * 1-5": ["each weekday at 7:30 pm", "weekdays at 19:30", "every weekday evening at 7:30"],
    "0 22 * * 1,4": ["every Monday and Thursday at 10pm", "mondays and thursdays at 22:00",
                     "every mon and thu at 10 pm", "每周一和周四晚上10点"],
    "0 12 * * 0,6": ["every weekend at noon", "weekends at 12pm", "每周末中午12点", "every saturday and sunday at noon",
                     "on weekends at noon"],
    "0 9 1 * *": ["on the 1st of every month at 9am", "monthly on the 1st at 9am", "every month on the 1st at 9",
                  "每月1号上午9点", "on the first of each month at 9am", "every month on the first at 09:00"],
    "0 0 15 * *": ["every 15th at midnight", "on the 15th of every month", "monthly on the 15th", "每月15号",
                   "every month on the fifteenth", "on day 15 of every month"],
    "0 0 1 * *": ["每月1号", "every month", "monthly", "@monthly", "on the first of every month", "每个月1日"],
    "0 14 15 * *": ["on the 15th of each month at 14:00", "每月15号下午2点", "every month on the 15th at 2pm"],
    "0 9,17 * * *": ["twice a day at 9 and 17", "every day at 9am and 5pm", "daily at 9:00 and 17:00",
                     "every day at 9 and 5pm"],
    "0 0,12 * * *": ["twice a day", "twice daily"],
    "0 0,8,16 * * *": ["three times a day", "3 times a day"],
    "*/15 * * * 1-5": ["every 15 minutes on weekdays", "every quarter hour on weekdays", "工作日每15分钟"],
    "0 9 * * 1-6": ["every day except sunday at 9", "at 9am every day except sundays"],
    "0 10 * * 1": ["每周一上午10点", "every monday at 10am", "mondays at 10", "weekly on monday at 10",
                   "every Monday at 10:00", "每星期一上午10点", "每礼拜一早上10点"],
    "0 0 * * 2": ["every tuesday", "tuesdays", "every tue"],
    "0 0 * * 0": ["every week", "weekly", "@weekly", "every sunday", "每周日", "每星期天"],
    "0 0 1 1 *": ["every year", "yearly", "annually", "@yearly", "每年1月1日", "every january 1st",
                  "every year on jan 1", "@annually"],
    "0 8 25 12 *": ["every year on dec 25 at 8am", "every december 25th at 8am", "每年12月25日早上8点"],
    "0 0 1 */3 *": ["quarterly", "every 3 months", "every quarter", "every three months"],
    "0 9-17 * * *": ["every hour between 9am and 5pm", "every hour from 9 to 17", "hourly from 9am to 5pm"],
    "*/20 9-16 * * 1-5": ["every 20 minutes between 9am and 5pm on weekdays"],
    "*/10 * * * * *": ["every 10 seconds", "every ten secs", "每10秒"],
    "* * * * * *": ["every second"],
    "0 9 * * 1,3,5": ["每周一、三、五上午9点", "every monday wednesday and friday at 9am",
                      "every mon, wed, fri at 9", "mondays, wednesdays and fridays at 9am"],
    "0 12 * 12 *": ["every day in december at noon"],
    "0 17 * * 5": ["每周五下午5点", "every friday at 5pm", "fridays at 17:00", "every friday at five pm"],
    "30 9 * * 1-5": ["每个工作日早上9点半", "weekdays at half past 9", "every weekday at 9:30 am"],
    "0 9 1,15 * *": ["on the 1st and 15th of every month at 9am", "every 1st and 15th at 9"],
    "0,30 9 * * 1-5": ["every weekday at 9 and 9:30"],
    "0 9 * * 1-4": ["every weekday except friday at 9", "mon-thu at 9am"],
    "0 */4 * * *": ["every 4 hours", "every 4 hours starting at midnight"],
    "0 1-23/4 * * *": ["every 4 hours starting at 1am"],
    "0 2-23/3 * * *": ["every 3 hours beginning at 2"],
    "45 * * * *": ["each hour at 45", "hourly at :45", "every hour at 45 minutes past"],
    "0 12 * * 6": ["every saturday at midday", "saturdays at noon", "每周六中午"],
    "0 9 * * 1": ["every monday at 9am", "mondays 9am"],
    "*/2 * * * *": ["every other minute", "every 2nd minute", "every two minutes"],
    "0 * * * 1-5": ["every hour on weekdays", "工作日每小时"],
    "0 10 * * 0,6": ["周末上午10点", "weekends at 10am", "every saturday and sunday at 10"],
    "0 0 5 * *": ["每月5号", "on the 5th of every month", "monthly on the fifth"],
    "0 0 1 3 *": ["每年3月1日", "every year on march 1", "yearly on the 1st of march"],
    "*/30 * * * * *": ["每隔30秒", "every 30 seconds", "every thirty seconds"],
    "15 15 * * *": ["每天下午三点一刻", "every day at quarter past 3 in the afternoon", "daily at 3:15pm"],
    "0 8,20 * * *": ["at 8am and 8pm every day", "daily at 8 and 20", "每天早上8点和晚上8点",
                     "every day at 8am and 8pm", "every day at 8 in the morning and 8 in the evening"],
    "0 9,13,17 * * *": ["every day at 9am, 1pm and 5pm", "daily at 9, 13 and 17"],
    # raw cron passes through (validated)
    "0 9 * * MON-FRI": ["0 9 * * MON-FRI"],
    "30 2 * * *": ["30 2 * * *"],
    "0 0 * * * *": ["0 0 * * * *"],
    "5 4 * * sun": ["5 4 * * sun"],
    "0 22 * * 1-5": ["0   22 * *   1-5"],
}

# ---- recurring with a zone in the phrase -------------------------------------------------------
CRON_ZONED: list[tuple[str, str, str]] = [
    ("each day at 06:00 UTC", "0 6 * * *", "UTC"),
    ("every day at 9am in Berlin", "0 9 * * *", "Europe/Berlin"),
    ("every weekday at 9am New York time", "0 9 * * 1-5", "America/New_York"),
    ("weekdays at 5pm ET", "0 17 * * 1-5", "America/New_York"),
    ("every day at 8 Tokyo time", "0 8 * * *", "Asia/Tokyo"),
    ("每天北京时间早上9点", "0 9 * * *", "Asia/Shanghai"),
    ("every monday at 10am PT", "0 10 * * 1", "America/Los_Angeles"),
    ("every hour in Asia/Kolkata", "0 * * * *", "Asia/Kolkata"),
    ("At 09:00, Monday through Friday (America/New_York)", "0 9 * * 1-5", "America/New_York"),
    ("daily at 18:00 GMT", "0 18 * * *", "UTC"),
    ("every day at 7am UTC+8", "0 7 * * *", "Etc/GMT-8"),
    ("every day at 9am in London", "0 9 * * *", "Europe/London"),
    ("every day at 9am Sydney time", "0 9 * * *", "Australia/Sydney"),
    ("every monday at 9 am eastern", "0 9 * * 1", "America/New_York"),
    ("every weekday at 9am Tokyo time", "0 9 * * 1-5", "Asia/Tokyo"),
    ("every 10 minutes in Berlin", "*/10 * * * *", "Europe/Berlin"),
    ("every friday at 4pm in San Francisco", "0 16 * * 5", "America/Los_Angeles"),
]

# ---- delays: zone-independent ------------------------------------------------------------------
DELAY_GROUPS: dict[int, list[str]] = {
    1800: ["in 30 minutes", "in half an hour", "in thirty minutes", "30 minutes from now", "30分钟后", "半小时后",
           "in 30 mins", "half an hour from now", "in 0.5 hours", "after 30 minutes", "30 minutes later",
           "in 1800 seconds", "三十分钟后", "半个小时后", "in 30m", "In 30 minutes."],
    8100: ["in 2 hours and 15 minutes", "in 2h15m", "2小时15分钟后", "in two hours fifteen minutes",
           "2 hours and 15 minutes from now", "两小时十五分钟后"],
    5400: ["an hour and a half from now", "in 1.5 hours", "in 90 minutes", "一个半小时后", "1个半小时后",
           "in an hour and a half", "in one and a half hours", "in 1 and a half hours"],
    1200: ["in 20 minutes", "20 minutes", "二十分钟后", "in twenty minutes"],
    600: ["十分钟后", "in 10 minutes", "in ten mins", "10分钟以后", "过10分钟", "remind me in 10 minutes"],
    45: ["in 45 secs", "in 45 seconds", "45秒后", "in forty-five seconds", "in 45s"],
    2: ["in 2 seconds", "in two secs"],
    3600: ["in an hour", "in 1 hour", "in one hour", "1小时后", "an hour from now", "一小时后", "in 60 minutes"],
    900: ["in a quarter of an hour", "in 15 minutes", "in a quarter hour"],
    259200: ["in 3 days", "3天后", "three days from now", "in 72 hours"],
    604800: ["in a week", "in 1 week", "in 7 days", "one week from now"],
    0: ["now", "immediately", "right now"],
    7200: ["两个小时后", "in 2 hours", "2 hours later", "in 2 hrs", "in 2h"],
    9000: ["in 2 and a half hours", "in 2.5 hours", "两个半小时后"],
}

# ---- one-offs that read the same in every zone (now = Sunday 2026-11-22 08:10 local) ------------
ONCE_SUN: list[tuple[str, str]] = [
    ("at 8am", "2026-11-23 08:00"),
    ("at 9am", "2026-11-22 09:00"),
    ("at 8:10", "2026-11-23 08:10"),
    ("at 8:11", "2026-11-22 08:11"),
    ("today at 5pm", "2026-11-22 17:00"),
    ("tomorrow at 9am", "2026-11-23 09:00"),
    ("tomorrow 9am", "2026-11-23 09:00"),
    ("9am tomorrow", "2026-11-23 09:00"),
    ("明天上午9点", "2026-11-23 09:00"),
    ("明天早上九点", "2026-11-23 09:00"),
    ("明天下午3点", "2026-11-23 15:00"),
    ("tonight at 11", "2026-11-22 23:00"),
    ("今晚11点", "2026-11-22 23:00"),
    ("今天晚上11点", "2026-11-22 23:00"),
    ("tonight at 11pm", "2026-11-22 23:00"),
    ("tomorrow morning at 8", "2026-11-23 08:00"),
    ("this afternoon at 4", "2026-11-22 16:00"),
    ("今天下午4点", "2026-11-22 16:00"),
    ("6 in the morning", "2026-11-23 06:00"),
    ("6 in the evening", "2026-11-22 18:00"),
    ("next monday 9:30", "2026-11-23 09:30"),
    ("on friday at 5pm", "2026-11-27 17:00"),
    ("on sunday at 10am", "2026-11-29 10:00"),
    ("Friday at 17:00", "2026-11-27 17:00"),
    ("this coming friday at 9", "2026-11-27 09:00"),
    ("2026-12-01 08:00", "2026-12-01 08:00"),
    ("2026-12-01", "2026-12-01 00:00"),
    ("2026-12-01T08:00:00", "2026-12-01 08:00"),
    ("3pm on March 5", "2027-03-05 15:00"),
    ("Dec 25 at 9am", "2026-12-25 09:00"),
    ("december 25th at 9:00", "2026-12-25 09:00"),
    ("25 december at 9am", "2026-12-25 09:00"),
    ("Nov 22 at 7am", "2027-11-22 07:00"),
    ("Nov 22 at 9am", "2026-11-22 09:00"),
    ("at noon tomorrow", "2026-11-23 12:00"),
    ("下周三下午两点", "2026-11-25 14:00"),
    ("3月5日上午10点", "2027-03-05 10:00"),
    ("2027年1月1日", "2027-01-01 00:00"),
    ("2027年1月1日上午9点", "2027-01-01 09:00"),
    ("the 15th at 3pm", "2026-12-15 15:00"),
    ("in 2 days at 9am", "2026-11-24 09:00"),
    ("at midnight", "2026-11-23 00:00"),
    ("midnight tonight", "2026-11-23 00:00"),
    ("tomorrow", "2026-11-23 00:00"),
    ("friday", "2026-11-27 00:00"),
    ("12/25 at 9am", "2026-12-25 09:00"),
    ("march the fifth at 9", "2027-03-05 09:00"),
    ("5 march 2027", "2027-03-05 00:00"),
    ("at 11:59pm", "2026-11-22 23:59"),
    ("at 12pm", "2026-11-22 12:00"),
    ("at 12am", "2026-11-23 00:00"),
    ("at 0:30", "2026-11-23 00:30"),
    ("tomorrow evening at 7:30", "2026-11-23 19:30"),
    ("tomorrow night at 1", "2026-11-24 01:00"),
    ("day after tomorrow at 10", "2026-11-24 10:00"),
    ("后天下午2点", "2026-11-24 14:00"),
    ("at half past 3 in the afternoon", "2026-11-22 15:30"),
    ("quarter to 10 tonight", "2026-11-22 21:45"),
    ("凌晨3点", "2026-11-23 03:00"),
    ("晚上12点", "2026-11-23 00:00"),
    ("中午12点半", "2026-11-22 12:30"),
    ("at 5:30 pm on Dec 1", "2026-12-01 17:30"),
    ("next tuesday at 14:15", "2026-11-24 14:15"),
    ("周五下午5点", "2026-11-27 17:00"),
    ("星期一早上8点", "2026-11-23 08:00"),
    ("jan 1st 2027 at 08:00", "2027-01-01 08:00"),
    ("2026/12/24 at 6pm", "2026-12-24 18:00"),
    ("monday next week at 9", "2026-11-23 09:00"),
    ("at 8 o'clock tonight", "2026-11-22 20:00"),
    ("1st of january at noon", "2027-01-01 12:00"),
    ("remind me in 2 days at 10am", "2026-11-24 10:00"),
    ("please remind me tomorrow at 9am", "2026-11-23 09:00"),
    ("tomorrow at 10.30", "2026-11-23 10:30"),
    ("at 10h30", "2026-11-22 10:30"),
    ("later today at 6pm", "2026-11-22 18:00"),
    ("noon on friday", "2026-11-27 12:00"),
    ("mon 9am", "2026-11-23 09:00"),
    ("next Tuesday at 2:30 PM", "2026-11-24 14:30"),
    ("明天中午", "2026-11-23 12:00"),
    ("明天中午1点", "2026-11-23 13:00"),
    ("明早8点", "2026-11-23 08:00"),
    ("明晚9点", "2026-11-23 21:00"),
    ("大后天下午3点", "2026-11-25 15:00"),
    ("这周五下午5点", "2026-11-27 17:00"),
    ("下个星期五下午3点", "2026-11-27 15:00"),
    ("十点半", "2026-11-22 10:30"),
    ("10点30分", "2026-11-22 10:30"),
    ("明天10:30", "2026-11-23 10:30"),
    ("1月1号", "2027-01-01 00:00"),
    # dates our rules leave unread go to dateparser (calendar day only; the clock and zone stay ours)
    ("2027 march 5 at 9am", "2027-03-05 09:00"),
    ("on march 5th of 2027 at 6pm", "2027-03-05 18:00"),
]

# ---- one-offs with a zone in the phrase (zone = UTC, now = 2026-11-22 08:10 UTC) -----------------
ONCE_ZONED: list[tuple[str, str, str]] = [
    ("9am Tokyo time", "2026-11-23 09:00", "Asia/Tokyo"),
    ("10am PST", "2026-11-22 10:00", "Etc/GMT+8"),
    ("at 5pm ET", "2026-11-22 17:00", "America/New_York"),
    ("at 5pm in Berlin", "2026-11-22 17:00", "Europe/Berlin"),
    ("at 5pm UTC", "2026-11-22 17:00", "UTC"),
    ("tomorrow at 9am Asia/Kolkata", "2026-11-23 09:00", "Asia/Kolkata"),
    ("明天北京时间上午10点", "2026-11-23 10:00", "Asia/Shanghai"),
    ("at 3pm London time", "2026-11-22 15:00", "Europe/London"),
    ("at 9 am in New York", "2026-11-22 09:00", "America/New_York"),
    ("tomorrow at noon PT", "2026-11-23 12:00", "America/Los_Angeles"),
    ("at 10:00 CET", "2026-11-22 10:00", "Etc/GMT-1"),
    ("friday at 8am Sydney time", "2026-11-27 08:00", "Australia/Sydney"),
]

# ---- DST, New Year's Eve and other fixed-instant cases ---------------------------------------
SPECIAL: list[tuple[str, str, str, tuple[Any, ...]]] = [
    # New York springs forward at 02:00 on 2026-03-08: 02:30 does not exist → 03:30 EDT.
    ("tomorrow at 2:30am", "America/New_York", "ny_spring", ("utc", "2026-03-08T07:30")),
    ("at 2:30am", "America/New_York", "ny_spring", ("utc", "2026-03-08T07:30")),
    ("tomorrow at 3am", "America/New_York", "ny_spring", ("utc", "2026-03-08T07:00")),
    ("tomorrow at 1:59", "America/New_York", "ny_spring", ("utc", "2026-03-08T06:59")),
    ("2026-03-08 02:15", "America/New_York", "ny_spring", ("utc", "2026-03-08T07:15")),
    ("in 6 hours", "America/New_York", "ny_spring", ("delayed", 21600)),
    # New York falls back at 02:00 on 2026-11-01: 01:30 happens twice → the earlier (EDT).
    ("tomorrow at 1:30am", "America/New_York", "ny_fall", ("utc", "2026-11-01T05:30")),
    ("at 1:30", "America/New_York", "ny_fall", ("utc", "2026-11-01T05:30")),
    ("tomorrow at 2am", "America/New_York", "ny_fall", ("utc", "2026-11-01T07:00")),
    ("in 3 hours", "America/New_York", "ny_fall", ("delayed", 10800)),
    ("every day at 1:30am", "America/New_York", "ny_fall", ("cron", "30 1 * * *")),
    # Berlin.
    ("tomorrow at 2:30", "Europe/Berlin", "eu_spring", ("utc", "2026-03-29T01:30")),
    ("tomorrow at 3:30", "Europe/Berlin", "eu_spring", ("utc", "2026-03-29T01:30")),
    ("tomorrow at 2:30", "Europe/Berlin", "eu_fall", ("utc", "2026-10-25T00:30")),
    ("tomorrow at 3:30", "Europe/Berlin", "eu_fall", ("utc", "2026-10-25T02:30")),
    # Sydney falls back at 03:00 on 2026-04-05 (02:00-02:59 twice) and springs forward on 2026-10-04.
    ("tomorrow at 2:30am", "Australia/Sydney", "syd_fall", ("utc", "2026-04-04T15:30")),
    ("tomorrow at 9am", "Australia/Sydney", "syd_fall", ("utc", "2026-04-04T23:00")),
    ("tomorrow at 2:30am", "Australia/Sydney", "syd_spring", ("utc", "2026-10-03T16:30")),
    ("明天凌晨2点半", "Australia/Sydney", "syd_spring", ("utc", "2026-10-03T16:30")),
    # New Year's Eve.
    ("at 9am", "Asia/Shanghai", "nye", ("once", "2027-01-01 09:00")),
    ("tomorrow at noon", "Europe/Berlin", "nye", ("once", "2027-01-01 12:00")),
    ("in 45 minutes", "Asia/Kolkata", "nye", ("delayed", 2700)),
    ("Jan 1 at 10am", "America/New_York", "nye", ("once", "2027-01-01 10:00")),
    ("Dec 31 at 11pm", "UTC", "nye", ("once", "2027-12-31 23:00")),
    ("Dec 31 at 11:45pm", "Australia/Sydney", "nye", ("once", "2026-12-31 23:45")),
    ("at midnight", "Asia/Kolkata", "nye", ("once", "2027-01-01 00:00")),
    ("next friday at 5pm", "UTC", "nye", ("once", "2027-01-01 17:00")),
    ("monday at 9", "Europe/Berlin", "nye", ("once", "2027-01-04 09:00")),
    ("the 1st at 8am", "UTC", "nye", ("once", "2027-01-01 08:00")),
    ("2026-12-31 23:45", "Asia/Shanghai", "nye", ("once", "2026-12-31 23:45")),
    ("2026-12-31 23:00", "Asia/Shanghai", "nye", ("error", "past")),
    ("明天早上8点", "Asia/Shanghai", "nye", ("once", "2027-01-01 08:00")),
    ("every day at 9am", "Australia/Sydney", "nye", ("cron", "0 9 * * *")),
    # June (northern summer time).
    ("at 9am", "Europe/Berlin", "wed", ("utc", "2026-06-18T07:00")),
    ("at 5pm", "America/New_York", "wed", ("utc", "2026-06-17T21:00")),
    ("at 5pm ET", "UTC", "wed", ("once", "2026-06-17 17:00", "America/New_York")),
    ("at 5pm EST", "UTC", "wed", ("utc", "2026-06-17T22:00")),
    ("10am PST", "UTC", "wed", ("utc", "2026-06-17T18:00")),
    ("10am PT", "UTC", "wed", ("utc", "2026-06-17T17:00")),
    ("6am PT", "UTC", "wed", ("utc", "2026-06-18T13:00")),
    ("on friday at 8", "Asia/Kolkata", "wed", ("once", "2026-06-19 08:00")),
    ("next wednesday at noon", "Australia/Sydney", "wed", ("once", "2026-06-24 12:00")),
    ("today at 3pm", "Asia/Shanghai", "wed", ("once", "2026-06-17 15:00")),
    ("today at 1pm", "Asia/Shanghai", "wed", ("error", "past")),
    ("2026-06-17T18:30:00+02:00", "UTC", "wed", ("utc", "2026-06-17T16:30")),
    ("2026-06-17T14:30:00+02:00", "UTC", "wed", ("error", "past")),
    ("2026-06-17T14:30:00Z", "UTC", "wed", ("utc", "2026-06-17T14:30")),
    ("2026-06-17T13:00:00Z", "UTC", "wed", ("error", "past")),
    ("2026-06-18T08:00:00-04:00", "Asia/Kolkata", "wed", ("utc", "2026-06-18T12:00")),
    ("June 1 at 9am", "UTC", "wed", ("once", "2027-06-01 09:00")),
    ("July 4th at 9pm", "America/New_York", "wed", ("once", "2026-07-04 21:00")),
    ("Feb 29 at 9am", "UTC", "wed", ("once", "2028-02-29 09:00")),
]

# ---- refused ---------------------------------------------------------------------------------------
ERRORS: list[tuple[str, str]] = [
    ("", "empty"),
    ("   ", "empty"),
    ("whenever", "could not understand"),
    ("banana", "could not understand"),
    ("every 0 minutes", "whole positive"),
    ("end of the month", "vague"),
    ("every 7 minutes", "does not divide evenly"),
    ("every 90 minutes", "does not divide evenly"),
    ("every 5 hours", "does not divide evenly"),
    ("every 45 seconds", "does not divide evenly"),
    ("every 25 hours", "does not divide evenly"),
    ("0 0 31 2 *", "never fires"),
    ("0 0 30 2 *", "never fires"),
    ("@reboot", "@reboot"),
    ("61 * * * *", "invalid cron"),
    ("0 0 32 * *", "invalid cron"),
    ("* * * * 8", "invalid cron"),
    ("0 25 * * *", "invalid cron"),
    ("* * * *", "could not understand"),
    ("yesterday at 5pm", "past"),
    ("2 hours ago", "past"),
    ("5 minutes ago", "past"),
    ("昨天下午5点", "past"),
    ("2026-11-01T00:00:00Z", "past"),
    ("2025-12-01 09:00", "past"),
    ("at 25:00", "not a valid time"),
    ("at 13pm", "not a valid 12-hour time"),
    ("at 9:75", "not a valid time"),
    ("next week", "vague"),
    ("sometime tomorrow", "vague"),
    ("every morning", "needs a clock time"),
    ("tomorrow morning", "needs a clock time"),
    ("every 2 days", "cannot be written as one cron"),
    ("every other week", "cannot be written as one cron"),
    ("every other day", "cannot be written as one cron"),
    ("1/2 at 9am", "ambiguous"),
    ("feb 30 at 9", "not a real date"),
    ("2027-02-30", "not a valid"),
    ("every day at 9am and 5:30pm", "one schedule per time"),
    ("in a month", "not a fixed number of seconds"),
    ("in 2 years", "not a fixed number of seconds"),
    ("asdf qwerty", "could not understand"),
    ("every banana", "could not understand"),
    ("lunchtime", "could not understand"),
    ("0 minutes from now", "not in the future"),
    ("in 400 days", "366 days"),
    ("every 0 hours", "whole positive"),
    ("twice a day at 9", "2 times a day"),
    ("随便", "could not understand"),
    ("at 9 and 5", "several clock times"),
    ("the day before yesterday", "past"),
    ("every last day of the month", "not supported"),
    ("in half a second", "whole number of seconds"),
    ("today at 8am", "past"),
    ("every monday on the 1st at 9", "ambiguous"),
    ("every 7 minutes at 9am", "cannot also have a clock time"),
    ("8pm in the morning", "contradicts"),
    ("Europe/Nowhere", "could not understand"),
    ("every 2nd day", "cannot be written as one cron"),
    ("every hour at 9am", "cannot also have a clock time"),
    ("every first monday of the month at 9", "ambiguous"),
    ("12/1 at 9", "ambiguous"),
    ("tonight", "needs a clock time"),
    ("10分钟内", "could not understand"),
    ("下个月", "could not understand"),
    ("christmas at 9am", "could not understand"),
    ("every 5 minutes during business hours", "could not understand"),
]


def cases() -> list[tuple[str, str, str, tuple[Any, ...]]]:
    out: list[tuple[str, str, str, tuple[Any, ...]]] = []
    for i, (expr, phrases) in enumerate(CRON_GROUPS.items()):
        for j, phrase in enumerate(phrases):
            zone = ZONES[(i + j) % len(ZONES)]
            out.append((phrase, zone, "sun" if (i + j) % 2 else "wed", ("cron", expr, zone)))
    for phrase, expr, zone in CRON_ZONED:
        out.append((phrase, "Asia/Kolkata", "sun", ("cron", expr, zone)))
    for k, (secs, phrases) in enumerate(DELAY_GROUPS.items()):
        for j, phrase in enumerate(phrases):
            out.append((phrase, ZONES[(k + j) % len(ZONES)], "nye" if j % 2 else "sun", ("delayed", secs)))
    for phrase, local in ONCE_SUN:
        for zone in ZONES:
            out.append((phrase, zone, "sun", ("once", local, zone)))
    for phrase, local, zone in ONCE_ZONED:
        out.append((phrase, "UTC", "sun", ("once", local, zone)))
    out.extend(SPECIAL)
    for j, (phrase, fragment) in enumerate(ERRORS):
        out.append((phrase, ZONES[j % len(ZONES)], "sun", ("error", fragment)))
    return out
