"""Cron tools through the SDK client in memory, over the real engine, firing at a real receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.mcp.conftest import TZ, Tools
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = pytest.mark.anyio


async def test_create_from_phrase_confirms_schedule(tools: Tools, receiver: Receiver) -> None:
    job = await tools.ok("cron_create", name="digest", schedule="every weekday at 9am", url=receiver.url("/d"))
    assert job["schedule"] == "0 9 * * 1-5"
    assert job["timezone"] == TZ  # the server default, stated in the tool description
    assert "Monday" in job["description"] and "09:00" in job["description"]
    assert len(job["next_fires"]) == 5
    # 09:00 New York is 13:00 or 14:00 UTC depending on DST
    assert all(f[11:16] in ("13:00", "14:00") for f in job["next_fires"])


async def test_zone_in_phrase_and_exact_cron(tools: Tools, receiver: Receiver) -> None:
    tokyo = await tools.ok("cron_create", schedule="every day at 9am Tokyo time", url=receiver.url())
    assert tokyo["timezone"] == "Asia/Tokyo" and tokyo["next_fires"][0][11:16] == "00:00"
    exact = await tools.ok("cron_create", schedule="*/15 * * * *", timezone="Europe/Berlin", url=receiver.url())
    assert exact["schedule"] == "*/15 * * * *" and exact["timezone"] == "Europe/Berlin"


async def test_trigger_fires_signed_request_and_run_reads_back(tools: Tools, receiver: Receiver) -> None:
    job = await tools.ok(
        "cron_create", schedule="0 9 * * 1-5", url=receiver.url("/hook"), payload={"k": 1},
        secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    assert "secret" not in job
    run = await tools.ok("cron_trigger", cron_id=job["cron_id"])
    assert run["trigger"] == "manual"
    got = await receiver.wait_for(1, path="/hook", timeout=10)
    assert got[0].json() == {"k": 1} and got[0].headers["webhook-signature"].startswith("v1,")

    async def finished() -> dict[str, object] | None:
        r = await tools.ok("run_get", run_id=run["run_id"])
        return r if r["state"] == "succeeded" else None

    done = await until(finished, what="run succeeded")
    assert done["response_status"] == 200 and done["attempt_log"]
    runs = await tools.ok("run_list", job_id=job["cron_id"])
    assert [r["run_id"] for r in runs["items"]] == [run["run_id"]]


async def test_get_list_update_pause_resume_delete(tools: Tools, receiver: Receiver) -> None:
    job = await tools.ok("cron_create", name="a", schedule="every 15 minutes", url=receiver.url())
    cid = job["cron_id"]
    got = await tools.ok("cron_get", cron_id=cid)
    assert got["schedule"] == "*/15 * * * *" and got["has_secret"] is False and len(got["next_fires"]) == 5
    listed = await tools.ok("cron_list")
    assert [j["cron_id"] for j in listed["items"]] == [cid]
    upd = await tools.ok("cron_update", cron_id=cid, schedule="every monday at 10pm", name="b")
    assert upd["schedule"] == "0 22 * * 1" and upd["name"] == "b" and upd["timezone"] == TZ
    (paused,) = (await tools.ok("pause", ids=[cid]))["items"]
    assert paused["status"] == "paused" and paused["next_run"] is None
    assert (await tools.ok("cron_get", cron_id=cid))["next_fires"] == []
    (resumed,) = (await tools.ok("pause", resume=True, ids=[cid]))["items"]
    assert resumed["status"] == "active" and resumed["next_run"] is not None
    assert len((await tools.ok("cron_get", cron_id=cid))["next_fires"]) == 5
    await tools.ok("cron_update", cron_id=cid, retention_days=7)
    assert (await tools.ok("cron_get", cron_id=cid))["retention_days"] == 7
    assert (await tools.ok("cron_delete", cron_id=cid))["deleted"] is True
    assert (await tools.ok("cron_delete", cron_id=cid))["deleted"] is True  # idempotent


async def test_one_shot_run_at(tools: Tools, receiver: Receiver) -> None:
    job = await tools.ok("cron_create", run_at="in 2 hours", url=receiver.url())
    assert job["schedule"] is None
    run_at = datetime.fromisoformat(job["run_at"])
    assert timedelta(minutes=119) < run_at - datetime.now(UTC) <= timedelta(hours=2)
    assert [datetime.fromisoformat(f) for f in job["next_fires"]] == [run_at]


async def test_unknown_id_says_which_list_to_call(tools: Tools) -> None:
    for name in ("cron_get", "cron_trigger", "cron_delete"):
        text = await tools.err(name, cron_id="cj_nope")
        assert "cj_nope" in text and "cron_list" in text


async def test_phrase_errors_are_actionable(tools: Tools, receiver: Receiver) -> None:
    text = await tools.err("cron_create", schedule="whenever", url=receiver.url())
    assert "schedule" in text and "whenever" in text and "Accepted examples" in text
    text = await tools.err("cron_create", schedule="tomorrow at 3pm", url=receiver.url())
    assert "run_at" in text and "task_schedule" in text  # tells where one-time phrases go
    text = await tools.err("cron_create", run_at="every day at 9am", url=receiver.url())
    assert "run_at" in text and "schedule" in text
    text = await tools.err("cron_create", schedule="0 0 31 2 *", url=receiver.url())
    assert "never" in text
    text = await tools.err("cron_create", schedule="@daily", timezone="Mars/Base", url=receiver.url())
    assert "timezone" in text and "IANA" in text
    text = await tools.err("cron_create", url=receiver.url())
    assert "schedule" in text and "run_at" in text


async def test_validation_errors_name_fields_and_never_echo_secrets(tools: Tools, receiver: Receiver) -> None:
    text = await tools.err("cron_create", schedule="@daily", url="ftp://x", secret="short")
    assert "url" in text and "secret" in text and "short" not in text.replace("shorter", "")
    text = await tools.err("cron_create", schedule="@daily", url=receiver.url(), retries=99)
    assert "retries" in text and "10" in text
    text = await tools.err("cron_create", cron="@daily", url=receiver.url())
    assert "unknown argument 'cron'" in text and "schedule" in text
    text = await tools.err("cron_get")
    assert "'cron_id' is required" in text


async def test_cron_update_moves_a_one_shot_run_at(tools: Tools, receiver: Receiver) -> None:
    job = await tools.ok("cron_create", run_at="tomorrow at 3pm", url=receiver.url())
    moved = await tools.ok("cron_update", cron_id=job["cron_id"], run_at="in 3 hours")
    fire = datetime.fromisoformat(moved["next_fires"][0])
    assert timedelta(minutes=179) < fire - datetime.now(UTC) <= timedelta(hours=3)
    text = await tools.err("cron_update", cron_id=job["cron_id"], run_at="yesterday at 9am")
    assert "run_at" in text and "past" in text
    text = await tools.err("cron_update", cron_id=job["cron_id"], run_at="every day at 9am")
    assert "run_at" in text and "schedule" in text
    got = await tools.ok("cron_get", cron_id=job["cron_id"])
    assert datetime.fromisoformat(got["next_run_at"]) == fire  # the refused updates changed nothing


async def test_next_fires_respect_max_runs_and_a_used_up_job_stays_completed(tools: Tools, receiver: Receiver) -> None:
    job = await tools.ok("cron_create", schedule="* * * * * *", max_runs=2, url=receiver.url("/two"))
    assert len(job["next_fires"]) == 2  # the runs max_runs still allows, not five
    await receiver.wait_for(2, path="/two", timeout=10)

    async def completed() -> dict[str, object] | None:
        got = await tools.ok("cron_get", cron_id=job["cron_id"])
        return got if got["status"] == "completed" else None

    done = await until(completed, what="job completed after max_runs")
    assert done["run_count"] == 2 and done["next_fires"] == [] and done["next_run_at"] is None
    (resumed,) = (await tools.ok("pause", resume=True, ids=[job["cron_id"]]))["items"]
    assert resumed["status"] == "completed" and resumed["next_run"] is None  # nothing left to run
    more = await tools.ok("cron_update", cron_id=job["cron_id"], max_runs=3)
    assert more["status"] == "active" and len(more["next_fires"]) == 1
    fewer = await tools.ok("cron_update", cron_id=job["cron_id"], max_runs=1)
    assert fewer["status"] == "completed" and fewer["next_fires"] == []
    assert len(receiver.received("/two")) in (2, 3)  # the third run may have gone out in between


async def test_trigger_waits_for_the_finished_run(tools: Tools, receiver: Receiver) -> None:
    receiver.program("/slow", [Reply(status=201, body='{"report": "done"}', delay=0.3)])
    job = await tools.ok("cron_create", name="report", schedule="every day at 6am", url=receiver.url("/slow"))
    run = await tools.ok("cron_trigger", cron_id=job["cron_id"], wait_seconds=20)
    assert run["state"] == "succeeded" and run["response_status"] == 201
    assert run["response_excerpt"] == '{"report": "done"}' and run["trigger"] == "manual"
    started = await tools.ok("cron_trigger", cron_id=job["cron_id"])  # no wait: answers at once
    assert started["state"] in ("pending", "running", "succeeded")


async def test_max_runs_counts_scheduled_fires_and_replies_say_what_is_left(tools: Tools, receiver: Receiver) -> None:
    job = await tools.ok("cron_create", name="thrice", schedule="* * * * * *", url=receiver.url("/m"), max_runs=3)
    assert (job["max_runs"], job["run_count"], job["runs_left"]) == (3, 0, 3)
    manual = await tools.ok("cron_trigger", cron_id=job["cron_id"], wait_seconds=20)
    assert manual["state"] == "succeeded"

    async def completed() -> dict[str, Any] | None:
        got = await tools.ok("cron_get", cron_id=job["cron_id"])
        return got if got["status"] == "completed" else None

    done = await until(completed, timeout=20, what="job completed after 3 scheduled fires")
    assert (done["max_runs"], done["run_count"], done["runs_left"]) == (3, 3, 0) and done["next_fires"] == []
    runs = (await tools.ok("run_list", job_id=job["cron_id"]))["items"]
    assert sorted(r["trigger"] for r in runs) == ["manual", "schedule", "schedule", "schedule"]
    (listed,) = (await tools.ok("cron_list", name="thrice"))["items"]
    assert (listed["max_runs"], listed["run_count"], listed["runs_left"]) == (3, 3, 0)
    more = await tools.ok("cron_update", cron_id=job["cron_id"], max_runs=5)
    assert (more["max_runs"], more["runs_left"], more["status"]) == (5, 2, "active")


async def test_a_queue_name_instead_of_a_url_publishes_each_fire(tools: Tools) -> None:
    job = await tools.ok("cron_create", schedule="every day at 9am", url="send-daily-digest",
                         payload={"segment": "active-users"})
    assert job["url"] == "send-daily-digest"  # summaries: the target as given (a URL or a queue name)
    full = await tools.ok("cron_get", cron_id=job["cron_id"])
    assert (full["queue"], full["url"]) == ("send-daily-digest", None)
    await tools.ok("cron_trigger", cron_id=job["cron_id"])

    async def got() -> list[dict[str, object]] | None:
        msgs = (await tools.ok("queue_consume", queue="send-daily-digest"))["messages"]
        return msgs or None

    (msg,) = await until(got, what="the fire's message")
    assert msg["payload"]["payload"] == {"segment": "active-users"}  # type: ignore[index]
    task = await tools.ok("task_schedule", url="send-daily-digest", delay="20 minutes")
    assert task["url"] == "send-daily-digest"
    assert (await tools.ok("task_get", task_id=task["task_id"]))["queue"] == "send-daily-digest"
