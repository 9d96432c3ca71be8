"""The server as a whole: tools/list shape and size, toolsets, read-only mode, when_preview,
instructions, and what a crash looks like to the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import ListToolsResult

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import TOOLSETS, Settings
from infrai_mcp.models import CronJob
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.mcp import build_server
from tests.mcp.conftest import TZ, Tools, settings_for

pytestmark = pytest.mark.anyio

ISSUE_TOOLS = {
    "cron": "cron_create cron_list cron_get cron_update cron_delete cron_trigger",
    "task": "task_schedule task_list task_get task_cancel",
    "jobs": "upcoming pause run_list run_get",
    "schedule": "schedule_create schedule_list schedule_get schedule_update schedule_delete",
    "queue": "queue_create queue_get queue_list queue_update queue_delete queue_purge queue_publish "
    "queue_consume queue_ack queue_nack queue_dlq_list queue_dlq_redrive queue_push_subscribe",
    "webhook": "webhook_send webhook_get",
    "time": "when_preview",
}
READ_ONLY = {
    "cron_list", "cron_get", "task_list", "task_get", "upcoming", "run_list", "run_get", "schedule_list",
    "schedule_get", "queue_get", "queue_list", "queue_dlq_list", "webhook_get", "when_preview",
}


async def list_tools(engine: Engine, settings: Settings) -> ListToolsResult:
    async with Client(build_server(EmbeddedBackend(engine), settings)) as client:
        return await client.list_tools()


def wire_size(result: ListToolsResult) -> int:
    return len(result.model_dump_json(by_alias=True, exclude_none=True))


async def test_every_tool_is_declared_fully(engine: Engine) -> None:
    result = await list_tools(engine, engine.settings)
    names = {t.name for t in result.tools}
    assert names == {n for group in ISSUE_TOOLS.values() for n in group.split()}
    for t in result.tools:
        assert t.description and t.output_schema and t.annotations and t.title is None, t.name
        assert t.input_schema.get("additionalProperties") is False, t.name
        assert bool(t.annotations.read_only_hint) == (t.name in READ_ONLY), t.name
    by_name = {t.name: t for t in result.tools}
    assert by_name["cron_delete"].annotations.destructive_hint is None  # spec default: destructive
    assert by_name["cron_delete"].annotations.idempotent_hint is True
    assert by_name["webhook_send"].annotations.open_world_hint is None  # spec default: open world
    assert by_name["queue_publish"].annotations.open_world_hint is False
    assert by_name["queue_publish"].annotations.destructive_hint is False
    # the default zone is stated where the model reads it
    assert TZ in json.dumps(by_name["cron_create"].input_schema)


async def test_tools_list_stays_within_32000_bytes(engine: Engine) -> None:
    # the whole list goes to the model on every turn (docs/MCP.md, "Toolset sizes")
    assert wire_size(await list_tools(engine, engine.settings)) <= 32_000


async def test_toolsets_and_read_only_shape_the_list(engine: Engine, tmp_path: Path) -> None:
    for toolset in TOOLSETS:
        result = await list_tools(engine, settings_for(tmp_path, toolsets=(toolset,)))
        # the tools about every kind of job come with each toolset that makes jobs
        cross = ISSUE_TOOLS["jobs"] if toolset in ("cron", "task", "schedule") else ""
        assert {t.name for t in result.tools} == set(f"{ISSUE_TOOLS[toolset]} {cross}".split())
    two = await list_tools(engine, settings_for(tmp_path, toolsets=("queue", "time")))
    assert {t.name for t in two.tools} == set((ISSUE_TOOLS["queue"] + " when_preview").split())
    ro = await list_tools(engine, settings_for(tmp_path, read_only=True))
    assert {t.name for t in ro.tools} == READ_ONLY


def test_settings_from_env_reads_toolsets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INFRAI_TOOLSETS", "cron,time")
    monkeypatch.setenv("INFRAI_READ_ONLY", "1")
    s = Settings.from_env()
    assert s.toolsets == ("cron", "time") and s.read_only


async def test_read_only_server_refuses_writes(engine: Engine, tmp_path: Path) -> None:
    server = build_server(EmbeddedBackend(engine), settings_for(tmp_path, read_only=True))
    async with Client(server) as client:
        text = await Tools(client).err("cron_create", schedule="@daily", url="http://127.0.0.1:9/x")
        assert "cron_create" in text


async def test_instructions_name_the_default_zone_and_callbacks(engine: Engine) -> None:
    async with Client(build_server(EmbeddedBackend(engine), engine.settings)) as client:
        text = client.instructions or ""
    assert TZ in text and "when_preview" in text and 'callback_type="queue"' in text


async def test_when_preview(tools: Tools) -> None:
    p = await tools.ok("when_preview", when="every weekday at 9am")
    assert p["type"] == "cron" and p["cron"] == "0 9 * * 1-5" and p["timezone"] == TZ
    assert len(p["next_fires"]) == 5 and "Monday" in p["description"]
    d = await tools.ok("when_preview", when="in 20 minutes")
    assert d["type"] == "delayed" and d["delay_seconds"] == 1200 and len(d["next_fires"]) == 1
    o = await tools.ok("when_preview", when="tomorrow at 3pm", timezone="Asia/Shanghai")
    assert o["type"] == "once" and o["run_at"][11:16] == "07:00" and o["timezone"] == "Asia/Shanghai"
    c = await tools.ok("when_preview", when="每周一上午10点")
    assert c["cron"] == "0 10 * * 1"
    text = await tools.err("when_preview", when="end of the month")
    assert "when" in text and "Accepted examples" in text


class CrashingBackend(EmbeddedBackend):
    """Fault injection: the real backend, with one method failing the way a bug would."""

    async def cron_get(self, cron_id: str) -> CronJob:
        raise RuntimeError("db password=hunter2 at /srv/secret.db")


async def test_a_crash_reaches_the_model_without_traceback_or_secret(engine: Engine) -> None:
    async with Client(build_server(CrashingBackend(engine), engine.settings)) as client:
        text = await Tools(client).err("cron_get", cron_id="cj_x")
    assert "hunter2" not in text and "secret.db" not in text and "cron_get" in text


async def test_secrets_are_never_returned(tools: Tools) -> None:
    job = await tools.ok(
        "cron_create", schedule="@daily", url="http://127.0.0.1:9/x", secret="whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=",
        headers={"Authorization": "Bearer sk-live-123"},
    )
    full: dict[str, Any] = await tools.ok("cron_get", cron_id=job["cron_id"])
    dumped = json.dumps(full)
    assert "sk-live-123" not in dumped and "c2VjcmV0" not in dumped and full["has_secret"] is True


async def test_every_tool_rejects_unknown_arguments_by_name(tools: Tools) -> None:
    listed = await tools.client.list_tools()
    for tool in listed.tools:
        text = await tools.err(tool.name, bogus_field=1)
        assert "unknown argument 'bogus_field'" in text, (tool.name, text)


ID_TOOLS = [
    ("cron_get", {"cron_id": "cj_nope"}, "cron_list"),
    ("cron_update", {"cron_id": "cj_nope", "name": "x"}, "cron_list"),
    ("cron_delete", {"cron_id": "cj_nope"}, "cron_list"),  # idempotent for a deleted job, not an unknown id
    ("cron_trigger", {"cron_id": "cj_nope"}, "cron_list"),
    ("run_get", {"run_id": "run_nope"}, "run_list"),
    ("task_get", {"task_id": "tk_nope"}, "task_list"),
    ("schedule_update", {"schedule_id": "sch_nope", "name": "x"}, "schedule_list"),
    ("queue_get", {"queue": "nope"}, "queue_list"),
    ("queue_update", {"queue": "nope", "max_receives": 1}, "queue_list"),
    ("queue_purge", {"queue": "nope"}, "queue_list"),
    ("queue_consume", {"queue": "nope"}, "queue_list"),
    ("queue_ack", {"queue": "nope", "message_ids": ["msg_nope"]}, "queue_list"),
    ("queue_nack", {"queue": "nope", "message_id": "msg_nope"}, "queue_list"),
    ("queue_dlq_list", {"queue": "nope"}, "queue_list"),
    ("queue_dlq_redrive", {"queue": "nope"}, "queue_list"),
    ("queue_push_subscribe", {"queue": "nope", "url": "http://127.0.0.1:9/x"}, "queue_list"),
]
# queue_publish creates an unknown queue (docs/QUEUES.md): tests/queues.


@pytest.mark.parametrize(("tool", "args", "hint"), ID_TOOLS, ids=[t[0] for t in ID_TOOLS])
async def test_unknown_ids_name_the_list_tool(tools: Tools, tool: str, args: dict[str, Any], hint: str) -> None:
    text = await tools.err(tool, **args)
    assert hint in text and "Traceback" not in text, text


async def test_instructions_leave_out_tools_the_server_does_not_have(engine: Engine, tmp_path: Path) -> None:
    ro = settings_for(tmp_path, read_only=True)
    async with Client(build_server(EmbeddedBackend(engine), ro)) as client:
        text = client.instructions or ""
    assert "when_preview" in text and "schedule_create" not in text and "create/update" not in text
    cron_only = settings_for(tmp_path, toolsets=("cron",))
    async with Client(build_server(EmbeddedBackend(engine), cron_only)) as client:
        text = client.instructions or ""
    assert TZ in text and "when_preview" not in text and "queue_consume" not in text
