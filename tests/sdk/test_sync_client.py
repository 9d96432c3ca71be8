"""The sync client in this process: its own loop thread, the embedded engine, listen's ack/nack."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infrai_mcp.config import Settings
from infrai_mcp.sdk import Infra, InvalidInput


@pytest.fixture
def infra(tmp_path: Path) -> Iterator[Infra]:
    with Infra(Settings(home=tmp_path)) as client:
        yield client


def test_listen_acks_what_the_loop_finished_and_gives_back_what_raised(infra: Infra) -> None:
    for n in (1, 2):
        infra.queue.publish("work", {"n": n})
    with pytest.raises(RuntimeError, match="handler failed"):
        for msg in infra.queue.listen("work", wait_seconds=0, until_empty=True):
            if msg["payload"]["n"] == 2:
                raise RuntimeError("handler failed")
    # n=1 was acked when the loop asked for the next; n=2 was nacked with requeue: there again.
    stats = infra.queue.stats("work")
    assert (stats["available"], stats["in_flight"]) == (1, 0)
    (again,) = infra.queue.consume("work")["messages"]
    assert again["payload"] == {"n": 2} and again["receive_count"] == 2


def test_leaving_with_break_gives_the_message_back(infra: Infra) -> None:
    infra.queue.publish("work", {"n": 1})
    for _ in infra.queue.listen("work", wait_seconds=0):
        break
    assert infra.queue.stats("work")["available"] == 1


def test_errors_raise_in_the_caller_and_the_client_reopens_after_close(infra: Infra) -> None:
    with pytest.raises(InvalidInput) as info:
        infra.cron.create("0 9 * * *", "https://example.com/x", timezone="Mars/Olympus")
    assert info.value.field == "timezone"
    job = infra.cron.create("@daily", "https://example.com/x")
    infra.close()
    assert infra.cron.get(job["cron_id"])["cron_id"] == job["cron_id"]  # opened again on demand


def test_activate_says_there_is_nothing_to_activate(infra: Infra, capsys: pytest.CaptureFixture[str]) -> None:
    said = infra.activate()
    assert said["activated"] is False and said["backend"] == "embedded"
    assert "nothing to activate" in capsys.readouterr().err


def test_activate_names_the_missing_key_for_a_server(tmp_path: Path) -> None:
    client = Infra(Settings(home=tmp_path, base_url="http://127.0.0.1:9"))
    with pytest.raises(RuntimeError, match="INFRAI_API_KEY is not set"):
        client.activate()
    client.close()
