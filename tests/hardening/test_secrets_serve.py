"""Secrets in a real ``infrai-mcp serve`` process: its whole stderr (startup banner, fire
and failure lines, errors) and every response hold neither the API key nor any signing
secret, through successful, failing, refused and malformed requests."""

from __future__ import annotations

import base64
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.receiver import Receiver, Reply
from tests.serving import CLI, serving, stop_cleanly

pytestmark = pytest.mark.slow
SECRET = "whsec_" + base64.b64encode(b"serve-secret-BLORB-000000001").decode()
PLAIN = "plain-serve-secret-GNUSTO-2"


def test_serve_logs_and_responses_hold_no_secret(tmp_path: Path, receiver: Receiver) -> None:
    receiver.program("/fail", [Reply(503)])
    env = {**os.environ, "INFRAI_HOME": str(tmp_path), "INFRAI_ALLOW_PRIVATE_TARGETS": "127.0.0.1/32",
           "INFRAI_BACKOFF_BASE": "0.05"}
    env.pop("INFRAI_DATABASE_URL", None)
    key = subprocess.run([*CLI, "keys", "create", "--project", "acme"], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip()
    log = tmp_path / "serve.err"
    seen: list[str] = []
    with serving(env, log) as (proc, base):
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, timeout=30, headers=auth) as http:
            def send(method: str, url: str, **kw: object) -> httpx.Response:
                r = http.request(method, url, **kw)  # type: ignore[arg-type]
                seen.append(r.text + repr(dict(r.headers)))
                assert r.status_code < 500, r.text
                return r

            task = send("POST", "/v1/scheduling/task/schedule", json={
                "url": receiver.url("/fail"), "delay_seconds": 0, "secret": SECRET, "retries": 1,
                "headers": {"Authorization": f"Bearer {key}"}}).json()["data"]
            send("POST", "/v1/scheduling/webhook/send", json={"url": receiver.url("/ok"), "secret": PLAIN})
            send("POST", "/v1/scheduling/cron/create", json={"schedule": "@daily", "url": receiver.url("/x"),
                                                             "secret": "x" * 600 + PLAIN})
            send("POST", "/v1/scheduling/cron/create", content=b'{"secret": "' + SECRET.encode() + b'", ')
            send("GET", f"/v1/scheduling/cron/list?secret={PLAIN}")
            r = http.get("/v1/scheduling/cron/list", headers={"Authorization": f"Bearer {key}0"})
            seen.append(r.text)
            receiver.wait_for_sync(2, path="/fail", timeout=20)
            receiver.wait_for_sync(1, path="/ok", timeout=20)
            deadline = time.monotonic() + 20
            while send("GET", f"/v1/scheduling/task/get/{task['task_id']}").json()["data"]["state"] != "failed":
                assert time.monotonic() < deadline
                time.sleep(0.05)
        stop_cleanly(proc, log)
    text = log.read_text()
    assert "fired" in text or "task" in text, text[:2000]  # the process did log its work
    blob = text + "\n".join(seen)
    for secret in (key, SECRET, PLAIN, "BLORB", "GNUSTO"):
        assert secret not in blob, f"{secret[:12]}... leaked: {blob[max(0, blob.find(secret) - 300):][:600]}"
