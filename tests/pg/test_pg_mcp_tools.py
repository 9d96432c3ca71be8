"""The MCP visibility tools (tests/mcp/test_mcp_visibility.py) re-run on PostgresStore: the
same SDK client in memory, the engine under the tools on a fresh PostgreSQL database."""

from __future__ import annotations

import pytest

from tests.mcp import test_mcp_visibility
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio
collect(globals(), [test_mcp_visibility], needs={"tools"}, skip=frozenset({"tmp_path", "receiver"}))
