"""Python SDK: seed 000's ``infra`` over this project's engine (docs/SDK.md).

    from infrai_mcp.sdk import infra

    job = infra.cron.create("0 9 * * *", "send-daily-digest", payload={"segment": "active-users"})
    for msg in infra.queue.listen("send-daily-digest"):
        print(msg["payload"])

``infra`` runs the embedded engine on the local store, or calls the server named by
``INFRAI_BASE_URL`` with ``INFRAI_API_KEY``. ``AsyncInfra`` is the same with ``await``.
Errors are ``infrai_mcp.core.errors`` exceptions (``InvalidInput`` names the field).
"""

from __future__ import annotations

from infrai_mcp.core.errors import Conflict, InfraiError, InvalidInput, NotFound
from infrai_mcp.sdk.client import AsyncInfra, Infra

infra = Infra()

__all__ = ["AsyncInfra", "Conflict", "Infra", "InfraiError", "InvalidInput", "NotFound", "infra"]
