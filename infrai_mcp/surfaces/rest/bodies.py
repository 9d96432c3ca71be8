"""Request bodies of REST routes that have no single Backend request model.

They exist so the routes validate these bodies the same way as the rest (pydantic, one
readable error naming the field) and so ``/openapi.json`` can describe them.
"""

from __future__ import annotations

from pydantic import Field

from infrai_mcp.models import MAX_JOB_BATCH, CronCreate, MessageIn, Model, TaskCreate
from infrai_mcp.models.queues import MAX_BATCH, MAX_CONSUME, MAX_VISIBILITY, MAX_WAIT

QueueField = Field(min_length=1, max_length=80, description="The queue name.")


class PublishBody(MessageIn):
    queue: str = QueueField


class PublishBatchBody(Model):
    queue: str = QueueField
    messages: list[MessageIn] = Field(min_length=1, max_length=MAX_BATCH)
    idempotency_key: str | None = Field(None, min_length=1, max_length=200)


class CronBatchBody(Model):
    """cron/create_batch (the route parses each item as cron/create does, aliases included)."""

    jobs: list[CronCreate] = Field(min_length=1, max_length=MAX_JOB_BATCH)


class TaskBatchBody(Model):
    """task/schedule_batch (each item parsed as task/schedule does)."""

    tasks: list[TaskCreate] = Field(min_length=1, max_length=MAX_JOB_BATCH)


class ConsumeBody(Model):
    queue: str = QueueField
    max_messages: int = Field(1, ge=1, le=MAX_CONSUME)
    visibility_timeout: int | None = Field(None, ge=1, le=MAX_VISIBILITY)
    wait_seconds: float = Field(0, ge=0, le=MAX_WAIT, description="Long-poll up to this many seconds.")


class AckBody(Model):
    queue: str = QueueField
    message_id: str | None = Field(None, min_length=1, max_length=200)
    receipt: str | None = Field(None, min_length=1, max_length=200)
    idempotency_key: str | None = Field(None, max_length=200)


class NackBody(AckBody):
    requeue: bool = True
    error: str | None = Field(None, max_length=2000)
