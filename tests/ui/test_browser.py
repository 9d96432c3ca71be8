"""End to end in headless Chromium: a real ``infrai-mcp ui`` process, data created through the
MCP tools, clicks in the page, effects read back through the MCP tools. Screenshots of the
main pages go to ``artifacts/ui/`` (git-ignored).

Skipped with the reason when Chromium, ChromeDriver or Selenium is missing and ``CI`` is
unset; in CI they must run (tests/ui/install_browser.sh installs them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.receiver import Receiver
from tests.ui.live import McpTools, Server, chrome, require_browser, screenshot, ui_env

pytestmark = pytest.mark.slow
T = TypeVar("T")
WAIT = 30.0  # seconds; every wait below is bounded by it (generous: CI machines are shared)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ui-home")


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


@pytest.fixture(scope="module")
def tools(home: Path) -> McpTools:
    return McpTools(home)


@pytest.fixture(scope="module")
def ui(home: Path) -> Iterator[Server]:
    require_browser()
    server = Server(["ui", "--port", "0", "--refresh", "2"], ui_env(home))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser(ui: Server) -> Iterator[Any]:
    driver = chrome()
    yield driver
    driver.quit()


def wait(driver: Any, cond: Callable[[Any], T], timeout: float = WAIT) -> T:
    from selenium.common.exceptions import (
        ElementClickInterceptedException,
        ElementNotInteractableException,
        NoSuchElementException,
        StaleElementReferenceException,
    )
    from selenium.webdriver.support.ui import WebDriverWait

    # The live refresh replaces <main> every few seconds: an element found a moment ago may
    # be gone (stale) when read or clicked, or a notice may cover it for a moment; the
    # condition is then simply evaluated again.
    ignored = (NoSuchElementException, StaleElementReferenceException, ElementClickInterceptedException,
               ElementNotInteractableException)
    result: T = WebDriverWait(driver, timeout, poll_frequency=0.1, ignored_exceptions=ignored).until(cond)
    return result


def css(driver: Any, selector: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, selector)


def css_all(driver: Any, selector: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    found: list[Any] = driver.find_elements(By.CSS_SELECTOR, selector)
    return found


def present(selector: str) -> Callable[[Any], Any]:
    def check(d: Any) -> Any:
        found = css_all(d, selector)
        return found[0] if found else False

    return check


def snap(driver: Any, selector: str) -> dict[str, Any] | None:
    """Text, HTML and attributes of the first match, read in one script call: atomic with
    respect to the page's own script, so a live refresh cannot make the read stale."""
    found: dict[str, Any] | None = driver.execute_script(
        """const el = document.querySelector(arguments[0]);
        if (!el) { return null; }
        const out = {text: el.innerText || el.textContent, html: el.innerHTML};
        for (const a of el.attributes) { out[a.name] = a.value; }
        return out;""",
        selector,
    )
    return found


def click(driver: Any, selector: str) -> None:
    """Click the first match, again if a refresh replaced it between finding and clicking."""
    wait(driver, lambda d: css(d, selector).click() or True)


def type_into(driver: Any, selector: str, text: str) -> None:
    wait(driver, lambda d: css(d, selector).send_keys(text) or True)


def open_page(driver: Any, url: str) -> None:
    driver.get(url)
    wait(driver, lambda d: d.execute_script("return document.body.getAttribute('data-ready')") == "1")


def click_action(driver: Any, verb_path: str) -> None:
    click(driver, f'form.action[action$="{verb_path}"] button:enabled')


def notice(driver: Any, text: str) -> None:
    wait(driver, lambda d: text in css(d, "#notice").text)


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def no_csp_errors(driver: Any) -> None:
    logs = driver.get_log("browser")
    bad = [e["message"] for e in logs if e.get("level") == "SEVERE" and "favicon" not in e["message"]]
    assert not bad, bad


