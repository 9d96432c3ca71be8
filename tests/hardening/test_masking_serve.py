"""Credential headers and response bodies in a real ``infrai-mcp serve -v`` (DEBUG logging):
headers are masked by rule in every read (REST create, get and list, MCP ``cron_get``, seed
003's echo) and never reach the log; no response body reaches the log at any level."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import CLI, serving, stop_cleanly

pytestmark = pytest.mark.slow
# Header names the masking rule must catch (auth/token/secret/key/session/cookie/signature/
# password) and one only INFRAI_MASK_HEADERS names; each value is unique so a leak is findable.
CREDENTIALS = {
    "Authorization": "Bearer AUTHZ-VAL-1", "Cookie": "sid=COOKIE-VAL-2", "X-Auth-Token": "XAUTH-VAL-3",
    "Private-Token": "PRIV-VAL-4", "X-Access-Token": "ACCESS-VAL-5", "X-Vault-Token": "VAULT-VAL-6",
    "X-Amz-Security-Token": "AMZ-VAL-7", "X-Session-Id": "SESSION-VAL-8", "X-Hub-Signature": "SIG-VAL-9",
    "X-Db-Password": "PASSWORD-VAL-10", "X-Client-Secret": "SECRET-VAL-11", "X-Tenant-Pin": "PIN-VAL-12",
}
PLAIN = {"X-Trace": "visible-trace"}
MARK = "RESPONSE-BODY-MARK-QUUX"


def _mcp(http: httpx.Client, headers: dict[str, str], name: str, args: dict[str, Any]) -> dict[str, Any]:
    body = {"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": name, "arguments": args}}
    r = http.post("/mcp", json=body, headers=headers)
    assert r.status_code == 200, r.text
    text = r.text
    if text.lstrip().startswith("event:") or "data:" in text.split("\n", 1)[0]:
        text = next(line[5:] for line in text.splitlines() if line.startswith("data:"))
    result: dict[str, Any] = json.loads(text)["result"]["structuredContent"]
    return result


def test_credential_headers_are_masked_everywhere_and_bodies_stay_out_of_logs(tmp_path: Path) -> None:
    env = {**os.environ, "INFRAI_HOME": str(tmp_path), "INFRAI_MASK_HEADERS": "X-Tenant-Pin"}
    env.pop("INFRAI_DATABASE_URL", None)
    key = subprocess.run([*CLI, "keys", "create", "--project", "acme"], env=env, capture_output=True, text=True,
                         timeout=60, check=True).stdout.strip()
    log = tmp_path / "serve.err"
    seen: list[Any] = []
    with serving(env, log, args=["-v"]) as (proc, base):
        auth = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=base, timeout=30, headers=auth) as http:
            target = {"url": "https://example.com/hook", "headers": {**CREDENTIALS, **PLAIN},
                      "payload": {"mark": MARK}}
            created = http.post("/v1/scheduling/cron/create", json={**target, "schedule": "@daily"}).json()["data"]
            job = http.post("/api/jobs", json={"url": "https://example.com/hook", "schedule_in": 3600,
                                               "headers": {**CREDENTIALS, **PLAIN}}).json()["data"]
            seen += [created, job["args"]["headers"],
                     http.get(f"/v1/scheduling/cron/get/{created['cron_id']}").json()["data"],
                     http.get("/v1/scheduling/cron/list").json()["data"]["items"][0],
                     http.get(f"/api/jobs/{job['id']}").json()["data"]["args"]["headers"]]
            mcp_headers = {**auth, "Accept": "application/json, text/event-stream", "Content-Type": "application/json"}
            init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
            r = http.post("/mcp", json=init, headers=mcp_headers)
            assert r.status_code == 200, r.text
            if sid := r.headers.get("mcp-session-id"):
                mcp_headers["mcp-session-id"] = sid
            http.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=mcp_headers)
            got = _mcp(http, mcp_headers, "cron_get", {"cron_id": created["cron_id"]})
            assert got["payload"] == {"mark": MARK}  # the MCP response body holds the mark
            seen.append(got)
        stop_cleanly(proc, log)
    for record in seen:
        headers = record.get("headers", record) if isinstance(record, dict) else record
        assert headers == {**dict.fromkeys(CREDENTIALS, "***"), **PLAIN}, headers
    text = log.read_text()
    assert "DEBUG" in text, text[:2000]  # -v did turn debug logging on
    for value in [*CREDENTIALS.values(), MARK]:
        assert value not in text, f"{value} in the log: {text[max(0, text.find(value) - 300):][:600]}"
