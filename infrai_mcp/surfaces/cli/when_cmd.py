"""``infrai-mcp when "every weekday at 9am" --tz America/New_York [--now ISO]``: try a time phrase."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "when",
        help="parse a time phrase (once / delayed / cron) and show its next fire times",
        description="Parse a plain-language time phrase, ISO 8601 timestamp or cron expression and print "
        "the normalised form, a description and the next fire times in local time and UTC.",
    )
    parser.add_argument("phrase", help='e.g. "every weekday at 9am", "in 20 minutes", "明天下午3点", "0 9 * * 1-5"')
    parser.add_argument("--timezone", "--tz", dest="tz", default=None,
                        help="IANA zone (default: INFRAI_TIMEZONE, else the machine's zone)")
    parser.add_argument("--now", default=None, help="reference time, ISO 8601 (naive = in --tz); default: now")
    parser.add_argument("-n", type=int, default=5, help="how many fire times to show (default 5)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.set_defaults(func=run)


def _parse_now(text: str | None, zone: str) -> datetime:
    if not text:
        return datetime.now(UTC)
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


def run(args: argparse.Namespace) -> int:
    from infrai_mcp.when import WhenError, default_timezone, describe, next_fires, parse_when, validate_timezone
    from infrai_mcp.when.notes import warnings

    try:
        zone = validate_timezone(args.tz) if args.tz else default_timezone()
        now = _parse_now(args.now, zone)
        when = parse_when(args.phrase, now=now, timezone=zone)
    except (WhenError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    fires = next_fires(when, max(args.n, 0), after=now)
    local_zone = ZoneInfo(when.timezone)
    if args.json:
        out = {**when.to_dict(), "description": describe(when),
               "next_fires": [f.isoformat().replace("+00:00", "Z") for f in fires]}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    if when.type == "cron":
        normal = f"cron {when.cron}  (timezone {when.timezone})"
    elif when.recurrence is not None:
        rule = when.recurrence.to_dict()["rule"].replace("\n", " + ")
        normal = f"{when.recurrence.kind} {rule}  (timezone {when.timezone})"
    elif when.type == "delayed":
        normal = f"delayed {when.delay_seconds} s"
    else:
        assert when.run_at is not None
        normal = f"once {when.run_at.isoformat().replace('+00:00', 'Z')}  (timezone {when.timezone})"
    print(normal)
    print(describe(when))
    for note in warnings(when, args.phrase, now=now):
        print(f"warning: {note}")
    print(f"next {len(fires)} fire(s):" if fires else "no future fire times")
    for f in fires:
        local = f.astimezone(local_zone)
        print(f"  {local:%a %Y-%m-%d %H:%M:%S %Z}   {f:%Y-%m-%dT%H:%M:%SZ}")
    return 0
