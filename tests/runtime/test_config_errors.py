"""A configuration mistake stops every command at start with one line naming the variable and
an example, and no traceback (issue 16, point 9)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infrai_mcp.surfaces.cli.main import main

COMMANDS = [[], ["mcp"], ["serve"], ["worker"], ["cron", "ls"], ["task", "ls"], ["engine", "status"],
            ["service", "status"], ["when", "in 5 minutes"], ["keys", "list"], ["ui"]]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a) or "(none)")
def test_a_timezone_that_is_not_a_zone(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INFRAI_HOME", str(tmp_path))
    monkeypatch.setenv("INFRAI_TIMEZONE", "Berlin")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "INFRAI_TIMEZONE='Berlin' is not an IANA timezone" in err and "INFRAI_TIMEZONE=Europe/Berlin" in err
    assert list(tmp_path.iterdir()) == []  # nothing was opened or created


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a) or "(none)")
def test_a_home_that_is_a_file(argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    home = tmp_path / "infrai"
    home.write_text("not a directory")
    monkeypatch.setenv("INFRAI_HOME", str(home))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"INFRAI_HOME='{home}' is a file, not a directory" in err and "e.g. INFRAI_HOME=" in err
    assert home.read_text() == "not a directory"


def test_a_home_that_cannot_be_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    # Below a file: no user (root included, who ignores directory modes) can create it.
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("INFRAI_HOME", str(tmp_path / "file" / "data"))
    assert main(["cron", "ls"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "INFRAI_HOME=" in err and "cannot be created" in err


def test_flags_are_checked_the_same_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INFRAI_HOME", str(tmp_path))
    assert main(["mcp", "--timezone", "Berlin"]) == 2
    assert "--timezone='Berlin' is not an IANA timezone; use a Region/City name, e.g. --timezone=Europe/Berlin" in (
        capsys.readouterr().err)


def test_a_number_setting_names_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("INFRAI_HOME", str(tmp_path))
    monkeypatch.setenv("INFRAI_LEASE_SECONDS", "soon")
    assert main(["cron", "ls"]) == 2
    err = capsys.readouterr().err
    assert "INFRAI_LEASE_SECONDS='soon' is not a number of seconds; e.g. INFRAI_LEASE_SECONDS=30" in err


@pytest.mark.parametrize(("name", "raw", "said"), [
    ("INFRAI_RATE_LIMIT", "fast", "INFRAI_RATE_LIMIT='fast' is not a number of requests per second; "
                                  "e.g. INFRAI_RATE_LIMIT=100"),
    ("INFRAI_RATE_LIMIT", "-1", "INFRAI_RATE_LIMIT must be 0 (no limit) or more, got -1; e.g. INFRAI_RATE_LIMIT=100"),
    ("INFRAI_PG_POOL_SIZE", "many", "INFRAI_PG_POOL_SIZE"),
])
def test_serve_and_store_settings_are_read_with_the_others(name: str, raw: str, said: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    # Read by config.py with every other setting, so a mistake stops any command, not only serve.
    monkeypatch.setenv("INFRAI_HOME", str(tmp_path))
    monkeypatch.setenv(name, raw)
    assert main(["cron", "ls"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and said in err
    assert list(tmp_path.iterdir()) == []


def test_settings_carry_the_rate_limit_and_pool_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from infrai_mcp.config import Settings

    monkeypatch.setenv("INFRAI_RATE_LIMIT", "0")
    monkeypatch.setenv("INFRAI_PG_POOL_SIZE", "3")
    s = Settings.from_env()
    assert (s.rate_limit, s.pg_pool_size) == (0.0, 3)
    assert (Settings().rate_limit, Settings().pg_pool_size) == (100.0, 8)
