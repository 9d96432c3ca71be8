"""The MCP queue tools (tests/mcp/test_mcp_queue_webhook.py) re-run on PostgresStore.

The same SDK client in memory and the same server; only the engine under the tools is
built on a fresh PostgreSQL database. Tests that need a receiver or their own SQLite
set-up stay SQLite-only.
"""

from __future__ import annotations

import pytest

from tests.mcp import test_mcp_queue_webhook
from tests.pg.reuse import collect

pytestmark = pytest.mark.anyio
collect(globals(), [test_mcp_queue_webhook], needs={"tools"}, skip=frozenset({"tmp_path", "receiver"}))
