"""Hostile input on every surface, on SQLite here and on PostgreSQL in
tests/pg/test_pg_hostile_input.py (every test taking ``hostile``, an engine in server mode): a
NUL character in any text field or id, JSON nested deeper than the bound, URLs that could
never be sent or that server mode would refuse to send to. Each is refused
with the status and a message naming the field, and the store is unchanged; a record that is
already stored and cannot be shown (written before the bound, or by hand) degrades that record
only, never the list around it or the queue messages next to it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.models.common import MAX_JSON_DEPTH, UNSHOWABLE_JSON
from infrai_mcp.runtime.engine import Engine
from tests.hardening.hostile import Hostile, body_of, deep, deep_text, error_of, hostile_harness

pytestmark = pytest.mark.anyio

URL = "https://example.com/hook"
NUL = "a\u0000b"
CRON = "/v1/scheduling/cron"
Q = "/v1/scheduling/queue"
AGENTS = "/api/agents"


@pytest.fixture
async def hostile(tmp_path: Path) -> AsyncIterator[Hostile]:
    engine = Engine(Settings(home=tmp_path, workflow_url="http://127.0.0.1:9/wf/{callback_id}"), dispatch=False,
                    server_mode=True)
    async with hostile_harness(engine, postgres=False) as h:
        yield h


async def _seed(h: Hostile) -> dict[str, str]:
    """One record of each kind, so refusals have neighbours to leave alone."""
    cron = body_of(await h.rest.post(f"{CRON}/create", json={"url": URL, "schedule": "0 9 * * *", "name": "c1"}))
    task = body_of(await h.rest.post("/v1/scheduling/task/schedule", json={"url": URL, "delay_seconds": 3600}))
    body_of(await h.rest.post(f"{Q}/create", json={"name": "q1"}))
    sched = body_of(await h.rest.post(f"{AGENTS}/ag1/schedules", json={
        "name": "s1", "type": "delayed", "delay_seconds": 3600, "callback_url": URL}))
    return {"cron": cron["cron_id"], "task": task["task_id"], "schedule": sched["id"]}


Case = tuple[str, str, dict[str, Any], str, int]  # method, path, JSON body, field named, status


async def refused(h: Hostile, cases: list[Case], *words: str) -> None:
    """Each request is refused with its status, naming its field, the message holding ``words``."""
    for method, path, body, field, status in cases:
        err = error_of(await h.rest.request(method, path, json=body), status)
        assert err["field"] == field, (method, path, err)
        assert all(w in err["message"] for w in words), (path, err)


# -- NUL -----------------------------------------------------------------------------------


async def test_nul_in_any_text_field_or_id_is_refused_over_rest(hostile: Hostile) -> None:
    h = hostile
    ids = await _seed(h)
    before = await h.state()
    bodies: list[Case] = [
        ("POST", f"{CRON}/create", {"url": URL, "schedule": "0 9 * * *", "name": NUL}, "name", 422),
        ("POST", f"{CRON}/create", {"url": URL, "schedule": "0 9 * * *", "idempotency_key": NUL},
         "idempotency_key", 422),
        ("PATCH", f"{CRON}/update/{ids['cron']}", {"name": NUL}, "name", 422),
        ("POST", "/v1/scheduling/task/schedule", {"url": URL, "delay_seconds": 60, "name": NUL}, "name", 422),
        ("POST", f"{Q}/publish", {"queue": "q1", "payload": 1, "group_id": NUL}, "group_id", 422),
        ("POST", f"{Q}/publish", {"queue": "q1", "payload": 1, "idempotency_key": NUL}, "idempotency_key", 422),
        ("POST", "/v1/scheduling/webhook/send", {"url": URL, "idempotency_key": NUL}, "idempotency_key", 422),
        ("POST", f"{AGENTS}/ag1/schedules", {"name": NUL, "type": "delayed", "delay_seconds": 60,
                                              "callback_url": URL}, "name", 400),
        ("POST", "/api/jobs", {"url": URL, "schedule_in": 60, "name": NUL}, "name", 422),
    ]
    await refused(h, bodies, "NUL", "\\u0000")
    paths: list[tuple[str, str, str, int]] = [
        ("GET", f"{CRON}/get/cron_%00", "path", 422),
        ("POST", f"{CRON}/pause/{ids['cron']}%00", "path", 422),
        ("GET", "/v1/scheduling/task/get/task_%00x", "path", 422),
        ("GET", f"{Q}/get/q%001", "path", 422),
        ("GET", f"{AGENTS}/ag%001/schedules", "path", 400),
        ("GET", f"{AGENTS}/ag1/schedules/{ids['schedule']}%00", "path", 400),
        ("DELETE", "/api/jobs/x%00", "path", 422),
        ("GET", "/v1/scheduling/task/list?state=%00", "state", 422),
        ("GET", f"{CRON}/list?cursor=cron_%00", "cursor", 422),
    ]
    for method, path, field, status in paths:
        err = error_of(await h.rest.request(method, path), status)
        assert err["field"] == field and "NUL" in err["message"], (path, err)
    assert await h.state() == before
    # NUL inside a JSON payload is JSON (the escape \u0000): stored and read back as sent.
    msg = body_of(await h.rest.post(f"{Q}/publish", json={"queue": "q1", "payload": {"k": NUL}}))
    got = body_of(await h.rest.post(f"{Q}/consume", json={"queue": "q1"}))
    assert [m["payload"] for m in got["messages"]] == [{"k": NUL}] and got["messages"][0]["message_id"] == \
        msg["message_id"]


async def test_nul_in_any_tool_argument_is_refused_over_mcp(hostile: Hostile) -> None:
    h = hostile
    ids = await _seed(h)
    before = await h.state()
    calls: list[tuple[str, dict[str, Any], str]] = [
        ("cron_create", {"url": URL, "schedule": "0 9 * * *", "name": NUL}, "name"),
        ("cron_get", {"cron_id": ids["cron"] + "\u0000"}, "cron_id"),
        ("cron_trigger", {"cron_id": "\u0000"}, "cron_id"),
        ("task_schedule", {"url": URL, "delay": 3600, "idempotency_key": NUL}, "idempotency_key"),
        ("queue_publish", {"queue": "q1", "payload": 1, "group_id": NUL}, "group_id"),
        ("schedule_list", {"agent_id": NUL}, "agent_id"),
    ]
    for name, args, field in calls:
        is_error, text = await h.tool(name, **args)
        assert is_error and field in text and "NUL" in text, (name, text)
    assert await h.state() == before


# -- JSON nesting --------------------------------------------------------------------------


async def test_json_nested_deeper_than_the_bound_is_refused_on_every_surface(hostile: Hostile) -> None:
    h = hostile
    ids = await _seed(h)
    too_deep, at_bound = deep(MAX_JSON_DEPTH + 1), deep(MAX_JSON_DEPTH)
    before = await h.state()
    bodies: list[Case] = [
        ("POST", f"{CRON}/create", {"url": URL, "schedule": "0 9 * * *", "payload": too_deep}, "payload", 422),
        ("PATCH", f"{CRON}/update/{ids['cron']}", {"payload": too_deep}, "payload", 422),
        ("POST", "/v1/scheduling/task/schedule", {"url": URL, "delay_seconds": 60, "payload": too_deep},
         "payload", 422),
        ("POST", f"{Q}/publish", {"queue": "q1", "payload": too_deep}, "payload", 422),
        ("POST", f"{Q}/publish_batch", {"queue": "q1", "messages": [{"payload": 1}, {"payload": too_deep}]},
         "messages.1.payload", 422),
        ("POST", "/v1/scheduling/webhook/send", {"url": URL, "payload": too_deep}, "payload", 422),
        ("POST", f"{AGENTS}/ag1/schedules", {"name": "s", "type": "delayed", "delay_seconds": 60,
                                              "callback_url": URL, "payload": too_deep}, "payload", 400),
        ("PUT", f"{AGENTS}/ag1/schedules/{ids['schedule']}", {"payload": too_deep}, "payload", 400),
        ("POST", "/api/jobs", {"url": URL, "schedule_in": 60, "method": "post", "body": too_deep}, "body", 422),
    ]
    await refused(h, bodies, f"more than {MAX_JSON_DEPTH} levels")
    for name, args in [("cron_create", {"url": URL, "schedule": "0 9 * * *", "payload": too_deep}),
                       ("queue_publish", {"queue": "q1", "payload": too_deep}),
                       ("webhook_send", {"url": URL, "payload": too_deep})]:
        is_error, text = await h.tool(name, **args)
        assert is_error and "payload" in text and f"more than {MAX_JSON_DEPTH} levels" in text, (name, text)
    assert await h.state() == before
    # The bound itself is accepted and read back whole.
    job = body_of(await h.rest.post(f"{CRON}/create", json={"url": URL, "schedule": "0 9 * * *",
                                                            "payload": at_bound}))
    assert body_of(await h.rest.get(f"{CRON}/get/{job['cron_id']}"))["payload"] == at_bound


async def test_a_stored_record_that_cannot_be_shown_degrades_alone(hostile: Hostile) -> None:
    """Payloads stored nested 300 levels deep (or not JSON at all) by a direct write: every list
    and get still answers, the other records are whole, and the poisoned one says why."""
    h = hostile
    ids = await _seed(h)
    fine = body_of(await h.rest.post(f"{CRON}/create", json={"url": URL, "schedule": "0 8 * * *",
                                                             "payload": {"ok": True}}))
    for job_id in (ids["cron"], ids["task"], ids["schedule"]):
        await h.poke("UPDATE jobs SET payload = ? WHERE id = ?", deep_text(300), job_id)
    await h.poke("UPDATE jobs SET headers = ? WHERE id = ?", "{not json", ids["cron"])
    crons = body_of(await h.rest.get(f"{CRON}/list"))["items"]
    by_id = {c["cron_id"]: c for c in crons}
    assert by_id[ids["cron"]]["payload"] == UNSHOWABLE_JSON and by_id[ids["cron"]]["headers"] is None
    assert by_id[fine["cron_id"]]["payload"] == {"ok": True}
    assert body_of(await h.rest.get(f"{CRON}/get/{ids['cron']}"))["payload"] == UNSHOWABLE_JSON
    tasks = body_of(await h.rest.get("/v1/scheduling/task/list"))["items"]
    assert [t["payload"] for t in tasks] == [UNSHOWABLE_JSON]
    scheds = body_of(await h.rest.get(f"{AGENTS}/ag1/schedules"))
    items = scheds["schedules"] if isinstance(scheds, dict) and "schedules" in scheds else scheds
    assert [s["payload"] for s in items] == [UNSHOWABLE_JSON]
    is_error, listed = await h.tool("cron_list")
    assert not is_error and len(listed["items"]) == 2
    is_error, got = await h.tool("cron_get", cron_id=ids["cron"])
    assert not is_error and got["payload"] == UNSHOWABLE_JSON


async def test_a_poisoned_queue_message_never_hides_or_dead_letters_its_neighbours(hostile: Hostile) -> None:
    h = hostile
    body_of(await h.rest.post(f"{Q}/create", json={"name": "jobs", "max_retries": 1}))
    ids = [body_of(await h.rest.post(f"{Q}/publish", json={"queue": "jobs", "payload": {"n": i}}))["message_id"]
           for i in range(7)]
    poisoned = ids[3]
    await h.poke("UPDATE queue_messages SET payload = ? WHERE id = ?", deep_text(500), poisoned)
    got = body_of(await h.rest.post(f"{Q}/consume", json={"queue": "jobs", "max_messages": 10}))["messages"]
    assert [m["message_id"] for m in got] == ids
    assert [m["payload"] for m in got] == [{"n": i} if i != 3 else UNSHOWABLE_JSON for i in range(7)]
    for m in got:
        assert body_of(await h.rest.post(f"{Q}/ack", json={"queue": "jobs", "receipt": m["receipt"]}))["acked"]
    stats = body_of(await h.rest.get(f"{Q}/stats/jobs"))
    assert stats["available"] == 0 and stats["in_flight"] == 0
    # Over MCP too, and a poisoned dead letter does not break the DLQ list.
    again = body_of(await h.rest.post(f"{Q}/publish", json={"queue": "jobs", "payload": "x"}))["message_id"]
    await h.poke("UPDATE queue_messages SET payload = ? WHERE id = ?", deep_text(500), again)
    is_error, consumed = await h.tool("queue_consume", queue="jobs")
    assert not is_error and consumed["messages"][0]["payload"] == UNSHOWABLE_JSON
    receipt = consumed["messages"][0]["receipt"]
    await h.rest.post(f"{Q}/nack", json={"queue": "jobs", "receipt": receipt, "requeue": True})
    got = body_of(await h.rest.post(f"{Q}/consume", json={"queue": "jobs"}))["messages"]
    if got:  # max_retries=1: the second receive may already be the last one
        await h.rest.post(f"{Q}/nack", json={"queue": "jobs", "receipt": got[0]["receipt"], "requeue": True})
    dlq = body_of(await h.rest.get(f"{Q}/dlq/list/jobs"))["items"]
    assert [d["message_id"] for d in dlq] == [again] and dlq[0]["payload"] == UNSHOWABLE_JSON


# -- URLs ----------------------------------------------------------------------------------

def url_cases(bad: str, ids: dict[str, str]) -> list[Case]:
    """``bad`` in every URL field of every surface that stores one."""
    return [
        ("POST", f"{CRON}/create", {"url": bad, "schedule": "0 9 * * *"}, "url", 422),
        ("POST", f"{CRON}/create", {"url": URL, "schedule": "0 9 * * *", "on_failure_webhook": bad},
         "on_failure_webhook", 422),
        ("POST", f"{CRON}/create", {"url": URL, "schedule": "0 9 * * *", "result_url": bad}, "result_url", 422),
        ("PATCH", f"{CRON}/update/{ids['cron']}", {"events_url": bad}, "events_url", 422),
        ("PATCH", f"{CRON}/update/{ids['cron']}", {"url": bad}, "url", 422),
        ("POST", "/v1/scheduling/task/schedule", {"url": bad, "delay_seconds": 60}, "url", 422),
        ("POST", "/v1/scheduling/webhook/send", {"url": bad}, "url", 422),
        ("POST", f"{Q}/push_subscribe/q1", {"url": bad}, "url", 422),
        ("POST", f"{AGENTS}/ag1/schedules", {"name": "s", "type": "delayed", "delay_seconds": 60,
                                              "callback_url": bad}, "callback_url", 400),
        ("PUT", f"{AGENTS}/ag1/schedules/{ids['schedule']}", {"callback_url": bad}, "callback_url", 400),
        ("POST", "/api/jobs", {"url": bad, "schedule_in": 60}, "url", 422),
        ("POST", "/api/jobs", {"url": URL, "schedule_in": 60, "callback_url": bad}, "callback_url", 422),
        ("POST", "/api/jobs", {"url": URL, "schedule_in": 60, "webhook_url": bad}, "webhook_url", 422),
    ]


BAD_URLS = ("http://[::1", "http://x.invalid:99999/", "http://x.invalid:-1/", "http://x.invalid:0/")


async def test_urls_that_could_never_be_sent_are_refused_at_create(hostile: Hostile) -> None:
    h = hostile
    ids = await _seed(h)
    before = await h.state()
    for bad in BAD_URLS:
        await refused(h, url_cases(bad, ids), "like https://")
        is_error, text = await h.tool("cron_create", url=bad, schedule="0 9 * * *")
        assert is_error and "url" in text, text
    assert await h.state() == before


# -- smaller: REST speaks REST, idempotent ack, 405, action bodies, empty query values -----


async def test_rest_conflicts_name_routes_and_mcp_conflicts_name_tools(hostile: Hostile) -> None:
    h = hostile
    body_of(await h.rest.post(f"{Q}/create", json={"name": "dead"}))
    body_of(await h.rest.post(f"{Q}/create", json={"name": "work", "dead_letter_queue": "dead"}))
    before = await h.state()
    dup = error_of(await h.rest.post(f"{Q}/create", json={"name": "work"}), 409)
    in_use = error_of(await h.rest.delete(f"{Q}/delete/dead"), 409)
    for err in (dup, in_use):
        assert "PATCH /v1/scheduling/queue/update/" in err["message"] and "queue_update" not in err["message"], err
    assert "dead-letter queue of 'work'" in in_use["message"]
    is_error, text = await h.tool("queue_create", name="work")
    assert is_error and "queue_update" in text and "PATCH" not in text, text
    is_error, text = await h.tool("queue_delete", queue="dead")
    assert is_error and "queue_update" in text and "PATCH" not in text, text
    assert await h.state() == before


async def test_a_repeated_ack_answers_success_with_acked_false(hostile: Hostile) -> None:
    h = hostile
    body_of(await h.rest.post(f"{Q}/create", json={"name": "q"}))
    body_of(await h.rest.post(f"{Q}/publish", json={"queue": "q", "payload": 1}))
    (msg,) = body_of(await h.rest.post(f"{Q}/consume", json={"queue": "q"}))["messages"]
    first = body_of(await h.rest.post(f"{Q}/ack", json={"queue": "q", "receipt": msg["receipt"]}))
    assert first == {"message_id": msg["message_id"], "acked": True, "reason": None}
    again = body_of(await h.rest.post(f"{Q}/ack", json={"queue": "q", "receipt": msg["receipt"]}))
    assert again["acked"] is False and again["message_id"] == msg["message_id"]
    assert "already acked" in again["reason"]
    is_error, over_mcp = await h.tool("queue_ack", queue="q", message_ids=[msg["message_id"]])
    (item,) = over_mcp["items"]
    assert not is_error and item["acked"] is False and "already acked" in item["reason"]
    # An unknown queue is still an error: there is nothing the ack could have meant.
    error_of(await h.rest.post(f"{Q}/ack", json={"queue": "nope", "receipt": msg["receipt"]}), 404)


async def test_a_405_lists_every_method_of_the_path(hostile: Hostile) -> None:
    h = hostile
    cases = {
        f"{CRON}/list": ("DELETE", {"GET"}),
        "/v1/scheduling/cron": ("DELETE", {"GET", "POST"}),
        f"{AGENTS}/ag1/schedules": ("PATCH", {"GET", "POST"}),
        f"{AGENTS}/ag1/schedules/sch_x": ("POST", {"GET", "PUT", "DELETE"}),
        "/api/jobs/x": ("PUT", {"GET", "DELETE"}),
    }
    for path, (method, allowed) in cases.items():
        resp = await h.rest.request(method, path)
        err = error_of(resp, 405)
        listed = {m.strip() for m in resp.headers["allow"].split(",")}
        assert listed - {"HEAD"} == allowed, (path, listed)
        assert err["code"] == "METHOD_NOT_ALLOWED" and all(m in err["message"] for m in allowed)


async def test_routes_addressed_by_id_refuse_unknown_or_mistyped_body_fields(hostile: Hostile) -> None:
    h = hostile
    ids = await _seed(h)
    before = await h.state()
    cases: list[tuple[str, str, dict[str, Any], str]] = [
        ("POST", f"{CRON}/pause/{ids['cron']}", {"paused": True}, "paused"),
        ("POST", f"{CRON}/pause/{ids['cron']}", {"cron_id": 5}, "cron_id"),
        ("POST", f"{CRON}/resume/{ids['cron']}", {"unknown": 1}, "unknown"),
        ("POST", f"{CRON}/trigger/{ids['cron']}", {"job_id": ["x"]}, "job_id"),
        ("DELETE", f"{CRON}/delete/{ids['cron']}", {"force": True}, "force"),
        ("PATCH", f"{CRON}/update/{ids['cron']}", {"cron_id": {"a": 1}}, "cron_id"),
        ("POST", f"/v1/scheduling/task/cancel/{ids['task']}", {"reason": "x"}, "reason"),
        ("POST", f"{Q}/purge/q1", {"all": True}, "all"),
        ("DELETE", f"{Q}/delete/q1", {"queue": 7}, "queue"),
        ("PATCH", f"{Q}/update/q1", {"queue": 7}, "queue"),
    ]
    await refused(h, [(method, path, body, field, 422) for method, path, body, field in cases])
    assert await h.state() == before
    # The ids the seeds repeat in the body are still accepted.
    assert body_of(await h.rest.post(f"{CRON}/pause/{ids['cron']}", json={"cron_id": ids["cron"]}))["status"] == \
        "paused"


async def test_empty_query_values_are_refused_naming_them(hostile: Hostile) -> None:
    h = hostile
    await _seed(h)
    for path, field in [(f"{CRON}/list?limit=", "limit"), ("/v1/scheduling/task/list?state=", "state"),
                        (f"{AGENTS}/ag1/schedules?status=", "status"), (f"{AGENTS}/ag1/schedules?type=", "type"),
                        ("/v1/scheduling/schedules?type=", "type"), ("/v1/scheduling/run/list?state=", "state"),
                        (f"{Q}/list?limit=", "limit")]:
        status = 400 if path.startswith(AGENTS) else 422
        err = error_of(await h.rest.get(path), status)
        assert err["field"] == field and "empty" in err["message"] and f"{field}=" in err["message"], (path, err)


# -- server mode refuses private targets at create -----------------------------------------

PRIVATE = ("127.0.0.1", "10.1.2.3", "169.254.169.254", "[::1]", "localhost", "2130706433", "[::ffff:10.0.0.1]")


async def test_server_mode_refuses_private_targets_at_create_on_every_url_field(hostile: Hostile) -> None:
    h = hostile
    ids = await _seed(h)
    before = await h.state()
    for host in PRIVATE:
        bad = f"http://{host}:8080/hook"
        await refused(h, url_cases(bad, ids), "server mode refuses", "INFRAI_ALLOW_PRIVATE_TARGETS")
        for name, args in [("queue_push_subscribe", {"queue": "q1", "url": bad}),
                           ("cron_create", {"url": bad, "schedule": "0 9 * * *"}),
                           ("task_schedule", {"url": URL, "delay": 3600, "on_failure_webhook": bad})]:
            is_error, text = await h.tool(name, **args)
            assert is_error and "INFRAI_ALLOW_PRIVATE_TARGETS" in text, (name, text)
    assert await h.state() == before


# -- the CLI (same models; SQLite, the store the operator CLI manages) ---------------------


def test_cli_refuses_deep_json_and_bad_urls_and_stores_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from infrai_mcp.surfaces.cli.main import main

    monkeypatch.setenv("INFRAI_HOME", str(tmp_path))
    monkeypatch.delenv("INFRAI_DATABASE_URL", raising=False)
    cases = [
        (["--payload", deep_text(MAX_JSON_DEPTH + 1)], f"more than {MAX_JSON_DEPTH} levels"),
        (["--payload", deep_text(100_000)], f"more than {MAX_JSON_DEPTH} levels"),
    ]
    for extra, words in cases:
        code = main(["cron", "add", "--url", URL, "--schedule", "0 9 * * *", *extra])
        err = capsys.readouterr().err
        assert code != 0 and words in err and "Traceback" not in err, err
    code = main(["cron", "add", "--url", "http://x.invalid:99999/", "--schedule", "0 9 * * *"])
    err = capsys.readouterr().err
    assert code != 0 and "url" in err and "Traceback" not in err, err
    assert main(["cron", "ls", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) in ([], {"items": [], "next_cursor": None})
