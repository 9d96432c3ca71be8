"""Queue and webhook tools through the SDK client in memory."""

from __future__ import annotations

from typing import Any

import pytest

from tests.mcp.conftest import Tools
from tests.receiver import Receiver
from tests.waiting import until

pytestmark = pytest.mark.anyio


async def test_queue_lifecycle(tools: Tools) -> None:
    await tools.ok("queue_create", name="jobs-dlq")
    q = await tools.ok("queue_create", name="jobs", dead_letter_queue="jobs-dlq", max_receives=2)
    assert q["queue"] == "jobs" and q["max_receives"] == 2 and "max_retries" not in q
    assert (await tools.ok("queue_get", queue="jobs"))["dead_letter_queue"] == "jobs-dlq"
    assert {x["queue"] for x in (await tools.ok("queue_list"))["items"]} == {"jobs", "jobs-dlq"}
    upd = await tools.ok("queue_update", queue="jobs", visibility_timeout_default=60)
    assert upd["visibility_timeout_default"] == 60

    (one,) = (await tools.ok("queue_publish", queue="jobs", payload={"n": 1}, idempotency_key="k1"))["items"]
    (again,) = (await tools.ok("queue_publish", queue="jobs", payload={"n": 1}, idempotency_key="k1"))["items"]
    assert again["message_id"] == one["message_id"] and again["duplicate"] is True
    batch = await tools.ok("queue_publish", queue="jobs", messages=[{"payload": {"n": 2}}, {"payload": {"n": 3}}])
    assert len(batch["items"]) == 2
    (later,) = (await tools.ok("queue_publish", queue="jobs", payload={"n": 4}, delay="5 minutes"))["items"]
    stats = await tools.ok("queue_get", queue="jobs")  # settings and counts in one answer
    assert stats["available"] == 3 and stats["delayed"] == 1 and later["message_id"] and stats["max_receives"] == 2

    got = (await tools.ok("queue_consume", queue="jobs", max_messages=3))["messages"]
    assert [m["payload"]["n"] for m in got] == [1, 2, 3]
    acked = await tools.ok("queue_ack", queue="jobs", receipts=[got[0]["receipt"]])
    assert [(a["message_id"], a["acked"]) for a in acked["items"]] == [(got[0]["message_id"], True)]
    requeued = await tools.ok("queue_nack", queue="jobs", receipt=got[1]["receipt"], requeue=True)
    assert requeued["requeued"] is True
    dead = await tools.ok("queue_nack", queue="jobs", receipt=got[2]["receipt"], requeue=False, error="bad input")
    assert dead["dead_lettered"] is True
    dlq = await tools.ok("queue_dlq_list", queue="jobs")
    assert [m["payload"]["n"] for m in dlq["items"]] == [3]
    assert (await tools.ok("queue_dlq_redrive", queue="jobs"))["redriven"] == 1
    assert (await tools.ok("queue_purge", queue="jobs"))["purged"] >= 2
    text = await tools.err("queue_delete", queue="jobs-dlq")  # still jobs' DLQ
    assert "jobs-dlq" in text
    assert (await tools.ok("queue_delete", queue="jobs"))["deleted"] is True


async def test_queue_errors(tools: Tools) -> None:
    text = await tools.err("queue_consume", queue="nope")
    assert "nope" in text and "queue_list" in text
    text = await tools.err("queue_create", name="bad name!")
    assert "name" in text
    text = await tools.err("queue_publish", queue="nope", payload={}, delay="whenever")
    assert "delay" in text
    text = await tools.err("queue_consume", queue="q", max_messages=1000)
    assert "max_messages" in text


async def test_push_subscription_delivers(tools: Tools, receiver: Receiver) -> None:
    await tools.ok("queue_create", name="events")
    sub = await tools.ok("queue_push_subscribe", queue="events", url=receiver.url("/push"), secret="s3cret-value")
    assert sub["has_secret"] is True and "secret" not in sub
    await tools.ok("queue_publish", queue="events", payload={"e": 1})
    got = await receiver.wait_for(1, path="/push", timeout=10)
    assert "webhook-signature" in got[0].headers


