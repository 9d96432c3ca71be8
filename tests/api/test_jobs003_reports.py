"""``POST /api/jobs`` with seed 003's ``callback_url`` and ``webhook_url``: the engine behind the
REST API fires the request and reports to both (a real receiver on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key
from tests.receiver import Receiver, Reply

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def api_client(home: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The REST API over a dispatching engine on ``home``, with a key of project "acme"."""
    settings = Settings(home=home)
    async with Engine(settings) as engine:
        _, key = await create_key(engine.store, "acme")
        transport = httpx.ASGITransport(app=create_app(engine, settings))
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test",
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            yield client


async def test_callback_and_webhook_urls_receive_the_result_and_events(tmp_path: Path) -> None:
    with Receiver() as rx:
        rx.program("/target", [Reply(200, body='{"ok": true}', headers={"Content-Type": "application/json"})])
        async with api_client(tmp_path) as client:
            resp = await client.post("/api/jobs", json={
                "method": "post", "url": rx.url("/target"), "body": {"content": "Testing 123"},
                "callback_url": rx.url("/callback"), "webhook_url": rx.url("/webhook"),
            })
            assert resp.status_code == 200, resp.text
            job = resp.json()["data"]
            assert job["args"]["callback_url"] == rx.url("/callback")
            (sent,) = await rx.wait_for(1, path="/target", timeout=10)
            assert sent.json() == {"content": "Testing 123"}
            (cb,) = await rx.wait_for(1, path="/callback", timeout=10)
            events = await rx.wait_for(4, path="/webhook", timeout=10)
            state = (await client.get(f"/api/jobs/{job['id']}")).json()["data"]["job"]["state"]
    result = cb.json()
    assert result["job_id"] == job["id"] and result["state"] == "succeeded" and result["status"] == 200
    assert result["body"] == '{"ok": true}' and result["headers"]["content-type"].startswith("application/json")
    assert result["attempts"] == 1 and result["run_id"].startswith("run")
    assert [e.json()["type"] for e in events] == ["job.started", "job.request", "job.response", "job.finished"]
    assert state == "completed"


async def test_repeat_every_is_an_interval_and_dynamic_fields_are_filled_in_at_each_fire(tmp_path: Path) -> None:
    """``repeat_every: 1`` fires every second from one second after the request; ``"$job"``,
    ``"$state"`` and ``"$previous"`` in the body are this fire, the job and the run before it;
    ``"$$job"`` is sent as the text ``"$job"``."""
    with Receiver() as rx:
        rx.program("/tick", [Reply(200, body='{"count": 1}', headers={"Content-Type": "application/json"})] * 5)
        async with api_client(tmp_path) as client:
            resp = await client.post("/api/jobs", json={
                "method": "post", "url": rx.url("/tick"), "repeat_every": 1,
                "body": {"job": "$job", "state": "$state", "prev": ["$previous"], "text": "$$job", "n": 1}})
            assert resp.status_code == 200, resp.text
            job = resp.json()["data"]
            got = await rx.wait_for(2, path="/tick", timeout=15)
            again = (await client.get(f"/api/jobs/{job['id']}")).json()["data"]
            await client.delete(f"/api/jobs/{job['id']}")
    first, second = got[0].json(), got[1].json()
    assert again["args"]["repeat_every"] == 1 and "cron" not in again["args"]
    assert first["job"]["id"] == job["id"] and first["job"]["run_id"] == got[0].headers["x-infrai-run-id"]
    assert first["state"]["schedule"] == "1" and first["state"]["status"] == "active"
    assert first["prev"] == [None] and first["text"] == "$job" and first["n"] == 1
    assert second["prev"][0]["run_id"] == first["job"]["run_id"]
    assert second["prev"][0]["response"] == {"count": 1} and second["prev"][0]["response_status"] == 200
    at = [datetime.fromisoformat(x["job"]["scheduled_for"]) for x in (first, second)]
    assert at[1] - at[0] == timedelta(seconds=1)
