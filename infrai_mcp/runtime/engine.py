"""Engine: the store, the scheduler loop, the dispatcher and the domain services.

Services expose the Backend's operations with the project as first argument, e.g.
``engine.jobs.cron_create(project, req)``, ``engine.queues.queue_publish(project, queue, msg)``,
``engine.webhooks.webhook_send(project, req)``. ``EmbeddedBackend`` binds a project.

Lifecycle: ``async with Engine(settings) as engine: ...`` opens the store (migrations),
starts the scheduler (when ``dispatch=True``) and stops both cleanly. With
``dispatch=False`` (CLI commands) the engine only reads and writes the store; a running
``serve`` notices the changes within its poll interval (1 s).

Extension points for other services:

- ``engine.dispatcher``: the one outbound HTTP path (``dispatcher.Dispatcher``).
- ``engine.wake()``: re-evaluate the next due time now; call after writing due work.
- ``engine.add_background(factory, name=...)``: a coroutine factory started with the
  engine (only where it dispatches) and cancelled at stop, e.g. queue retention, lease
  expiry, push delivery loops. The factory is called once per start; the coroutine
  should loop forever and handle its own errors (an escaping exception is logged and the
  loop is restarted after 1 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType

from pydantic import BaseModel

from infrai_mcp.config import Settings
from infrai_mcp.core.clock import Clock, SystemClock
from infrai_mcp.models.common import set_masked_headers
from infrai_mcp.outbound.dispatcher import Dispatcher
from infrai_mcp.outbound.ssrf import refuse_private_targets
from infrai_mcp.runtime.control import Waker
from infrai_mcp.runtime.retention import retention_loop
from infrai_mcp.runtime.scheduler import Scheduler
from infrai_mcp.services.deps import BackgroundFactory
from infrai_mcp.store.base import Store
from infrai_mcp.store.open import open_store

DEFAULT_PROJECT = "default"
log = logging.getLogger("infrai.engine")


class Engine:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        clock: Clock | None = None,
        dispatch: bool = True,
        server_mode: bool = False,
        lease_seconds: float | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.clock: Clock = clock or SystemClock()
        self.store: Store = store or open_store(self.settings)
        self.store.max_jobs_per_project = self.settings.max_jobs_per_project
        self.store.max_queue_depth = self.settings.max_queue_depth
        set_masked_headers(self.settings.mask_headers)  # one list per process, like the environment
        self.dispatch_enabled = dispatch
        # Server mode refuses private/loopback targets unless allow-listed (SSRF guard).
        self.server_mode = server_mode
        self.dispatcher = Dispatcher(
            server_mode=server_mode,
            allow_private_targets=self.settings.allow_private_targets,
            backoff_base=self.settings.backoff_base,
            io_thread=self.settings.http_thread,
        )
        self.scheduler = Scheduler(self, lease_seconds=lease_seconds or self.settings.lease_seconds)
        self._background: list[tuple[str, BackgroundFactory]] = [
            ("run-retention", lambda: retention_loop(self)),
        ]
        self._bg_tasks: list[asyncio.Task[None]] = []
        self.started = False
        from infrai_mcp.services.jobs import JobService
        from infrai_mcp.services.queues import QueueService
        from infrai_mcp.services.webhooks import WebhookService

        self.jobs = JobService(self)
        self.queues = QueueService(self)
        self.webhooks = WebhookService(self)
        # A process that writes to a SQLite data dir without dispatching tells the data dir's
        # background engine (if one runs) about what it wrote: SQLite has no NOTIFY.
        self._peer: Waker | None = None
        if not dispatch and store is None and not self.settings.is_postgres:
            self._peer = Waker(self.settings.home)  # where ensure_engine keeps engine.json

    async def check_targets(self, request: BaseModel) -> None:
        """Server mode refuses at create what it would refuse at fire time (docs/ENGINE.md,
        "SSRF"): every URL field of ``request``; the embedded engine allows everything."""
        await refuse_private_targets(self.dispatcher.policy, request)

    def wake(self) -> None:
        """Wake the scheduler: new or changed work may be due sooner than it planned."""
        self.scheduler.wake()
        self.tell_peer("due")

    def tell_peer(self, kind: str, detail: str = "") -> None:
        """Wake the background engine of this data dir (a no-op where this process dispatches)."""
        if self._peer is not None:
            self._peer(kind, detail)

    def _on_store_wake(self, kind: str, detail: str) -> None:
        if kind == "due":
            self.wake()
        elif kind == "queue":
            project, _, queue = detail.partition("/")
            if queue:
                self.queues.notify(project, queue)
            else:  # a reconnect: work may have arrived meanwhile anywhere
                self.queues.notify_all()
        elif kind == "delivery":
            self.webhooks.wake()

    def add_background(self, factory: BackgroundFactory, *, name: str = "background") -> None:
        """Register a loop started with the engine (when it dispatches). See module doc."""
        self._background.append((name, factory))
        if self.started and self.dispatch_enabled:
            self._bg_tasks.append(asyncio.create_task(self._supervise(name, factory), name=f"infrai-{name}"))

    async def _supervise(self, name: str, factory: BackgroundFactory) -> None:
        while True:
            try:
                await factory()
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("background task %s failed; restarting in 1 s", name)
                await asyncio.sleep(1.0)

    async def start(self) -> None:
        await self.store.open()
        self.started = True
        add_listener = getattr(self.store, "add_wake_listener", None)
        if add_listener is not None:
            # A shared store (PostgreSQL) tells every process when another one commits
            # work, so pickup does not wait for the bounded polls (which stay as the net).
            add_listener(self._on_store_wake)
        if self.dispatch_enabled:
            await self.scheduler.start()
            for name, factory in self._background:
                self._bg_tasks.append(asyncio.create_task(self._supervise(name, factory), name=f"infrai-{name}"))

    async def stop(self) -> None:
        if not self.started:
            return
        self.started = False
        for task in self._bg_tasks:
            task.cancel()
        for task in self._bg_tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._bg_tasks = []
        if self.dispatch_enabled:
            await self.scheduler.stop()
        await self.dispatcher.close()
        await self.store.close()
        if self._peer is not None:
            self._peer.close()

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

