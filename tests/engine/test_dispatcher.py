"""The dispatcher against a real receiver: signing (checked with standardwebhooks), retry
classification, redirects, timeouts, the SSRF guard and backoff bounds."""

from __future__ import annotations

import base64
import ipaddress
import json
import socket

import pytest
from standardwebhooks import Webhook

from infrai_mcp.outbound.dispatcher import Dispatcher, OutboundRequest, parse_retry_after
from infrai_mcp.outbound.signing import sign, verify
from infrai_mcp.outbound.ssrf import Policy, blocked_reason
from tests.receiver import Receiver, Reply

pytestmark = pytest.mark.anyio
SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()


async def test_signed_post_verifies_with_standardwebhooks(receiver: Receiver) -> None:
    d = Dispatcher()
    body = json.dumps({"hello": "world"}).encode()
    try:
        res = await d.attempt(
            OutboundRequest(receiver.url("/s"), body=body, webhook_id="msg_1", secret=SECRET, headers={"X-A": "b"}),
            2, {"X-Infrai-Run-Id": "run_1"},
        )
    finally:
        await d.close()
    assert res.ok and res.status == 200 and res.response_excerpt == "ok"
    (got,) = receiver.received("/s")
    assert got.headers["webhook-id"] == "msg_1"
    assert got.headers["x-infrai-attempt"] == "2" and got.headers["x-infrai-run-id"] == "run_1"
    assert got.headers["x-a"] == "b" and got.headers["content-type"] == "application/json"
    # An independent implementation accepts the signature.
    assert Webhook(SECRET).verify(got.body, got.headers) == {"hello": "world"}


def test_plain_secret_is_used_as_utf8_bytes() -> None:
    raw = "not-a-whsec-secret"
    sig = sign(raw, "msg_2", 1700000000, b"{}")
    as_whsec = "whsec_" + base64.b64encode(raw.encode()).decode()
    assert sig == sign(as_whsec, "msg_2", 1700000000, b"{}")
    assert verify(raw, "msg_2", 1700000000, b"{}", f"v1,bogus {sig}")
    assert not verify(raw, "msg_2", 1700000001, b"{}", sig)


@pytest.mark.parametrize(
    ("reply", "ok", "retryable", "retry_after"),
    [
        (Reply(503, headers={"Retry-After": "7"}), False, True, 7.0),
        (Reply(429), False, True, None),
        (Reply(408), False, True, None),
        (Reply(500), False, True, None),
        (Reply(404), False, False, None),
        (Reply(400), False, False, None),
        (Reply(302, headers={"Location": "http://example.com/"}), False, False, None),
        (Reply(204, body=""), True, False, None),
    ],
)
async def test_status_classification(
    receiver: Receiver, reply: Reply, ok: bool, retryable: bool, retry_after: float | None
) -> None:
    receiver.program("/x", [reply])
    d = Dispatcher()
    try:
        res = await d.attempt(OutboundRequest(receiver.url("/x"), body=b"{}"), 1)
    finally:
        await d.close()
    assert (res.ok, res.retryable, res.retry_after, res.status) == (ok, retryable, retry_after, reply.status)
    if reply.status == 302:
        assert "not followed" in (res.error or "")
        assert len(receiver.received()) == 1  # the redirect target was not requested


async def test_timeout_and_refused_connection_are_retryable(receiver: Receiver) -> None:
    receiver.program("/slow", [Reply(200, delay=5)])
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    d = Dispatcher()
    try:
        slow = await d.attempt(OutboundRequest(receiver.url("/slow"), timeout=0.2), 1)
        refused = await d.attempt(OutboundRequest(f"http://127.0.0.1:{dead_port}/x"), 1)
    finally:
        await d.close()
    assert not slow.ok and slow.retryable and "timed out" in (slow.error or "")
    assert not refused.ok and refused.retryable and "connection error" in (refused.error or "")


async def test_server_mode_refuses_private_targets(receiver: Receiver) -> None:
    d = Dispatcher(server_mode=True)
    try:
        literal = await d.attempt(OutboundRequest(receiver.url("/p")), 1)
        named = await d.attempt(OutboundRequest(f"http://localhost:{receiver.port}/p"), 1)
        mapped = await d.attempt(OutboundRequest(f"http://[::ffff:127.0.0.1]:{receiver.port}/p"), 1)
    finally:
        await d.close()
    for res in (literal, named, mapped):
        assert not res.ok and not res.retryable and "server mode refuses" in (res.error or "")
    assert receiver.received() == []


