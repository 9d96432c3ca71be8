"""``infrai-mcp ui``: a real subprocess on the local data dir, no key, loopback only."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.ui.live import ROOT, Server, ui_env

pytestmark = pytest.mark.slow


def test_ui_command_serves_the_local_data_dir_without_a_key(tmp_path: Path) -> None:
    server = Server(["ui", "--port", "0", "--no-dispatch"], ui_env(tmp_path))
    try:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/ui/", server.url)
        with httpx.Client(timeout=10) as http:
            page = http.get(server.url + "jobs")
            assert page.status_code == 200 and "Local mode" in page.text
            assert (tmp_path / "infrai.db").exists()  # the engine opened the data dir
            root = http.get(server.url.removesuffix("ui/"))
            assert root.status_code == 307 and root.headers["location"] == "/ui/"
            # DNS rebinding: a page of another origin resolved to 127.0.0.1 is refused.
            assert http.get(server.url + "jobs", headers={"Host": "attacker.example"}).status_code == 400
            # Actions need the page's token even without a key.
            assert http.post(server.url + "cron/cj_x/pause").status_code == 403
            token = re.search(r'name="infrai-csrf" content="([^"]+)"', page.text)
            assert token
            r = http.post(server.url + "cron/cj_x/pause", headers={"X-CSRF-Token": token.group(1)})
            assert r.status_code == 404 and r.json()["error"]["message"] == "No cron job 'cj_x'."
    finally:
        server.stop()
    assert server.proc.returncode == 0


def test_ui_command_refuses_addresses_other_than_loopback(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "infrai_mcp.surfaces.cli.main", "ui", "--host", "0.0.0.0"],
        cwd=ROOT, env=ui_env(tmp_path), capture_output=True, text=True, timeout=30,
    )
    assert done.returncode == 2 and "not a loopback address" in done.stderr and "infrai-mcp serve" in done.stderr
