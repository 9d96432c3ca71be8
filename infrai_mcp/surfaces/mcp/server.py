"""Building the MCPServer: pick the tools (toolsets, read-only), write the instructions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from mcp.server.mcpserver import MCPServer
from starlette.applications import Starlette

from infrai_mcp import __version__
from infrai_mcp.backends.base import Backend
from infrai_mcp.config import TOOLSETS, Settings

from .registry import ToolContext, ToolDef, sdk_tool
from .timefields import server_timezone
from .tools_cron import cron
from .tools_jobs import jobs
from .tools_queue import queues
from .tools_schedule import schedules
from .tools_task import tasks
from .tools_time import when_tools
from .tools_webhook import webhooks

ALL_TOOLSETS = (cron, tasks, jobs, schedules, queues, webhooks, when_tools)
assert tuple(dict.fromkeys(t.name for t in ALL_TOOLSETS)) == TOOLSETS, "config.TOOLSETS and the toolsets must agree"

_INTRO = (
    "Scheduling tools: cron jobs (recurring HTTP requests), one-shot tasks, agent schedules with callbacks, "
    "message queues and signed webhooks."
)
_TIMES = (
    '- Times: every time field takes plain language ("every weekday at 9am", "in 20 minutes", "tomorrow at 3pm") '
    "or the exact form (cron, ISO 8601, seconds). Default timezone: {tz}; pass timezone (IANA) when the user "
    "means another."
)
_PREVIEW = " If a time is ambiguous, call when_preview first and confirm it with the user."
_CONFIRM = (
    "- Every create/update answers with the normalised schedule, its description and next fire times (UTC): "
    "tell the user what was scheduled."
)
_WAKE = (
    '- To be woken up later: schedule_create with callback_type="queue" and callback_id=<your inbox queue> '
    "(create it with queue_create); when it fires, a message {schedule_id, agent_id, run_id, fired_at, payload} "
    'arrives there: queue_consume it and queue_ack what you handled. callback_type="url" calls a URL; '
    '"workflow" starts a workflow run.'
)
_ERRORS = "- Errors say what to change; unknown ids: call the matching *_list tool."


def instructions(tz: str, tools: list[ToolDef], fires_from: str | None = None) -> str:
    """A few lines on using the tools, leaving out the ones about tools this server does not
    expose (toolsets, read-only): pointing the model at a tool it cannot see costs a failed call."""
    names = {t.name for t in tools}
    lines = [_INTRO, _TIMES.format(tz=tz) + (_PREVIEW if "when_preview" in names else "")]
    if any(not t.read_only for t in tools):
        lines.append(_CONFIRM)
    if fires_from:
        lines.append(f"- Where jobs fire: {fires_from}")
    if {"schedule_create", "queue_consume"} <= names:
        lines.append(_WAKE)
    lines.append(_ERRORS)
    return "\n".join(lines)


def select_tools(settings: Settings) -> list[ToolDef]:
    """The tools this server exposes: the configured toolsets, only read-only ones if asked."""
    wanted = set(settings.toolsets)
    chosen = [t for ts in ALL_TOOLSETS for t in ts.tools if wanted & {t.toolset, *t.also}]
    if settings.read_only:
        chosen = [t for t in chosen if t.read_only]
    return chosen


def build_server(
    backend: Backend,
    settings: Settings,
    *,
    lifespan: Callable[[], AbstractAsyncContextManager[Any]] | None = None,
    fires_from: Callable[[], str] | None = None,
) -> MCPServer[Any]:
    """The MCP server over ``backend``.

    ``lifespan`` (optional) is entered when the server starts and left when it stops; the
    ``infrai-mcp mcp`` command passes the embedded engine there so jobs fire while the server
    is up. The SDK enters the lifespan once per process for stdio and Streamable HTTP (and
    once per in-memory ``Client`` connection in tests).
    """
    tz = server_timezone(settings.timezone)
    ctx = ToolContext(backend=backend, timezone=tz, fires_from=fires_from)
    chosen = select_tools(settings)
    tools = [sdk_tool(d, ctx) for d in chosen]

    server_lifespan = None
    if lifespan is not None:
        enter = lifespan

        @asynccontextmanager
        async def run_with(_: MCPServer[Any]) -> AsyncIterator[dict[str, Any]]:
            async with enter():
                yield {}

        server_lifespan = run_with

    return MCPServer(
        name="infrai-mcp",
        version=__version__,
        instructions=instructions(tz, chosen, fires_from() if fires_from else None),
        tools=tools,
        lifespan=server_lifespan,
    )


def http_app(server: MCPServer[Any], *, host: str = "127.0.0.1", path: str = "/mcp") -> Starlette:
    """Streamable HTTP as an ASGI app, serving ``path``.

    The SDK turns on DNS-rebinding protection (Host/Origin checks) when ``host`` is a loopback
    address; on other hosts put the server behind something that checks them.
    """
    return server.streamable_http_app(streamable_http_path=path, host=host)
