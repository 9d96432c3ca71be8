"""Real processes for the end-to-end tests: ``infrai-mcp ui`` as a subprocess, the MCP tools
over the same data dir, and headless Chromium driven by Selenium.

Every wait is bounded; nothing sleeps and hopes.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "ui"  # git-ignored (artifacts/ in .gitignore)
CHROMIUM = os.environ.get("INFRAI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("INFRAI_CHROMEDRIVER", "/usr/bin/chromedriver")
BROWSER_TZ = "America/New_York"  # the viewer's zone, unlike the server's UTC: proves conversion
START_TIMEOUT = 60.0


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (Path(path).exists() or shutil.which(path)):
            return f"{path} is not installed (run tests/ui/install_browser.sh)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed in this venv (run tests/ui/install_browser.sh)"
    return None


def require_browser() -> None:
    """Skip with the reason outside CI; in CI (``CI`` set) a missing browser is a failure."""
    reason = browser_missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


class Server:
    """``python -m infrai_mcp.surfaces.cli.main <args>``; the URL is read from the first line of ``stream``
    that matches ``pattern`` (group 1), within START_TIMEOUT seconds."""

    def __init__(
        self, args: list[str], env: dict[str, str], pattern: str = r"infrai-mcp dashboard: (\S+)",
        stream: str = "stdout",
    ) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "infrai_mcp.surfaces.cli.main", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []

        def pump(src: Any, watched: bool) -> None:
            for line in src:
                self.output.append(line)
                if watched:
                    lines.put(line)

        threading.Thread(target=pump, args=(self.proc.stdout, stream == "stdout"), daemon=True).start()
        threading.Thread(target=pump, args=(self.proc.stderr, stream == "stderr"), daemon=True).start()
        found = re.compile(pattern)
        try:
            while True:
                m = found.search(lines.get(timeout=START_TIMEOUT))
                if m:
                    self.url = m.group(1)
                    break
        except queue.Empty:
            self.stop()
            said = "".join(self.output)[-2000:]
            raise AssertionError(f"server did not print its URL within {START_TIMEOUT} s: {said}") from None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


def ui_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["INFRAI_HOME"] = str(home)
    env["INFRAI_TIMEZONE"] = "America/New_York"
    env["INFRAI_ALLOW_PRIVATE_TARGETS"] = "127.0.0.1"  # serve runs in server mode; receivers are local
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class McpTools:
    """The MCP tools, called through the SDK's Client on a server over the same data dir.

    Each call opens a short-lived, non-dispatching engine; the ``infrai-mcp ui`` process
    holds the dispatch lease and fires the work.
    """

    def __init__(self, home: Path) -> None:
        self.home = home

    def __call__(self, name: str, /, **args: Any) -> dict[str, Any]:
        return asyncio.run(self._call(name, args))

    async def _call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        from mcp import Client

        from infrai_mcp.backends.embedded import EmbeddedBackend
        from infrai_mcp.config import Settings
        from infrai_mcp.runtime.engine import Engine
        from infrai_mcp.surfaces.mcp import build_server

        settings = Settings(home=self.home, timezone="America/New_York")
        async with Engine(settings, dispatch=False) as engine:
            server = build_server(EmbeddedBackend(engine), settings)
            async with Client(server) as client:
                res = await client.call_tool(name, args)
        text = res.content[0].text if res.content else ""  # type: ignore[union-attr]
        if res.is_error:
            raise AssertionError(f"{name} failed: {text}")
        out: dict[str, Any] = res.structured_content or json.loads(text)
        return out


def chrome() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1400,1000",
        f"--user-data-dir={tempfile.mkdtemp(prefix='infrai-chromium-')}",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    env = dict(os.environ, TZ=BROWSER_TZ)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, env=env), options=opts)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(15)
    return driver


def screenshot(driver: Any, name: str) -> Path:
    """A full-page PNG (beyond the viewport, through the DevTools protocol)."""
    import base64

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 6000), "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


class McpHttpTools:
    """The MCP tools of a running ``infrai-mcp serve``, over Streamable HTTP with a bearer key."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url
        self.key = key

    def __call__(self, name: str, /, **args: Any) -> dict[str, Any]:
        return asyncio.run(self._call(name, args))

    async def _call(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        import httpx2
        from mcp import Client
        from mcp.client.streamable_http import streamable_http_client

        http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {self.key}"}, timeout=30)
        async with Client(streamable_http_client(f"{self.base_url}/mcp", http_client=http)) as client:
            res = await client.call_tool(name, args)
        text = res.content[0].text if res.content else ""  # type: ignore[union-attr]
        if res.is_error:
            raise AssertionError(f"{name} failed: {text}")
        out: dict[str, Any] = json.loads(text)
        return out


def create_key(env: dict[str, str], project: str) -> str:
    """``infrai-mcp keys create --project <project>``: the key is the one line on stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "infrai_mcp.surfaces.cli.main", "keys", "create", "--project", project],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    return done.stdout.strip()
