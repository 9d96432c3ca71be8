"""``infrai-mcp engine run|start|status|stop|restart|logs``: the data dir's background engine.

The stdio MCP server starts the background engine by itself (docs/ENGINE.md, "Background
engine"); these commands are for the person at the terminal and for the login service
(``infrai-mcp service install`` runs ``engine run``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infrai_mcp.config import Settings
from infrai_mcp.runtime.control import LOG_FILE, running

NOT_RUNNING = 3  # the LSB exit status of "program is not running" (systemctl, service)


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    return replace(settings, home=Path(args.home).expanduser()) if args.home else settings


def _iso(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ") if ts is not None else "-"


def _duration(seconds: float) -> str:
    s = int(seconds)
    d, s = divmod(s, 86400)
    h, s = divmod(s, 3600)
    m, s = divmod(s, 60)
    return (f"{d}d " if d else "") + f"{h:02d}:{m:02d}:{s:02d}"


def status_lines(status: dict[str, Any], home: Path) -> list[str]:
    last = status.get("last_fire")
    fired = f"{_iso(last['at'])} (job {last['job_id']}, run {last['run_id']})" if last else "-"
    return [
        f"running     pid {status['pid']}, version {status['version']}",
        f"data dir    {home}",
        f"uptime      {_duration(time.time() - float(status['started_at']))} (since {_iso(status['started_at'])})",
        f"dispatching {'yes' if status.get('dispatching') else 'no (another process holds the dispatch lease)'}",
        f"next due    {_iso(status.get('next_due'))}",
        f"last fire   {fired}",
        f"runs fired  {status.get('runs_started', 0)} since start",
        f"log         {home / LOG_FILE}",
    ]


def _status(args: argparse.Namespace) -> int:
    from infrai_mcp.runtime.service import installed_unit

    settings = _settings(args)
    found = running(settings.home)
    unit = installed_unit(settings.home)
    if args.json:
        out = {"running": found is not None, "home": str(settings.home), "service": str(unit) if unit else None}
        if found is not None:
            out |= {k: v for k, v in found[1].items() if k != "ok"}
        print(json.dumps(out, indent=2))
    elif found is None:
        print(f"not running (data dir {settings.home}); the next MCP client start or `infrai-mcp engine start` "
              "starts it")
    else:
        print("\n".join(status_lines(found[1], settings.home)))
    if not args.json:
        print(f"service     {unit if unit else 'not installed (infrai-mcp service install starts it at login)'}")
    return 0 if found is not None else NOT_RUNNING


def _start(args: argparse.Namespace) -> int:
    from infrai_mcp.runtime.background import BackgroundError, ensure_engine

    settings = _settings(args)
    try:
        info = ensure_engine(settings)
    except BackgroundError as exc:
        print(f"infrai-mcp: {exc}", file=sys.stderr)
        return 1
    print(f"background engine running: pid {info.pid}, version {info.version}, data dir {settings.home}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    from infrai_mcp.runtime.background import BackgroundError, stop_engine

    settings = _settings(args)
    try:
        info = stop_engine(settings.home)
    except BackgroundError as exc:
        print(f"infrai-mcp: {exc}", file=sys.stderr)
        return 1
    if info is None:
        print(f"not running (data dir {settings.home})")
        return 0
    print(f"stopped the background engine (pid {info.pid}); nothing fires from {settings.home} until it starts again")
    return 0


def _restart(args: argparse.Namespace) -> int:
    rc = _stop(args)
    return rc or _start(args)


def _run(args: argparse.Namespace) -> int:
    from infrai_mcp.runtime.background import run_engine

    return run_engine(_settings(args), verbose=args.verbose)


def _tail(path: Path, lines: int) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    return text.splitlines()[-lines:] if lines > 0 else []


def _logs(args: argparse.Namespace) -> int:
    path = _settings(args).home / LOG_FILE
    if not path.exists() and not args.follow:
        print(f"no log yet at {path} (the engine has not run for this data dir)", file=sys.stderr)
        return 1
    for line in _tail(path, args.lines):
        print(line)
    if not args.follow:
        return 0
    sys.stdout.flush()
    # Follow across rotations: when the file is replaced (or shrinks), start again from its top.
    pos = path.stat().st_size if path.exists() else 0
    ident = path.stat().st_ino if path.exists() else None
    while True:
        time.sleep(0.25)
        try:
            st = path.stat()
        except FileNotFoundError:
            continue
        if st.st_ino != ident or st.st_size < pos:
            ident, pos = st.st_ino, 0
        if st.st_size > pos:
            with path.open("rb") as f:
                f.seek(pos)
                chunk = f.read()
            pos += len(chunk)
            sys.stdout.write(chunk.decode("utf-8", errors="replace"))
            sys.stdout.flush()


def register(sub: Any) -> None:
    eng = sub.add_parser("engine", help="The background engine of the data dir: status, stop, logs, restart.",
                         description="The background engine fires the data dir's jobs while no MCP client is "
                         "open. MCP clients start it; these commands inspect and control it.")
    es = eng.add_subparsers(dest="engine_command", metavar="ACTION", required=True)
    for name, fn, text in (
        ("status", _status, "Pid, version, data dir, uptime, next due, last fire (exit 3: not running)."),
        ("start", _start, "Start it (or attach to the running one)."),
        ("stop", _stop, "Stop it: in-flight runs finish or are released; nothing fires until it starts again."),
        ("restart", _restart, "Stop it and start it again (e.g. after an upgrade)."),
        ("logs", _logs, "Show its log (engine.log in the data dir)."),
        ("run", _run, "Run it in the foreground (what the login service and MCP clients start)."),
    ):
        p = es.add_parser(name, help=text, description=text)
        p.add_argument("--home", help="data dir (default: INFRAI_HOME or the per-user data dir)")
        if name == "status":
            p.add_argument("--json", action="store_true", help="Print JSON.")
        if name == "logs":
            p.add_argument("-n", "--lines", type=int, default=50, help="Lines to show (default: %(default)s).")
            p.add_argument("-f", "--follow", action="store_true", help="Keep printing new lines (Ctrl-C ends).")
        if name == "run":
            p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
        p.set_defaults(func=fn)
