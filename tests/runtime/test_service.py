"""`infrai-mcp service`: the files it writes are valid for their init system, the unit's
command line really starts the engine, and it refuses plainly where the init system is absent."""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
from pathlib import Path

import anyio

from infrai_mcp.runtime.background import engine_command
from infrai_mcp.runtime.control import running
from infrai_mcp.runtime.service import launchd_plist, schtasks_command, service_file, systemd_unit
from tests.runtime.conftest import cli
from tests.waiting import until

ENV = {"INFRAI_TIMEZONE": "Europe/Berlin", "INFRAI_LEASE_SECONDS": "5", "INFRAI_BASE_URL": "http://x",
       "PATH": "/usr/bin"}


def unit_values(text: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in text.splitlines() if line.startswith(f"{key}=")]


def test_systemd_unit_passes_systemd_analyze_verify(home: Path, tmp_path: Path) -> None:
    unit = tmp_path / "infrai-mcp-test.service"
    unit.write_text(systemd_unit(home, ENV))
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None, "systemd-analyze is needed (apt-get install systemd; .ci/run does)"
    runtime = tmp_path / "run"  # a user manager's runtime dir, which a container has none of
    runtime.mkdir(mode=0o700)
    done = subprocess.run([analyze, "verify", "--user", str(unit)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)})
    problems = [line for line in done.stderr.splitlines() if str(unit) in line or "infrai" in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_the_units_command_line_really_starts_the_engine(home: Path) -> None:
    text = systemd_unit(home, ENV)
    (exec_start,) = unit_values(text, "ExecStart")
    argv = shlex.split(exec_start)
    assert argv == engine_command(home)
    env = dict(shlex.split(e)[0].split("=", 1) for e in unit_values(text, "Environment"))
    # the installing shell's settings go along, the client-only ones do not
    assert env["INFRAI_TIMEZONE"] == "Europe/Berlin" and env["INFRAI_HOME"] == str(home)
    assert "INFRAI_BASE_URL" not in env and "PATH" not in env
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        async def answers() -> bool:
            return running(home, timeout=0.5) is not None

        anyio.run(until, answers, 60.0, "the unit's engine answering")
        found = running(home)
        assert found is not None and found[0].pid == proc.pid
        logs = cli(home, "engine", "logs", "-n", "20")
        assert logs.returncode == 0 and f"background engine {found[0].version} running: pid {proc.pid}" in logs.stdout
        assert cli(home, "engine", "stop").returncode == 0
        assert proc.wait(30) == 0  # a clean stop: systemd's Restart=on-failure leaves it stopped
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_launchd_plist_round_trips(home: Path) -> None:
    data = plistlib.loads(launchd_plist(home, ENV).encode())
    assert data["ProgramArguments"] == engine_command(home)
    assert data["EnvironmentVariables"] == {"INFRAI_HOME": str(home), "INFRAI_LEASE_SECONDS": "5",
                                            "INFRAI_TIMEZONE": "Europe/Berlin"}
    assert data["RunAtLoad"] is True and data["KeepAlive"] == {"SuccessfulExit": False}
    assert plistlib.loads(plistlib.dumps(data)) == data


def test_windows_task_runs_the_same_command(home: Path) -> None:
    cmd = schtasks_command(home)
    assert cmd[:3] == ["schtasks", "/Create", "/TN"] and "ONLOGON" in cmd and "/F" in cmd  # /F: idempotent
    assert cmd[cmd.index("/TR") + 1] == subprocess.list2cmdline(engine_command(home))
    assert service_file(home, "win32").kind == "schtasks"


def test_install_refuses_without_systemd(home: Path, tmp_path: Path) -> None:
    config = tmp_path / "config"
    bare = tmp_path / "bin"  # a PATH without systemctl
    bare.mkdir()
    done = cli(home, "service", "install", PATH=str(bare), XDG_CONFIG_HOME=str(config))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "systemctl is not on PATH" in done.stderr and "infrai-mcp engine start" in done.stderr
    assert not config.exists()  # nothing written
    printed = cli(home, "service", "install", "--print", XDG_CONFIG_HOME=str(config))
    assert printed.returncode == 0 and "ExecStart=" in printed.stdout and str(config) in printed.stdout
    status = cli(home, "service", "status", XDG_CONFIG_HOME=str(config))
    assert status.returncode == 3 and "not installed" in status.stdout


def test_uninstall_without_a_service_is_a_no_op(home: Path, tmp_path: Path) -> None:
    done = cli(home, "service", "uninstall", XDG_CONFIG_HOME=str(tmp_path / "config"))
    assert done.returncode == 0 and "no service installed" in done.stdout
