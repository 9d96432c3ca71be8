"""Everything an agent scheduled is visible to it: tasks listed and read, one run by its id,
cron jobs found by name, and one "what runs next" across cron jobs, tasks and schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.mcp.conftest import TZ, Tools
from tests.receiver import Receiver
from tests.waiting import until

pytestmark = pytest.mark.anyio


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_tasks_are_listed_and_read_before_they_fire(tools: Tools, receiver: Receiver) -> None:
    soon = await tools.ok("task_schedule", name="payroll reminder", url=receiver.url("/t"), delay="2 seconds")
    later = await tools.ok("task_schedule", name="later", url=receiver.url(), run_at="in 3 hours")
    listed = await tools.ok("task_list", state="scheduled")
    assert [t["task_id"] for t in listed["items"]] == [soon["task_id"], later["task_id"]]
    assert listed["items"][0]["name"] == "payroll reminder" and listed["items"][0]["state"] == "scheduled"
    got = await tools.ok("task_get", task_id=later["task_id"])
    assert got["state"] == "scheduled" and ts(got["run_at"]) == ts(later["run_at"]) and got["run_id"] is None
    await tools.ok("task_cancel", task_id=later["task_id"])
    assert (await tools.ok("task_get", task_id=later["task_id"]))["state"] == "cancelled"

    async def sent() -> dict[str, object] | None:
        t = await tools.ok("task_get", task_id=soon["task_id"])
        return t if t["state"] == "succeeded" and t["run_id"] else None

    done = await until(sent, timeout=15, what="task sent")
    run = await tools.ok("run_get", run_id=done["run_id"])  # the run id alone is enough
    assert run["task_id"] == soon["task_id"] and run["response_status"] == 200 and run["attempt_log"]
    assert [t["task_id"] for t in (await tools.ok("task_list", state="succeeded"))["items"]] == [soon["task_id"]]


URL = "https://example.com/hook"  # never called: nothing here fires within the test


async def test_cron_list_finds_jobs_by_part_of_the_name(tools: Tools) -> None:
    a = await tools.ok("cron_create", name="Payroll export", schedule="every day at 6am", url=URL)
    await tools.ok("cron_create", name="cleanup", schedule="every hour", url=URL)
    b = await tools.ok("cron_create", name="payroll check", schedule="every monday at 9am", url=URL)
    found = await tools.ok("cron_list", name="PAYROLL")
    assert [j["cron_id"] for j in found["items"]] == [a["cron_id"], b["cron_id"]]
    assert (await tools.ok("cron_list", name="nothing like it"))["items"] == []


async def test_upcoming_answers_what_runs_in_the_next_24_hours(tools: Tools) -> None:
    now = datetime.now(UTC)
    cron = await tools.ok("cron_create", name="every 6h", schedule="0 */6 * * *", url=URL)
    task = await tools.ok("task_schedule", name="one call", url=URL, run_at="in 2 hours")
    sched = await tools.ok("schedule_create", name="agent check", when="in 5 hours", callback_url=URL,
                           agent_id="a1")
    far = await tools.ok("task_schedule", name="next week", url=URL, run_at="in 8 days")
    paused = await tools.ok("cron_create", name="paused", schedule="every minute", url=URL, enabled=False)

    got = await tools.ok("upcoming")
    assert got["timezone"] == TZ and got["more"] is False
    ids = [f["id"] for f in got["fires"]]
    assert ids.count(cron["cron_id"]) in (4, 5) and task["task_id"] in ids and sched["id"] in ids
    assert far["task_id"] not in ids and paused["cron_id"] not in ids
    times = [ts(f["at"]) for f in got["fires"]]
    assert times == sorted(times) and all(now <= t <= now + timedelta(hours=24, seconds=5) for t in times)
    for f in got["fires"]:
        # the same instant in UTC and in the user's zone
        assert ts(f["local"]) == ts(f["at"]).replace(second=0, microsecond=0)
        assert ts(f["local"]).utcoffset() == ts(f["at"]).astimezone(ZoneInfo(TZ)).utcoffset()
    by_id = {f["id"]: f for f in got["fires"]}
    assert by_id[task["task_id"]]["kind"] == "task" and by_id[task["task_id"]]["name"] == "one call"
    assert by_id[sched["id"]]["kind"] == "schedule" and by_id[cron["cron_id"]]["kind"] == "cron"

    short = await tools.ok("upcoming", hours=3)
    assert {f["id"] for f in short["fires"]} <= {cron["cron_id"], task["task_id"]}
    assert task["task_id"] in {f["id"] for f in short["fires"]}
    capped = await tools.ok("upcoming", limit=2)
    assert len(capped["fires"]) == 2 and capped["more"] is True
    agent = await tools.ok("upcoming", agent_id="a1")
    assert [f["id"] for f in agent["fires"]] == [sched["id"]]
    tokyo = await tools.ok("upcoming", hours=3, timezone="Asia/Tokyo")
    assert all(f["local"].endswith("+09:00") for f in tokyo["fires"])
