"""The two clients: ``Infra`` (sync, what ``infra`` is) and ``AsyncInfra`` (``await`` every call).

Both open the backend the MCP server would (``make_backend``): the embedded engine on the
local store, or the REST API of ``INFRAI_BASE_URL`` with ``INFRAI_API_KEY``. The embedded
engine runs while the client is open, so jobs fire and webhooks go out while the program
runs; a server (``infrai-mcp serve``) fires them around the clock (docs/SDK.md).

``Infra`` keeps an event loop on a daemon thread of its own and runs every call there, so it
also works from code that already runs an event loop (a notebook, a web handler). It opens
on the first call and closes at exit (or with ``close()``).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import AsyncExitStack
from typing import Any

from infrai_mcp.backends.base import Backend
from infrai_mcp.config import Settings
from infrai_mcp.sdk.parts import Call, Cron, Op, Queue, Run, Task, Webhook
from infrai_mcp.surfaces.cli.mcp_cmd import make_backend
from infrai_mcp.surfaces.rest.common import JSON

LEFT_LOOP = "the listen loop was left before this message was acknowledged (an exception, or break)"


class _Opened:
    """The backend of one client and the context that keeps it running."""

    def __init__(self, settings: Settings | None, backend: Backend | None = None) -> None:
        self.settings = settings
        self.description = "backend given to the client" if backend is not None else ""
        self._stack: AsyncExitStack | None = None
        self._backend: Backend | None = backend  # given: its owner opens and closes it
        self._lock = asyncio.Lock()

    async def backend(self) -> Backend:
        if self._backend is None:
            async with self._lock:
                if self._backend is None:
                    choice = make_backend(self.settings or Settings.from_env())
                    stack = AsyncExitStack()
                    await stack.enter_async_context(choice.lifespan())
                    self._stack, self._backend, self.description = stack, choice.backend, choice.description
        return self._backend

    async def run(self, op: Op) -> JSON:
        return await op(await self.backend())

    async def aclose(self) -> None:
        stack, self._stack = self._stack, None
        if stack is not None:  # a backend given to the client stays (its owner closes it)
            self._backend = None
            await stack.aclose()
        self._lock = asyncio.Lock()  # the sync client reopens on a new loop


def _activation(settings: Settings, description: str) -> JSON:
    if settings.base_url and not settings.api_key:
        raise RuntimeError(
            f"INFRAI_BASE_URL is {settings.base_url} but INFRAI_API_KEY is not set: create a key on that server "
            "(infrai-mcp keys create --project NAME) and export INFRAI_API_KEY=ifr_..."
        )
    message = (f"nothing to activate: infrai-mcp needs no account; this client uses the {description}. "
               "Set INFRAI_BASE_URL and INFRAI_API_KEY to use a server instead.")
    print(message, file=sys.stderr)
    return {"activated": False, "backend": "remote" if settings.base_url else "embedded", "message": message}


class _Parts:
    def __init__(self, call: Call[Any]) -> None:
        self.cron = Cron(call)
        self.task = Task(call)
        self.run = Run(call)
        self.webhook = Webhook(call)


class SyncQueue(Queue[JSON]):
    def listen(
        self, queue: str, *, wait_seconds: float = 20, visibility_timeout: int | None = None,
        until_empty: bool = False,
    ) -> Iterator[JSON]:
        """Messages of ``queue`` one at a time, for ever (or, ``until_empty``, until a wait of
        ``wait_seconds`` finds none). A message is acked when the loop asks for the next one;
        leaving the loop while holding one (an exception, ``break``) nacks it with requeue, so
        it is delivered again (docs/SDK.md, "Workers")."""
        while True:
            got = self.consume(queue, visibility_timeout=visibility_timeout, wait_seconds=wait_seconds)
            if not got["messages"]:
                if until_empty:
                    return
                continue
            msg = got["messages"][0]
            try:
                yield msg
            except GeneratorExit:
                with contextlib.suppress(Exception):  # the lease may be gone: it comes back by itself
                    self.nack(queue, msg["message_id"], receipt=msg["receipt"], error=LEFT_LOOP)
                raise
            self.ack(queue, msg["message_id"], receipt=msg["receipt"])


class AsyncQueue(Queue[Awaitable[JSON]]):
    async def listen(
        self, queue: str, *, wait_seconds: float = 20, visibility_timeout: int | None = None,
        until_empty: bool = False,
    ) -> AsyncIterator[JSON]:
        """``async for msg in infra.queue.listen(queue)``: as ``Infra.queue.listen``."""
        while True:
            got = await self.consume(queue, visibility_timeout=visibility_timeout, wait_seconds=wait_seconds)
            if not got["messages"]:
                if until_empty:
                    return
                continue
            msg = got["messages"][0]
            try:
                yield msg
            except GeneratorExit:
                with contextlib.suppress(Exception):
                    await self.nack(queue, msg["message_id"], receipt=msg["receipt"], error=LEFT_LOOP)
                raise
            await self.ack(queue, msg["message_id"], receipt=msg["receipt"])


class Infra(_Parts):
    """Sync client: ``infra.cron.create(...)`` returns the dict. ``settings``: default from the
    environment (INFRAI_HOME, INFRAI_DATABASE_URL, INFRAI_BASE_URL, INFRAI_API_KEY, ...)."""

    cron: Cron[JSON]
    task: Task[JSON]
    run: Run[JSON]
    webhook: Webhook[JSON]

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(self._call)
        self.queue = SyncQueue(self._call)
        self._opened = _Opened(settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def _call(self, op: Op) -> JSON:
        return asyncio.run_coroutine_threadsafe(self._opened.run(op), self._running()).result()

    def _running(self) -> asyncio.AbstractEventLoop:
        with self._start:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=loop.run_forever, name="infrai-sdk", daemon=True)
                self._thread.start()
                self._loop = loop
                atexit.register(self.close)
            return self._loop

    def activate(self) -> JSON:
        """Seed 000's one-time step. Nothing to do here: says which backend is in use (stderr
        and the answer), or raises saying what to set when INFRAI_BASE_URL lacks its key."""
        settings = self._opened.settings or Settings.from_env()
        if settings.base_url and not settings.api_key:
            return _activation(settings, "")
        asyncio.run_coroutine_threadsafe(self._opened.backend(), self._running()).result()
        return _activation(settings, self._opened.description)

    def close(self) -> None:
        """Stop the embedded engine (or close the HTTP client) and the client's thread."""
        with self._start:
            loop, thread, self._loop, self._thread = self._loop, self._thread, None, None
        if loop is None:
            return
        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(self._opened.aclose(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(timeout=10)
        atexit.unregister(self.close)

    def __enter__(self) -> Infra:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncInfra(_Parts):
    """Async client: ``await infra.cron.create(...)``; ``async with AsyncInfra() as infra``.
    ``backend``: use this Backend (opened and closed by its owner) instead of choosing one."""

    cron: Cron[Awaitable[JSON]]
    task: Task[Awaitable[JSON]]
    run: Run[Awaitable[JSON]]
    webhook: Webhook[Awaitable[JSON]]

    def __init__(self, settings: Settings | None = None, *, backend: Backend | None = None) -> None:
        self._opened = _Opened(settings, backend)
        super().__init__(self._opened.run)
        self.queue = AsyncQueue(self._opened.run)

    async def activate(self) -> JSON:
        settings = self._opened.settings or Settings.from_env()
        if not (settings.base_url and not settings.api_key):
            await self._opened.backend()
        return _activation(settings, self._opened.description)

    async def aclose(self) -> None:
        await self._opened.aclose()

    async def __aenter__(self) -> AsyncInfra:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
