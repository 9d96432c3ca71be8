"""RemoteBackend's error mapping for what our server never sends but others (or proxies) do."""

from __future__ import annotations

import httpx
import pytest

from infrai_mcp.backends.remote import RemoteBackend
from infrai_mcp.core.errors import Conflict, InfraiError, InvalidInput, NotFound, StoreUnavailable, Unauthorized

pytestmark = pytest.mark.anyio


def answering(status: int, body: object | None = None, text: str | None = None) -> RemoteBackend:
    def handler(request: httpx.Request) -> httpx.Response:
        if text is not None:
            return httpx.Response(status, text=text)
        return httpx.Response(status, json=body)

    return RemoteBackend("http://remote.test", "ifr_x", transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("status", "body", "cls"),
    [
        (404, {"error": {"code": "NOT_FOUND", "message": "No cron job 'x'. Call cron_list to see ids."}}, NotFound),
        (422, {"error": {"code": "INVALID_ARGUMENT", "message": "schedule: bad", "field": "schedule"}}, InvalidInput),
        (409, {"error": {"code": "CONFLICT", "message": "stale lease"}}, Conflict),
        (401, {"error": {"code": "UNAUTHORIZED", "message": "missing or invalid API key"}}, Unauthorized),
        (403, {"detail": "forbidden"}, Unauthorized),  # not our envelope: mapped by status
        (503, None, StoreUnavailable),
    ],
)
async def test_error_envelopes_become_our_errors(status: int, body: object, cls: type[InfraiError]) -> None:
    remote = answering(status, body)
    with pytest.raises(cls) as info:
        await remote.cron_get("x")
    assert type(info.value) is cls
    if isinstance(body, dict) and "error" in body:
        assert info.value.message == body["error"]["message"]
        assert getattr(info.value, "field", None) == body["error"].get("field")
    await remote.aclose()


async def test_a_route_hint_becomes_the_kind_so_each_surface_names_its_own() -> None:
    message = "No cron job 'x'. GET /v1/scheduling/cron/list lists them."
    remote = answering(404, {"error": {"code": "NOT_FOUND", "message": message}})
    with pytest.raises(NotFound) as info:
        await remote.cron_get("x")
    assert info.value.message == "No cron job 'x'." and info.value.hint == "cron"
    await remote.aclose()


async def test_other_failures_name_the_server() -> None:
    remote = answering(502, text="<html>bad gateway</html>")
    with pytest.raises(InfraiError) as info:
        await remote.queue_list()
    assert info.value.http_status == 502 and "502" in info.value.message
    await remote.aclose()

    unreachable = RemoteBackend("http://127.0.0.1:9", "ifr_x", timeout=2)
    with pytest.raises(StoreUnavailable) as down:
        await unreachable.cron_list()
    assert "http://127.0.0.1:9" in down.value.message and "INFRAI_BASE_URL" in down.value.message
    await unreachable.aclose()