def test_job_list_shows_weekday_cron_with_its_next_run(
    browser: Any, ui: Server, tools: McpTools, receiver: Receiver
) -> None:
    job = tools("cron_create", name="Weekday digest", schedule="every weekday at 9am", url=receiver.url("/digest"))
    assert job["schedule"] == "0 9 * * 1-5"
    open_page(browser, ui.url + "jobs")
    row = wait(browser, lambda d: snap(d, f'tr[data-id="{job["cron_id"]}"]'))
    assert "Weekday digest" in row["text"] and "0 9 * * 1-5" in row["text"] and "America/New_York" in row["text"]
    nxt = snap(browser, f'tr[data-id="{job["cron_id"]}"] td.next time')
    assert nxt is not None
    got = tools("cron_get", cron_id=job["cron_id"])
    assert parse(nxt["datetime"]) == parse(got["next_run_at"])
    # Shown in the viewer's zone (New York here): the 9am of the phrase; UTC on hover.
    assert "09:00" in nxt["text"] and "UTC" not in nxt["text"]
    assert "UTC" in nxt["title"]
    screenshot(browser, "jobs")
    no_csp_errors(browser)


def test_pausing_from_the_ui_changes_what_cron_get_sees(browser: Any, ui: Server, tools: McpTools) -> None:
    job = tools("cron_create", name="Pausable", schedule="every day at 7am", url="https://example.com/p")
    cid = job["cron_id"]
    open_page(browser, ui.url + f"cron/{cid}")
    click_action(browser, "/pause")
    notice(browser, "Paused")
    wait(browser, lambda d: (snap(d, "h1 .badge") or {}).get("text") == "paused")
    assert tools("cron_get", cron_id=cid)["status"] == "paused"
    click_action(browser, "/resume")
    notice(browser, "Resumed")
    wait(browser, lambda d: (snap(d, "h1 .badge") or {}).get("text") == "active")
    assert tools("cron_get", cron_id=cid)["status"] == "active"


def test_trigger_now_shows_a_new_run_that_succeeds(
    browser: Any, ui: Server, tools: McpTools, receiver: Receiver
) -> None:
    job = tools(
        "cron_create", name="Triggerable", schedule="every monday at 8am", url=receiver.url("/trigger"),
        headers={"Authorization": "Bearer never-shown"}, secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )
    cid = job["cron_id"]
    open_page(browser, ui.url + f"cron/{cid}")
    assert "never-shown" not in browser.page_source and "whsec_" not in browser.page_source
    assert css_all(browser, "tr[data-run]") == []
    click_action(browser, "/trigger")
    notice(browser, "Triggered")
    wait(browser, present("tr[data-run]"))
    receiver.wait_for_sync(1, path="/trigger", timeout=WAIT)
    # The live refresh (every 2 s here) brings the outcome in without a reload.
    wait(browser, present('tr[data-run][data-state="succeeded"]'))
    runs = tools("run_list", job_id=cid)["items"]
    assert len(runs) == 1 and runs[0]["state"] == "succeeded" and runs[0]["trigger"] == "manual"
    row = snap(browser, "tr[data-run]")
    assert row is not None and row["data-run"] == runs[0]["run_id"] and "200" in row["text"]
    screenshot(browser, "job")
    click(browser, "tr[data-run] a")
    wait(browser, lambda d: "/runs/" in d.current_url and "Attempts" in d.page_source)
    screenshot(browser, "run")


def test_delete_asks_first_and_then_removes_the_job(browser: Any, ui: Server, tools: McpTools) -> None:
    job = tools("cron_create", name="Doomed", schedule="every hour", url="https://example.com/d")
    cid = job["cron_id"]
    open_page(browser, ui.url + f"cron/{cid}")
    click_action(browser, "/delete")
    alert = wait(browser, lambda d: d.switch_to.alert)
    assert "Doomed" in alert.text
    alert.dismiss()
    assert tools("cron_get", cron_id=cid)["status"] == "active"
    click_action(browser, "/delete")
    wait(browser, lambda d: d.switch_to.alert).accept()
    notice(browser, "Deleted")
    wait(browser, lambda d: d.current_url.endswith("/ui/jobs"))
    assert css_all(browser, f'tr[data-id="{cid}"]') == []
    with pytest.raises(AssertionError, match="cron_get failed"):
        tools("cron_get", cron_id=cid)