async def test_allow_list_lets_private_targets_through(receiver: Receiver) -> None:
    for allow in (("127.0.0.0/8",), ("localhost",)):
        d = Dispatcher(server_mode=True, allow_private_targets=allow)
        host = "127.0.0.1" if "/" in allow[0] else "localhost"
        try:
            res = await d.attempt(OutboundRequest(f"http://{host}:{receiver.port}/ok"), 1)
        finally:
            await d.close()
        assert res.ok, res.error
    assert len(receiver.received("/ok")) == 2


@pytest.mark.parametrize(
    "addr",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
     "::1", "fe80::1", "fd00:ec2::254", "::ffff:8.8.8.8", "224.0.0.1"],
)
def test_blocked_addresses(addr: str) -> None:
    assert blocked_reason(ipaddress.ip_address(addr)) is not None


def test_public_addresses_pass() -> None:
    for addr in ("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"):
        assert blocked_reason(ipaddress.ip_address(addr)) is None
    Policy(enabled=True).check_host("93.184.216.34")


def test_backoff_is_jittered_capped_and_honours_retry_after() -> None:
    d = Dispatcher(backoff_base=1.0, backoff_cap=10.0)
    for attempt in range(1, 8):
        for _ in range(50):
            assert 0 <= d.backoff(attempt, None) <= min(10.0, 2 ** (attempt - 1))
    assert d.backoff(1, 5.0) >= 5.0
    assert d.backoff(1, 999.0) == 10.0


def test_parse_retry_after() -> None:
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


async def _tasks_on() -> int:
    import asyncio

    return len([t for t in asyncio.all_tasks() if t is not asyncio.current_task()])


async def test_http_thread_cancel_propagates_and_close_stops_it() -> None:
    """Attempts run on the dispatcher's own HTTP thread: cancelling the caller cancels the
    request there (no task left behind), and close() stops the thread."""
    import asyncio

    from tests.hardening.rawserver import RawServer
    from tests.waiting import until

    d = Dispatcher(io_thread=True)
    with RawServer() as srv:
        caller = asyncio.create_task(d.attempt(OutboundRequest(srv.url("/stall"), timeout=60), 1))
        await until(lambda: _hit(srv, "/stall"), 10, "the stalled request arrived")
        io_loop, thread = d._io_loop, d._io
        assert io_loop is not None and thread is not None and thread.is_alive()
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller

        async def idle() -> bool:
            fut = asyncio.run_coroutine_threadsafe(_tasks_on(), io_loop)
            return await asyncio.wrap_future(fut) == 0

        await until(idle, 10, "the HTTP thread's request task was cancelled")
        # The dispatcher still works after a cancelled attempt.
        res = await d.attempt(OutboundRequest(srv.url("/slow"), timeout=10), 1)
        assert res.ok
        await d.close()
    assert not thread.is_alive() and d._io is None


async def _hit(srv: object, path: str) -> bool:
    return bool(getattr(srv, "hits", {}).get(path))


def test_one_dispatcher_serves_two_event_loops_in_turn(receiver: Receiver) -> None:
    """A dispatcher is not bound to the loop that first used it (CLI tools run several)."""
    import asyncio

    d = Dispatcher(io_thread=True)

    async def once(path: str) -> bool:
        return (await d.attempt(OutboundRequest(receiver.url(path)), 1)).ok

    assert asyncio.run(once("/a")) and asyncio.run(once("/b"))
    asyncio.run(d.close())
    assert [r.path for r in receiver.received()] == ["/a", "/b"]


async def test_close_cancels_attempts_still_in_flight() -> None:
    """close() while a request is held by its target: the caller's attempt ends cancelled
    (the engine stops its runs first; this is what is left), and the thread stops."""
    import asyncio

    from tests.hardening.rawserver import RawServer
    from tests.waiting import until

    d = Dispatcher(io_thread=True)
    with RawServer() as srv:
        caller = asyncio.create_task(d.attempt(OutboundRequest(srv.url("/stall"), timeout=60), 1))
        await until(lambda: _hit(srv, "/stall"), 10, "the stalled request arrived")
        thread = d._io
        await d.close()
        with pytest.raises(asyncio.CancelledError):
            await caller
    assert thread is not None and not thread.is_alive()


def test_http_thread_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    from infrai_mcp.config import Settings

    monkeypatch.delenv("INFRAI_HTTP_THREAD", raising=False)
    assert not Settings.from_env().http_thread
    monkeypatch.setenv("INFRAI_HTTP_THREAD", "1")
    assert Settings.from_env().http_thread


async def test_without_the_http_thread_attempts_run_on_the_callers_loop(receiver: Receiver) -> None:
    d = Dispatcher()  # the default
    try:
        assert (await d.attempt(OutboundRequest(receiver.url("/here")), 1)).ok
        assert d._io is None  # no thread was started
    finally:
        await d.close()
