"""Start the background engine at login: a systemd user unit (Linux), a launchd agent (macOS),
a Task Scheduler task (Windows). ``infrai-mcp service install|uninstall|status``.

Each runs ``infrai-mcp engine run --home <data dir>`` (``background.engine_command``) with
the ``INFRAI_*`` settings of the shell that installed it, so the service fires with the same
zone, limits and allow-lists as the MCP server. Installing twice changes nothing; where the
init system is not there (no systemd user manager, e.g. a container or WSL without systemd)
it refuses and says what to do instead. The files are written with mode 0600: the
environment may hold INFRAI_WORKFLOW_SECRET.
"""

from __future__ import annotations

import hashlib
import os
import plistlib
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from infrai_mcp.config import default_home
from infrai_mcp.runtime.background import engine_command

# Variables that make no sense for the engine process (it is the engine) or are client-only.
_NOT_PASSED = {"INFRAI_BACKGROUND", "INFRAI_BASE_URL", "INFRAI_API_KEY", "INFRAI_TOOLSETS", "INFRAI_READ_ONLY"}
LABEL = "dev.infrai-mcp.engine"


class ServiceError(RuntimeError):
    """Installing or removing the service is not possible here; the message says what to do."""


@dataclass(frozen=True)
class ServiceFile:
    kind: str  # systemd | launchd | schtasks
    name: str
    path: Path | None  # None for Task Scheduler (no file)
    content: str  # the unit / plist text, or the schtasks command line


def service_name(home: Path) -> str:
    """``infrai-mcp`` for the default data dir; one name per other data dir."""
    if home.expanduser().resolve() == default_home().expanduser().resolve():
        return "infrai-mcp"
    return "infrai-mcp-" + hashlib.sha256(str(home.expanduser().resolve()).encode()).hexdigest()[:8]


def service_env(home: Path, environ: dict[str, str] | None = None) -> dict[str, str]:
    env = environ if environ is not None else dict(os.environ)
    out = {k: v for k, v in sorted(env.items()) if k.startswith("INFRAI_") and k not in _NOT_PASSED}
    out["INFRAI_HOME"] = str(home)
    return out


def _systemd_quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%").replace("$", "$$")
    return f'"{escaped}"'


def systemd_unit(home: Path, environ: dict[str, str] | None = None) -> str:
    name = service_name(home)
    lines = [
        "[Unit]",
        f"Description=infrai-mcp background engine ({home})",
        "After=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_quote(a) for a in engine_command(home)),
        *(f"Environment={_systemd_quote(f'{k}={v}')}" for k, v in service_env(home, environ).items()),
        "Restart=on-failure",
        "RestartSec=5",
        # The engine's stop: in-flight runs get 10 s, then are released for the next start.
        "TimeoutStopSec=30",
        f"SyslogIdentifier={name}",
        "",
        "[Install]",
        "WantedBy=default.target",
        "",
    ]
    return "\n".join(lines)


def launchd_plist(home: Path, environ: dict[str, str] | None = None) -> str:
    data = {
        "Label": f"{LABEL}.{service_name(home)}",
        "ProgramArguments": engine_command(home),
        "EnvironmentVariables": service_env(home, environ),
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},  # restart after a crash, not after `engine stop`
        "ProcessType": "Background",
        "StandardOutPath": str(home / "engine.log"),
        "StandardErrorPath": str(home / "engine.log"),
    }
    return plistlib.dumps(data).decode()


def schtasks_command(home: Path) -> list[str]:
    run = subprocess.list2cmdline(engine_command(home))
    return ["schtasks", "/Create", "/TN", service_name(home), "/TR", run, "/SC", "ONLOGON", "/RL", "LIMITED", "/F"]


