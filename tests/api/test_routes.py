"""REST behaviour beyond the seed examples: auth, envelope, errors, aliases, seed 003 mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.anyio
URL = "https://example.com/hook"


def data(resp: httpx.Response, status: int = 200) -> Any:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"data"}, body
    return body["data"]


def error(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    return dict(body["error"])


# -- auth ---------------------------------------------------------------------------------
async def test_every_route_needs_a_key_but_healthz(api: Api) -> None:
    assert (await api.anon.get("/healthz")).json()["status"] == "ok"
    for path in ("/v1/cron/list", "/openapi.json", "/metrics", "/api/agents/a/schedules", "/nope"):
        resp = await api.anon.get(path)
        err = error(resp, 401, "UNAUTHORIZED")
        assert resp.headers["www-authenticate"] == "Bearer" and "Bearer" in err["message"]
    same = {(await api.anon.get("/v1/cron/list", headers={"Authorization": h})).text for h in (
        "Bearer ifr_wrong", "Bearer " + api.key_a + "x", "Basic " + api.key_a, "Bearer", api.key_a)}
    assert len(same) == 1  # unknown, malformed and missing keys are indistinguishable


async def test_revoked_key_stops_working(api: Api) -> None:
    assert (await api.a.get("/v1/cron/list")).status_code == 200
    for info in await api.engine.store.key_list("acme"):
        await api.engine.store.key_revoke(info.key_id, datetime.now(UTC))
    error(await api.a.get("/v1/cron/list"), 401, "UNAUTHORIZED")


# -- envelope, aliases, errors ----------------------------------------------------------------
async def test_cron_aliases_in_and_out(api: Api) -> None:
    forms = [
        ("/v1/scheduling/cron", {"name": "d", "schedule": "0 9 * * *", "url": URL, "retries": 2}),
        ("/v1/scheduling/cron/create", {"cron_expr": "0 9 * * *", "task_type": "http_url", "task_url": URL,
                                        "retry": 2}),
        ("/v1/cron/create", {"cron_expr": "0 9 * * *", "task": URL, "retries": 2}),
    ]
    for path, body in forms:
        rec = data(await api.a.post(path, json=body))
        assert rec["cron_id"] == rec["id"] and rec["schedule"] == rec["cron_expr"] == "0 9 * * *"
        assert rec["url"] == rec["task"] == URL and rec["retries"] == rec["retry"] == 2
    listed = data(await api.a.get("/v1/scheduling/cron"))
    assert len(listed["items"]) == 3 and listed["next_cursor"] is None
    assert data(await api.a.get("/v1/cron/list?limit=2"))["next_cursor"]

    err = error(await api.a.post("/v1/cron/create", json={"cron_expr": "0 9 * * *", "schedule": "0 10 * * *",
                                                          "url": URL}), 422, "INVALID_ARGUMENT")
    assert err["field"] == "cron_expr"
    err = error(await api.a.post("/v1/cron/create", json={"cron_expr": "0 9 * * *", "task_type": "lambda",
                                                          "url": URL}), 422, "INVALID_ARGUMENT")
    assert err["field"] == "task_type"


async def test_batch_routes_take_each_item_as_the_single_route_does(api: Api) -> None:
    items = [{"cron_expr": "0 9 * * *", "task_type": "http_url", "task_url": URL, "retry": 2},
             {"schedule": "*/5 * * * *", "url": URL, "name": "five"}]
    for path in ("/v1/scheduling/cron/create_batch", "/v1/cron/create_batch"):
        jobs = data(await api.a.post(path, json={"jobs": items}))["jobs"]
        assert [(j["schedule"], j["cron_expr"], j["retries"]) for j in jobs] == [
            ("0 9 * * *", "0 9 * * *", 2), ("*/5 * * * *", "*/5 * * * *", 3)]
        assert jobs[0]["cron_id"] == jobs[0]["id"] and jobs[1]["name"] == "five"
    tasks = data(await api.a.post("/v1/scheduling/task/schedule_batch", json={"tasks": [
        {"task": URL, "delay_seconds": 60}, {"url": URL, "delay_seconds": 120, "payload": {"i": 1}}]}))["tasks"]
    assert [t["state"] for t in tasks] == ["scheduled", "scheduled"] and tasks[1]["payload"] == {"i": 1}
    before = len(data(await api.a.get("/v1/scheduling/cron/list"))["items"])
    bad_bodies = [
        ({"jobs": [items[0], {"cron_expr": "0 9 * * *", "schedule": "0 1 * * *", "url": URL}]}, "jobs[1].cron_expr"),
        ({"jobs": [items[0], {"schedule": "0 9 * * *", "url": URL, "task_type": "lambda"}]}, "jobs[1].task_type"),
        ({"jobs": [items[0], {"schedule": "0 9 * * *", "url": URL, "colour": "red"}]}, "jobs[1].colour"),
        ({"jobs": [items[0], "0 9 * * *"]}, "jobs[1]"),
        ({"jobs": []}, "jobs"),
        ({"jobs": items, "queue": "q"}, "jobs"),
        ({"items": items}, "jobs"),
    ]
    for body, field in bad_bodies:
        err = error(await api.a.post("/v1/cron/create_batch", json=body), 422, "INVALID_ARGUMENT")
        assert err["field"] == field and field in err["message"], (body, err)
        assert "e.g." in err["message"] or "." in field, err  # says what to send instead
    assert len(data(await api.a.get("/v1/scheduling/cron/list"))["items"]) == before
    # Another project's batch is its own.
    assert data(await api.b.get("/v1/scheduling/cron/list"))["items"] == []


async def test_update_accepts_seed_spellings(api: Api) -> None:
    rec = data(await api.a.post("/v1/cron/create", json={"cron_expr": "0 9 * * *", "task": URL}))
    upd = data(await api.a.patch(f"/v1/cron/update/{rec['id']}", json={
        "cron_id": "ignored", "cron_expr": "0 10 * * *", "task": "https://example.com/other", "retry": 4,
        "timezone": "Asia/Shanghai", "overlap_policy": "skip", "headers": {"X-Env": "prod"}}))
    assert (upd["cron_expr"], upd["task"], upd["retry"], upd["timezone"], upd["overlap_policy"]) == (
        "0 10 * * *", "https://example.com/other", 4, "Asia/Shanghai", "skip")
    run = data(await api.a.post(f"/v1/scheduling/cron/trigger/{rec['id']}", json={"job_id": "cron_01HX..."}))
    assert run["cron_id"] == rec["id"] and run["run_id"] == run["id"] and run["trigger"] == "manual"
    listed = data(await api.a.get(f"/v1/cron/runs/list/{rec['id']}"))
    assert [r["run_id"] for r in listed["items"]] == [run["run_id"]]
    assert data(await api.a.get("/v1/scheduling/run/list", params={"job_id": rec["id"]}))["items"][0]["id"] == run["id"]


async def test_error_statuses(api: Api) -> None:
    error(await api.a.post("/v1/cron/create", content=b"{not json", headers={"content-type": "application/json"}),
          400, "BAD_REQUEST")
    error(await api.a.post("/v1/cron/create", json=[1, 2]), 400, "BAD_REQUEST")
    err = error(await api.a.post("/v1/cron/create", json={"schedule": "0 9 * * *", "url": "ftp://x"}),
                422, "INVALID_ARGUMENT")
    assert err["field"] == "url" and "http://" in err["message"]
    error(await api.a.post("/v1/cron/create", json={"schedule": "0 9 * * *", "url": URL, "bogus": 1}),
          422, "INVALID_ARGUMENT")
    error(await api.a.get("/v1/cron/get/cj_nope"), 404, "NOT_FOUND")
    error(await api.a.get("/v1/nothing/here"), 404, "NOT_FOUND")
    error(await api.a.delete("/v1/cron/list"), 405, "METHOD_NOT_ALLOWED")
    error(await api.a.get("/v1/cron/list?limit=0"), 422, "INVALID_ARGUMENT")
    error(await api.a.get("/v1/scheduling/run/list?state=bogus"), 422, "INVALID_ARGUMENT")
    big = {"schedule": "0 9 * * *", "url": URL, "payload": "x" * (1024 * 1024 + 10)}
    error(await api.a.post("/v1/cron/create", json=big), 413, "PAYLOAD_TOO_LARGE")
    error(await api.a.post("/v1/cron/create", content=b" " * (11 * 1024 * 1024)), 413, "PAYLOAD_TOO_LARGE")
    data(await api.a.post("/v1/scheduling/queue/create", json={"name": "dlq"}))
    data(await api.a.post("/v1/scheduling/queue/create", json={"name": "main", "dead_letter_queue": "dlq"}))
    error(await api.a.delete("/v1/scheduling/queue/delete/dlq"), 409, "CONFLICT")
    # Seed 004 calls bad schedule data 400.
    err = error(await api.a.post("/api/agents/a1/schedules", json={"name": "x", "type": "cron"}),
                400, "INVALID_ARGUMENT")
    assert "cron_expression" in err["message"]


async def test_secrets_never_come_back(api: Api) -> None:
    secret = "whsec_dG9wc2VjcmV0dG9wc2VjcmV0"
    rec = data(await api.a.post("/v1/cron/create", json={
        "schedule": "0 9 * * *", "url": URL, "secret": secret, "headers": {"Authorization": "Bearer tok_live"}}))
    assert rec["has_secret"] and rec["headers"] == {"Authorization": "***"}
    for resp in (await api.a.get(f"/v1/cron/get/{rec['id']}"), await api.a.get("/v1/cron/list"),
                 await api.a.get("/metrics")):
        assert secret not in resp.text and "tok_live" not in resp.text


async def test_idempotent_create_returns_the_original(api: Api) -> None:
    body = {"schedule": "0 9 * * *", "url": URL, "idempotency_key": "abc"}
    first = data(await api.a.post("/v1/scheduling/cron/create", json=body))
    again = data(await api.a.post("/v1/scheduling/cron/create", json={**body, "schedule": "0 10 * * *"}))
    assert again == first
    m1 = data(await api.a.post("/v1/scheduling/queue/create", json={"name": "q"}))
    assert m1["queue"] == m1["name"] == "q"
    p1 = data(await api.a.post("/v1/scheduling/queue/publish", json={"queue": "q", "payload": 1,
                                                                    "idempotency_key": "m"}))
    p2 = data(await api.a.post("/v1/scheduling/queue/publish", json={"queue": "q", "payload": 1,
                                                                    "idempotency_key": "m"}))
    assert p1["message_id"] == p2["message_id"] and p2["duplicate"]


# -- seed 003: POST /api/jobs -----------------------------------------------------------------
async def test_jobs_003_mapping(api: Api) -> None:
    rec = data(await api.a.post("/api/jobs", json={
        "method": "post", "url": URL, "query": {"a": 1}, "body": {"content": "hi"}, "schedule_in": [2, "minutes"]}))
    task = data(await api.a.get(f"/v1/scheduling/task/get/{rec['id']}"))
    assert task["url"] == URL + "?a=1" and task["method"] == "POST" and task["payload"] == {"content": "hi"}
    run_at = datetime.fromisoformat(task["run_at"])
    assert timedelta(seconds=100) < run_at - datetime.now(UTC) < timedelta(seconds=125)
    assert rec["job"]["state"] == "scheduled" and rec["user_id"] == "acme" and rec["schedule_id"] is None
    # The seed's job_id is an integer (the job's number); id stays the string id routes take.
    assert isinstance(rec["job_id"], int) and rec["job"]["id"] == rec["job_id"] and rec["id"] == task["task_id"]
    assert data(await api.a.get(f"/api/jobs/{rec['id']}"))["job_id"] == rec["job_id"] == task["number"]

    at = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    rec = data(await api.a.post("/api/jobs", json={"url": URL, "scheduled_at": at}))
    assert rec["args"]["method"] == "get" and rec["args"]["scheduled_at"] == at
    assert datetime.fromisoformat(rec["job"]["scheduled_at"]).timestamp() == at

    every5 = data(await api.a.post("/api/jobs", json={"url": URL, "repeat_every": 300}))
    assert isinstance(every5["job_id"], int) and every5["job_id"] > rec["job_id"]
    assert every5["schedule_id"] == every5["id"]
    stored = data(await api.a.get(f"/v1/cron/get/{every5['id']}"))
    assert (stored["schedule"], stored["schedule_kind"]) == ("300", "interval")
    # any period is an interval from one period after the request
    for period, secs in (([2, "hours"], 7200), ([7, "minutes"], 420), ([36, "hours"], 129600), (30, 30)):
        before = datetime.now(UTC)
        made = data(await api.a.post("/api/jobs", json={"url": URL, "repeat_every": period}))
        got = data(await api.a.get(f"/v1/cron/get/{made['id']}"))
        assert (got["schedule"], got["schedule_kind"]) == (str(secs), "interval")
        first = datetime.fromisoformat(got["next_run_at"].replace("Z", "+00:00"))
        assert before + timedelta(seconds=secs - 1) <= first <= datetime.now(UTC) + timedelta(seconds=secs)
    c = data(await api.a.post("/api/jobs", json={"url": URL, "cron": "0 9 * * 1-5"}))
    assert data(await api.a.get(f"/api/jobs/{c['id']}"))["args"]["cron"] == "0 9 * * 1-5"

    err = error(await api.a.post("/api/jobs", json={"url": URL, "repeat_every": 0}), 422, "INVALID_ARGUMENT")
    assert err["field"] == "repeat_every" and "at least 1 second" in err["message"]
    for too_often in (0.5, [0, "minutes"]):
        error(await api.a.post("/api/jobs", json={"url": URL, "repeat_every": too_often}), 422, "INVALID_ARGUMENT")
    error(await api.a.post("/api/jobs", json={"url": URL, "cron": "* * * * *", "schedule_in": 5}), 422,
          "INVALID_ARGUMENT")
    error(await api.a.post("/api/jobs", json={"url": URL, "schedule_in": [1, "fortnight"]}), 422,
          "INVALID_ARGUMENT")
    err = error(await api.a.post("/api/jobs", json={"url": URL, "webhook_url": "ftp://x"}), 422, "INVALID_ARGUMENT")
    assert err["field"] == "webhook_url"
    err = error(await api.a.post("/api/jobs", json={"url": URL, "callback_url": "nope"}), 422, "INVALID_ARGUMENT")
    assert err["field"] == "callback_url"
    hooked = data(await api.a.post("/api/jobs", json={"url": URL, "schedule_in": 600, "callback_url": URL + "/r",
                                                      "webhook_url": URL + "/e"}))
    assert hooked["args"]["callback_url"] == URL + "/r" and hooked["args"]["webhook_url"] == URL + "/e"
    got = data(await api.a.get(f"/api/jobs/{hooked['id']}"))["args"]
    assert got["callback_url"] == URL + "/r" and got["webhook_url"] == URL + "/e"

    once = {"url": URL, "schedule_in": 600, "idempotency_key": "once"}
    first = data(await api.a.post("/api/jobs", json=once))
    second = data(await api.a.post("/api/jobs", json={**once, "schedule_in": 900}))
    assert second["id"] == first["id"] and second["job"]["scheduled_at"] == first["job"]["scheduled_at"]

    gone = data(await api.a.delete(f"/api/jobs/{first['id']}"))
    assert gone == {"id": first["id"], "deleted": True}
    assert data(await api.a.get(f"/api/jobs/{first['id']}"))["job"]["state"] == "cancelled"
    error(await api.a.get("/api/jobs/whatever"), 404, "NOT_FOUND")


# -- health, metrics, openapi -----------------------------------------------------------------
async def test_metrics(api: Api) -> None:
    rec = data(await api.a.post("/v1/cron/create", json={"schedule": "0 9 * * *", "url": URL}))
    data(await api.a.post(f"/v1/cron/trigger/{rec['id']}"))
    data(await api.a.post("/v1/scheduling/queue/create", json={"name": "orders"}))
    data(await api.a.post("/v1/scheduling/queue/publish", json={"queue": "orders", "payload": {}}))
    data(await api.b.post("/v1/scheduling/queue/create", json={"name": "secret-b"}))
    resp = await api.a.get("/metrics")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/plain")
    text = resp.text
    assert 'infrai_cron_jobs{project="acme",status="active"} 1' in text
    assert 'infrai_runs{project="acme",state="pending"} 1' in text
    assert 'infrai_queue_messages{project="acme",queue="orders",state="available"} 1' in text
    assert 'infrai_dispatch_latency_seconds_count{project="acme"}' in text
    assert 'infrai_http_requests_total{method="POST",route="/v1/cron/create",status="200"} 1' in text
    assert "secret-b" not in text and "umbrella" not in text


async def test_openapi_lists_every_route(api: Api) -> None:
    doc = (await api.a.get("/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    declared = {(m.upper(), p) for p, ops in doc["paths"].items() for m in ops}
    from infrai_mcp.surfaces.rest.app import all_ops

    for op in all_ops():
        for path in op.paths:
            assert (op.method, path) in declared
    for must in [("POST", "/v1/scheduling/cron"), ("GET", "/v1/cron/runs/list/{id}"), ("POST", "/api/jobs"),
                 ("PUT", "/api/agents/{agent_id}/schedules/{schedule_id}"), ("POST", "/v1/scheduling/webhook/send")]:
        assert must in declared
    cron_body = doc["paths"]["/v1/scheduling/cron/create"]["post"]["requestBody"]["content"]["application/json"]
    props = cron_body["schema"]["properties"]
    assert {"schedule", "cron_expr", "url", "task", "task_url", "retries", "retry"} <= set(props)


async def test_rate_limit_per_project(api: Api) -> None:
    from infrai_mcp.surfaces.rest import create_app

    limited = create_app(api.engine, api.engine.settings, rate_limit=1)  # burst 2, then 1 per second
    transport = httpx.ASGITransport(app=limited)
    auth_a, auth_b = api.a.headers["Authorization"], api.b.headers["Authorization"]
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        got = [(await http.get("/v1/cron/list", headers={"Authorization": auth_a})) for _ in range(3)]
        assert [r.status_code for r in got] == [200, 200, 429]
        err = error(got[2], 429, "RATE_LIMITED")
        assert got[2].headers["retry-after"] == "1" and "per second" in err["message"]
        # Another project has its own bucket; health checks are never limited.
        assert (await http.get("/v1/cron/list", headers={"Authorization": auth_b})).status_code == 200
        health = [(await http.get("/healthz")).status_code for _ in range(5)]
        assert health == [200] * 5


async def test_dashboard_is_mounted_behind_the_same_keys(api: Api) -> None:
    page = await api.anon.get("/ui/")
    assert page.status_code == 401 and page.headers["content-type"].startswith("text/html")
    assert "umbrella" not in page.text
    assert (await api.a.get("/ui/")).status_code == 200
    assert (await api.anon.get("/ui/", headers={"Authorization": "Bearer ifr_wrong"})).status_code == 401


async def test_jobs_003_reports_the_attempt(tmp_path: Path) -> None:
    """With the dispatcher on, GET /api/jobs/{id} shows when the request was attempted."""
    from infrai_mcp.config import Settings
    from infrai_mcp.runtime.engine import Engine
    from infrai_mcp.surfaces.rest import create_app
    from infrai_mcp.surfaces.rest.keys import create_key
    from tests.receiver import Receiver
    from tests.waiting import until

    settings = Settings(home=tmp_path)
    with Receiver() as rx:
        async with Engine(settings) as engine:
            _, key = await create_key(engine.store, "acme")
            transport = httpx.ASGITransport(app=create_app(engine, settings))
            async with httpx.AsyncClient(transport=transport, base_url="http://t",
                                         headers={"Authorization": f"Bearer {key}"}) as c:
                made = data(await c.post("/api/jobs", json={"method": "post", "url": rx.url("/j"), "body": {"x": 1}}))

                async def completed() -> Any:
                    job = data(await c.get(f"/api/jobs/{made['id']}"))
                    return job if job["job"]["state"] == "completed" else None

                job = await until(completed, what="the 003 job completed")
    assert job["job"]["attempted_at"] and job["job"]["completed_at"]
    assert (await rx.wait_for(1, path="/j", timeout=5))[0].json() == {"x": 1}


async def test_jobs_003_errors_name_the_fields_the_caller_sent(api: Api) -> None:
    """Seed 003 callers send scheduled_at/cron/body: an engine-side error must not say run_at/schedule."""
    err = error(await api.a.post("/api/jobs", json={"url": URL, "scheduled_at": "2020-01-01T00:00:00Z"}), 422,
                "INVALID_ARGUMENT")
    assert err["field"] == "scheduled_at"
    assert err["message"].startswith("scheduled_at ") and "run_at" not in err["message"]
    err = error(await api.a.post("/api/jobs", json={"url": URL, "scheduled_at": 946684800}), 422,
                "INVALID_ARGUMENT")
    assert err["field"] == "scheduled_at"
    err = error(await api.a.post("/api/jobs", json={"url": URL, "cron": "61 * * * *"}), 422, "INVALID_ARGUMENT")
    assert err["field"] == "cron" and err["message"].startswith("cron: ") and "schedule" not in err["message"]
    err = error(await api.a.post("/api/jobs", json={"url": URL, "body": {"x": "a" * 1_100_000}}), 413,
                "PAYLOAD_TOO_LARGE")
    assert err["field"] == "body"


async def test_invalid_field_errors_say_what_is_accepted(api: Api) -> None:
    """An unknown field lists the accepted ones; an unparseable time shows the accepted form."""
    err = error(await api.a.post("/v1/scheduling/queue/create", json={"queue": "q", "max_receive_count": 2}), 422,
                "INVALID_ARGUMENT")
    assert err["field"] == "max_receive_count"
    assert "unknown field" in err["message"] and "max_retries" in err["message"]
    assert "Extra inputs" not in err["message"]
    err = error(await api.a.post("/v1/scheduling/task/schedule", json={"url": URL, "run_at": "tomorrow at 3pm"}),
                422, "INVALID_ARGUMENT")
    assert err["field"] == "run_at" and "2026-12-01T09:00:00Z" in err["message"]


async def test_jobs_003_wrong_shapes_get_one_message_per_field(api: Api) -> None:
    """Not pydantic's union internals ('schedule_in.float: ...; schedule_in.list[any]: ...')."""
    for field, value in (("schedule_in", "soon"), ("repeat_every", {"n": 5}), ("schedule_in", True),
                         ("scheduled_at", [2026])):
        err = error(await api.a.post("/api/jobs", json={"url": URL, field: value}), 422, "INVALID_ARGUMENT")
        assert err["field"] == field, err
        assert err["message"].startswith(f"{field}: must be ") and ";" not in err["message"].split(", e.g.")[0], err
    err = error(await api.a.post("/api/jobs", json={"url": URL, "schedule_in": [1, "fortnight"]}), 422,
                "INVALID_ARGUMENT")
    assert "seconds, minutes, hours, days, weeks" in err["message"]


