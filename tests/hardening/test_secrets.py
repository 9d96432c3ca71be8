"""Secrets are write-only: signing secrets and API keys never appear in an API response, a
tool result, an error or a log line. Every surface is exercised (REST over ASGI, MCP tools
in memory, the engine firing signed requests at a real receiver, failures and refusals),
every byte of output is captured, and the secrets are searched for in all of it.
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.models import QueueCreate
from infrai_mcp.surfaces.mcp import build_server
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key
from tests.engines import make_engine
from tests.hardening.conftest import snapshot
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = pytest.mark.anyio

SIGNING = "whsec_" + base64.b64encode(b"hardening-signing-secret-XYZZY-0001").decode()
PLAIN = "plain-secret-QUUXQUUX-0002"
PUSH = "whsec_" + base64.b64encode(b"hardening-push-secret-PLUGH-0003").decode()
HOOK = "webhook-secret-FROBOZZ-0004"
TOO_LONG = "S3CR3T-TOO-LONG-" + "z" * 600
AUTH_HEADER = "Bearer hdr-token-GRUE-0005"
MARKERS = ("XYZZY", "QUUXQUUX", "PLUGH", "FROBOZZ", "S3CR3T", "hdr-token-GRUE",
           base64.b64encode(b"hardening-signing-secret-XYZZY-0001").decode())


async def test_no_secret_in_any_output(tmp_path: Path, receiver: Receiver, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    receiver.program("/fail", [Reply(500, body="upstream broke")])
    async with make_engine(tmp_path) as eng:
        _, key = await create_key(eng.store, "acme")
        app = create_app(eng, eng.settings)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api.test",
                                     headers={"Authorization": f"Bearer {key}"}) as c, \
                httpx.AsyncClient(transport=transport, base_url="http://api.test") as anon:

            async def call(method: str, url: str, body: Any = None) -> dict[str, Any]:
                r = await c.request(method, url, json=body)
                seen.append(r.text)
                seen.append(json.dumps(dict(r.headers)))
                assert r.status_code < 500, r.text
                out: dict[str, Any] = r.json()
                return out

            cron = (await call("POST", "/v1/scheduling/cron/create", {
                "schedule": "0 0 1 1 *", "url": receiver.url("/fail"), "secret": SIGNING, "retries": 1,
                "headers": {"Authorization": AUTH_HEADER}, "on_failure_webhook": receiver.url("/notice")}))["data"]
            task = (await call("POST", "/v1/scheduling/task/schedule", {
                "url": receiver.url("/ok"), "delay_seconds": 0, "secret": PLAIN}))["data"]
            await call("POST", "/v1/scheduling/queue/create", {"name": "q"})
            await call("POST", "/v1/scheduling/queue/push_subscribe/q", {"url": receiver.url("/push"),
                                                                           "secret": PUSH})
            await call("POST", "/v1/scheduling/queue/publish", {"queue": "q", "payload": {"n": 1}})
            hook = (await call("POST", "/v1/scheduling/webhook/send", {"url": receiver.url("/fail"),
                                                                       "secret": HOOK, "retries": 0}))["data"]
            run = (await call("POST", f"/v1/scheduling/cron/trigger/{cron['id']}"))["data"]
            # Refused writes that carry a secret: the error must not echo it.
            for body in ({"schedule": "0 0 1 1 *", "url": receiver.url("/x"), "secret": TOO_LONG},
                         {"schedule": "bogus", "url": receiver.url("/x"), "secret": SIGNING},
                         {"schedule": "@daily", "url": "not a url", "secret": SIGNING},
                         {"schedule": "@daily", "url": receiver.url("/x"), "secret": 12345678901234567890,
                          "headers": {"Authorization": AUTH_HEADER}},
                         {"schedule": "@daily", "url": receiver.url("/x"), "secret": [SIGNING]}):
                r = await c.post("/v1/scheduling/cron/create", json=body)
                seen.append(r.text)
                assert r.status_code == 422, r.text
            r = await c.patch(f"/v1/scheduling/cron/update/{cron['id']}", json={"secret": TOO_LONG})
            seen.append(r.text)
            # A wrong key, a key in the wrong place.
            for hdr in ({"Authorization": f"Bearer {key}x"}, {"Authorization": f"Basic {key}"}, {"X-Api-Key": key}):
                r = await anon.get("/v1/scheduling/cron/list", headers=hdr)
                seen.append(r.text)
                assert r.status_code == 401
            r = await anon.get(f"/v1/scheduling/cron/list?api_key={key}")
            seen.append(r.text)

            async def finished() -> bool:
                t = (await call("GET", f"/v1/scheduling/task/get/{task['task_id']}"))["data"]
                d = (await call("GET", f"/v1/scheduling/webhook/get/{hook['delivery_id']}"))["data"]
                rr = (await call("GET", f"/v1/scheduling/run/get/{run['run_id']}"))["data"]
                return t["state"] == "succeeded" and d["state"] == "failed" and rr["state"] == "failed"

            await until(finished, what="signed requests done")
            await receiver.wait_for(1, path="/push")
            await receiver.wait_for(1, path="/notice")
            # Read every record back through every read route.
            for url in ("/v1/scheduling/cron/list", f"/v1/scheduling/cron/get/{cron['id']}",
                        f"/v1/scheduling/cron/runs/list/{cron['id']}", "/v1/scheduling/run/list",
                        "/v1/scheduling/task/list", "/v1/scheduling/queue/push_list/q", "/metrics",
                        f"/v1/scheduling/webhook/get/{hook['delivery_id']}", "/openapi.json"):
                r = await c.get(url)
                seen.append(r.text)

        # The MCP tools over the same engine.
        server = build_server(EmbeddedBackend(eng, "acme"), eng.settings)
        async with Client(server) as mc:
            results = [
                await mc.call_tool("cron_get", {"cron_id": cron["id"]}),
                await mc.call_tool("cron_list", {}),
                await mc.call_tool("run_list", {"job_id": cron["id"]}),
                await mc.call_tool("run_get", {"run_id": run["run_id"]}),
                await mc.call_tool("run_list", {}),
                await mc.call_tool("webhook_get", {"delivery_id": hook["delivery_id"]}),
                await mc.call_tool("queue_push_subscribe", {"queue": "q", "url": receiver.url("/p2"),
                                                            "secret": PUSH}),
                await mc.call_tool("cron_create", {"url": receiver.url("/x"), "schedule": "@daily",
                                                   "secret": TOO_LONG}),
                await mc.call_tool("cron_create", {"url": receiver.url("/x"), "schedule": "nope",
                                                   "secret": SIGNING}),
                await mc.call_tool("webhook_send", {"url": "ftp://x", "secret": HOOK}),
                await mc.call_tool("cron_update", {"cron_id": cron["id"], "secret": SIGNING}),
                await mc.call_tool("task_schedule", {"url": receiver.url("/x"), "delay": "in an hour",
                                                     "secret": PLAIN, "headers": {"Authorization": AUTH_HEADER}}),
            ]
            for res in results:
                seen.append(json.dumps(res.model_dump(mode="json")))

    # The receiver did get the signed requests (the secret was used, just never shown).
    assert receiver.received("/ok")[0].headers.get("webhook-signature", "").startswith("v1,")
    # Every log record of the process, except the test's own httpx client (it logs the URLs
    # this test chose to send, including the key put in a query string on purpose).
    client_side = ("httpx", "httpcore")
    records = [r for r in caplog.records if not r.name.startswith(client_side)]
    assert records  # the engine did log (fires, failures)
    fmt = logging.Formatter("%(name)s %(levelname)s %(message)s")
    seen.extend(fmt.format(r) + (r.exc_text or "") for r in records)
    blob = "\n".join(seen)
    assert key not in blob
    for marker in MARKERS:
        assert marker not in blob, f"{marker!r} leaked: ...{blob[max(0, blob.find(marker) - 200):][:400]}..."
    assert "***" in blob  # credential headers are masked, not dropped


USERINFO_PASSWORD = "hunter2-URL-PASSWORD"
CRED_URL = f"https://user:{USERINFO_PASSWORD}@example.com/x"


async def test_url_with_credentials_is_refused_and_nothing_stored(tmp_path: Path) -> None:
    """URLs are shown everywhere and secrets are write-only, so a URL carrying userinfo is
    refused at validation on every URL field, over REST and MCP, and nothing is stored."""
    async with make_engine(tmp_path, dispatch=False) as eng:
        _, key = await create_key(eng.store, "acme")
        await eng.queues.queue_create("acme", QueueCreate(name="q"))
        before = snapshot(eng.settings.sqlite_path)
        app = create_app(eng, eng.settings)
        texts: list[str] = []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test",
                                     headers={"Authorization": f"Bearer {key}"}) as c:
            ok = "https://example.com/ok"
            for method, url, body in [
                ("POST", "/v1/scheduling/task/schedule", {"url": CRED_URL, "delay_seconds": 60}),
                ("POST", "/v1/scheduling/task/schedule", {"url": "https://user@example.com/", "delay_seconds": 60}),
                ("POST", "/v1/scheduling/cron/create", {"url": CRED_URL, "schedule": "@daily"}),
                ("POST", "/v1/scheduling/cron/create", {"url": ok, "schedule": "@daily",
                                                        "on_failure_webhook": CRED_URL}),
                ("POST", "/v1/scheduling/task/schedule", {"url": ok, "delay_seconds": 60, "result_url": CRED_URL}),
                ("POST", "/v1/scheduling/task/schedule", {"url": ok, "delay_seconds": 60, "events_url": CRED_URL}),
                ("POST", "/v1/scheduling/webhook/send", {"url": CRED_URL}),
                ("POST", "/v1/scheduling/queue/push_subscribe/q", {"url": CRED_URL}),
                ("POST", "/api/jobs", {"url": CRED_URL, "schedule_in": 60}),
                ("POST", "/api/jobs", {"url": ok, "schedule_in": 60, "callback_url": CRED_URL}),
                ("POST", "/api/jobs", {"url": ok, "schedule_in": 60, "webhook_url": CRED_URL}),
                ("POST", "/api/agents/a1/schedules", {"name": "n", "type": "delayed",
                                                      "delay_seconds": 60, "callback_url": CRED_URL}),
            ]:
                r = await c.request(method, url, json=body)
                texts.append(r.text)
                assert r.status_code == (400 if url.startswith("/api/agents") else 422), (url, body, r.text)
                assert "must not contain credentials" in r.text and "Authorization" in r.text, r.text
        server = build_server(EmbeddedBackend(eng, "acme"), eng.settings)
        async with Client(server) as mc:
            for tool, args in [
                ("task_schedule", {"url": CRED_URL, "delay": "in an hour"}),
                ("cron_create", {"url": CRED_URL, "schedule": "@daily"}),
                ("webhook_send", {"url": CRED_URL}),
                ("queue_push_subscribe", {"queue": "q", "url": CRED_URL}),
                ("schedule_create", {"name": "n", "when": "in 1 hour", "callback_url": CRED_URL}),
            ]:
                res = await mc.call_tool(tool, args)
                text = " ".join(getattr(part, "text", "") for part in res.content)
                texts.append(text)
                assert res.is_error and "must not contain credentials" in text, (tool, text[:400])
        assert snapshot(eng.settings.sqlite_path) == before
    assert all(USERINFO_PASSWORD not in t for t in texts)