def service_file(home: Path, platform: str | None = None, environ: dict[str, str] | None = None) -> ServiceFile:
    """What ``service install`` writes on this platform (or the one named)."""
    platform = platform or sys.platform
    name = service_name(home)
    if platform == "darwin":
        path = Path.home() / "Library" / "LaunchAgents" / f"{LABEL}.{name}.plist"
        return ServiceFile("launchd", f"{LABEL}.{name}", path, launchd_plist(home, environ))
    if platform.startswith("win"):
        return ServiceFile("schtasks", name, None, subprocess.list2cmdline(schtasks_command(home)))
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return ServiceFile("systemd", f"{name}.service", config / "systemd" / "user" / f"{name}.service",
                       systemd_unit(home, environ))


def installed_unit(home: Path) -> Path | str | None:
    """Where the login service of ``home`` is installed, or None."""
    f = service_file(home)
    if f.path is not None:
        return f.path if f.path.exists() else None
    if shutil.which("schtasks") is None:
        return None
    done = subprocess.run(["schtasks", "/Query", "/TN", f.name], capture_output=True, text=True)
    return f"Task Scheduler task {f.name}" if done.returncode == 0 else None


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60)


def _require(tool: str, probe: list[str], what: str) -> None:
    if shutil.which(tool) is None:
        raise ServiceError(f"{tool} is not on PATH, so {what} is not available here; start the engine at login "
                           "another way, e.g. add `infrai-mcp engine start` to your login script")
    done = _run(probe)
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise ServiceError(f"{what} is not reachable ({' '.join(probe)}: {reason[-1] if reason else 'failed'}); "
                           "start the engine at login another way, e.g. add `infrai-mcp engine start` to your "
                           "login script")


def _checked(cmd: list[str]) -> None:
    done = _run(cmd)
    if done.returncode != 0:
        raise ServiceError(f"{' '.join(cmd)} failed: {(done.stderr or done.stdout).strip()}")


def _write(path: Path, content: str) -> bool:
    """Write if different; True when the file changed."""
    if path.exists() and path.read_text(encoding="utf-8") == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(content)
    return True


def install(home: Path) -> tuple[ServiceFile, bool]:
    """Write and enable the login service; returns it and whether anything changed."""
    from infrai_mcp.runtime.background import stop_engine

    f = service_file(home)
    if f.kind == "systemd":
        _require("systemctl", ["systemctl", "--user", "show-environment"], "a systemd user manager")
        assert f.path is not None
        changed = _write(f.path, f.content)
        _checked(["systemctl", "--user", "daemon-reload"])
        active = _run(["systemctl", "--user", "is-active", f.name]).returncode == 0
        if changed or not active:
            stop_engine(home)  # a detached engine started by a client: the service takes over
            _checked(["systemctl", "--user", "enable", f.name])
            _checked(["systemctl", "--user", "restart", f.name])
        return f, changed or not active
    if f.kind == "launchd":
        _require("launchctl", ["launchctl", "print", f"gui/{os.getuid()}"], "launchd (the per-user domain)")
        assert f.path is not None
        changed = _write(f.path, f.content)
        if changed:
            stop_engine(home)
            _run(["launchctl", "bootout", f"gui/{os.getuid()}/{f.name}"])  # not loaded yet is fine
            _checked(["launchctl", "bootstrap", f"gui/{os.getuid()}", str(f.path)])
        return f, changed
    _require("schtasks", ["schtasks", "/Query"], "the Task Scheduler")
    existed = installed_unit(home) is not None
    _checked(schtasks_command(home))
    return f, not existed


def uninstall(home: Path) -> ServiceFile | None:
    """Disable and remove the login service; None when none was installed."""
    f = service_file(home)
    if f.kind == "schtasks":
        if installed_unit(home) is None:
            return None
        _checked(["schtasks", "/Delete", "/TN", f.name, "/F"])
        return f
    assert f.path is not None
    if not f.path.exists():
        return None
    if f.kind == "systemd" and shutil.which("systemctl"):
        _run(["systemctl", "--user", "disable", "--now", f.name])
        f.path.unlink()
        _run(["systemctl", "--user", "daemon-reload"])
    elif f.kind == "launchd" and shutil.which("launchctl"):
        _run(["launchctl", "bootout", f"gui/{os.getuid()}/{f.name}"])
        f.path.unlink()
    else:
        f.path.unlink()
    return f
