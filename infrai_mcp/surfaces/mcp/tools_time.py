"""The time tool: try a phrase before using it. Reads nothing, writes nothing."""

from __future__ import annotations

from pydantic import Field

from .fields import Timezone
from .registry import ToolContext, ToolInput, Toolset
from .timefields import SchedulePreview, preview, resolve_when, zone

when_tools = Toolset("time")


class WhenPreviewIn(ToolInput):
    when: str = Field(
        description="A phrase ('every weekday at 9am', 'in 20 minutes', 'tomorrow at 3pm', '每周一上午10点'), "
        "ISO 8601 or cron."
    )
    timezone: Timezone = None


@when_tools.tool("Preview a time phrase", read_only=True)
async def when_preview(ctx: ToolContext, args: WhenPreviewIn) -> SchedulePreview:
    """How a time phrase is understood: type, exact form, timezone, description, next 5 fires (UTC and local)
    and warnings. Changes nothing; use it to confirm ambiguous times."""
    now = ctx.now()
    tz = zone(args.timezone, ctx.timezone)
    return preview(resolve_when(args.when, field="when", tz=tz, now=now), now, text=args.when)
