"""Pausing and resuming groups: by ids, by part of the name, by agent; more than one only
after confirm=true; the same selectors resume what a pause stopped."""

from __future__ import annotations

import pytest

from tests.mcp.conftest import Tools

pytestmark = pytest.mark.anyio

URL = "https://example.com/hook"  # never called: nothing here fires within the test


async def test_pause_everything_of_one_agent_then_resume_it(tools: Tools) -> None:
    a1 = [await tools.ok("schedule_create", name=f"a1 job {n}", when="every day at 9am", callback_url=URL,
                         agent_id="a1") for n in range(3)]
    other = await tools.ok("schedule_create", name="other", when="every day at 9am", callback_url=URL, agent_id="a2")
    cron = await tools.ok("cron_create", name="a1 job cron", schedule="every hour", url=URL)

    text = await tools.err("pause", agent_id="a1")  # three jobs: the user has to agree first
    assert "confirm" in text and "3 jobs" in text and a1[0]["id"] in text
    assert all(s["status"] == "active" for s in (await tools.ok("schedule_list", agent_id="a1"))["items"])

    paused = await tools.ok("pause", agent_id="a1", confirm=True)
    assert {(p["id"], p["name"], p["status"]) for p in paused["items"]} == {
        (s["id"], s["name"], "paused") for s in a1
    }
    assert (await tools.ok("schedule_get", schedule_id=other["id"], agent_id="a2"))["status"] == "active"
    assert (await tools.ok("cron_get", cron_id=cron["cron_id"]))["status"] == "active"  # no agent: untouched
    upcoming = {f["id"] for f in (await tools.ok("upcoming", hours=48))["fires"]}
    assert not upcoming & {s["id"] for s in a1} and other["id"] in upcoming

    again = await tools.ok("pause", agent_id="a1")  # nothing left to pause: no confirm needed, no change
    assert {p["status"] for p in again["items"]} == {"paused"}
    resumed = await tools.ok("pause", resume=True, agent_id="a1", confirm=True)
    assert {p["status"] for p in resumed["items"]} == {"active"} and len(resumed["items"]) == 3
    assert all(p["next_run"] for p in resumed["items"])


async def test_pause_by_name_across_kinds_and_by_ids(tools: Tools) -> None:
    c1 = await tools.ok("cron_create", name="Payroll export", schedule="every day at 6am", url=URL)
    c2 = await tools.ok("cron_create", name="cleanup", schedule="every hour", url=URL)
    s1 = await tools.ok("schedule_create", name="payroll reminder", when="every friday at 4pm", callback_url=URL)
    paused = await tools.ok("pause", name="payroll", confirm=True)
    assert {(p["id"], p["kind"]) for p in paused["items"]} == {(c1["cron_id"], "cron"), (s1["id"], "schedule")}
    assert (await tools.ok("cron_get", cron_id=c2["cron_id"]))["status"] == "active"
    (one,) = (await tools.ok("pause", resume=True, ids=[c1["cron_id"]]))["items"]  # one job: no confirm needed
    assert one == {**one, "id": c1["cron_id"], "status": "active", "name": "Payroll export"}
    assert (await tools.ok("schedule_get", schedule_id=s1["id"]))["status"] == "paused"

    text = await tools.err("pause", ids=["cj_nope"])
    assert "cj_nope" in text and "cron_list" in text
    text = await tools.err("pause")
    assert "ids" in text and "name" in text and "agent_id" in text
