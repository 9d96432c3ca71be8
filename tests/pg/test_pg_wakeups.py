"""Cross-process wake-ups: commits in one process reach another's listeners via NOTIFY."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.models import MessageIn, QueueCreate, TaskCreate, WebhookSend
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.store.postgres.store import PostgresStore
from infrai_mcp.store.queues import NewMessage

pytestmark = pytest.mark.anyio
T0 = 1_800_000_000.0


async def test_due_work_and_publishes_wake_listeners_in_another_store(pg_url: str) -> None:
    writer, reader = PostgresStore(pg_url, pool_size=2), PostgresStore(pg_url, pool_size=2)
    await writer.open()
    await reader.open()
    try:
        got: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        reader.add_wake_listener(lambda kind, detail: got.put_nowait((kind, detail)))
        await writer.insert_job({
            "id": "tk_wake", "project": "p", "kind": "task", "url": "http://127.0.0.1:9/", "method": "POST",
            "status": "scheduled", "retries": 0, "timeout_seconds": 5, "retention_days": 1,
            "overlap_policy": "allow", "misfire_policy": "run_once", "callback_type": "url", "timezone": "UTC",
            "run_at": T0, "next_run_at": T0, "created_at": T0, "updated_at": T0,
        })
        assert await asyncio.wait_for(got.get(), 5) == ("due", "")
        await writer.insert_queue({
            "project": "p", "name": "inbox", "id": "q_1", "type": "standard", "dead_letter_queue": None,
            "max_retries": 3, "message_retention_days": 1, "visibility_timeout_default": 30,
            "enable_priority": 0, "created_at": T0}, None, T0)
        await writer.publish("p", "inbox", [NewMessage(payload="1")], now=T0, dedup_since=T0 - 60)
        assert await asyncio.wait_for(got.get(), 5) == ("queue", "p/inbox")
        # The scheduler-side helper: returns as soon as due work is committed elsewhere.
        await reader.wait_for_due(0.2)  # consume the insert's wake-up first
        waiter = asyncio.create_task(reader.wait_for_due(5.0))
        await asyncio.sleep(0.05)
        await writer.release_runs("nobody", ["run_none"], T0)  # notifies even when nothing moved
        assert await waiter is True
    finally:
        await writer.close()
        await reader.close()


async def test_engines_sharing_a_database_wake_each_other(pg_url: str, tmp_path: Path) -> None:
    """Work committed through one engine wakes the other's scheduler, long-polls and
    delivery loop through NOTIFY, not only through their bounded polls."""
    settings = Settings(home=tmp_path, database_url=pg_url)
    a, b = Engine(settings, dispatch=False), Engine(settings, dispatch=False)
    woken: asyncio.Queue[tuple[str, ...]] = asyncio.Queue()
    # Observe (not replace) a's reactions: each records, then does what it always does.
    wake, notify, deliveries = a.wake, a.queues.notify, a.webhooks.wake
    a.wake = lambda: (woken.put_nowait(("due",)), wake())[-1]  # type: ignore[method-assign]
    a.queues.notify = lambda p, q: (woken.put_nowait(("queue", p, q)), notify(p, q))[-1]  # type: ignore[method-assign]
    a.webhooks.wake = lambda: (woken.put_nowait(("delivery",)), deliveries())[-1]  # type: ignore[method-assign]

    async def next_kind(kind: str) -> tuple[str, ...]:
        while True:
            got = await asyncio.wait_for(woken.get(), 10)
            if got[0] == kind:
                return got

    async with a, b:
        await b.jobs.task_schedule("p", TaskCreate(url="http://127.0.0.1:9/", delay_seconds=0))
        assert await next_kind("due") == ("due",)
        await b.queues.queue_create("p", QueueCreate(name="inbox"))
        await b.queues.queue_publish("p", "inbox", MessageIn(payload={"n": 1}))
        assert await next_kind("queue") == ("queue", "p", "inbox")
        await b.webhooks.webhook_send("p", WebhookSend(url="http://127.0.0.1:9/hook", payload={}))
        assert await next_kind("delivery") == ("delivery",)
