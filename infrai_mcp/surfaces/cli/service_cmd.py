"""``infrai-mcp service install|uninstall|status``: run the background engine at login."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from infrai_mcp.config import Settings


def _home(args: argparse.Namespace) -> Path:
    settings = Settings.from_env()
    return (replace(settings, home=Path(args.home).expanduser()) if args.home else settings).home


def _install(args: argparse.Namespace) -> int:
    from infrai_mcp.runtime.service import ServiceError, install, service_file

    home = _home(args)
    if args.print:
        f = service_file(home)
        print(f"# {f.path or f.name}\n{f.content}")
        return 0
    try:
        f, changed = install(home)
    except ServiceError as exc:
        print(f"infrai-mcp service install: {exc}", file=sys.stderr)
        return 2
    where = f.path or f.name
    print(f"{'installed' if changed else 'already installed'}: {where} (the engine for {home} starts at login)")
    return 0


def _uninstall(args: argparse.Namespace) -> int:
    from infrai_mcp.runtime.service import ServiceError, uninstall

    home = _home(args)
    try:
        f = uninstall(home)
    except ServiceError as exc:
        print(f"infrai-mcp service uninstall: {exc}", file=sys.stderr)
        return 2
    print(f"removed {f.path or f.name}" if f else f"no service installed for {home}")
    return 0


def _status(args: argparse.Namespace) -> int:
    from infrai_mcp.runtime.service import installed_unit

    home = _home(args)
    unit = installed_unit(home)
    print(f"installed: {unit}" if unit else f"not installed for {home} (infrai-mcp service install)")
    return 0 if unit else 3


def register(sub: Any) -> None:
    svc = sub.add_parser("service", help="Start the background engine at login (systemd / launchd / Task Scheduler).")
    ss = svc.add_subparsers(dest="service_command", metavar="ACTION", required=True)
    for name, fn, text in (("install", _install, "Write and enable the login service (idempotent)."),
                           ("uninstall", _uninstall, "Disable and remove it."),
                           ("status", _status, "Is it installed (exit 3: not installed).")):
        p = ss.add_parser(name, help=text, description=text)
        p.add_argument("--home", help="data dir (default: INFRAI_HOME or the per-user data dir)")
        if name == "install":
            p.add_argument("--print", action="store_true", help="Print the unit/plist/command instead of installing.")
        p.set_defaults(func=fn)
