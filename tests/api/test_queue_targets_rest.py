"""REST spellings of a queue target: seed 000's bare task name, seed 001's task_type "queue"."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.api.test_routes import data, error

pytestmark = pytest.mark.anyio


async def test_a_bare_task_name_is_a_queue_target(api: Api) -> None:
    job = data(await api.a.post("/v1/scheduling/cron", json={
        "cron_expr": "0 9 * * *", "task": "send-daily-digest", "name": "daily-digest",
        "payload": {"segment": "active-users"}}))
    assert (job["task"], job["task_type"], job["queue"], job["url"]) == (
        "send-daily-digest", "queue", "send-daily-digest", None)
    assert "was created" in job["warnings"][0]
    listed = data(await api.a.get("/v1/scheduling/cron/list"))["items"]
    assert [(j["cron_id"], j["task"]) for j in listed] == [(job["cron_id"], "send-daily-digest")]
    assert "warnings" not in listed[0]
    queue = data(await api.a.get("/v1/scheduling/queue/get/send-daily-digest"))
    assert queue["type"] == "standard"


async def test_task_type_says_what_task_names(api: Api) -> None:
    by_type = data(await api.a.post("/v1/scheduling/cron/create", json={
        "cron_expr": "0 9 * * 1", "task_type": "queue", "task_url": "weekly"}))
    assert (by_type["queue"], by_type["task_type"]) == ("weekly", "queue")
    http = data(await api.a.post("/v1/scheduling/cron/create", json={
        "cron_expr": "0 9 * * 1", "task_type": "http_url", "task_url": "https://api.acme.com/weekly"}))
    assert (http["url"], http["task"], http["task_type"], http["queue"]) == (
        "https://api.acme.com/weekly", "https://api.acme.com/weekly", "http_url", None)
    task = data(await api.a.post("/v1/scheduling/task/schedule", json={
        "task": "weekly", "task_type": "queue", "delay_seconds": 60, "payload": {"x": 1}}))
    assert (task["queue"], task["task"], task["task_type"]) == ("weekly", "weekly", "queue")
    assert "warnings" not in task  # the queue exists now: nothing to say
    moved = data(await api.a.patch(f"/v1/scheduling/cron/update/{http['cron_id']}", json={"task": "digest-2"}))
    assert (moved["queue"], moved["url"]) == ("digest-2", None)


async def test_bad_targets_say_what_to_send_and_store_nothing(api: Api) -> None:
    err = error(await api.a.post("/v1/scheduling/cron", json={
        "cron_expr": "0 9 * * *", "task": "x", "task_type": "lambda"}), 422, "INVALID_ARGUMENT")
    assert err["field"] == "task_type" and "'queue'" in err["message"] and "'http_url'" in err["message"]
    err = error(await api.a.post("/v1/scheduling/cron", json={
        "cron_expr": "0 9 * * *", "url": "https://example.com/h", "queue": "q"}), 422, "INVALID_ARGUMENT")
    assert "not both" in err["message"]
    err = error(await api.a.post("/v1/scheduling/cron", json={
        "cron_expr": "0 9 * * *", "task": "no spaces allowed"}), 422, "INVALID_ARGUMENT")
    assert err["field"] == "queue"
    assert data(await api.a.get("/v1/scheduling/cron/list"))["items"] == []
    assert data(await api.a.get("/v1/scheduling/queue/list"))["items"] == []
