"""The operator CLI keeps up with the tools (issue 16, point 12): the same default zone as the
tools and `when`, one flag name (`--timezone`, `--tz` kept), `task add --in "20 minutes"`,
`queue` and `schedule` groups showing what an agent created, and the runs of a deleted job."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import anyio
import pytest

from infrai_mcp.config import Settings
from infrai_mcp.models import CronCreate
from infrai_mcp.models.queues import MessageIn, QueueCreate
from infrai_mcp.models.schedules import ScheduleCreate
from infrai_mcp.runtime.engine import Engine
from tests.engine.test_cli_phrases import Cli, cli  # noqa: F401 (the fixture)

URL = "https://example.com/h"


def agent_side(home: Path, fn):  # type: ignore[no-untyped-def]
    """Do what an agent does through the tools, on the same data dir."""
    async def go():  # type: ignore[no-untyped-def]
        async with Engine(Settings(home=home), dispatch=False) as engine:
            return await fn(engine)

    return anyio.run(go)


def test_add_defaults_to_infrai_timezone_like_the_tools(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    monkeypatch.setenv("INFRAI_TIMEZONE", "Asia/Tokyo")
    code, out, err = cli("cron", "add", "--url", URL, "--schedule", "every day at 9am", "--json")
    assert code == 0, err
    assert (json.loads(out)["schedule"], json.loads(out)["timezone"]) == ("0 9 * * *", "Asia/Tokyo")
    code, out, err = cli("when", "tomorrow at 3pm", "--json")
    assert code == 0, err
    previewed = json.loads(out)["run_at"]
    code, out, err = cli("task", "add", "--url", URL, "--run-at", "tomorrow at 3pm", "--json")
    assert code == 0, err
    # the phrase previewed and the phrase scheduled are one instant (15:00 Tokyo)
    assert datetime.fromisoformat(json.loads(out)["run_at"]) == datetime.fromisoformat(previewed)
    assert datetime.fromisoformat(previewed).astimezone(UTC).hour == 6
    # --tz is kept as another name of --timezone, on every command that takes a zone
    for args in (["cron", "add", "--url", URL, "--schedule", "every day at 9am"], ["when", "every day at 9am"]):
        code, out, err = cli(*args, "--tz", "Europe/Berlin", "--json")
        assert code == 0 and json.loads(out)["timezone"] == "Europe/Berlin", err


def test_task_add_in_takes_a_duration_phrase(cli: Cli) -> None:  # noqa: F811
    before = datetime.now(UTC)
    code, out, err = cli("task", "add", "--url", URL, "--in", "20 minutes", "--json")
    assert code == 0, err
    run_at = datetime.fromisoformat(json.loads(out)["run_at"])
    assert before + timedelta(minutes=20) - timedelta(seconds=1) <= run_at <= datetime.now(UTC) + timedelta(minutes=20)
    code, out, err = cli("task", "add", "--url", URL, "--in", "90", "--json")
    assert code == 0, err
    assert datetime.fromisoformat(json.loads(out)["run_at"]) <= datetime.now(UTC) + timedelta(seconds=90)
    code, _, err = cli("task", "add", "--url", URL, "--in", "banana")
    assert code == 2 and err.startswith("error: --in:") and "minutes" in err


def test_queue_group_shows_what_an_agent_created(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    async def create(e: Engine) -> None:
        await e.queues.queue_create("default", QueueCreate(name="inbox"))
        for i in range(3):
            await e.queues.queue_publish("default", "inbox", MessageIn(payload={"n": i}))

    agent_side(tmp_path, create)
    code, out, err = cli("queue", "ls")
    assert code == 0, err
    header, row = out.splitlines()
    assert header.split()[:3] == ["QUEUE", "TYPE", "AVAILABLE"] and row.split()[0] == "inbox" and row.split()[2] == "3"
    code, out, err = cli("queue", "show", "inbox", "--json")
    assert code == 0 and json.loads(out)["stats"]["available"] == 3, err
    code, out, err = cli("queue", "dlq", "inbox")
    assert code == 0 and "no dead letters" in out, err
    code, out, err = cli("queue", "purge", "inbox")
    assert code == 0, err
    assert json.loads(cli("queue", "show", "inbox", "--json")[1])["stats"]["available"] == 0
    code, _, err = cli("queue", "show", "nope")
    assert code == 2 and "nope" in err


def test_schedule_group_shows_and_changes_agent_schedules(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    async def create(e: Engine) -> str:
        s = await e.jobs.schedule_create("default", "planner", ScheduleCreate.model_validate(
            {"name": "follow up", "type": "cron", "cron_expression": "0 9 * * *", "callback_type": "url",
             "callback_url": URL}))
        return s.id

    sid = agent_side(tmp_path, create)
    code, out, err = cli("schedule", "ls")
    assert code == 0 and sid in out and "planner" in out and "follow up" in out, err
    code, out, err = cli("schedule", "show", sid)  # the agent is found by the id
    assert code == 0 and "planner" in out and "0 9 * * *" in out, err
    code, out, err = cli("schedule", "pause", sid, "--json")
    assert code == 0 and json.loads(out)["status"] == "paused", err
    code, out, err = cli("schedule", "ls", "--status", "paused", "--agent", "planner", "--json")
    assert code == 0 and [s["id"] for s in json.loads(out)] == [sid], err
    code, out, err = cli("schedule", "resume", sid, "--json")
    assert code == 0 and json.loads(out)["status"] == "active", err
    code, out, err = cli("schedule", "rm", sid)
    assert code == 0 and sid in out, err
    code, _, err = cli("schedule", "show", sid)
    assert code == 2 and sid in err


def test_runs_of_a_deleted_cron_job_stay_reachable(cli: Cli, tmp_path: Path) -> None:  # noqa: F811
    async def create(e: Engine) -> tuple[str, str]:
        job = await e.jobs.cron_create("default", CronCreate(url=URL, schedule="0 9 * * *"))
        run = await e.jobs.cron_trigger("default", job.cron_id)
        return job.cron_id, run.run_id

    cron_id, run_id = agent_side(tmp_path, create)
    code, out, err = cli("cron", "rm", cron_id)
    assert code == 0, err
    code, out, err = cli("cron", "runs", cron_id, "--json")
    assert code == 0, err
    assert [r["run_id"] for r in json.loads(out)["items"]] == [run_id]
