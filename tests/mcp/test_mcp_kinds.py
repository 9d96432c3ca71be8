"""Schedule kinds through the MCP tools (the SDK's own client): a phrase that reads as an interval,
a calendar rule or a cron with exclusions is stored as that kind; when_preview shows the kind, the
fires in the zone and warnings; agent schedules say where other kinds go."""

from __future__ import annotations

import itertools
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.mcp.conftest import Tools
from tests.receiver import Receiver

pytestmark = pytest.mark.anyio


async def test_cron_create_stores_the_kind_a_phrase_reads_as(tools: Tools, receiver: Receiver) -> None:
    job = await tools.ok("cron_create", schedule="every other tuesday at 10am", timezone="Europe/Berlin",
                         url=receiver.url("/k"))
    got = await tools.ok("cron_get", cron_id=job["cron_id"])
    assert got["schedule_kind"] == "rrule" and got["schedule"].startswith("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")
    fires = [datetime.fromisoformat(f.replace("Z", "+00:00")).astimezone(ZoneInfo("Europe/Berlin"))
             for f in got["next_fires"]]
    assert len(fires) == 5 and all(f.strftime("%a %H:%M") == "Tue 10:00" for f in fires)
    assert all((b - a).days == 14 for a, b in itertools.pairwise(fires))
    every = await tools.ok("cron_create", schedule="every 90 minutes", url=receiver.url("/i"))
    got = await tools.ok("cron_get", cron_id=every["cron_id"])
    assert (got["schedule_kind"], got["schedule"]) == ("interval", "5400")
    steps = [datetime.fromisoformat(f.replace("Z", "+00:00")) for f in got["next_fires"]]
    assert {(b - a).total_seconds() for a, b in itertools.pairwise(steps)} == {5400.0}
    hol = await tools.ok("cron_create", schedule="every weekday at 9am except public holidays in Germany",
                         timezone="Europe/Berlin", url=receiver.url("/h"))
    got = await tools.ok("cron_get", cron_id=hol["cron_id"])
    assert got["schedule"] == "0 9 * * 1-5" and got["exclusions"]["holidays"] == ["DE"]
    assert "except public holidays in DE" in got["description"]
    # update the rule: the job is re-planned under the new kind
    upd = await tools.ok("cron_update", cron_id=every["cron_id"], schedule="every 36 hours")
    assert (await tools.ok("cron_get", cron_id=upd["cron_id"]))["schedule"] == "129600"


async def test_when_preview_shows_kind_local_fires_and_warnings(tools: Tools) -> None:
    pre = await tools.ok("when_preview", when="every day at 2:30am", timezone="America/New_York")
    assert pre["kind"] == "cron" and len(pre["local"]) == 5 and pre["local"][0].endswith(("EST", "EDT"))
    assert any("does not exist in America/New_York" in w for w in pre["warnings"])
    pst = await tools.ok("when_preview", when="every day at 9am PST")
    assert any("fixed offset UTC-8" in w for w in pst["warnings"])
    rr = await tools.ok("when_preview", when="every other tuesday at 10am", timezone="UTC")
    assert rr["type"] == "recurring" and rr["kind"] == "rrule" and rr["description"].startswith("Every 2 weeks")


async def test_agent_schedules_name_where_other_kinds_go(tools: Tools) -> None:
    text = await tools.err("schedule_create", agent_id="a1", name="poll", when="every 90 minutes", callback_type="url",
                           callback_url="https://example.com/cb")
    assert "cron_create" in text and "when" in text
