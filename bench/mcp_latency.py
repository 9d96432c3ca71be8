"""Latency of MCP tool calls: cron_get and queue_publish next to a bare SDK echo tool.

Both run in the same process and the same run, in memory (SDK ``Client(server)``) and over
stdio (a real ``infrai-mcp`` subprocess vs a bare SDK server subprocess), so the difference
is what our layer adds: argument validation, the backend call into the engine (SQLite),
result building. The floor for each tool is an echo whose answer has the same size (the
SDK's stdio cost grows with the bytes moved), timed alternately with the tool, call by call.
Target: p50 overhead <= 2 ms above the floor.

    .venv/bin/python bench/mcp_latency.py [--calls 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.server.mcpserver import MCPServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.mcp import build_server


def echo_server() -> MCPServer[Any]:
    server: MCPServer[Any] = MCPServer("echo")

    @server.tool()
    async def echo(text: str) -> str:
        """Return text."""
        return text

    return server


def percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[int(len(samples) * 0.99) - 1]


async def measure_pair(
    n: int, floor: Callable[[], Awaitable[Any]], tool: Callable[[], Awaitable[Any]]
) -> tuple[list[float], list[float]]:
    """Time the floor and the tool alternately, call by call, so both see the same machine load
    (on a shared box the load drifts more between two back-to-back runs than the tool costs)."""
    for _ in range(min(200, n // 10)):  # warm up: caches, first SQLite pages, lazy imports
        await floor()
        await tool()
    a: list[float] = []
    b: list[float] = []
    for _ in range(n):
        for call, out in ((floor, a), (tool, b)):
            t0 = time.perf_counter()
            await call()
            out.append((time.perf_counter() - t0) * 1000)
    return a, b


async def run_set(label: str, ours: Client, echo: Client, n: int) -> list[tuple[str, float, float, str]]:
    """Each tool next to an echo whose answer has the same size: the SDK's own cost grows with
    the bytes it moves (over stdio ~1 ms per KB here), so that is the fair floor."""

    async def checked(client: Client, name: str, args: dict[str, Any]) -> int:
        res = await client.call_tool(name, args)
        if res.is_error:
            raise SystemExit(f"{name}: {res.content}")
        return len(res.content[0].text)  # type: ignore[union-attr]

    created = await ours.call_tool("cron_create", {"schedule": "@daily", "url": "http://127.0.0.1:9/x"})
    assert created.structured_content is not None
    cron_id = created.structured_content["cron_id"]
    await checked(ours, "queue_create", {"name": "bench"})
    calls = [
        ("cron_get", {"cron_id": cron_id}),
        ("queue_publish", {"queue": "bench", "payload": {"n": 1}}),
    ]
    rows: list[tuple[str, float, float, str]] = []
    for name, args in calls:
        size = await checked(ours, name, args)
        text = "x" * size
        floor, tool = await measure_pair(
            n,
            lambda text=text: checked(echo, "echo", {"text": text}),
            lambda name=name, args=args: checked(ours, name, args),
        )
        (e50, e99), (p50, p99) = percentiles(floor), percentiles(tool)
        rows.append((f"{label} echo {size} B (floor)", e50, e99, ""))
        rows.append((f"{label} {name}", p50, p99, f"{p50 - e50:+.2f}"))
    return rows


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    rows: list[tuple[str, float, float, str]] = []

    with tempfile.TemporaryDirectory() as home:
        settings = Settings(home=Path(home), timezone="UTC")
        async with Engine(settings) as engine:
            server = build_server(EmbeddedBackend(engine), settings)
            async with Client(server) as ours, Client(echo_server()) as echo:
                rows += await run_set("memory", ours, echo, args.calls)

    with tempfile.TemporaryDirectory() as home:
        exe = str(Path(sys.executable).parent / "infrai-mcp")
        ours_p = StdioServerParameters(command=exe, env={"INFRAI_HOME": home, "INFRAI_TIMEZONE": "UTC",
                                                         "INFRAI_BACKGROUND": "0"})  # in-process: the home is temporary
        echo_p = StdioServerParameters(command=sys.executable, args=[__file__, "--serve-echo"])
        async with Client(ours_p, read_timeout_seconds=60) as ours, Client(echo_p, read_timeout_seconds=60) as echo:
            rows += await run_set("stdio", ours, echo, max(200, args.calls // 4))

    print(f"{'call':30} {'p50 ms':>8} {'p99 ms':>8} {'p50 over floor':>15}")
    for name, p50, p99, extra in rows:
        print(f"{name:30} {p50:8.2f} {p99:8.2f} {extra:>15}")


if __name__ == "__main__":
    if "--serve-echo" in sys.argv:
        asyncio.run(echo_server().run_stdio_async())
    else:
        asyncio.run(main())
