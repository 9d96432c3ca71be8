"""Engine: the store, the scheduler loop, the dispatcher and the domain services.

Services expose the Backend's operations with the project as first argument, e.g.
``engine.jobs.cron_create(project, req)``, ``engine.queues.queue_publish(project, queue, msg)``,
``engine.webhooks.webhook_send(project, req)``. ``EmbeddedBackend`` binds a project.

Lifecycle: ``async with Engine(settings) as engine: ...`` opens the store (migrations),
starts the scheduler (when ``dispatch=True``) and stops both cleanly.
"""

from __future__ import annotations

from types import TracebackType

from infrai_mcp.config import Settings
from infrai_mcp.engine.clock import Clock, SystemClock
from infrai_mcp.engine.store import SqliteStore, Store

DEFAULT_PROJECT = "default"


class Engine:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        clock: Clock | None = None,
        dispatch: bool = True,
        server_mode: bool = False,
    ) -> None:
        self.settings = settings or Settings.from_env()
        self.clock: Clock = clock or SystemClock()
        self.store: Store = store or open_store(self.settings)
        self.dispatch_enabled = dispatch
        # Server mode refuses private/loopback targets unless allow-listed (SSRF guard).
        self.server_mode = server_mode
        from infrai_mcp.engine.jobs import JobService
        from infrai_mcp.engine.queues import QueueService
        from infrai_mcp.engine.webhooks import WebhookService

        self.jobs = JobService(self)
        self.queues = QueueService(self)
        self.webhooks = WebhookService(self)

    async def start(self) -> None:
        await self.store.open()

    async def stop(self) -> None:
        await self.store.close()

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


def open_store(settings: Settings) -> Store:
    if settings.is_postgres:
        raise NotImplementedError("PostgreSQL store is not available yet")
    return SqliteStore(settings.sqlite_path)
