"""Seed 003 reports: job.* events to ``events_url`` (webhook_url) and each run's result to
``result_url`` (callback_url), through the dispatcher, best effort, never failing the run."""

from __future__ import annotations

import base64
import socket

import pytest
from standardwebhooks import Webhook

from infrai_mcp.models import CronCreate, CronUpdate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from tests.engine.test_firing import finished_run
from tests.receiver import Receiver, Reply

pytestmark = pytest.mark.anyio
P = "default"
SECRET = "whsec_" + base64.b64encode(b"events-secret-0123456789").decode()


def closed_port_url(path: str) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"  # nothing listens: connection refused


async def test_events_and_result_of_a_retried_run(engine: Engine, receiver: Receiver) -> None:
    receiver.program("/target", [Reply(503, headers={"Retry-After": "0"}),
                                 Reply(201, body="made", headers={"X-Request-Id": "r-1", "Set-Cookie": "s=1"})])
    receiver.program("/events", [Reply(503), Reply(200)])  # the first event is delivered on its retry
    task = await engine.jobs.task_schedule(P, TaskCreate(
        url=receiver.url("/target"), payload={"n": 1}, headers={"Authorization": "Bearer hush"}, delay_seconds=0,
        secret=SECRET, events_url=receiver.url("/events"), result_url=receiver.url("/result")))
    assert task.events_url == receiver.url("/events") and task.result_url == receiver.url("/result")
    run = await finished_run(engine, task.task_id)
    assert run.state == "succeeded" and run.attempts == 2

    (res,) = await receiver.wait_for(1, path="/result")
    result = Webhook(SECRET).verify(res.body, res.headers)
    assert result["type"] == "job.result" and result["run_id"] == run.run_id and result["job_id"] == task.task_id
    assert (result["state"], result["status"], result["body"], result["attempts"]) == ("succeeded", 201, "made", 2)
    assert result["headers"]["x-request-id"] == "r-1" and "set-cookie" not in result["headers"]
    assert res.headers["webhook-id"] == f"{run.webhook_id}_result"

    got = await receiver.wait_for(8, path="/events")  # 7 events, the first one twice
    assert got[0].headers["webhook-id"] == got[1].headers["webhook-id"]  # a retried event keeps its id
    events = [Webhook(SECRET).verify(g.body, g.headers) for g in got[1:]]
    assert [(e["type"], e["attempt"]) for e in events] == [
        ("job.started", 1), ("job.request", 1), ("job.response", 1), ("job.error", 1),
        ("job.request", 2), ("job.response", 2), ("job.finished", 2),
    ]
    assert {e["run_id"] for e in events} == {run.run_id} and {e["job_id"] for e in events} == {task.task_id}
    assert len({g.headers["webhook-id"] for g in got[1:]}) == 7
    request = events[1]["data"]
    assert request["method"] == "POST" and request["url"] == receiver.url("/target") and request["body"] == {"n": 1}
    assert request["headers"]["Authorization"] != "Bearer hush"  # credentials masked
    assert events[2]["data"]["status"] == 503 and events[3]["data"]["will_retry"] is True
    assert events[5]["data"]["status"] == 201 and events[5]["data"]["body"] == "made"
    assert events[6]["data"] == {"state": "succeeded", "status": 201, "attempts": 2, "error": None}


async def test_a_failed_run_reports_failure(engine: Engine, receiver: Receiver) -> None:
    receiver.program("/gone", [Reply(404, body="no such thing")])
    cron = await engine.jobs.cron_create(P, CronCreate(
        url=receiver.url("/gone"), schedule="0 0 1 1 *", retries=2,
        events_url=receiver.url("/ev"), result_url=receiver.url("/res")))
    assert cron.events_url == receiver.url("/ev")
    run = await engine.jobs.cron_trigger(P, cron.cron_id)
    done = await finished_run(engine, cron.cron_id)
    assert done.run_id == run.run_id and done.state == "failed" and done.attempts == 1  # 404: no retry
    (res,) = await receiver.wait_for(1, path="/res")
    assert res.json()["state"] == "failed" and res.json()["status"] == 404 and res.json()["error"] == "HTTP 404"
    assert "webhook-signature" not in res.headers  # no secret, no signature
    events = [g.json() for g in await receiver.wait_for(5, path="/ev")]
    assert [e["type"] for e in events] == ["job.started", "job.request", "job.response", "job.error", "job.finished"]
    assert events[3]["data"]["will_retry"] is False and events[4]["data"]["state"] == "failed"


async def test_unreachable_report_urls_never_touch_the_run(engine: Engine, receiver: Receiver) -> None:
    task = await engine.jobs.task_schedule(P, TaskCreate(
        url=receiver.url("/fine"), delay_seconds=0,
        events_url=closed_port_url("/ev"), result_url=closed_port_url("/res")))
    run = await finished_run(engine, task.task_id)
    assert run.state == "succeeded" and run.attempts == 1
    assert len(await receiver.wait_for(1, path="/fine")) == 1
    assert (await engine.jobs.task_get(P, task.task_id)).state == "succeeded"


async def test_jobs_without_report_urls_send_nothing_else(engine: Engine, receiver: Receiver) -> None:
    task = await engine.jobs.task_schedule(P, TaskCreate(url=receiver.url("/plain"), delay_seconds=0))
    assert task.events_url is None and task.result_url is None
    await finished_run(engine, task.task_id)
    assert {r.path for r in receiver.requests} == {"/plain"}


async def test_cron_update_sets_and_clears_report_urls(engine: Engine, receiver: Receiver) -> None:
    cron = await engine.jobs.cron_create(P, CronCreate(url=receiver.url("/t"), schedule="0 0 1 1 *"))
    assert cron.events_url is None
    set_ = await engine.jobs.cron_update(P, cron.cron_id, CronUpdate(events_url=receiver.url("/ev2"),
                                                                     result_url=receiver.url("/res2")))
    assert (set_.events_url, set_.result_url) == (receiver.url("/ev2"), receiver.url("/res2"))
    await engine.jobs.cron_trigger(P, cron.cron_id)
    (res,) = await receiver.wait_for(1, path="/res2")
    assert res.json()["state"] == "succeeded"
    await receiver.wait_for(4, path="/ev2")
    cleared = await engine.jobs.cron_update(P, cron.cron_id, CronUpdate.model_validate({"events_url": None}))
    assert cleared.events_url is None and cleared.result_url == receiver.url("/res2")
