"""``python -m infrai_mcp``: the ``infrai-mcp`` command. A stable name for command lines that
outlive an install, such as the login service's unit and the background engine's process."""

from __future__ import annotations

import sys

from infrai_mcp.surfaces.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
