"""The ``infrai-mcp`` entry point.

With no arguments it runs the MCP server over stdio (what an IDE or Claude Desktop starts).
Each command group lives in ``infrai_mcp/surfaces/cli/<group>.py`` and exposes
``register(subparsers)``; the parser built there sets ``func`` for its commands.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from infrai_mcp import __version__
from infrai_mcp.config import ConfigError, Settings
from infrai_mcp.surfaces.cli import api_cmd, engine_cmd, engine_ctl, mcp_cmd, ops_cmd, service_cmd, ui_cmd, when_cmd


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="infrai-mcp",
        description="Scheduling for LLM agents: an MCP server, a REST API and the engine behind them.",
    )
    parser.add_argument("--version", action="version", version=f"infrai-mcp {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (mcp_cmd, engine_cmd, ops_cmd, engine_ctl, service_cmd, api_cmd, when_cmd, ui_cmd):
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(argv) if argv is not None else None)
    func = getattr(args, "func", None)
    if func is None:
        # No command: the MCP server over stdio, as MCP clients expect.
        args = parser.parse_args(["mcp"])
        func = args.func
    try:
        # Every command checks the environment first: a mistake (INFRAI_TIMEZONE=Berlin, an
        # INFRAI_HOME that is a file) is one line naming the variable, not a traceback later.
        Settings.from_env()
        result = func(args)
    except ConfigError as exc:
        print(f"infrai-mcp: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