def test_dlq_redrive_moves_messages_back(browser: Any, ui: Server, tools: McpTools) -> None:
    tools("queue_create", name="orders-dlq")
    tools("queue_create", name="orders", dead_letter_queue="orders-dlq", max_receives=2)
    for i in range(3):
        tools("queue_publish", queue="orders", payload={"order": i})
    leased = tools("queue_consume", queue="orders", max_messages=2)["messages"]
    for m in leased:
        tools("queue_nack", queue="orders", message_id=m["message_id"], receipt=m["receipt"], requeue=False,
              error="payment gateway 502")

    open_page(browser, ui.url + "queues")
    wait(browser, present('tr[data-queue="orders"]'))
    assert (snap(browser, 'tr[data-queue="orders"] td.dlq') or {}).get("text") == "2"
    assert (snap(browser, 'tr[data-queue="orders"] td.depth') or {}).get("text") == "1"
    screenshot(browser, "queues")

    click(browser, 'tr[data-queue="orders"] a')
    wait(browser, present("#dlq-table tr[data-message]"))
    assert (snap(browser, "#stat-dlq") or {}).get("text") == "2"
    screenshot(browser, "queue")
    first = leased[0]["message_id"]
    click_one = f'tr[data-message="{first}"] form.action button'
    click(browser, click_one)
    notice(browser, "Redrove 1")
    wait(browser, lambda d: not snap(d, f'tr[data-message="{first}"]') and snap(d, "#stat-dlq")["text"] == "1")
    stats = tools("queue_get", queue="orders")
    assert (stats["available"], stats["dlq"]) == (2, 1)

    click_action(browser, "/queues/orders/redrive")
    wait(browser, lambda d: d.switch_to.alert).accept()
    wait(browser, lambda d: "The dead-letter queue is empty." in d.page_source)
    stats = tools("queue_get", queue="orders")
    assert (stats["available"], stats["dlq"]) == (3, 0)


def test_overview_timeline_and_chart_and_live_refresh(browser: Any, ui: Server, tools: McpTools) -> None:
    open_page(browser, ui.url)
    wait(browser, present("svg#runs-chart rect"))  # the runs of the tests above
    timeline = snap(browser, "svg#timeline")
    assert timeline is not None and "Pausable" in timeline["html"]
    screenshot(browser, "overview")
    no_csp_errors(browser)
    open_page(browser, ui.url + "runs")
    wait(browser, present("#runs-table tr[data-run]"))
    screenshot(browser, "runs")

    # New data appears without a full page reload.
    open_page(browser, ui.url + "jobs")
    browser.execute_script("window.__same_document = true")
    job = tools("cron_create", name="Arrives live", schedule="every 5 minutes", url="https://example.com/l")
    wait(browser, present(f'tr[data-id="{job["cron_id"]}"]'))
    assert browser.execute_script("return window.__same_document === true")

    # A field the user is editing is never wiped by a refresh: refreshes wait for it.
    type_into(browser, 'input[name="agent"]', "agent-typed")
    loads = browser.execute_script("return document.body.getAttribute('data-loads')")
    time.sleep(5)  # more than two refresh periods (2 s here); a bounded negative check
    assert browser.execute_script("return document.body.getAttribute('data-loads')") == loads
    assert browser.execute_script("return document.querySelector('input[name=agent]').value") == "agent-typed"
    browser.execute_script("document.querySelector('input[name=agent]').value = ''")
    wait(browser, lambda d: d.execute_script("return document.body.getAttribute('data-loads')") != loads)


def test_webhook_delivery_lookup_shows_every_attempt(
    browser: Any, ui: Server, tools: McpTools, receiver: Receiver
) -> None:
    from tests.receiver import Reply

    receiver.program("/hook", [Reply(503, body="busy"), Reply(200, body="thanks")])
    sent = tools("webhook_send", url=receiver.url("/hook"), payload={"event": "done"}, retries=2)
    delivery_id = sent["delivery_id"]
    receiver.wait_for_sync(2, path="/hook", timeout=WAIT)  # the retry comes after a backoff
    open_page(browser, ui.url + "webhooks")
    type_into(browser, 'input[name="id"]', delivery_id)
    click(browser, "form[data-get] button")
    # The live refresh brings the final state if the page loaded mid-delivery.
    wait(browser, lambda d: "st-succeeded" in d.page_source and d.page_source.count("<tr><td class=\"num\">") >= 2)
    assert delivery_id in browser.current_url
    assert tools("webhook_get", delivery_id=delivery_id)["state"] == "succeeded"
    screenshot(browser, "webhooks")
