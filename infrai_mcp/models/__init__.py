"""Pydantic models shared by every layer: requests (validated input) and records (output)."""

from __future__ import annotations

from infrai_mcp.models.common import *  # noqa: F403
from infrai_mcp.models.jobs import *  # noqa: F403
from infrai_mcp.models.queues import *  # noqa: F403
from infrai_mcp.models.schedules import *  # noqa: F403
from infrai_mcp.models.webhooks import *  # noqa: F403
