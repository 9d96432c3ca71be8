"""The Python SDK (``AsyncInfra``) over every Backend: embedded, remote in process, remote over
uvicorn. The dicts it returns are the same on each, with the seeds' aliases."""

from __future__ import annotations

from typing import Any

import pytest

from infrai_mcp.backends.base import Backend
from infrai_mcp.core.errors import InvalidInput, NotFound
from infrai_mcp.sdk import AsyncInfra

pytestmark = pytest.mark.anyio
DIGEST = {"segment": "active-users"}


@pytest.fixture
def infra(backend: Backend) -> AsyncInfra:
    return AsyncInfra(backend=backend)


async def test_cron_as_seed_000_reads_it(infra: AsyncInfra) -> None:
    job = await infra.cron.create("0 9 * * *", "send-daily-digest", name="daily-digest", timezone="UTC",
                                  payload=DIGEST)
    cron_id = job.get("id") or job.get("cron_id")
    assert cron_id == job["cron_id"] and cron_id.startswith("cj_")
    assert (job["task"], job["task_type"], job["queue"], job["cron_expr"], job["retry"]) == (
        "send-daily-digest", "queue", "send-daily-digest", "0 9 * * *", 3)
    assert "was created" in job["warnings"][0]
    listed = (await infra.cron.list()).get("items", [])
    assert [(j.get("cron_id"), j.get("schedule")) for j in listed] == [(cron_id, "0 9 * * *")]
    assert listed[0]["next_run_at"].endswith("T09:00:00Z")

    assert (await infra.cron.pause(cron_id))["enabled"] is False
    assert (await infra.cron.resume(cron_id))["enabled"] is True
    moved = await infra.cron.update(cron_id, cron_expr="30 8 * * 1-5", task="https://example.com/digest")
    assert (moved["schedule"], moved["url"], moved["queue"]) == ("30 8 * * 1-5", "https://example.com/digest", None)
    run = await infra.cron.trigger(cron_id)
    assert run["trigger"] == "manual" and run["id"] == run["run_id"]
    assert [r["run_id"] for r in (await infra.cron.runs(cron_id))["items"]] == [run["run_id"]]
    assert (await infra.cron.run(cron_id, run["run_id"]))["cron_id"] == cron_id
    assert (await infra.cron.retention(cron_id, 7))["retention_days"] == 7
    assert (await infra.cron.retention(cron_id))["retention_days"] == 7
    assert await infra.cron.delete(cron_id) == {"cron_id": cron_id, "id": cron_id, "deleted": True}
    with pytest.raises(NotFound):
        await infra.cron.get(cron_id)


async def test_bad_arguments_raise_before_anything_is_stored(infra: AsyncInfra) -> None:
    with pytest.raises(InvalidInput) as info:
        await infra.cron.create("not a cron", "q")
    assert info.value.field == "schedule"
    with pytest.raises(InvalidInput) as info:
        await infra.cron.create("0 9 * * *", "bad queue name!")
    assert info.value.field == "queue"
    with pytest.raises(InvalidInput):
        infra.queue.publish("q", {"x": 1}, delay_seconds=-1)  # refused when called, before any await
    assert (await infra.cron.list())["items"] == [] and (await infra.queue.list())["items"] == []


async def test_tasks_and_runs(infra: AsyncInfra) -> None:
    task = await infra.task.schedule("https://example.com/once", delay_seconds=3600, payload={"a": 1})
    assert (task["task_type"], task["state"]) == ("http_url", "scheduled")
    later = await infra.task.schedule("reminders", "2099-01-01T09:00:00Z")
    assert (later["queue"], later["run_at"]) == ("reminders", "2099-01-01T09:00:00Z")
    assert [t["task_id"] for t in (await infra.task.list())["items"]] == [task["task_id"], later["task_id"]]
    assert (await infra.task.cancel(task["task_id"]))["state"] == "cancelled"
    assert (await infra.task.get(task["task_id"]))["state"] == "cancelled"
    assert (await infra.run.list())["items"] == []


async def test_queue_publish_consume_ack_nack_dlq(infra: AsyncInfra) -> None:
    msg = await infra.queue.publish("send-daily-digest", {"user_id": "u_123", "kind": "manual-trigger"},
                                    delay_seconds=0)
    assert (msg.get("message_id") or msg.get("id")) == msg["id"] and msg["id"].startswith("msg_")
    assert "was created" in msg["warnings"][0]
    await infra.queue.create("jobs", dead_letter_queue=None, max_retries=0)
    batch = await infra.queue.publish_batch("jobs", [{"payload": 1}, {"payload": 2}])
    assert len(batch["message_ids"]) == 2
    got = (await infra.queue.consume("jobs", max_messages=2))["messages"]
    assert [m["payload"] for m in got] == [1, 2] and all(m["receipt"] for m in got)
    assert (await infra.queue.ack("jobs", got[0]["message_id"]))["acked"] is True
    nacked = await infra.queue.nack("jobs", got[1]["message_id"], requeue=False, error="bad")
    assert nacked["nacked"] and not nacked["requeued"]
    dead = (await infra.queue.dlq_list("jobs"))["items"]
    assert [d["message_id"] for d in dead] == [got[1]["message_id"]]
    assert (await infra.queue.dlq_redrive("jobs"))["redriven"] == 1
    stats = await infra.queue.stats("jobs")
    assert (stats["available"], stats["in_flight"]) == (1, 0)
    assert (await infra.queue.purge("jobs"))["purged"] == 1
    assert (await infra.queue.update("jobs", max_retries=5))["max_retries"] == 5
    assert (await infra.queue.delete("jobs"))["deleted"] is True


async def test_async_listen_acks_each_handled_message(infra: AsyncInfra) -> None:
    for n in range(3):
        await infra.queue.publish("work", {"n": n})
    seen: list[Any] = []
    async for msg in infra.queue.listen("work", wait_seconds=0, until_empty=True):
        seen.append(msg["payload"]["n"])
    assert seen == [0, 1, 2]
    stats = await infra.queue.stats("work")
    assert (stats["available"], stats["in_flight"]) == (0, 0)  # all acked


async def test_webhook_send_answers_delivery_id_and_state(infra: AsyncInfra) -> None:
    d = await infra.webhook.send("https://example.com/hooks/order", {"order_id": "ord_42", "status": "paid"})
    assert d.get("delivery_id", "").startswith("dlv_") and d.get("state") == "pending"
    assert (await infra.webhook.get(d["delivery_id"]))["delivery_id"] == d["delivery_id"]
    assert [x["delivery_id"] for x in (await infra.webhook.list())["items"]] == [d["delivery_id"]]
