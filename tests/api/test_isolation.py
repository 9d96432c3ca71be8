"""Two projects, every route: another project's ids answer 404, its lists stay empty, and
nothing project B sends changes what project A has.

Routes are enumerated from the route table itself, so a new route is covered (or this test
fails asking for an id to try) without editing a list here.
"""

from __future__ import annotations

from typing import Any

import pytest

from infrai_mcp.surfaces.rest.app import all_ops
from tests.api.conftest import Api

pytestmark = pytest.mark.anyio
URL = "https://example.com/hook"
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "retention"): {"retention_days": 3},
    ("PUT", "schedules"): {"status": "paused"},
    ("POST", "push_subscribe"): {"url": URL},
}


async def _make_everything(api: Api) -> dict[str, str]:
    a = api.a

    async def d(resp: Any) -> Any:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        return body.get("data", body)

    cron = await d(await a.post("/v1/cron/create", json={"cron_expr": "0 9 * * 1", "task": URL}))
    run = await d(await a.post(f"/v1/cron/trigger/{cron['id']}"))
    task = await d(await a.post("/api/jobs", json={"url": URL, "schedule_in": 3600}))
    await d(await a.post("/v1/scheduling/queue/create", json={"name": "orders-dlq"}))
    await d(await a.post("/v1/scheduling/queue/create", json={"name": "orders", "dead_letter_queue": "orders-dlq"}))
    await d(await a.post("/v1/scheduling/queue/publish", json={"queue": "orders", "payload": {"n": 1}}))
    await d(await a.post("/v1/scheduling/queue/publish", json={"queue": "orders", "payload": {"n": 2}}))
    msg = (await d(await a.post("/v1/scheduling/queue/consume", json={"queue": "orders"})))["messages"][0]
    sub = await d(await a.post("/v1/scheduling/queue/push_subscribe/orders-dlq", json={"url": URL}))
    dlv = await d(await a.post("/v1/scheduling/webhook/send", json={"url": URL, "payload": {}}))
    sch = await d(await a.post("/api/agents/agent-1/schedules", json={
        "name": "s", "type": "cron", "cron_expression": "0 9 * * *", "callback_url": URL}))
    return {"cron": cron["id"], "run_id": run["run_id"], "task": task["id"], "queue": "orders",
            "message_id": msg["message_id"], "receipt": msg["receipt"], "subscription_id": sub["subscription_id"],
            "delivery_id": dlv["delivery_id"], "agent_id": "agent-1", "schedule_id": sch["id"]}


def _fill(path: str, ids: dict[str, str]) -> str:
    out = path
    out = out.replace("{id}", ids["task"] if "/task/" in path or path.startswith("/api/jobs") else ids["cron"])
    for name in ("run_id", "queue", "subscription_id", "delivery_id", "agent_id", "schedule_id"):
        out = out.replace("{" + name + "}", ids[name])
    assert "{" not in out, f"isolation test has no id for {path}; add one to _make_everything"
    return out


async def _snapshot(api: Api, ids: dict[str, str]) -> list[Any]:
    """Everything project A can read, to compare before and after B's attempts."""
    paths = ["/v1/cron/list", f"/v1/cron/get/{ids['cron']}", f"/v1/cron/runs/list/{ids['cron']}",
             "/v1/scheduling/task/list", "/v1/scheduling/run/list", "/v1/scheduling/queue/list",
             "/v1/scheduling/queue/stats/orders", "/v1/scheduling/queue/dlq/list/orders",
             "/v1/scheduling/queue/push_list/orders-dlq", f"/v1/cron/retention/get/{ids['cron']}",
             "/api/agents/agent-1/schedules", f"/api/agents/agent-1/schedules/{ids['schedule_id']}"]
    out = []
    for p in paths:
        resp = await api.a.get(p)
        assert resp.status_code == 200, (p, resp.text)
        body = resp.json()
        if "oldest_age_seconds" in body.get("data", {}):
            body["data"].pop("oldest_age_seconds")  # grows with time, not with writes
        out.append(body)
    return out


async def test_another_projects_ids_answer_404_everywhere(api: Api) -> None:
    ids = await _make_everything(api)
    before = await _snapshot(api, ids)
    tried = 0
    for op in all_ops():
        for path in op.paths:
            # An agent id names no record (any project may use "agent-1"): its list and create
            # act on B's own schedules, checked in test_lists_never_show_another_project.
            if "{" not in path or path.endswith("{agent_id}/schedules"):
                continue
            body = next((b for (m, key), b in BODIES.items() if m == op.method and key in path), {})
            resp = await api.b.request(op.method, _fill(path, ids), json=body if op.method != "GET" else None)
            assert resp.status_code == 404, f"{op.method} {path} as project B: {resp.status_code} {resp.text}"
            assert resp.json()["error"]["code"] == "NOT_FOUND"
            tried += 1
    assert tried >= 30

    # Routes that name the queue in the body, and message ids that are A's. (A publish to a
    # name B does not have creates B's own queue of that name: A's is untouched, see below.)
    for path, body in (
        ("consume", {"queue": "orders"}),
        ("ack", {"queue": "orders", "message_id": ids["message_id"]}),
        ("nack", {"queue": "orders", "receipt": ids["receipt"], "requeue": False}),
    ):
        resp = await api.b.post(f"/v1/scheduling/queue/{path}", json=body)
        assert resp.status_code == 404, (path, resp.text)
    published = await api.b.post("/v1/scheduling/queue/publish", json={"queue": "orders", "payload": 1})
    assert "was created" in published.json()["data"]["warnings"][0]
    assert (await api.b.get("/v1/scheduling/run/list", params={"job_id": ids["cron"]})).json()["data"]["items"] == []
    assert await _snapshot(api, ids) == before


async def test_lists_never_show_another_project(api: Api) -> None:
    ids = await _make_everything(api)
    for path, key in (("/v1/cron/list", "items"), ("/v1/scheduling/cron", "items"), ("/v1/cron/list", "items"),
                      ("/v1/scheduling/task/list", "items"), ("/v1/scheduling/run/list", "items"),
                      ("/v1/scheduling/queue/list", "items")):
        assert (await api.b.get(path)).json()["data"][key] == [], path
    assert (await api.b.get("/api/agents/agent-1/schedules")).json()["schedules"] == []
    text = (await api.b.get("/metrics")).text
    assert "orders" not in text and ids["cron"] not in text

    # Names are per project: B's own "orders" queue is a different queue.
    assert (await api.b.post("/v1/scheduling/queue/create", json={"name": "orders"})).status_code == 200
    got = (await api.b.post("/v1/scheduling/queue/consume", json={"queue": "orders", "max_messages": 10})).json()
    assert got["data"]["messages"] == []
    stats = (await api.a.get("/v1/scheduling/queue/stats/orders")).json()["data"]
    assert (stats["available"], stats["in_flight"]) == (1, 1)
