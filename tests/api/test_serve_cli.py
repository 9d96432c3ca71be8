"""`infrai-mcp keys create` then `infrai-mcp serve` as real processes: the printed key works
over HTTP, the printed addresses are right, and SIGTERM stops the server with exit code 0."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.serving import CLI, serving, stop_cleanly

pytestmark = pytest.mark.slow


def test_keys_then_serve(tmp_path: Path) -> None:
    env = {**os.environ, "INFRAI_HOME": str(tmp_path)}
    env.pop("INFRAI_DATABASE_URL", None)
    made = subprocess.run([*CLI, "keys", "create", "--project", "acme"], env=env, capture_output=True, text=True,
                          timeout=60, check=True)
    key = made.stdout.strip()
    assert re.fullmatch(r"ifr_[A-Za-z0-9_\-]{40,}", key)

    log = tmp_path / "serve.err"
    with serving(env, log) as (proc, base):
        assert f"MCP over Streamable HTTP at {base}/mcp" in log.read_text()
        assert f"dashboard at {base}/ui/" in log.read_text()  # docs/REST.md: serve says where /ui is
        with httpx.Client(base_url=base, timeout=10) as http:
            assert http.get("/healthz").json()["status"] == "ok"
            assert "keys create" in http.get("/ui/").text  # the key form, pointing at the command
            assert http.get("/v1/cron/list").status_code == 401
            auth = {"Authorization": f"Bearer {key}"}
            made_job = http.post("/v1/cron/create", headers=auth, json={
                "cron_expr": "0 9 * * 1", "task_type": "http_url", "task_url": "https://api.acme.com/weekly"})
            assert made_job.status_code == 200, made_job.text
            listed = http.get("/v1/cron/list", headers=auth).json()["data"]["items"]
            assert [j["cron_id"] for j in listed] == [made_job.json()["data"]["cron_id"]]
        stop_cleanly(proc, log)


def test_serve_refuses_loopback_targets_by_default(tmp_path: Path) -> None:
    """``serve`` is in server mode without any flag: a task to 127.0.0.1 is refused at create,
    naming INFRAI_ALLOW_PRIVATE_TARGETS, nothing is stored and nothing reaches the receiver (the
    tests that need local targets set INFRAI_ALLOW_PRIVATE_TARGETS)."""
    from tests.receiver import Receiver

    env = {**os.environ, "INFRAI_HOME": str(tmp_path)}
    for name in ("INFRAI_DATABASE_URL", "INFRAI_ALLOW_PRIVATE_TARGETS"):
        env.pop(name, None)
    key = subprocess.run([*CLI, "keys", "create", "--project", "acme"], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip()
    log = tmp_path / "serve.err"
    with Receiver() as rx, serving(env, log) as (proc, base):
        with httpx.Client(base_url=base, timeout=10, headers={"Authorization": f"Bearer {key}"}) as http:
            made = http.post("/v1/scheduling/task/schedule", json={"url": rx.url("/local"), "delay_seconds": 0})
            assert made.status_code == 422, made.text
            err = made.json()["error"]
            assert err["field"] == "url" and "server mode refuses" in err["message"], err
            assert "INFRAI_ALLOW_PRIVATE_TARGETS" in err["message"], err
            assert http.get("/v1/scheduling/task/list").json()["data"]["items"] == []
        assert rx.requests == []
        assert "server mode: loopback/private/link-local/metadata targets are refused" in log.read_text()
        stop_cleanly(proc, log)
