"""Time: plain-language phrases → once / delayed / cron, cron validation, next fire times.

The one module that knows about cron libraries and DST. See README ("Time phrases").
"""

from __future__ import annotations

from infrai_mcp.when.cron import (
    CronError,
    explain,
    get_zone,
    iter_fires,
    next_fire,
    next_fires,
    normalize_cron,
    validate_timezone,
)

__all__ = [
    "CronError",
    "explain",
    "get_zone",
    "iter_fires",
    "next_fire",
    "next_fires",
    "normalize_cron",
    "validate_timezone",
]