async def test_schedule_callback_to_a_missing_queue_is_refused(api: Api) -> None:
    body = {"name": "x", "type": "delayed", "delay_seconds": 60, "callback_type": "queue", "callback_id": "inbox"}
    err = error(await api.a.post("/api/agents/a1/schedules", json=body), 400, "INVALID_ARGUMENT")
    assert err["field"] == "callback_id" and "create the queue first" in err["message"]
    assert (await api.a.get("/api/agents/a1/schedules")).json()["schedules"] == []
    data(await api.a.post("/v1/scheduling/queue/create", json={"name": "inbox"}))
    made = await api.a.post("/api/agents/a1/schedules", json=body)
    assert made.status_code in (200, 201), made.text
    sid = made.json()["id"]
    before = (await api.a.get(f"/api/agents/a1/schedules/{sid}")).json()
    err = error(await api.a.put(f"/api/agents/a1/schedules/{sid}", json={"callback_id": "other"}),
                400, "INVALID_ARGUMENT")
    assert err["field"] == "callback_id"
    assert (await api.a.get(f"/api/agents/a1/schedules/{sid}")).json() == before


async def test_malformed_cursor_is_a_422_naming_cursor(api: Api) -> None:
    data(await api.a.post("/v1/cron/create", json={"schedule": "0 9 * * *", "url": URL}))
    for path in ("/v1/cron/list", "/v1/scheduling/cron/list", "/v1/scheduling/run/list", "/v1/scheduling/task/list",
                 "/v1/scheduling/queue/list", "/v1/scheduling/webhook/list", "/v1/scheduling/schedules"):
        err = error(await api.a.get(path, params={"cursor": "garbage"}), 422, "INVALID_ARGUMENT")
        assert err["field"] == "cursor" and "next_cursor" in err["message"], path
    err = error(await api.a.get("/api/agents/a1/schedules", params={"cursor": "garbage"}), 400, "INVALID_ARGUMENT")
    assert err["field"] == "cursor"
    assert len(data(await api.a.get("/v1/cron/list"))["items"]) == 1
    assert data(await api.a.get("/v1/cron/list", params={"cursor": ""}))["items"]  # empty means omitted


