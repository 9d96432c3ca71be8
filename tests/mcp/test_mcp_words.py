"""Errors say what is accepted, in words with an example, never in the validator's wording;
booleans are strict; every refused call is an isError result and changes nothing."""

from __future__ import annotations

import pytest

from tests.mcp.conftest import Tools

pytestmark = pytest.mark.anyio

URL = "https://example.com/hook"
LIBRARY_WORDING = ("Input should", "String should", "should match pattern", "^[", "valid datetime or date")


def plain(text: str) -> str:
    for phrase in LIBRARY_WORDING:
        assert phrase not in text, text
    return text


async def test_booleans_are_true_or_false_only(tools: Tools) -> None:
    for value in ("yes", "true", 1):
        text = plain(await tools.err("cron_create", url=URL, schedule="every day at 9am", enabled=value))
        assert "enabled" in text and "true or false" in text
    assert (await tools.ok("cron_list"))["items"] == []  # nothing was created
    job = await tools.ok("cron_create", url=URL, schedule="every day at 9am", enabled=False)
    assert job["status"] == "paused"


async def test_errors_name_the_field_and_what_it_takes(tools: Tools) -> None:
    text = plain(await tools.err("queue_create", name="bad name!"))
    assert "name" in text and "letters, digits" in text and "e.g. 'orders-eu'" in text
    await tools.ok("queue_create", name="q")
    text = plain(await tools.err("queue_dlq_redrive", queue="q", since="2026-13"))
    assert "since" in text and "ISO 8601" in text and "2026-12-01T09:00:00Z" in text
    text = plain(await tools.err("cron_list", limit=0))
    assert "limit: must be at least 1" in text
    text = plain(await tools.err("cron_create", url=URL, schedule="every day at 9am", retries="three"))
    assert "retries" in text and "whole number" in text
    text = plain(await tools.err("queue_create", name="q2", type="lifo"))
    assert "type" in text and "'standard' or 'fifo'" in text
    text = plain(await tools.err("cron_create", url="ftp://example.com/x", schedule="every day at 9am"))
    assert "url" in text and "http" in text
    text = plain(await tools.err("queue_publish", queue="q", payload=1, group_id=["a"]))
    assert "group_id" in text
    assert [x["queue"] for x in (await tools.ok("queue_list"))["items"]] == ["q"]


async def test_answers_leave_out_fields_that_never_apply(tools: Tools) -> None:
    job = await tools.ok("cron_create", url=URL, schedule="every day at 9am")
    got = await tools.ok("cron_get", cron_id=job["cron_id"])
    assert "result_url" not in got and "events_url" not in got and got["url"] == URL
    await tools.ok("queue_create", name="inbox")
    s = await tools.ok("schedule_create", name="wake", when="every day at 9am", callback_type="queue",
                       callback_id="inbox")
    full = await tools.ok("schedule_get", schedule_id=s["id"])
    assert full["callback_type"] == "queue" and "callback_method" not in full
    u = await tools.ok("schedule_create", name="call", when="every day at 9am", callback_url=URL)
    assert (await tools.ok("schedule_get", schedule_id=u["id"]))["callback_method"] == "POST"
