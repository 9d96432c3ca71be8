"""Agent schedules (seed 004), one-shot tasks and runs, through the SDK client in memory."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.mcp.conftest import TZ, Tools
from tests.receiver import Receiver
from tests.waiting import until

pytestmark = pytest.mark.anyio


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_agent_is_woken_through_its_inbox_queue(tools: Tools) -> None:
    await tools.ok("queue_create", name="inbox")
    s = await tools.ok(
        "schedule_create", name="remind me", when="in 2 seconds", callback_type="queue", callback_id="inbox",
        payload={"note": "check the build"}, agent_id="a1",
    )
    assert s["type"] == "delayed" and s["status"] == "active" and s["delay_seconds"] == 2
    assert timedelta(0) < ts(s["next_run"]) - datetime.now(UTC) <= timedelta(seconds=2)

    async def woken() -> list[dict[str, Any]]:
        got = await tools.ok("queue_consume", queue="inbox", wait_seconds=1)
        return got["messages"]  # type: ignore[no-any-return]

    messages = await until(woken, timeout=15, what="a message in the inbox")
    envelope = messages[0]["payload"]
    assert envelope["payload"] == {"note": "check the build"}
    assert envelope["schedule_id"] == s["id"] and envelope["agent_id"] == "a1"
    await tools.ok("queue_ack", queue="inbox", receipts=[messages[0]["receipt"]])

    async def completed() -> dict[str, Any] | None:
        # the execution's outcome is written just after the schedule is marked completed
        got = await tools.ok("schedule_get", schedule_id=s["id"], agent_id="a1")
        ok = got["status"] == "completed" and got["executions"] and got["executions"][0]["status"] == "success"
        return got if ok else None

    done = await until(completed, what="schedule completed with a successful execution")
    assert done["next_fires"] == []
    listed = await tools.ok("schedule_list", agent_id="a1", status="completed", type="delayed")
    assert [x["id"] for x in listed["items"]] == [s["id"]]
    assert (await tools.ok("schedule_list", agent_id="a1", status="active"))["items"] == []


async def test_schedule_types_explicit_and_from_phrases(tools: Tools, receiver: Receiver) -> None:
    cron = await tools.ok("schedule_create", name="daily", when="every day at 9am", callback_url=receiver.url())
    assert cron["type"] == "cron" and cron["cron_expression"] == "0 9 * * *" and cron["timezone"] == TZ
    assert len(cron["next_fires"]) == 5 and "09:00" in cron["description"]
    once = await tools.ok(
        "schedule_create", name="o", type="once", next_run="tomorrow at 3pm", callback_url=receiver.url()
    )
    assert once["type"] == "once" and ts(once["next_run"]) > datetime.now(UTC)
    await tools.ok("queue_create", name="inbox")
    delayed = await tools.ok(
        "schedule_create", name="d", type="delayed", delay_seconds="20 minutes", callback_type="queue",
        callback_id="inbox",
    )
    assert delayed["delay_seconds"] == 1200 and delayed["callback_type"] == "queue"
    exact = await tools.ok(
        "schedule_create", name="c", type="cron", cron_expression="0 9 * * 1", callback_url=receiver.url()
    )
    assert exact["cron_expression"] == "0 9 * * 1"

    upd = await tools.ok("schedule_update", schedule_id=cron["id"], when="every weekday at 10am", name="d2")
    assert upd["cron_expression"] == "0 10 * * 1-5" and upd["name"] == "d2"
    paused = await tools.ok("schedule_update", schedule_id=cron["id"], status="paused")
    assert paused["status"] == "paused" and paused["next_fires"] == []
    assert {x["id"] for x in (await tools.ok("schedule_list", type="cron"))["items"]} == {cron["id"], exact["id"]}
    assert (await tools.ok("schedule_delete", schedule_id=cron["id"]))["deleted"] is True
    text = await tools.err("schedule_get", schedule_id=cron["id"])
    assert cron["id"] in text and "schedule_list" in text


async def test_schedule_errors(tools: Tools, receiver: Receiver) -> None:
    text = await tools.err("schedule_create", name="x", when="whenever", callback_url=receiver.url())
    assert "when" in text and "Accepted examples" in text
    text = await tools.err("schedule_create", name="x", when="in 5 minutes", callback_type="queue")
    assert "callback_id" in text
    text = await tools.err("schedule_create", name="x", callback_url=receiver.url())
    assert "when" in text and "type" in text
    text = await tools.err(
        "schedule_create", name="x", type="once", next_run="every day at 9am", callback_url=receiver.url()
    )
    assert "next_run" in text and "repeats" in text
    text = await tools.err("schedule_create", name="x", when="in 5 minutes", type="cron", callback_url=receiver.url())
    assert "type" in text and "delayed" in text
    text = await tools.err("schedule_list", status="done")
    assert "status" in text
    text = await tools.err("schedule_create", name="x", when="in 5 minutes", callback_type="queue", callback_id="inbox")
    assert "callback_id" in text and "'inbox'" in text and "create the queue first" in text
    text = await tools.err("schedule_create", name="x", when="in 5 minutes", callback_type="workflow", callback_id="w")
    assert "INFRAI_WORKFLOW_URL" in text and "callback_type 'url'" in text
    assert (await tools.ok("schedule_list"))["items"] == []


async def test_task_in_two_seconds_fires_and_run_is_listed(tools: Tools, receiver: Receiver) -> None:
    task = await tools.ok("task_schedule", run_at="in 2 seconds", url=receiver.url("/t"), payload={"x": 1})
    assert task["state"] == "scheduled" and task["timezone"] == TZ
    assert timedelta(0) < ts(task["run_at"]) - datetime.now(UTC) <= timedelta(seconds=2)
    got = await receiver.wait_for(1, path="/t", timeout=15)
    assert got[0].json() == {"x": 1}

    async def succeeded() -> list[dict[str, Any]]:
        runs = await tools.ok("run_list", job_id=task["task_id"], state="succeeded")
        return runs["items"]  # type: ignore[no-any-return]

    runs = await until(succeeded, what="task run succeeded")
    assert runs[0]["response_status"] == 200
    text = await tools.err("task_cancel", task_id=task["task_id"])
    assert "cancel" in text.lower()


async def test_task_delay_cancel_and_errors(tools: Tools, receiver: Receiver) -> None:
    task = await tools.ok("task_schedule", delay="20 minutes", url=receiver.url())
    assert timedelta(minutes=19) < ts(task["run_at"]) - datetime.now(UTC) <= timedelta(minutes=20)
    assert (await tools.ok("task_cancel", task_id=task["task_id"]))["state"] == "cancelled"
    by_seconds = await tools.ok("task_schedule", delay=90, url=receiver.url())
    assert timedelta(seconds=80) < ts(by_seconds["run_at"]) - datetime.now(UTC) <= timedelta(seconds=90)
    text = await tools.err("task_schedule", run_at="every day at 9am", url=receiver.url())
    assert "cron_create" in text and "run_at" in text
    text = await tools.err("task_schedule", run_at="yesterday at 9am", url=receiver.url())
    assert "past" in text
    text = await tools.err("task_schedule", url=receiver.url())
    assert "run_at" in text and "delay" in text
    text = await tools.err("task_cancel", task_id="tk_nope")
    assert "tk_nope" in text and "task_list" in text


async def test_schedule_update_keeps_the_type(tools: Tools, receiver: Receiver) -> None:
    cron = await tools.ok("schedule_create", name="c", when="every day at 9am", callback_url=receiver.url())
    text = await tools.err("schedule_update", schedule_id=cron["id"], when="in 5 minutes")
    assert "when" in text and "'cron'" in text and "schedule_create" in text
    once = await tools.ok("schedule_create", name="o", when="tomorrow at 3pm", callback_url=receiver.url())
    moved = await tools.ok("schedule_update", schedule_id=once["id"], when="in 2 hours")
    assert timedelta(minutes=119) < ts(moved["next_run"]) - datetime.now(UTC) <= timedelta(hours=2)
    text = await tools.err("schedule_update", schedule_id=once["id"], when="every monday")
    assert "when" in text and "'once'" in text


async def test_schedule_list_without_agent_id_lists_every_agent(tools: Tools, receiver: Receiver) -> None:
    a = await tools.ok("schedule_create", name="a", when="in 1 hour", callback_url=receiver.url(), agent_id="a1")
    b = await tools.ok("schedule_create", name="b", when="in 1 hour", callback_url=receiver.url(), agent_id="a2")
    d = await tools.ok("schedule_create", name="d", when="in 1 hour", callback_url=receiver.url())
    everyone = await tools.ok("schedule_list")
    assert [x["id"] for x in everyone["items"]] == [a["id"], b["id"], d["id"]]
    assert [x["id"] for x in (await tools.ok("schedule_list", agent_id="a2"))["items"]] == [b["id"]]
    assert [x["id"] for x in (await tools.ok("schedule_list", agent_id="default"))["items"]] == [d["id"]]
    first = await tools.ok("schedule_list", limit=2)
    rest = await tools.ok("schedule_list", limit=2, cursor=first["next_cursor"])
    assert [x["id"] for x in first["items"] + rest["items"]] == [a["id"], b["id"], d["id"]]


async def test_malformed_cursor_names_cursor(tools: Tools) -> None:
    for tool in ("schedule_list", "run_list", "cron_list", "queue_list"):
        text = await tools.err(tool, cursor="garbage")
        assert "cursor" in text and "next_cursor" in text and "omit it" in text, tool
