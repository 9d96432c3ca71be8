"""Replay every curl example of seeds 001-004 against our app (our host, real ids) and check
the documented response shapes, plus the response schemas of our own /openapi.json.

Placeholders are made real first: ``ID``/``RUN_ID``/``QUEUE`` in paths and ``"..."`` in
bodies become a cron job, a run, a queue and a message that exist; past example dates in
seed 004 move into the future (the engine refuses a one-shot time in the past).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.api.schema_check import check_response
from tests.api.seeds import SEEDS, Example, agents_004, infrai_examples, jobs_003, returns_fields
from tests.receiver import Receiver

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seeds not found at {SEEDS} (../shared beside the repo)"),
]
EXAMPLES = infrai_examples("001") + infrai_examples("002") if SEEDS.is_dir() else []
# Where we answer differently from the literal example, on purpose (docs/REST.md, "Deviations"):
# an empty batch is refused (the engine's rule: 1-100 messages), so it is replayed a second
# time with one message to check the documented shape.
REFUSED = {("POST", "/v1/scheduling/queue/publish_batch"): (422, "messages", {"messages": [{"payload": {"n": 2}}]})}


async def _setup(api: Api) -> dict[str, str]:
    """What the placeholders stand for: a cron job, one of its runs, a queue, a leased message."""
    job = (await api.a.post("/v1/cron/create", json={"cron_expr": "0 9 * * 1", "task_url": "https://a.example/w"}))
    cron_id = job.json()["data"]["cron_id"]
    run_id = (await api.a.post(f"/v1/cron/trigger/{cron_id}")).json()["data"]["run_id"]
    for name, extra in (("orders-dlq", {}), ("orders", {"dead_letter_queue": "orders-dlq"})):
        assert (await api.a.post("/v1/scheduling/queue/create", json={"name": name, **extra})).status_code == 200
    await api.a.post("/v1/scheduling/queue/publish", json={"queue": "orders", "payload": {"n": 1}})
    leased = (await api.a.post("/v1/scheduling/queue/consume", json={"queue": "orders"})).json()["data"]
    return {"ID": cron_id, "RUN_ID": run_id, "QUEUE": "orders", "message_id": leased["messages"][0]["message_id"]}


def _real_path(path: str, ids: dict[str, str]) -> str:
    return "/".join(ids.get(part, part) for part in path.split("/"))


def _real_body(body: dict[str, Any] | None, ids: dict[str, str]) -> dict[str, Any] | None:
    if body is None:
        return None
    values = {"queue": "orders", "message_id": ids["message_id"], "cron_id": ids["ID"], "name": "replayed",
              "task": "https://a.example/once", "run_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    return {k: (values[k] if v == "..." else v) for k, v in body.items()}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
async def test_replay_infrai_example(api: Api, example: Example) -> None:
    ids = await _setup(api)
    body = _real_body(example.body, ids)
    resp = await api.a.request(example.method, _real_path(example.path, ids), json=body)
    if (example.method, example.path) in REFUSED:
        status, field, fix = REFUSED[(example.method, example.path)]
        assert resp.status_code == status and resp.json()["error"]["field"] == field, resp.text
        resp = await api.a.request(example.method, _real_path(example.path, ids), json={**(body or {}), **fix})
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    assert example.returns, example
    for field in returns_fields(example.returns):
        if field.optional:
            continue
        assert field.name in data, f"{example.id}: {field.name} missing from {sorted(data)}"
        if field.is_list:
            assert isinstance(data[field.name], list)
    check_response((await api.a.get("/openapi.json")).json(), resp)


async def test_publish_example_is_accepted_with_a_warning(api: Api) -> None:
    """001's publish example sends priority 5 to a queue created without enable_priority: it is
    published (and consumable) as written, and the response says the priority was ignored."""
    (example,) = [e for e in EXAMPLES if (e.method, e.path) == ("POST", "/v1/scheduling/queue/publish")]
    assert example.body is not None and example.body.get("priority")
    ids = await _setup(api)
    resp = await api.a.post(example.path, json=_real_body(example.body, ids))
    assert resp.status_code == 200, resp.text
    data = resp.json()["data"]
    (warning,) = data["warnings"]
    assert warning.startswith(f"priority {example.body['priority']} was ignored: queue 'orders'")
    assert "enable_priority: true" in warning
    got = (await api.a.post("/v1/scheduling/queue/consume", json={"queue": "orders"})).json()["data"]["messages"]
    assert [m["message_id"] for m in got] == [data["message_id"]]


async def test_replay_jobs_003(api: Api) -> None:
    body, documented = jobs_003()
    resp = await api.a.post("/api/jobs", json=body)
    assert resp.status_code == 200, resp.text
    ours = resp.json()

    def same_keys(doc: Any, got: Any, where: str) -> None:
        if isinstance(doc, dict):
            assert isinstance(got, dict) and set(doc) <= set(got), f"{where}: {set(doc) - set(got or {})} missing"
            for k in ("job",):  # nested record the seed spells out; args echo the request
                if k in doc:
                    same_keys(doc[k], got[k], f"{where}.{k}")

    same_keys(documented, ours, "")
    same_keys(documented["data"], ours["data"], "data")
    assert set(documented["data"]["args"]) <= set(ours["data"]["args"])
    assert ours["data"]["args"]["schedule_in"] == [30, "seconds"] and ours["data"]["job"]["state"] == "scheduled"
    check_response((await api.a.get("/openapi.json")).json(), resp)


def _future(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    if "next_run" in out:
        out["next_run"] = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return out


async def test_replay_agents_004(api: Api) -> None:
    blocks, curls = agents_004()
    doc = (await api.a.get("/openapi.json")).json()
    base = "/api/agents/agent-1"
    responses = [value for heading, value in blocks if heading == "Response"]
    list_shape, create_shape, get_shape = responses
    made = []
    for heading, body in blocks:
        if heading.endswith("Schedule"):  # Cron Schedule / One-Time Schedule / Delayed Schedule
            resp = await api.a.post(f"{base}/schedules", json=_future(body))
            assert resp.status_code == 200, resp.text
            assert set(create_shape) <= set(resp.json()), heading
            check_response(doc, resp)
            made.append(resp.json())
    assert [s["type"] for s in made] == ["cron", "once", "delayed"]

    for method, path, body in curls:
        path = path.replace("schedule-123", made[0]["id"])
        resp = await api.a.request(method, f"{base}{path}", json=body)
        assert resp.status_code == 200, resp.text
        check_response(doc, resp)
    assert (await api.a.get(f"{base}/schedules/{made[0]['id']}")).json()["status"] == "paused"

    listed = await api.a.get(f"{base}/schedules")
    assert set(list_shape) <= set(listed.json())
    assert set(list_shape["schedules"][0]) <= set(listed.json()["schedules"][0])
    assert [s["id"] for s in (await api.a.get(f"{base}/schedules?type=cron&status=active")).json()["schedules"]] \
        == [listed.json()["schedules"][3]["id"]]  # the curl-created hourly one; the seed's cron one is paused

    update = next(value for heading, value in blocks if heading == "Request Body")
    resp = await api.a.put(f"{base}/schedules/{made[0]['id']}", json=update)
    assert resp.json()["name"] == "Updated Schedule" and resp.json()["cron_expression"] == "0 10 * * *"
    got = await api.a.get(f"{base}/schedules/{made[0]['id']}")
    assert set(get_shape) <= set(got.json()) and got.json()["executions"] == []
    check_response(doc, got)
    gone = await api.a.delete(f"{base}/schedules/{made[1]['id']}")
    assert gone.json() == {"id": made[1]["id"], "deleted": True}
    check_response(doc, gone)
    assert (await api.a.get(f"{base}/schedules/{made[1]['id']}")).status_code == 404


async def test_004_executions_shape(tmp_path: Any) -> None:
    """A schedule that really fires shows executions shaped as seed 004's get example."""
    from infrai_mcp.config import Settings
    from infrai_mcp.runtime.engine import Engine
    from infrai_mcp.surfaces.rest import create_app
    from infrai_mcp.surfaces.rest.keys import create_key
    from tests.waiting import until

    blocks, _ = agents_004()
    get_shape = [value for heading, value in blocks if heading == "Response"][2]
    settings = Settings(home=tmp_path)
    with Receiver() as rx:
        async with Engine(settings) as engine:
            _, key = await create_key(engine.store, "acme")
            import httpx

            transport = httpx.ASGITransport(app=create_app(engine, settings))
            async with httpx.AsyncClient(transport=transport, base_url="http://t",
                                         headers={"Authorization": f"Bearer {key}"}) as c:
                made = (await c.post("/api/agents/a/schedules", json={
                    "name": "now", "type": "delayed", "delay_seconds": 0, "callback_url": rx.url("/cb")})).json()

                async def executed() -> Any:
                    got = (await c.get(f"/api/agents/a/schedules/{made['id']}")).json()
                    done = [e for e in got["executions"] if e["status"] == "success"]
                    return got if done else None

                got = await until(executed, what="an execution of the delayed schedule")
    execution = got["executions"][0]
    assert set(get_shape["executions"][0]) <= set(execution)
    assert got["status"] == "completed" and got["last_run"]