async def test_webhook_send_and_get(tools: Tools, receiver: Receiver) -> None:
    sent = await tools.ok("webhook_send", url=receiver.url("/w"), payload={"order": 42})
    assert sent["state"] in ("pending", "delivering", "succeeded")
    got = await receiver.wait_for(1, path="/w", timeout=10)
    assert got[0].json() == {"order": 42} and got[0].headers["webhook-id"] == sent["webhook_id"]

    async def done() -> dict[str, Any] | None:
        d = await tools.ok("webhook_get", delivery_id=sent["delivery_id"])
        return d if d["state"] == "succeeded" else None

    d = await until(done, what="delivery succeeded")
    assert d["response_status"] == 200 and d["attempts"]
    text = await tools.err("webhook_get", delivery_id="dlv_nope")
    assert "dlv_nope" in text
    text = await tools.err("webhook_send", url="not a url")
    assert "url" in text


async def test_priority_a_queue_ignores_is_published_with_a_warning(tools: Tools) -> None:
    await tools.ok("queue_create", name="plain")
    await tools.ok("queue_create", name="f", type="fifo")
    (one,) = (await tools.ok("queue_publish", queue="plain", payload={"a": 1}, priority=5))["items"]
    (warning,) = one["warnings"]
    assert warning.startswith("priority 5 was ignored: queue 'plain' does not have enable_priority")
    assert "enable_priority: true" in warning
    batch = await tools.ok("queue_publish", queue="f", messages=[{"payload": 1, "priority": 2}, {"payload": 2}])
    assert batch["items"][0]["warnings"][0].startswith("messages[0].priority 2 was ignored: queue 'f' is FIFO")
    assert "warnings" not in batch["items"][1]
    assert (await tools.ok("queue_get", queue="f"))["available"] == 2
    got = (await tools.ok("queue_consume", queue="plain"))["messages"]
    assert [(m["message_id"], m["priority"]) for m in got] == [(one["message_id"], 5)]
    await tools.ok("queue_update", queue="plain", enable_priority=True)
    assert "warnings" not in (await tools.ok("queue_publish", queue="plain", payload={"a": 2}, priority=5))["items"][0]


async def test_max_receives_is_the_number_of_deliveries(tools: Tools) -> None:
    """3 means received at most 3 times (SQS maxReceiveCount), then dead-lettered."""
    await tools.ok("queue_create", name="poison-dlq")
    await tools.ok("queue_create", name="poison", dead_letter_queue="poison-dlq", max_receives=3)
    await tools.ok("queue_publish", queue="poison", payload={"bad": True})
    received = 0
    for _ in range(5):
        got = (await tools.ok("queue_consume", queue="poison"))["messages"]
        if not got:
            break
        received += 1
        await tools.ok("queue_nack", queue="poison", receipt=got[0]["receipt"], error="cannot handle it")
    assert received == 3
    assert (await tools.ok("queue_get", queue="poison"))["available"] == 0
    assert [m["payload"] for m in (await tools.ok("queue_dlq_list", queue="poison"))["items"]] == [{"bad": True}]
    assert (await tools.ok("queue_update", queue="poison", max_receives=1))["max_receives"] == 1


async def test_ack_several_messages_in_one_call(tools: Tools) -> None:
    await tools.ok("queue_create", name="work")
    await tools.ok("queue_publish", queue="work", messages=[{"payload": n} for n in range(4)])
    got = (await tools.ok("queue_consume", queue="work", max_messages=4))["messages"]
    acked = await tools.ok("queue_ack", queue="work", receipts=[m["receipt"] for m in got])
    assert [a["message_id"] for a in acked["items"]] == [m["message_id"] for m in got]
    assert all(a["acked"] for a in acked["items"])
    assert (await tools.ok("queue_get", queue="work"))["available"] == 0
    assert (await tools.ok("queue_consume", queue="work"))["messages"] == []
    again = await tools.ok("queue_ack", queue="work", receipts=[got[0]["receipt"]])  # idempotent: no error
    assert again["items"][0]["acked"] is False and again["items"][0]["reason"]
    text = await tools.err("queue_ack", queue="work")
    assert "receipts" in text
    text = await tools.err("queue_publish", queue="work")
    assert "payload" in text and "messages" in text
