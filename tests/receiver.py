"""A real HTTP receiver on 127.0.0.1 for tests and benches: records requests, answers as programmed.

    with Receiver() as rx:                      # starts a server thread on a free port
        rx.program("/flaky", [Reply(503, headers={"Retry-After": "0"}), Reply(200)])
        rx.program("/slow", [Reply(200, delay=30)])   # holds the request 30 s
        url = rx.url("/flaky")
        ...
        got = await rx.wait_for(2, path="/flaky", timeout=10)   # or rx.wait_for_sync(...)
        got[0].headers["webhook-id"], got[0].json(), got[0].received_at

- Programs are per path: each request consumes the next Reply; the last one repeats.
  Unprogrammed paths answer ``default`` (200 "ok").
- The server runs on its own thread and event loop, so it works from sync tests, async
  tests and subprocess tests alike, and its work does not compete with the loop under test.
- ``wait_for`` waits on a condition with a bound and raises ``TimeoutError`` saying how
  many requests did arrive; there is no sleep-and-hope anywhere.
- Header names in ``Received.headers`` are lower case.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Reply:
    status: int = 200
    body: str = "ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to hold the request before answering


@dataclass
class Received:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    received_at: float  # time.time() when the request arrived (before any programmed delay)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class Receiver:
    def __init__(self, default: Reply | None = None) -> None:
        self.default = default or Reply()
        self.requests: list[Received] = []
        self._programs: dict[str, list[Reply]] = {}
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> Receiver:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve())
            except BaseException as exc:  # report start-up failures to the caller
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._shutdown())
            # Requests still held by a programmed delay: cancel them instead of leaving
            # "Task was destroyed but it is pending" noise behind.
            leftover = asyncio.all_tasks(loop)
            for task in leftover:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
            loop.close()

        self._thread = threading.Thread(target=run, name="test-receiver", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise TimeoutError("receiver did not start within 10 s")
        if errors:
            raise errors[0]
        return self

    async def _serve(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _shutdown(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop = self._thread = None

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- programming --------------------------------------------------------------------
    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def program(self, path: str, replies: list[Reply]) -> None:
        with self._cond:
            self._programs[path] = list(replies)

    def _next_reply(self, path: str) -> Reply:
        with self._cond:
            program = self._programs.get(path)
            if not program:
                return self.default
            return program.pop(0) if len(program) > 1 else program[0]

    async def _handle(self, request: web.Request) -> web.Response:
        arrived = time.time()
        body = await request.read()
        got = Received(request.method, request.path, request.query_string,
                       {k.lower(): v for k, v in request.headers.items()}, body, arrived)
        reply = self._next_reply(request.path)
        with self._cond:
            self.requests.append(got)
            self._cond.notify_all()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return web.Response(status=reply.status, text=reply.body, headers=reply.headers)

    # -- waiting ------------------------------------------------------------------------
    def received(self, path: str | None = None) -> list[Received]:
        with self._cond:
            return [r for r in self.requests if path is None or r.path == path]

    def wait_for_sync(self, n: int, timeout: float = 10.0, path: str | None = None) -> list[Received]:
        """Block until at least ``n`` requests (to ``path``, if given) arrived."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                got = [r for r in self.requests if path is None or r.path == path]
                if len(got) >= n:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    where = f" to {path}" if path else ""
                    raise TimeoutError(f"expected {n} request(s){where} within {timeout} s, got {len(got)}")
                self._cond.wait(left)

    async def wait_for(self, n: int, timeout: float = 10.0, path: str | None = None) -> list[Received]:
        """``wait_for_sync`` without blocking the caller's event loop."""
        return await asyncio.to_thread(self.wait_for_sync, n, timeout, path)
