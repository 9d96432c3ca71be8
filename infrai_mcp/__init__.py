"""infrai-mcp: scheduling for LLM agents.

Cron jobs, one-shot and delayed tasks, agent schedules, message queues and signed
outbound webhooks, exposed as MCP tools and a REST API over one engine.
"""

from __future__ import annotations

__version__ = "0.1.0"
