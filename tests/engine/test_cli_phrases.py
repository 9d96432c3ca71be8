"""The operator CLI takes the same time phrases as the MCP tools (README "Time phrases"):
``cron add --schedule "every weekday at 9am"``, ``--run-at "tomorrow at 3pm"``, ``task add --run-at``."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infrai_mcp.surfaces.cli.main import main

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    monkeypatch.setenv("INFRAI_HOME", str(tmp_path))
    monkeypatch.delenv("INFRAI_DATABASE_URL", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def test_cron_add_reads_a_recurring_phrase_in_the_timezone(cli: Cli) -> None:
    code, out, err = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "every weekday at 9am",
                         "--timezone", "America/New_York", "--json")
    assert code == 0, err
    job = json.loads(out)
    assert (job["schedule"], job["timezone"]) == ("0 9 * * 1-5", "America/New_York")
    code, out, err = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "每天晚上8点半",
                         "--timezone", "Asia/Shanghai", "--json")
    assert code == 0, err
    assert json.loads(out)["schedule"] == "30 20 * * *"
    # A zone named in the phrase wins over --timezone.
    code, out, err = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "each day at 06:00 UTC",
                         "--timezone", "Asia/Shanghai", "--json")
    assert code == 0, err
    assert (json.loads(out)["schedule"], json.loads(out)["timezone"]) == ("0 6 * * *", "UTC")
    # Raw cron still passes through; a one-time phrase says where it goes.
    code, out, err = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "0 9 * * 1-5", "--json")
    assert code == 0 and json.loads(out)["schedule"] == "0 9 * * 1-5"
    code, _, err = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "tomorrow at 3pm")
    assert code == 2 and "--run-at" in err
    code, _, err = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "0 25 * * *")
    assert code == 2 and "schedule" in err


def test_one_shot_phrases_for_cron_and_task(cli: Cli) -> None:
    before = datetime.now(UTC)
    code, out, err = cli("cron", "add", "--url", "https://example.com/h", "--run-at", "in 2 hours", "--json")
    assert code == 0, err
    run_at = datetime.fromisoformat(json.loads(out)["run_at"])
    assert before + timedelta(hours=2) <= run_at <= datetime.now(UTC) + timedelta(hours=2)
    code, out, err = cli("task", "add", "--url", "https://example.com/t", "--run-at", "明天下午3点",
                         "--timezone", "Asia/Shanghai", "--json")
    assert code == 0, err
    task_at = datetime.fromisoformat(json.loads(out)["run_at"])
    assert task_at.hour == 7 and task_at.minute == 0  # 15:00 in Shanghai is 07:00 UTC
    code, out, err = cli("task", "add", "--url", "https://example.com/t", "--run-at", "2030-01-01T00:00:00Z",
                         "--json")
    assert code == 0 and json.loads(out)["run_at"].startswith("2030-01-01T00:00:00")
    code, _, err = cli("task", "add", "--url", "https://example.com/t", "--run-at", "yesterday")
    assert code == 2 and "past" in err
    code, _, err = cli("task", "add", "--url", "https://example.com/t", "--run-at", "every day")
    assert code == 2 and "cron add --schedule" in err


def test_cron_and_task_add_take_a_queue_instead_of_a_url(cli: Cli) -> None:
    code, out, err = cli("cron", "add", "--queue", "send-daily-digest", "--schedule", "0 9 * * *",
                         "--payload", '{"segment": "active-users"}')
    assert code == 0, err
    assert "queue send-daily-digest" in out and "TARGET" in out
    code, out, err = cli("task", "add", "--queue", "send-daily-digest", "--in", "60", "--json")
    assert code == 0, err
    assert json.loads(out)["queue"] == "send-daily-digest"
    with pytest.raises(SystemExit) as info:  # argparse: the two targets exclude each other
        cli("cron", "add", "--queue", "q", "--url", "https://example.com/h", "--schedule", "@daily")
    assert info.value.code == 2
