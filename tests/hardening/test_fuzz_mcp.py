"""Hostile arguments to every MCP tool, through the SDK's in-memory Client to the real server
over a real engine (SQLite in tmp_path): never an exception or traceback in a result, an
error result is an ``isError`` text for the model, and an error result changes nothing
(every row of every table is compared before and after).

The engine does not dispatch (``dispatch=False``), so the only writer is the tool call.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import Client

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.mcp import build_server
from tests.hardening.conftest import snapshot
from tests.hardening.fuzz import args_for, hostile_value

# CI runs a fixed (derandomized) set of examples; INFRAI_FUZZ_RANDOM=1 and a larger
# INFRAI_FUZZ_EXAMPLES explore further (what found the bugs listed in docs/GUARANTEES.md).
EXAMPLES = int(os.environ.get("INFRAI_FUZZ_EXAMPLES", "25"))
DERANDOMIZE = os.environ.get("INFRAI_FUZZ_RANDOM", "") != "1"
LEAKS = ("Traceback", 'File "/', "infrai_mcp/", "sqlite3.", "pydantic_core", "Error at 0x")


@dataclass
class Harness:
    portal: BlockingPortal
    client: Client
    db: Path
    ids: dict[str, str]
    tools: dict[str, list[str]]


@pytest.fixture(scope="module")
def mcp_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    home = tmp_path_factory.mktemp("fuzz-mcp")
    with start_blocking_portal() as portal:
        engine = portal.wrap_async_context_manager(
            Engine(Settings(home=home, timezone="America/New_York"), dispatch=False))
        with engine as eng:
            server = build_server(EmbeddedBackend(eng), eng.settings)
            with portal.wrap_async_context_manager(Client(server)) as client:
                ids = portal.call(_seed, client)
                listed = portal.call(client.list_tools)
                tools = {t.name: list(t.input_schema.get("properties", {})) for t in listed.tools}
                yield Harness(portal, client, home / "infrai.db", ids, tools)


async def _seed(client: Client) -> dict[str, str]:
    async def ok(tool: str, /, **args: Any) -> dict[str, Any]:
        res = await client.call_tool(tool, args)
        assert not res.is_error and res.structured_content is not None, res.content
        return res.structured_content

    cron = await ok("cron_create", url="https://example.com/c", schedule="every day at 9am", secret="whsec_c2VjcmV0")
    task = await ok("task_schedule", url="https://example.com/t", delay="in 2 hours")
    sched = await ok("schedule_create", name="s", when="every monday at 10", callback_url="https://example.com/s")
    await ok("queue_create", name="q")
    pub = await ok("queue_publish", queue="q", payload={"n": 1})
    hook = await ok("webhook_send", url="https://example.com/w")
    return {"cron_id": cron["id"] if "id" in cron else cron["cron_id"], "task_id": task["task_id"],
            "schedule_id": sched["id"], "queue": "q", "message_id": pub["items"][0]["message_id"],
            "delivery_id": hook["delivery_id"]}


def base_args(tool: str, ids: dict[str, str]) -> dict[str, Any]:
    """A valid call of ``tool``: hostile values then replace some of its fields."""
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    base: dict[str, dict[str, Any]] = {
        "cron_create": {"url": "https://example.com/x", "schedule": "*/5 * * * *"},
        "cron_update": {"cron_id": ids["cron_id"], "schedule": "0 9 * * 1"},
        "task_schedule": {"url": "https://example.com/x", "run_at": later},
        "schedule_create": {"name": "n", "when": "in 3 hours", "callback_url": "https://example.com/x"},
        "schedule_update": {"schedule_id": ids["schedule_id"], "when": "every day at 8"},
        "queue_create": {"name": "fuzzq"},
        "queue_publish": {"queue": "q", "payload": {"a": 1}},
        "queue_consume": {"queue": "q", "wait_seconds": 0},
        "queue_push_subscribe": {"queue": "q", "url": "https://example.com/p"},
        "webhook_send": {"url": "https://example.com/x"},
        "when_preview": {"when": "every weekday at 9am"},
        "run_get": {"run_id": "run_x"},
        "pause": {"ids": [ids["cron_id"]]},
    }
    if tool in base:
        return dict(base[tool])
    out: dict[str, Any] = {}
    for key in ("cron_id", "task_id", "schedule_id", "queue", "delivery_id"):
        out[key] = ids[key]
    return out


def _json_safe(v: Any) -> bool:
    if isinstance(v, float):
        return math.isfinite(v)
    if isinstance(v, list):
        return all(_json_safe(x) for x in v)
    if isinstance(v, dict):
        return all(_json_safe(x) for x in v.values())
    return True


def tool_args(tool: str, props: list[str], ids: dict[str, str]) -> st.SearchStrategy[dict[str, Any]]:
    base = {k: v for k, v in base_args(tool, ids).items() if k in props}
    overridden = st.builds(lambda b, o: {**b, **o}, st.just(base),
                           st.dictionaries(st.sampled_from(props), hostile_value(), min_size=1, max_size=2)) \
        if props else st.just({})
    return st.one_of(overridden, args_for(props)).filter(_json_safe)


TOOLS = [
    "cron_create", "cron_list", "cron_get", "cron_update", "cron_delete", "pause",
    "cron_trigger", "run_get", "upcoming", "task_list", "task_get",
    "task_schedule", "task_cancel", "run_list", "schedule_create", "schedule_list", "schedule_get",
    "schedule_update", "schedule_delete", "queue_create", "queue_get", "queue_list", "queue_update",
    "queue_delete", "queue_purge", "queue_publish", "queue_consume",
    "queue_ack", "queue_nack", "queue_dlq_list", "queue_dlq_redrive", "queue_push_subscribe",
    "webhook_send", "webhook_get", "when_preview",
]


def test_every_tool_is_fuzzed(mcp_harness: Harness) -> None:
    # A new tool must join TOOLS (and, if it needs ids, base_args) so it is fuzzed too.
    assert sorted(TOOLS) == sorted(mcp_harness.tools), set(TOOLS) ^ set(mcp_harness.tools)


@pytest.mark.parametrize("tool", TOOLS)
def test_hostile_arguments(mcp_harness: Harness, tool: str) -> None:
    h = mcp_harness
    props = h.tools[tool]

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=DERANDOMIZE,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(args=tool_args(tool, props, h.ids))
    def check(args: dict[str, Any]) -> None:
        if tool == "queue_consume":
            w = args.get("wait_seconds")
            if isinstance(w, int | float) and not isinstance(w, bool) and 0 < w <= 20:
                args["wait_seconds"] = 0  # a valid long poll on an empty queue only waits
        before = snapshot(h.db)
        res = h.portal.call(h.client.call_tool, tool, args)
        text = " ".join(getattr(c, "text", "") for c in res.content)
        for leak in LEAKS:
            assert leak not in text, f"{tool}({args!r:.300}) leaked {leak!r}: {text[:500]}"
        if res.is_error:
            assert text.strip(), f"{tool}: empty error text"
            assert snapshot(h.db) == before, f"{tool}({args!r:.300}) failed but changed the store: {text[:300]}"

    check()


@pytest.mark.parametrize(("tool", "args", "says"), [
    ("queue_publish", {"queue": "q", "payload": "x" * (1024 * 1024 + 1)}, "1 MiB"),
    ("cron_create", {"url": "https://example.com/", "schedule": "@daily", "payload": "x" * (1024 * 1024 + 1)},
     "1 MiB"),
    ("cron_create", {"url": "https://example.com/", "schedule": "@daily",
                     "headers": {f"X-H{i}": "v" for i in range(51)}}, "50"),
    ("task_schedule", {"url": "https://example.com/", "delay": "in 1 hour", "headers": {"X-Big": "v" * 8193}},
     "8192"),
    ("webhook_send", {"url": "https://example.com/" + "a" * 2048}, "2048"),
    ("schedule_create", {"name": "n" * 201, "when": "in 1 hour", "callback_url": "https://example.com/"}, "200"),
])
def test_documented_limits(mcp_harness: Harness, tool: str, args: dict[str, Any], says: str) -> None:
    h = mcp_harness
    before = snapshot(h.db)
    res = h.portal.call(h.client.call_tool, tool, args)
    text = " ".join(getattr(c, "text", "") for c in res.content)
    assert res.is_error and says in text, text[:500]
    assert snapshot(h.db) == before
