"""Time: plain-language phrases → once / delayed / recurring, schedule kinds, next fire times.

The one module that knows about cron libraries and DST. See docs/TIME.md.
"""

from __future__ import annotations

from infrai_mcp.when.api import next_fires, parse_delay, parse_instant, parse_recurrence, parse_when
from infrai_mcp.when.cron import (
    CronError,
    explain,
    get_zone,
    iter_fires,
    next_fire,
    normalize_cron,
    validate_timezone,
)
from infrai_mcp.when.cron import next_fires as cron_next_fires
from infrai_mcp.when.describe import describe, describe_cron
from infrai_mcp.when.kinds import CalendarRule, CronRule, Exclusions, IntervalRule, Recurrence, RuleError
from infrai_mcp.when.model import When, WhenError
from infrai_mcp.when.rulewords import describe_recurrence
from infrai_mcp.when.zones import default_timezone

__all__ = [
    "CalendarRule",
    "CronError",
    "CronRule",
    "Exclusions",
    "IntervalRule",
    "Recurrence",
    "RuleError",
    "When",
    "WhenError",
    "cron_next_fires",
    "default_timezone",
    "describe",
    "describe_cron",
    "describe_recurrence",
    "explain",
    "get_zone",
    "iter_fires",
    "next_fire",
    "next_fires",
    "normalize_cron",
    "parse_delay",
    "parse_instant",
    "parse_recurrence",
    "parse_when",
    "validate_timezone",
]
