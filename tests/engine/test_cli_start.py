"""What `infrai-mcp serve|worker` load at start: the engine, not the MCP SDK (the operator
commands import their time-phrase helpers where used). Start-up time is restart-to-first-fire."""

from __future__ import annotations

import subprocess
import sys


def test_cli_start_does_not_load_the_mcp_sdk() -> None:
    code = ("import sys, infrai_mcp.surfaces.cli.main as m; m.build_parser(); "
            "import infrai_mcp.runtime.engine; print(sorted(n for n in sys.modules if n.split('.')[0] == 'mcp'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]", out.stdout
