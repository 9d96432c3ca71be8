"""End to end against a real ``infrai-mcp serve``: the dashboard at /ui behind API keys, with
data created through the MCP tools over Streamable HTTP (each project with its own key).

Skipped with the reason when Chromium, ChromeDriver or Selenium is missing and ``CI`` is
unset; in CI they must run (tests/ui/install_browser.sh installs them).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.receiver import Receiver
from tests.ui.live import McpHttpTools, Server, chrome, create_key, require_browser, screenshot, ui_env
from tests.ui.test_browser import (
    click,
    click_action,
    css_all,
    notice,
    open_page,
    parse,
    present,
    snap,
    type_into,
    wait,
)

pytestmark = pytest.mark.slow


class Serve:
    def __init__(self, server: Server, keys: dict[str, str]) -> None:
        self.server = server
        self.base = server.url
        self.ui = server.url + "/ui/"
        self.keys = keys

    def tools(self, project: str) -> McpHttpTools:
        return McpHttpTools(self.base, self.keys[project])


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    require_browser()
    env = ui_env(tmp_path_factory.mktemp("serve-home"))
    keys = {p: create_key(env, p) for p in ("alpha", "beta")}
    server = Server(["serve", "--port", "0"], env, r"REST API at (http://[^\s/]+)/v1/", stream="stderr")
    yield Serve(server, keys)
    server.stop()


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


@pytest.fixture(scope="module")
def browser(serve: Serve) -> Iterator[Any]:
    driver = chrome()
    yield driver
    driver.quit()


def stored_key(driver: Any) -> str | None:
    key: str | None = driver.execute_script("return sessionStorage.getItem('infrai-api-key')")
    return key


def visit(driver: Any, serve: Serve, page: str, project: str) -> None:
    """Open a page as ``project``: a plain navigation answers 401 with the key form; the page
    then reloads itself with the key this tab holds, or the key is typed into the form."""
    open_page(driver, serve.ui + page)
    if stored_key(driver) != serve.keys[project]:
        driver.execute_script("sessionStorage.removeItem('infrai-api-key')")
        open_page(driver, serve.ui + page)
        type_into(driver, "#api-key", serve.keys[project])
        click(driver, "#login-form button")
    wait(driver, lambda d: not css_all(d, "#main [data-login]"))


def test_without_a_key_the_ui_answers_401_with_a_key_form(serve: Serve) -> None:
    with httpx.Client(timeout=10) as http:
        for path in ("", "jobs", "queues", "webhooks"):
            r = http.get(serve.ui + path)
            assert r.status_code == 401 and 'id="login-form"' in r.text, path
        r = http.get(serve.ui + "jobs", headers={"Authorization": "Bearer ifr_wrong"})
        assert r.status_code == 401
        ok = http.get(serve.ui + "jobs", headers={"Authorization": f"Bearer {serve.keys['alpha']}"})
        assert ok.status_code == 200


def test_cron_from_the_phrase_shows_with_next_run_for_its_project_only(
    browser: Any, serve: Serve, receiver: Receiver
) -> None:
    alpha, beta = serve.tools("alpha"), serve.tools("beta")
    job = alpha("cron_create", name="Weekday digest", schedule="every weekday at 9am",
                timezone="America/New_York", url=receiver.url("/digest"))
    other = beta("cron_create", name="Beta secret job", schedule="every day at noon", url="https://example.com/b")

    open_page(browser, serve.ui + "jobs")
    wait(browser, present("#api-key"))
    assert "Weekday digest" not in browser.page_source
    screenshot(browser, "serve-key-form")
    visit(browser, serve, "jobs", "alpha")
    row = wait(browser, lambda d: snap(d, f'tr[data-id="{job["cron_id"]}"]'))
    assert "0 9 * * 1-5" in row["text"]
    nxt = snap(browser, f'tr[data-id="{job["cron_id"]}"] td.next time')
    assert nxt is not None
    assert parse(nxt["datetime"]) == parse(alpha("cron_get", cron_id=job["cron_id"])["next_run_at"])
    assert "09:00" in nxt["text"]  # 9am New York, shown in the viewer's zone (New York)
    assert other["cron_id"] not in browser.page_source and "Beta secret job" not in browser.page_source
    screenshot(browser, "serve-jobs")

    # Another project's id: not found, even when typed into the address bar.
    open_page(browser, serve.ui + f"cron/{other['cron_id']}")
    wait(browser, lambda d: "Not found" in d.page_source)


def test_pause_and_trigger_from_the_ui_as_the_mcp_tools_see_them(
    browser: Any, serve: Serve, receiver: Receiver
) -> None:
    alpha = serve.tools("alpha")
    job = alpha("cron_create", name="Serve pausable", schedule="every monday at 8am", url=receiver.url("/serve"))
    cid = job["cron_id"]
    visit(browser, serve, f"cron/{cid}", "alpha")
    click_action(browser, "/pause")
    notice(browser, "Paused")
    wait(browser, lambda d: (snap(d, "h1 .badge") or {}).get("text") == "paused")
    assert alpha("cron_get", cron_id=cid)["status"] == "paused"

    click_action(browser, "/trigger")
    notice(browser, "Triggered")
    receiver.wait_for_sync(1, path="/serve", timeout=30)
    wait(browser, present('tr[data-run][data-state="succeeded"]'))
    runs = alpha("run_list", job_id=cid)["items"]
    assert [r["state"] for r in runs] == ["succeeded"]
    screenshot(browser, "serve-job")


def test_dlq_redrive_in_server_mode(browser: Any, serve: Serve) -> None:
    alpha = serve.tools("alpha")
    alpha("queue_create", name="jobs-dlq")
    alpha("queue_create", name="jobs", dead_letter_queue="jobs-dlq", max_receives=2)
    alpha("queue_publish", queue="jobs", payload={"n": 1})
    m = alpha("queue_consume", queue="jobs")["messages"][0]
    alpha("queue_nack", queue="jobs", message_id=m["message_id"], receipt=m["receipt"], requeue=False, error="boom")
    visit(browser, serve, "queues/jobs", "alpha")
    wait(browser, present(f'tr[data-message="{m["message_id"]}"]'))
    click(browser, f'tr[data-message="{m["message_id"]}"] form.action button')
    notice(browser, "Redrove 1")
    wait(browser, lambda d: "The dead-letter queue is empty." in d.page_source)
    stats = alpha("queue_get", queue="jobs")
    assert (stats["available"], stats["dlq"]) == (1, 0)


def test_forget_key_then_another_projects_key_sees_only_its_own(browser: Any, serve: Serve) -> None:
    visit(browser, serve, "jobs", "alpha")
    assert "Weekday digest" in browser.page_source
    click(browser, "#signout")  # "Forget key": back to the key form, no data
    wait(browser, present("#main [data-login]"))
    assert "Weekday digest" not in browser.page_source and stored_key(browser) is None
    type_into(browser, "#api-key", serve.keys["beta"])
    click(browser, "#login-form button")
    wait(browser, lambda d: "Beta secret job" in d.page_source)
    assert "Weekday digest" not in browser.page_source and "Serve pausable" not in browser.page_source