async def test_cron_update_moves_a_one_shot_run_at(api: Api) -> None:
    at = datetime.now(UTC) + timedelta(hours=2)
    job = data(await api.a.post("/v1/cron/create", json={"run_at": at.isoformat(), "url": URL}))
    later = (at + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    moved = data(await api.a.patch(f"/v1/cron/update/{job['cron_id']}", json={"run_at": later}))
    assert datetime.fromisoformat(moved["next_run_at"]) == datetime.fromisoformat(later)
    past = {"run_at": "2001-01-01T00:00:00Z"}
    err = error(await api.a.patch(f"/v1/scheduling/cron/update/{job['cron_id']}", json=past), 422, "INVALID_ARGUMENT")
    assert err["field"] == "run_at" and "past" in err["message"]
    assert data(await api.a.get(f"/v1/cron/get/{job['cron_id']}")) == moved


async def test_priority_a_queue_ignores_is_published_with_a_warning(api: Api) -> None:
    data(await api.a.post("/v1/scheduling/queue/create", json={"name": "orders"}))
    data(await api.a.post("/v1/scheduling/queue/create", json={"name": "f", "type": "fifo"}))
    one = data(await api.a.post("/v1/scheduling/queue/publish", json={"queue": "orders", "payload": {"n": 1},
                                                                     "priority": 5}))
    assert set(one) == {"message_id", "id", "duplicate", "warnings"} and one["id"] == one["message_id"]
    assert one["warnings"] == [
        "priority 5 was ignored: queue 'orders' does not have enable_priority, so it keeps publish order (update "
        "the queue with enable_priority: true, or create one with it, to order by priority; it applies to messages "
        "published afterwards)"]
    plain = data(await api.a.post("/v1/scheduling/queue/publish", json={"queue": "orders", "payload": {"n": 2}}))
    assert set(plain) == {"message_id", "id", "duplicate"}  # nothing ignored: no warnings key
    body = {"queue": "f", "messages": [{"payload": 1}, {"payload": 2, "priority": 4}]}
    batch = data(await api.a.post("/v1/scheduling/queue/publish_batch", json=body))
    assert set(batch) == {"message_ids", "items"} and "warnings" not in batch["items"][0]
    (warning,) = batch["items"][1]["warnings"]
    assert warning.startswith("messages[1].priority 4 was ignored: queue 'f' is FIFO")
    assert data(await api.a.get("/v1/scheduling/queue/stats/f"))["available"] == 2
    got = data(await api.a.post("/v1/scheduling/queue/consume", json={"queue": "orders", "max_messages": 10}))
    assert [(m["message_id"], m["priority"]) for m in got["messages"]] == [(one["message_id"], 5),
                                                                          (plain["message_id"], 0)]
    spec = (await api.a.get("/openapi.json")).json()
    assert spec["components"]["schemas"]["Published"]["properties"]["warnings"]["type"] == "array"
