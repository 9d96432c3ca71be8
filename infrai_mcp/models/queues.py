"""Queues, messages, dead letters and push subscriptions (seed 001 scheduling.queue.*)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from infrai_mcp.models.common import AwareDatetime, HttpUrl, IdempotencyKey, Model, Payload, Record, Secret

QueueType = Literal["standard", "fifo"]
QUEUE_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$"
QueueName = str  # validated with Field(pattern=QUEUE_NAME_PATTERN) where accepted as input

MAX_BATCH = 100
MAX_CONSUME = 100
MAX_VISIBILITY = 12 * 3600
MAX_WAIT = 20


class QueueCreate(Model):
    name: str = Field(pattern=QUEUE_NAME_PATTERN, description="1-80 chars: letters, digits, _ . -")
    type: QueueType = "standard"
    dead_letter_queue: str | None = Field(None, pattern=QUEUE_NAME_PATTERN)
    max_retries: int = Field(3, ge=0, le=100)
    message_retention_days: int = Field(4, ge=1, le=14)
    visibility_timeout_default: int = Field(30, ge=1, le=MAX_VISIBILITY)
    enable_priority: bool = False
    idempotency_key: IdempotencyKey | None = None


class QueueUpdate(Model):
    dead_letter_queue: str | None = Field(None, pattern=QUEUE_NAME_PATTERN)
    max_retries: int | None = Field(None, ge=0, le=100)
    message_retention_days: int | None = Field(None, ge=1, le=14)
    visibility_timeout_default: int | None = Field(None, ge=1, le=MAX_VISIBILITY)
    enable_priority: bool | None = None


class Queue(Record):
    queue: str
    type: QueueType
    dead_letter_queue: str | None = None
    max_retries: int
    message_retention_days: int
    visibility_timeout_default: int
    enable_priority: bool
    created_at: datetime


class QueueStats(Record):
    queue: str
    available: int
    in_flight: int
    delayed: int
    dlq: int
    oldest_age_seconds: float | None = None


class MessageIn(Model):
    payload: Payload
    delay_seconds: int = Field(0, ge=0, le=15 * 60 * 96)
    priority: int = Field(0, ge=0, le=9, description="0-9, higher is delivered first (queues with enable_priority).")
    group_id: str | None = Field(None, max_length=128, description="FIFO message group.")
    idempotency_key: IdempotencyKey | None = None


class Published(Record):
    message_id: str
    duplicate: bool = False
    # What the queue did not honour in this message (a priority it ignores), with how to get
    # it honoured. Left out of the output when empty, so the usual shape is unchanged.
    warnings: list[str] = Field(default=[], exclude_if=lambda v: not v)


class Message(Record):
    message_id: str
    queue: str
    payload: Any = None
    priority: int = 0
    group_id: str | None = None
    receive_count: int = 0
    receipt: str | None = None
    enqueued_at: datetime
    visible_at: datetime | None = None


class DeadLetter(Message):
    source_queue: str
    dead_lettered_at: datetime
    last_error: str | None = None


class AckResult(Record):
    message_id: str
    acked: bool
    reason: str | None = None  # why acked is false: a repeat ack, or a message already gone


class NackResult(Record):
    message_id: str
    nacked: bool
    requeued: bool
    dead_lettered: bool = False


class RedriveRequest(Model):
    message_id: str | None = None
    since: AwareDatetime | None = None
    max_messages: int = Field(1000, ge=1, le=100000)


class Redriven(Record):
    queue: str
    redriven: int


class Purged(Record):
    queue: str
    purged: int


class SubscriptionCreate(Model):
    url: HttpUrl
    secret: Secret | None = None
    max_retries: int = Field(5, ge=0, le=20)
    visibility_timeout: int = Field(30, ge=1, le=MAX_VISIBILITY)
    dead_letter_queue: str | None = Field(None, pattern=QUEUE_NAME_PATTERN)
    idempotency_key: IdempotencyKey | None = None


class Subscription(Record):
    subscription_id: str
    queue: str
    url: str
    max_retries: int
    visibility_timeout: int
    dead_letter_queue: str | None = None
    has_secret: bool = False
    created_at: datetime
