"""EmbeddedBackend: the Backend contract over the in-process engine, bound to one project.

Every method delegates to ``engine.<service>.<same name>(project, ...)``. The delegation is
written out method by method (no ``getattr`` forwarding) so mypy checks each signature and a
missing engine method is a type error, not a runtime surprise in the middle of a tool call.
The service protocols below are the documented engine interface (docs/ARCHITECTURE.md,
"The engine"); the engine's classes satisfy them structurally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from infrai_mcp.backends.base import DEFAULT_LIMIT, Backend
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

if TYPE_CHECKING:
    from infrai_mcp.runtime.engine import Engine

DEFAULT_PROJECT = "default"


class JobsAPI(Protocol):
    async def cron_create(self, project: str, req: CronCreate) -> CronJob: ...
    async def cron_create_batch(self, project: str, reqs: list[CronCreate]) -> list[CronJob]: ...
    async def cron_list(
        self, project: str, *, name: str | None = ..., cursor: str | None = ..., limit: int = ...
    ) -> Page[CronJob]: ...
    async def cron_get(self, project: str, cron_id: str) -> CronJob: ...
    async def cron_update(self, project: str, cron_id: str, req: CronUpdate) -> CronJob: ...
    async def cron_delete(self, project: str, cron_id: str) -> Deleted: ...
    async def cron_pause(self, project: str, cron_id: str) -> CronJob: ...
    async def cron_resume(self, project: str, cron_id: str) -> CronJob: ...
    async def cron_trigger(self, project: str, cron_id: str) -> Run: ...
    async def cron_runs_list(
        self, project: str, cron_id: str, *, cursor: str | None = ..., limit: int = ...
    ) -> Page[Run]: ...
    async def cron_run_get(self, project: str, cron_id: str, run_id: str) -> Run: ...
    async def cron_retention_get(self, project: str, cron_id: str) -> Retention: ...
    async def cron_retention_set(self, project: str, cron_id: str, retention_days: int) -> Retention: ...
    async def task_schedule(self, project: str, req: TaskCreate) -> Task: ...
    async def task_schedule_batch(self, project: str, reqs: list[TaskCreate]) -> list[Task]: ...
    async def task_get(self, project: str, task_id: str) -> Task: ...
    async def task_list(
        self, project: str, *, state: str | None = ..., cursor: str | None = ..., limit: int = ...
    ) -> Page[Task]: ...
    async def task_cancel(self, project: str, task_id: str) -> Task: ...
    async def run_list(
        self,
        project: str,
        *,
        job_id: str | None = ...,
        state: str | None = ...,
        cursor: str | None = ...,
        limit: int = ...,
    ) -> Page[Run]: ...
    async def run_get(self, project: str, run_id: str) -> Run: ...
    async def schedule_create(self, project: str, agent_id: str, req: ScheduleCreate) -> Schedule: ...
    async def schedule_list(
        self,
        project: str,
        agent_id: str | None = None,
        *,
        status: str | None = ...,
        type: str | None = ...,
        cursor: str | None = ...,
        limit: int = ...,
    ) -> Page[Schedule]: ...
    async def schedule_get(self, project: str, agent_id: str, schedule_id: str) -> Schedule: ...
    async def schedule_update(
        self, project: str, agent_id: str, schedule_id: str, req: ScheduleUpdate
    ) -> Schedule: ...
    async def schedule_delete(self, project: str, agent_id: str, schedule_id: str) -> Deleted: ...


class QueuesAPI(Protocol):
    async def queue_create(self, project: str, req: QueueCreate) -> Queue: ...
    async def queue_get(self, project: str, queue: str) -> Queue: ...
    async def queue_list(self, project: str, *, cursor: str | None = ..., limit: int = ...) -> Page[Queue]: ...
    async def queue_update(self, project: str, queue: str, req: QueueUpdate) -> Queue: ...
    async def queue_delete(self, project: str, queue: str) -> Deleted: ...
    async def queue_purge(self, project: str, queue: str) -> Purged: ...
    async def queue_stats(self, project: str, queue: str) -> QueueStats: ...
    async def queue_publish(self, project: str, queue: str, msg: MessageIn) -> Published: ...
    async def queue_publish_batch(
        self, project: str, queue: str, messages: list[MessageIn], *, idempotency_key: str | None = ...
    ) -> list[Published]: ...
    async def queue_consume(
        self,
        project: str,
        queue: str,
        *,
        max_messages: int = ...,
        visibility_timeout: int | None = ...,
        wait_seconds: float = ...,
    ) -> list[Message]: ...
    async def queue_ack(
        self, project: str, queue: str, message_id: str | None = ..., receipt: str | None = ...
    ) -> AckResult: ...
    async def queue_nack(
        self,
        project: str,
        queue: str,
        message_id: str | None = ...,
        receipt: str | None = ...,
        *,
        requeue: bool = ...,
        error: str | None = ...,
    ) -> NackResult: ...
    async def queue_dlq_list(
        self, project: str, queue: str, *, cursor: str | None = ..., limit: int = ...
    ) -> Page[DeadLetter]: ...
    async def queue_dlq_redrive(self, project: str, queue: str, req: RedriveRequest) -> Redriven: ...
    async def queue_push_subscribe(self, project: str, queue: str, req: SubscriptionCreate) -> Subscription: ...
    async def queue_push_list(self, project: str, queue: str) -> list[Subscription]: ...
    async def queue_push_unsubscribe(self, project: str, queue: str, subscription_id: str) -> Deleted: ...


class WebhooksAPI(Protocol):
    async def webhook_send(self, project: str, req: WebhookSend) -> Delivery: ...
    async def webhook_get(self, project: str, delivery_id: str) -> Delivery: ...
    async def webhook_list(
        self, project: str, *, state: str | None = ..., cursor: str | None = ..., limit: int = ...
    ) -> Page[Delivery]: ...


class EmbeddedBackend(Backend):
    """The engine in this process, seen as one project (``default`` unless told otherwise).

    The engine's lifecycle is not this class's business: whoever built the engine starts and
    stops it (the MCP command runs it inside the server's lifespan).
    """

    def __init__(self, engine: Engine, project: str = DEFAULT_PROJECT) -> None:
        self.engine = engine
        self.project = project
        # cast, not an ignore: the services satisfy these protocols structurally, and the
        # protocols pin the signatures this class relies on.
        self._jobs = cast(JobsAPI, engine.jobs)
        self._queues = cast(QueuesAPI, engine.queues)
        self._webhooks = cast(WebhooksAPI, engine.webhooks)

    # -- cron jobs ----------------------------------------------------------------------
    async def cron_create(self, req: CronCreate) -> CronJob:
        return await self._jobs.cron_create(self.project, req)

    async def cron_create_batch(self, reqs: list[CronCreate]) -> list[CronJob]:
        return await self._jobs.cron_create_batch(self.project, reqs)

    async def cron_list(
        self, *, name: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[CronJob]:
        return await self._jobs.cron_list(self.project, name=name, cursor=cursor, limit=limit)

    async def cron_get(self, cron_id: str) -> CronJob:
        return await self._jobs.cron_get(self.project, cron_id)

    async def cron_update(self, cron_id: str, req: CronUpdate) -> CronJob:
        return await self._jobs.cron_update(self.project, cron_id, req)

    async def cron_delete(self, cron_id: str) -> Deleted:
        return await self._jobs.cron_delete(self.project, cron_id)

    async def cron_pause(self, cron_id: str) -> CronJob:
        return await self._jobs.cron_pause(self.project, cron_id)

    async def cron_resume(self, cron_id: str) -> CronJob:
        return await self._jobs.cron_resume(self.project, cron_id)

    async def cron_trigger(self, cron_id: str) -> Run:
        return await self._jobs.cron_trigger(self.project, cron_id)

    async def cron_runs_list(
        self, cron_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Run]:
        return await self._jobs.cron_runs_list(self.project, cron_id, cursor=cursor, limit=limit)

    async def cron_run_get(self, cron_id: str, run_id: str) -> Run:
        return await self._jobs.cron_run_get(self.project, cron_id, run_id)

    async def cron_retention_get(self, cron_id: str) -> Retention:
        return await self._jobs.cron_retention_get(self.project, cron_id)

    async def cron_retention_set(self, cron_id: str, retention_days: int) -> Retention:
        return await self._jobs.cron_retention_set(self.project, cron_id, retention_days)

    # -- one-shot tasks and runs --------------------------------------------------------
    async def task_schedule(self, req: TaskCreate) -> Task:
        return await self._jobs.task_schedule(self.project, req)

    async def task_schedule_batch(self, reqs: list[TaskCreate]) -> list[Task]:
        return await self._jobs.task_schedule_batch(self.project, reqs)

    async def task_get(self, task_id: str) -> Task:
        return await self._jobs.task_get(self.project, task_id)

    async def task_list(
        self, *, state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Task]:
        return await self._jobs.task_list(self.project, state=state, cursor=cursor, limit=limit)

    async def task_cancel(self, task_id: str) -> Task:
        return await self._jobs.task_cancel(self.project, task_id)

    async def run_list(
        self,
        *,
        job_id: str | None = None,
        state: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[Run]:
        return await self._jobs.run_list(self.project, job_id=job_id, state=state, cursor=cursor, limit=limit)

    async def run_get(self, run_id: str) -> Run:
        return await self._jobs.run_get(self.project, run_id)

    # -- agent schedules (seed 004) -----------------------------------------------------
    async def schedule_create(self, agent_id: str, req: ScheduleCreate) -> Schedule:
        return await self._jobs.schedule_create(self.project, agent_id, req)

    async def schedule_list(
        self,
        agent_id: str | None = None,
        *,
        status: str | None = None,
        type: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[Schedule]:
        return await self._jobs.schedule_list(
            self.project, agent_id, status=status, type=type, cursor=cursor, limit=limit
        )

    async def schedule_get(self, agent_id: str, schedule_id: str) -> Schedule:
        return await self._jobs.schedule_get(self.project, agent_id, schedule_id)

    async def schedule_update(self, agent_id: str, schedule_id: str, req: ScheduleUpdate) -> Schedule:
        return await self._jobs.schedule_update(self.project, agent_id, schedule_id, req)

    async def schedule_delete(self, agent_id: str, schedule_id: str) -> Deleted:
        return await self._jobs.schedule_delete(self.project, agent_id, schedule_id)

    # -- queues --------------------------------------------------------------------------
    async def queue_create(self, req: QueueCreate) -> Queue:
        return await self._queues.queue_create(self.project, req)

    async def queue_get(self, queue: str) -> Queue:
        return await self._queues.queue_get(self.project, queue)

    async def queue_list(self, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Queue]:
        return await self._queues.queue_list(self.project, cursor=cursor, limit=limit)

    async def queue_update(self, queue: str, req: QueueUpdate) -> Queue:
        return await self._queues.queue_update(self.project, queue, req)

    async def queue_delete(self, queue: str) -> Deleted:
        return await self._queues.queue_delete(self.project, queue)

    async def queue_purge(self, queue: str) -> Purged:
        return await self._queues.queue_purge(self.project, queue)

    async def queue_stats(self, queue: str) -> QueueStats:
        return await self._queues.queue_stats(self.project, queue)

    async def queue_publish(self, queue: str, msg: MessageIn) -> Published:
        return await self._queues.queue_publish(self.project, queue, msg)

    async def queue_publish_batch(
        self, queue: str, messages: list[MessageIn], *, idempotency_key: str | None = None
    ) -> list[Published]:
        return await self._queues.queue_publish_batch(self.project, queue, messages, idempotency_key=idempotency_key)

    async def queue_consume(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        visibility_timeout: int | None = None,
        wait_seconds: float = 0,
    ) -> list[Message]:
        return await self._queues.queue_consume(
            self.project,
            queue,
            max_messages=max_messages,
            visibility_timeout=visibility_timeout,
            wait_seconds=wait_seconds,
        )

    async def queue_ack(self, queue: str, message_id: str | None = None, receipt: str | None = None) -> AckResult:
        return await self._queues.queue_ack(self.project, queue, message_id, receipt)

    async def queue_nack(
        self,
        queue: str,
        message_id: str | None = None,
        receipt: str | None = None,
        *,
        requeue: bool = True,
        error: str | None = None,
    ) -> NackResult:
        return await self._queues.queue_nack(self.project, queue, message_id, receipt, requeue=requeue, error=error)

    async def queue_dlq_list(
        self, queue: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[DeadLetter]:
        return await self._queues.queue_dlq_list(self.project, queue, cursor=cursor, limit=limit)

    async def queue_dlq_redrive(self, queue: str, req: RedriveRequest) -> Redriven:
        return await self._queues.queue_dlq_redrive(self.project, queue, req)

    async def queue_push_subscribe(self, queue: str, req: SubscriptionCreate) -> Subscription:
        return await self._queues.queue_push_subscribe(self.project, queue, req)

    async def queue_push_list(self, queue: str) -> list[Subscription]:
        return await self._queues.queue_push_list(self.project, queue)

    async def queue_push_unsubscribe(self, queue: str, subscription_id: str) -> Deleted:
        return await self._queues.queue_push_unsubscribe(self.project, queue, subscription_id)

    # -- webhooks -----------------------------------------------------------------------
    async def webhook_send(self, req: WebhookSend) -> Delivery:
        return await self._webhooks.webhook_send(self.project, req)

    async def webhook_get(self, delivery_id: str) -> Delivery:
        return await self._webhooks.webhook_get(self.project, delivery_id)

    async def webhook_list(
        self, *, state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Delivery]:
        return await self._webhooks.webhook_list(self.project, state=state, cursor=cursor, limit=limit)
