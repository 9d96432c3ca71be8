"""JobService: cron jobs, one-shot tasks and agent schedules (operations take the project first)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from infrai_mcp.engine.engine import Engine


class JobService:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
