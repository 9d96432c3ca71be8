"""HTTP-level tests of the dashboard over a real engine (SQLite in tmp_path, real receiver)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.core.errors import NotFound
from infrai_mcp.models import CronCreate, MessageIn, QueueCreate, ScheduleCreate, TaskCreate, WebhookSend
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.ui import create_ui_app
from tests.receiver import Receiver
from tests.ui.conftest import CSRF, client_for, post
from tests.waiting import until

pytestmark = pytest.mark.anyio


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def weekday_job(backend: EmbeddedBackend, url: str = "https://example.com/digest", **kw: object) -> str:
    job = await backend.cron_create(
        CronCreate.model_validate(
            {"name": "Weekday digest", "schedule": "0 9 * * 1-5", "timezone": "America/New_York", "url": url, **kw}
        )
    )
    return job.cron_id


async def test_job_list_shows_schedule_in_words_cron_zone_and_next_run(
    client: httpx.AsyncClient, backend: EmbeddedBackend
) -> None:
    cron_id = await weekday_job(backend)
    job = await backend.cron_get(cron_id)
    r = await client.get("/jobs")
    assert r.status_code == 200
    row = r.text[r.text.index(f'data-id="{cron_id}"'):]
    row = row[: row.index("</tr>")]
    assert "Weekday digest" in row and "0 9 * * 1-5" in row and "America/New_York" in row
    assert "Monday" in row and "Friday" in row  # the schedule in words
    assert job.next_run_at is not None and f'datetime="{iso(job.next_run_at)}"' in row
    assert 'class="badge st-active"' in row


async def test_one_table_for_cron_tasks_and_agent_schedules_with_filters(
    client: httpx.AsyncClient, backend: EmbeddedBackend
) -> None:
    cron_id = await weekday_job(backend)
    task = await backend.task_schedule(TaskCreate(name="Later", delay_seconds=3600, url="https://example.com/t"))
    sched = await backend.schedule_create(
        "agent-7",
        ScheduleCreate(name="Agent check", type="cron", cron_expression="0 * * * *", callback_url="https://e.com/a"),
    )
    everything = (await client.get("/jobs?agent=agent-7")).text
    for ident in (cron_id, task.task_id, sched.id):
        assert f'data-id="{ident}"' in everything
    assert f"/agents/agent-7/schedules/{sched.id}" in everything
    only_tasks = (await client.get("/jobs?type=task")).text
    assert f'data-id="{task.task_id}"' in only_tasks and f'data-id="{cron_id}"' not in only_tasks
    other = await backend.schedule_create(
        "agent-8", ScheduleCreate(name="Other agent", type="delayed", delay_seconds=600, callback_url="https://e.com/b"))
    no_agent = (await client.get("/jobs")).text  # every agent's schedules without an agent id
    assert f'data-id="{sched.id}"' in no_agent and f'data-id="{other.id}"' in no_agent
    assert f"/agents/agent-8/schedules/{other.id}" in no_agent
    one_agent = (await client.get("/jobs?type=schedule&agent=agent-8")).text
    assert f'data-id="{other.id}"' in one_agent and f'data-id="{sched.id}"' not in one_agent
    overview = (await client.get("/")).text  # the timeline shows every agent's schedules too
    assert f"/agents/agent-7/schedules/{sched.id}" in overview
    await backend.cron_pause(cron_id)
    paused = (await client.get("/jobs?type=cron&status=paused")).text
    active = (await client.get("/jobs?type=cron&status=active")).text
    assert f'data-id="{cron_id}"' in paused and f'data-id="{cron_id}"' not in active
    assert (await client.get("/jobs?type=bogus")).status_code == 422


async def test_job_list_is_paginated_per_source(client: httpx.AsyncClient, backend: EmbeddedBackend) -> None:
    ids = [await weekday_job(backend, name=f"job {i}") for i in range(3)]
    first = await client.get("/jobs?type=cron&limit=2")
    assert f'data-id="{ids[0]}"' in first.text and f'data-id="{ids[2]}"' not in first.text
    m = re.search(r'href="(/jobs\?[^"]*cron_cursor=[^"]*)"', first.text)
    assert m, "a next-page link carrying the cron cursor"
    assert "limit=2" in m.group(1)
    second = await client.get(m.group(1).replace("&amp;", "&"))
    assert f'data-id="{ids[2]}"' in second.text and f'data-id="{ids[0]}"' not in second.text


async def test_agent_written_text_is_escaped_and_pages_carry_a_strict_csp(
    client: httpx.AsyncClient, backend: EmbeddedBackend
) -> None:
    cron_id = await weekday_job(backend, name="<script>alert(1)</script>")
    for path in ("/jobs", f"/cron/{cron_id}", "/"):
        r = await client.get(path)
        assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)" in r.text
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["cache-control"] == "no-store"


async def test_job_page_masks_secrets_and_shows_settings(client: httpx.AsyncClient, backend: EmbeddedBackend) -> None:
    cron_id = await weekday_job(
        backend, headers={"Authorization": "Bearer top-secret-value", "X-Team": "ops"}, secret="whsec_supersecret"
    )
    r = await client.get(f"/cron/{cron_id}")
    assert r.status_code == 200
    assert "top-secret-value" not in r.text and "whsec_supersecret" not in r.text
    assert "***" in r.text and "ops" in r.text and "set (hidden)" in r.text
    assert r.text.count("<li><time") == 5  # the next five fires


async def test_pause_resume_trigger_and_delete_from_the_ui(
    client: httpx.AsyncClient, backend: EmbeddedBackend, receiver: Receiver
) -> None:
    cron_id = await weekday_job(backend, url=receiver.url("/digest"))
    r = await post(client, f"/cron/{cron_id}/pause")
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["location"] == f"/cron/{cron_id}"
    assert (await backend.cron_get(cron_id)).status == "paused"
    page = (await client.get(f"/cron/{cron_id}")).text
    assert f'action="/cron/{cron_id}/resume"' in page and f'action="/cron/{cron_id}/pause"' not in page

    assert (await post(client, f"/cron/{cron_id}/resume")).json()["ok"]
    assert (await backend.cron_get(cron_id)).status == "active"

    r = await post(client, f"/cron/{cron_id}/trigger")
    assert r.json()["ok"] and "Triggered" in r.json()["message"]
    await receiver.wait_for(1, path="/digest", timeout=30)

    async def succeeded() -> str | None:
        runs = (await backend.cron_runs_list(cron_id)).items
        return runs[0].run_id if runs and runs[0].state == "succeeded" else None

    run_id = await until(succeeded, what="the triggered run succeeded")
    page = (await client.get(f"/cron/{cron_id}")).text
    assert f'data-run="{run_id}" data-state="succeeded"' in page and ">manual<" in page
    run_page = (await client.get(f"/runs/{run_id}")).text
    assert "Attempts" in run_page and ">200<" in run_page

    # Delete asks for confirmation in the page, then goes back to the job list.
    assert f'action="/cron/{cron_id}/delete" data-confirm="Delete the cron job' in page
    r = await post(client, f"/cron/{cron_id}/delete")
    assert r.json() == {"ok": True, "message": "Deleted.", "location": "/jobs"}
    with pytest.raises(NotFound):
        await backend.cron_get(cron_id)
    assert (await client.get(f"/cron/{cron_id}")).status_code == 404


async def test_actions_need_the_csrf_token(client: httpx.AsyncClient, backend: EmbeddedBackend) -> None:
    cron_id = await weekday_job(backend)
    page = (await client.get("/jobs")).text
    assert f'<meta name="infrai-csrf" content="{CSRF}">' in page
    for headers in ({}, {"X-CSRF-Token": "wrong"}):
        r = await client.post(f"/cron/{cron_id}/pause", headers=headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "CSRF"
    assert (await backend.cron_get(cron_id)).status == "active"
    # A plain cross-site form post carries no header at all.
    r = await client.post(f"/cron/{cron_id}/delete", data={"x": "1"})
    assert r.status_code == 403
    assert (await backend.cron_get(cron_id)).status == "active"


async def test_action_errors_come_back_as_json(client: httpx.AsyncClient, backend: EmbeddedBackend) -> None:
    r = await post(client, "/cron/cj_doesnotexist/pause")
    assert r.status_code == 404 and r.json()["ok"] is False
    assert r.json()["error"]["message"] == "No cron job 'cj_doesnotexist'."  # no MCP tool names in the UI
    cron_id = await weekday_job(backend)
    r = await post(client, f"/cron/{cron_id}/explode")
    assert r.status_code == 422 and r.json()["error"]["code"] == "INVALID_ARGUMENT"
    assert (await client.get("/cron/cj_doesnotexist")).status_code == 404
    r = await client.post("/queues/q/redrive", content=b"{not json", headers={"X-CSRF-Token": CSRF})
    assert r.status_code == 422 and "JSON" in r.json()["error"]["message"]


async def test_task_page_and_cancel(client: httpx.AsyncClient, backend: EmbeddedBackend) -> None:
    task = await backend.task_schedule(TaskCreate(name="Later", delay_seconds=3600, url="https://example.com/t"))
    page = (await client.get(f"/tasks/{task.task_id}")).text
    assert "Later" in page and f'action="/tasks/{task.task_id}/cancel" data-confirm=' in page
    r = await post(client, f"/tasks/{task.task_id}/cancel")
    assert r.json()["ok"]
    assert (await backend.task_get(task.task_id)).state == "cancelled"
    page = (await client.get(f"/tasks/{task.task_id}")).text
    assert "st-cancelled" in page and "/cancel" not in page  # no cancel button on a finished task


async def test_agent_schedule_page_pause_resume_delete(client: httpx.AsyncClient, backend: EmbeddedBackend) -> None:
    s = await backend.schedule_create(
        "agent-1",
        ScheduleCreate(name="Hourly", type="cron", cron_expression="0 * * * *", callback_url="https://e.com/a"),
    )
    base = f"/agents/agent-1/schedules/{s.id}"
    page = await client.get(base)
    assert page.status_code == 200 and "Hourly" in page.text and "0 * * * *" in page.text
    assert (await post(client, f"{base}/pause")).json()["ok"]
    assert (await backend.schedule_get("agent-1", s.id)).status == "paused"
    assert (await post(client, f"{base}/resume")).json()["ok"]
    assert (await backend.schedule_get("agent-1", s.id)).status == "active"
    assert (await post(client, f"{base}/delete")).json()["location"] == "/jobs?type=schedule&agent=agent-1"
    assert (await client.get(base)).status_code == 404


async def test_queues_show_depth_and_dlq_and_redrive_moves_messages_back(
    client: httpx.AsyncClient, backend: EmbeddedBackend
) -> None:
    await backend.queue_create(QueueCreate(name="orders-dlq"))
    await backend.queue_create(QueueCreate(name="orders", dead_letter_queue="orders-dlq", max_retries=1))
    for i in range(3):
        await backend.queue_publish("orders", MessageIn(payload={"order": i}))
    leased = await backend.queue_consume("orders", max_messages=2)
    for m in leased:
        await backend.queue_nack("orders", m.message_id, m.receipt, requeue=False, error="gateway 502")

    listing = (await client.get("/queues")).text
    row = listing[listing.index('data-queue="orders"'):]
    row = row[: row.index("</tr>")]
    assert '<td class="num depth">1</td>' in row and '<td class="num dlq warn">2</td>' in row

    page = (await client.get("/queues/orders")).text
    assert 'id="stat-dlq">2<' in page and "gateway 502" in page
    for m in leased:
        assert f'data-message="{m.message_id}"' in page

    one = leased[0].message_id
    r = await post(client, "/queues/orders/redrive", {"message_id": one})
    assert r.json()["ok"] and "Redrove 1" in r.json()["message"]
    stats = await backend.queue_stats("orders")
    assert (stats.available, stats.dlq) == (2, 1)
    page = (await client.get("/queues/orders")).text
    assert f'data-message="{one}"' not in page and 'id="stat-dlq">1<' in page

    r = await post(client, "/queues/orders/redrive")
    assert r.json()["ok"] and "all dead letters" in r.json()["message"]
    stats = await backend.queue_stats("orders")
    assert (stats.available, stats.dlq) == (3, 0)
    assert "The dead-letter queue is empty." in (await client.get("/queues/orders")).text
    assert (await client.get("/queues/nope")).status_code == 404


async def test_overview_has_timeline_of_next_day_and_runs_per_hour(
    client: httpx.AsyncClient, backend: EmbeddedBackend, receiver: Receiver
) -> None:
    every15 = await backend.cron_create(CronCreate(name="Every 15", schedule="*/15 * * * *", url=receiver.url("/ok")))
    weekly = await backend.cron_create(
        CronCreate(name="Yearly", schedule="0 0 1 1 *", url="https://example.com/y")  # not within 24h
    )
    fail = await backend.cron_create(
        CronCreate(name="Broken", schedule="0 0 1 1 *", url=receiver.url("/fail"), retries=0)
    )
    from tests.receiver import Reply

    receiver.program("/fail", [Reply(404, body="no such hook")])
    await backend.cron_trigger(every15.cron_id)
    await backend.cron_trigger(fail.cron_id)

    async def both_done() -> bool:
        runs = (await backend.run_list()).items
        return len(runs) == 2 and all(r.state in ("succeeded", "failed") for r in runs)

    await until(both_done, what="both triggered runs finished")
    page = (await client.get("/")).text
    timeline = page[page.index('id="timeline"'):page.index("</svg>", page.index('id="timeline"'))]
    assert "Every 15" in timeline and "Yearly" not in timeline
    assert timeline.count('class="fire k-cron"') == 96  # every 15 minutes for 24 hours
    upcoming = page[page.index('id="upcoming"'):page.index("</table>", page.index('id="upcoming"'))]
    assert upcoming.count(">Every 15<") == 40  # the 40 soonest fires, all of the 15-minute job
    chart = page[page.index('id="runs-chart"'):page.index("</svg>", page.index('id="runs-chart"'))]
    assert 'class="bar-succeeded"' in chart and 'class="bar-failed"' in chart
    assert "2 runs in the window" in page
    failures = page[page.index("Recent failures"):]
    assert fail.cron_id in failures and every15.cron_id not in failures
    assert weekly.cron_id not in timeline


async def test_timeline_includes_due_tasks_and_an_agents_schedules(
    client: httpx.AsyncClient, backend: EmbeddedBackend
) -> None:
    now = datetime.now(UTC)
    task = await backend.task_schedule(TaskCreate(name="Soon", run_at=now + timedelta(hours=2), url="https://e.com"))
    later = await backend.task_schedule(TaskCreate(name="Next week", delay_seconds=7 * 86400, url="https://e.com"))
    await backend.schedule_create(
        "agent-9",
        ScheduleCreate(name="Agent nightly", type="cron", cron_expression="0 3 * * *", timezone="Asia/Tokyo",
                       callback_url="https://e.com/a"),
    )
    page = (await client.get("/")).text
    assert f'datetime="{iso(task.run_at)}"' in page and "Soon" in page
    assert later.task_id not in page and "Agent nightly" in page  # every agent's schedules
    assert "Agent nightly" not in (await client.get("/?agent=agent-other")).text
    with_agent = (await client.get("/?agent=agent-9")).text
    start = with_agent.index('id="timeline"')
    timeline = with_agent[start:with_agent.index("</svg>", start)]
    assert "Agent nightly" in timeline and 'class="fire k-schedule"' in timeline
    # 03:00 Tokyo is 18:00 UTC the day before.
    assert re.search(r'datetime="\d{4}-\d\d-\d\dT18:00:00Z"', with_agent)


async def test_webhooks_page_explains_lookup(client: httpx.AsyncClient) -> None:
    r = await client.get("/webhooks")
    assert r.status_code == 200 and "Delivery id" in r.text and "No deliveries" in r.text


async def test_webhooks_page_lists_deliveries_newest_first(
    client: httpx.AsyncClient, backend: EmbeddedBackend, receiver: Receiver
) -> None:
    from tests.receiver import Reply

    receiver.program("/bad", [Reply(400, body="no")])
    ok = await backend.webhook_send(WebhookSend.model_validate({"url": receiver.url("/ok"), "payload": {"a": 1}}))
    bad = await backend.webhook_send(WebhookSend.model_validate({"url": receiver.url("/bad"), "payload": {"<b>": 2}}))

    async def settled() -> bool:
        return {d.state for d in (await backend.webhook_list()).items} == {"succeeded", "failed"}

    await until(settled, what="both deliveries settled")
    page = (await client.get("/webhooks")).text
    table = page[page.index('id="deliveries"'):]
    assert table.index(f'data-id="{bad.delivery_id}"') < table.index(f'data-id="{ok.delivery_id}"')
    assert f'href="/webhooks/{ok.delivery_id}"' in table and "HTTP 400" in table
    failed = (await client.get("/webhooks?state=failed")).text
    assert f'data-id="{bad.delivery_id}"' in failed and f'data-id="{ok.delivery_id}"' not in failed
    first = (await client.get("/webhooks?limit=1")).text
    assert f'data-id="{bad.delivery_id}"' in first and f'data-id="{ok.delivery_id}"' not in first
    m = re.search(r'href="(/webhooks\?state=&amp;cursor=[^"]+)"', first)
    assert m, "an Older link carrying the cursor"
    older = (await client.get(m.group(1).replace("&amp;", "&") + "&limit=1")).text
    assert f'data-id="{ok.delivery_id}"' in older and f'data-id="{bad.delivery_id}"' not in older
    assert (await client.get("/webhooks?state=lost")).status_code == 422


async def test_webhook_delivery_shows_every_attempt(
    client: httpx.AsyncClient, backend: EmbeddedBackend, receiver: Receiver
) -> None:
    from tests.receiver import Reply

    receiver.program("/flaky", [Reply(503, body="busy"), Reply(200, body="thanks")])
    d = await backend.webhook_send(
        WebhookSend.model_validate({"url": receiver.url("/flaky"), "payload": {"x": 1}, "retries": 2,
                                    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"})
    )

    async def done() -> bool:
        return (await backend.webhook_get(d.delivery_id)).state == "succeeded"

    await until(done, what="the delivery succeeded on its second attempt")
    for path in (f"/webhooks?id={d.delivery_id}", f"/webhooks/{d.delivery_id}"):
        page = (await client.get(path)).text
        attempts = page[page.index("<h3>Attempts</h3>"):]
        assert ">503<" in attempts and ">200<" in attempts and "st-succeeded" in page
        assert "whsec_" not in page
    missing = await client.get("/webhooks?id=dlv_nope")
    assert missing.status_code == 200 and "dlv_nope" in missing.text and 'class="error"' in missing.text
    assert (await client.get("/webhooks/dlv_nope")).status_code == 404


async def test_mounted_under_ui_prefix_builds_links_with_it(backend: EmbeddedBackend) -> None:
    ui = create_ui_app(lambda request: backend, local=True, csrf_token=CSRF)
    parent = Starlette(routes=[Mount("/ui", app=ui)])
    cron_id = await weekday_job(backend)
    async with client_for(parent) as c:
        page = (await c.get("/ui/jobs")).text
        assert f'href="/ui/cron/{cron_id}"' in page and 'href="/ui/static/ui.css"' in page
        assert '<meta name="infrai-base" content="/ui">' in page
        assert (await c.get("/ui/static/ui.js")).status_code == 200
        r = await c.post(f"/ui/cron/{cron_id}/pause", headers={"X-CSRF-Token": CSRF})
        assert r.json()["location"] == f"/ui/cron/{cron_id}"


async def test_runs_page_lists_every_run_and_filters_by_state(
    client: httpx.AsyncClient, backend: EmbeddedBackend, receiver: Receiver
) -> None:
    from tests.receiver import Reply

    receiver.program("/bad", [Reply(400, body="bad request")])
    good = await backend.cron_create(CronCreate(name="Good", schedule="0 0 1 1 *", url=receiver.url("/good")))
    bad = await backend.cron_create(CronCreate(name="Bad", schedule="0 0 1 1 *", url=receiver.url("/bad")))
    ok_run = await backend.cron_trigger(good.cron_id)
    bad_run = await backend.cron_trigger(bad.cron_id)

    async def finished() -> bool:
        return all(r.state in ("succeeded", "failed") for r in (await backend.run_list()).items)

    await until(finished, what="both runs finished")
    everything = (await client.get("/runs")).text
    assert f'data-run="{ok_run.run_id}"' in everything and f'data-run="{bad_run.run_id}"' in everything
    assert f'href="/cron/{bad.cron_id}"' in everything
    failed = (await client.get("/runs?state=failed")).text
    assert f'data-run="{bad_run.run_id}" data-state="failed"' in failed and ok_run.run_id not in failed
    one_job = (await client.get(f"/runs?job_id={good.cron_id}")).text
    assert ok_run.run_id in one_job and bad_run.run_id not in one_job
    assert (await client.get("/runs?state=bogus")).status_code == 422
    assert 'href="/runs?state=failed"' in (await client.get("/")).text


async def test_a_queue_target_shows_as_its_queue(client: httpx.AsyncClient, backend: EmbeddedBackend) -> None:
    job = await backend.cron_create(CronCreate.model_validate(
        {"name": "Daily digest", "schedule": "0 9 * * *", "queue": "send-daily-digest"}))
    task = await backend.task_schedule(TaskCreate.model_validate({"queue": "later-q", "delay_seconds": 3600}))
    listing = (await client.get("/jobs")).text
    for job_id, target in ((job.cron_id, "queue send-daily-digest"), (task.task_id, "queue later-q")):
        row = listing[listing.index(f'data-id="{job_id}"'):]
        assert target in row[: row.index("</tr>")]
    page = (await client.get(f"/cron/{job.cron_id}")).text
    assert "<dt>queue</dt>" in page and "send-daily-digest" in page


async def test_job_page_shows_other_kinds_in_words_their_fires_and_skips_with_reasons(
    client: httpx.AsyncClient, backend: EmbeddedBackend, engine: Engine
) -> None:
    job = await backend.cron_create(CronCreate.model_validate({
        "url": "https://example.com/k", "schedule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10",
        "schedule_kind": "rrule", "timezone": "Europe/Berlin", "exclusions": {"holidays": ["DE"]}}))
    # a skip as the scheduler records it (engine tests prove the scheduler writes these)
    await engine.store.insert_run({
        "id": "run_01skippedholiday0000000000", "project": "default", "job_id": job.cron_id, "job_kind": "cron",
        "trigger": "schedule", "state": "skipped", "scheduled_for": datetime(2026, 12, 25, 9, tzinfo=UTC).timestamp(),
        "next_attempt_at": None, "finished_at": datetime(2026, 12, 25, 9, tzinfo=UTC).timestamp(),
        "error": "skipped: holiday: Christmas Day (DE)", "webhook_id": "msg_01skippedholiday0000000000",
        "created_at": datetime(2026, 12, 25, 9, tzinfo=UTC).timestamp()})
    page = (await client.get(f"/cron/{job.cron_id}")).text
    assert "Every 2 weeks on Tuesday at 10:00" in page and "except public holidays in DE" in page
    assert page.count("<li><time") == 5
    assert "skipped: holiday: Christmas Day (DE)" in page
    listing = (await client.get("/jobs")).text
    assert "Every 2 weeks on Tuesday at 10:00" in listing
