"""The Backend seam: one async method per capability of the seeds.

Every surface (MCP tools, REST routes, CLI) talks to a Backend, never to the engine or
HTTP directly. Implementations:

- ``EmbeddedBackend``: calls the in-process engine, bound to one project.
- ``RemoteBackend``: httpx client for any server speaking the REST contract.

Contract (one place, every implementation must honour it; ``tests/backends`` runs one
suite against all of them):

- Inputs arrive as validated request models (``infrai_mcp.models``); times are exact
  (cron strings + IANA zone, aware UTC datetimes, integer seconds). Plain-language
  phrases are resolved by the caller with ``infrai_mcp.when`` before reaching here.
- Errors are ``infrai_mcp.core.errors`` exceptions: ``InvalidInput`` (names the field),
  ``NotFound`` (unknown id or another project's id; the message says which list call
  shows valid ids), ``Conflict``, ``PayloadTooLarge``, ``StoreUnavailable``. A call that
  raises has changed nothing.
- ``idempotency_key`` on a create returns the record created first with that key.
- Lists are ordered by creation (oldest first) and paginated by an opaque ``cursor``;
  ``limit`` is 1..500 (default 50).
- Records never contain secrets (``has_secret`` says whether one is set; credential
  headers are masked).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from infrai_mcp.models import (
    AckResult,
    CronCreate,
    CronJob,
    CronUpdate,
    DeadLetter,
    Deleted,
    Delivery,
    Message,
    MessageIn,
    NackResult,
    Page,
    Published,
    Purged,
    Queue,
    QueueCreate,
    QueueStats,
    QueueUpdate,
    Redriven,
    RedriveRequest,
    Retention,
    Run,
    Schedule,
    ScheduleCreate,
    ScheduleUpdate,
    Subscription,
    SubscriptionCreate,
    Task,
    TaskCreate,
    WebhookSend,
)

DEFAULT_LIMIT = 50


class Backend(ABC):
    """See the module docstring for the contract."""

    # -- cron jobs ----------------------------------------------------------------------
    @abstractmethod
    async def cron_create(self, req: CronCreate) -> CronJob: ...
    @abstractmethod
    async def cron_create_batch(self, reqs: list[CronCreate]) -> list[CronJob]:
        """1-1000 cron jobs in one transaction, all or nothing; an error names ``jobs[i].field``."""
    @abstractmethod
    async def cron_list(
        self, *, name: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[CronJob]:
        """Oldest first; ``name``: only jobs whose name contains it (any case)."""
    @abstractmethod
    async def cron_get(self, cron_id: str) -> CronJob: ...
    @abstractmethod
    async def cron_update(self, cron_id: str, req: CronUpdate) -> CronJob: ...
    @abstractmethod
    async def cron_delete(self, cron_id: str) -> Deleted:
        """Idempotent: deleting an already-deleted job of this project answers deleted=True."""
    @abstractmethod
    async def cron_pause(self, cron_id: str) -> CronJob: ...
    @abstractmethod
    async def cron_resume(self, cron_id: str) -> CronJob:
        """Continues from now: the next fire is computed from the current time, no burst."""
    @abstractmethod
    async def cron_trigger(self, cron_id: str) -> Run:
        """An immediate run (trigger='manual'); works on paused jobs too."""
    @abstractmethod
    async def cron_runs_list(
        self, cron_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Run]:
        """Newest first."""
    @abstractmethod
    async def cron_run_get(self, cron_id: str, run_id: str) -> Run:
        """With ``attempt_log`` filled."""
    @abstractmethod
    async def cron_retention_get(self, cron_id: str) -> Retention: ...
    @abstractmethod
    async def cron_retention_set(self, cron_id: str, retention_days: int) -> Retention: ...

    # -- one-shot tasks and runs --------------------------------------------------------
    @abstractmethod
    async def task_schedule(self, req: TaskCreate) -> Task: ...
    @abstractmethod
    async def task_schedule_batch(self, reqs: list[TaskCreate]) -> list[Task]:
        """1-1000 tasks in one transaction, all or nothing; an error names ``tasks[i].field``."""
    @abstractmethod
    async def task_get(self, task_id: str) -> Task: ...
    @abstractmethod
    async def task_list(
        self, *, state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Task]: ...
    @abstractmethod
    async def task_cancel(self, task_id: str) -> Task:
        """Only a scheduled task can be cancelled; a finished one raises Conflict."""
    @abstractmethod
    async def run_list(
        self,
        *,
        job_id: str | None = None,
        state: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[Run]:
        """Every run of the project (cron, task, schedule), newest first."""
    @abstractmethod
    async def run_get(self, run_id: str) -> Run: ...

    # -- agent schedules (seed 004) -----------------------------------------------------
    @abstractmethod
    async def schedule_create(self, agent_id: str, req: ScheduleCreate) -> Schedule: ...
    @abstractmethod
    async def schedule_list(
        self,
        agent_id: str | None = None,
        *,
        status: str | None = None,
        type: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[Schedule]:
        """One agent's schedules, or every agent's when ``agent_id`` is None (oldest first)."""
    @abstractmethod
    async def schedule_get(self, agent_id: str, schedule_id: str) -> Schedule:
        """With ``executions`` (newest first, at most 50)."""
    @abstractmethod
    async def schedule_update(self, agent_id: str, schedule_id: str, req: ScheduleUpdate) -> Schedule: ...
    @abstractmethod
    async def schedule_delete(self, agent_id: str, schedule_id: str) -> Deleted: ...

    # -- queues --------------------------------------------------------------------------
    @abstractmethod
    async def queue_create(self, req: QueueCreate) -> Queue: ...
    @abstractmethod
    async def queue_get(self, queue: str) -> Queue: ...
    @abstractmethod
    async def queue_list(self, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Queue]: ...
    @abstractmethod
    async def queue_update(self, queue: str, req: QueueUpdate) -> Queue: ...
    @abstractmethod
    async def queue_delete(self, queue: str) -> Deleted:
        """Conflict when the queue is another queue's DLQ."""
    @abstractmethod
    async def queue_purge(self, queue: str) -> Purged: ...
    @abstractmethod
    async def queue_stats(self, queue: str) -> QueueStats: ...
    @abstractmethod
    async def queue_publish(self, queue: str, msg: MessageIn) -> Published: ...
    @abstractmethod
    async def queue_publish_batch(
        self, queue: str, messages: list[MessageIn], *, idempotency_key: str | None = None
    ) -> list[Published]:
        """All-or-nothing; ids in input order."""
    @abstractmethod
    async def queue_consume(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        visibility_timeout: int | None = None,
        wait_seconds: float = 0,
    ) -> list[Message]: ...
    @abstractmethod
    async def queue_ack(self, queue: str, message_id: str | None = None, receipt: str | None = None) -> AckResult:
        """Conflict when the lease is stale (the message was re-delivered since)."""
    @abstractmethod
    async def queue_nack(
        self,
        queue: str,
        message_id: str | None = None,
        receipt: str | None = None,
        *,
        requeue: bool = True,
        error: str | None = None,
    ) -> NackResult: ...
    @abstractmethod
    async def queue_dlq_list(
        self, queue: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[DeadLetter]: ...
    @abstractmethod
    async def queue_dlq_redrive(self, queue: str, req: RedriveRequest) -> Redriven: ...
    @abstractmethod
    async def queue_push_subscribe(self, queue: str, req: SubscriptionCreate) -> Subscription: ...
    @abstractmethod
    async def queue_push_list(self, queue: str) -> list[Subscription]: ...
    @abstractmethod
    async def queue_push_unsubscribe(self, queue: str, subscription_id: str) -> Deleted: ...

    # -- webhooks -----------------------------------------------------------------------
    @abstractmethod
    async def webhook_send(self, req: WebhookSend) -> Delivery: ...
    @abstractmethod
    async def webhook_get(self, delivery_id: str) -> Delivery: ...
    @abstractmethod
    async def webhook_list(
        self, *, state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Delivery]:
        """The project's deliveries, newest first; ``state``: pending, delivering, succeeded, failed."""

    # -- lifecycle ----------------------------------------------------------------------
    async def aclose(self) -> None:
        """Release connections; the default does nothing."""

    @staticmethod
    def now() -> datetime:
        from infrai_mcp.models import utcnow

        return utcnow()
