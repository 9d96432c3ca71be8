"""``infrai-mcp when``: normalised form, description, next fires in local time and UTC."""

from __future__ import annotations

import json

import pytest

from infrai_mcp.surfaces.cli.main import main


def test_when_cli_cron(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["when", "every weekday at 9am", "--tz", "America/New_York", "--now", "2026-11-22T08:10"])
    out = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert out[0] == "cron 0 9 * * 1-5  (timezone America/New_York)"
    assert out[1] == "At 09:00, Monday through Friday (America/New_York)"
    assert out[3] == "  Mon 2026-11-23 09:00:00 EST   2026-11-23T14:00:00Z"
    assert len(out) == 8


def test_when_cli_dst_gap(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", "30 2 * * *", "--tz", "America/New_York", "--now", "2026-03-07T12:00", "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "Sun 2026-03-08 03:00:00 EDT   2026-03-08T07:00:00Z" in out


def test_when_cli_json_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", "明天下午3点", "--tz", "Asia/Shanghai", "--now", "2026-11-22T08:10", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["type"] == "once" and data["run_at"] == "2026-11-23T07:00:00Z"
    assert data["next_fires"] == ["2026-11-23T07:00:00Z"]


def test_when_cli_delayed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", "in 20 minutes", "--tz", "UTC", "--now", "2026-11-22T08:10:00Z"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "delayed 1200 s" and out[1] == "In 20 minutes"
    assert out[3].endswith("2026-11-22T08:30:00Z")


def test_when_cli_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["when", "banana", "--tz", "UTC"]) == 2
    assert "could not understand 'banana'" in capsys.readouterr().err
    assert main(["when", "at 9", "--tz", "Mars/Base"]) == 2
