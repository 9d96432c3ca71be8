"""Queue tools (seed 001 scheduling.queue.*): SQS-style queues, dead letters and push subscriptions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import (
    AckResult,
    DeadLetter,
    Deleted,
    Message,
    MessageIn,
    NackResult,
    Page,
    Published,
    Purged,
    Queue,
    QueueCreate,
    QueueUpdate,
    Record,
    Redriven,
    RedriveRequest,
    Subscription,
    SubscriptionCreate,
)

from .fields import Cursor, Idem, Limit, Payload, QueueName, Secret, build, pick
from .registry import ToolContext, ToolInput, Toolset
from .timefields import resolve_delay

queues = Toolset("queue", list_hint="queue_list")



MaxReceives = Annotated[int, Field(ge=1, le=101)]


class QueueView(Record):
    """A queue as the tools show it: ``max_receives`` instead of the seeds' ``max_retries``."""

    queue: str
    type: str
    dead_letter_queue: str | None = None
    max_receives: int
    message_retention_days: int
    visibility_timeout_default: int
    enable_priority: bool
    created_at: datetime


class QueueInfo(QueueView):
    available: int
    in_flight: int
    delayed: int
    dlq: int
    oldest_age_seconds: float | None = None


def queue_view(q: Queue) -> QueueView:
    return QueueView.model_validate({**q.model_dump(), "max_receives": q.max_retries + 1})


class QueueCreateIn(ToolInput):
    name: str = Field(description="1-80 chars: letters, digits, _ . -")
    type: Literal["standard", "fifo"] = Field("standard", description="fifo: strict order per group_id.")
    dead_letter_queue: str | None = Field(None, description="Gets messages received max_receives times.")
    max_receives: MaxReceives = Field(
        4, description="Deliveries before a message moves to the DLQ (SQS maxReceiveCount): 3 = at most 3."
    )
    message_retention_days: int = Field(4, ge=1, le=14)
    visibility_timeout_default: int = Field(30, ge=1, le=43200, description="Lease seconds for consume.")
    enable_priority: bool = False
    idempotency_key: Idem = None


@queues.tool("Create queue")
async def queue_create(ctx: ToolContext, args: QueueCreateIn) -> QueueView:
    """Create a message queue (also an agent inbox for schedule callbacks)."""
    fields = args.model_dump(exclude={"max_receives"})
    return queue_view(await ctx.backend.queue_create(build(QueueCreate, max_retries=args.max_receives - 1, **fields)))


class QueueIn(ToolInput):
    queue: QueueName


@queues.tool("Get queue", read_only=True)
async def queue_get(ctx: ToolContext, args: QueueIn) -> QueueInfo:
    """A queue's settings and counts: available, in flight, delayed, dead-lettered, age of the oldest message."""
    q, stats = await ctx.backend.queue_get(args.queue), await ctx.backend.queue_stats(args.queue)
    return QueueInfo.model_validate({**queue_view(q).model_dump(), **stats.model_dump()})


class PageIn(ToolInput):
    cursor: Cursor = None
    limit: Limit = 50


@queues.tool("List queues", read_only=True)
async def queue_list(ctx: ToolContext, args: PageIn) -> Page[QueueView]:
    """All queues, oldest first."""
    page = await ctx.backend.queue_list(cursor=args.cursor, limit=args.limit)
    return Page(items=[queue_view(q) for q in page.items], next_cursor=page.next_cursor)


class QueueUpdateIn(ToolInput):
    queue: QueueName
    dead_letter_queue: str | None = None
    max_receives: MaxReceives | None = None
    message_retention_days: int | None = Field(None, ge=1, le=14)
    visibility_timeout_default: int | None = Field(None, ge=1, le=43200)
    enable_priority: bool | None = None


@queues.tool("Update queue", destructive=True, idempotent=True)
async def queue_update(ctx: ToolContext, args: QueueUpdateIn) -> QueueView:
    """Change a queue's DLQ, max_receives, retention, lease or priority. Omitted fields stay."""
    fields = pick(args, "dead_letter_queue", "message_retention_days", "visibility_timeout_default", "enable_priority")
    if args.max_receives is not None:
        fields["max_retries"] = args.max_receives - 1
    return queue_view(await ctx.backend.queue_update(args.queue, build(QueueUpdate, **fields)))


@queues.tool("Delete queue", destructive=True, idempotent=True)
async def queue_delete(ctx: ToolContext, args: QueueIn) -> Deleted:
    """Delete a queue and its messages. Refused while it is another queue's DLQ."""
    return await ctx.backend.queue_delete(args.queue)


@queues.tool("Purge queue", destructive=True, idempotent=True)
async def queue_purge(ctx: ToolContext, args: QueueIn) -> Purged:
    """Delete every message in a queue (not its DLQ). Cannot be undone."""
    return await ctx.backend.queue_purge(args.queue)


class PublishIn(ToolInput):
    queue: QueueName
    payload: Payload = None
    messages: list[MessageIn] | None = Field(
        None, min_length=1, max_length=100, description="Instead of payload: 1-100, all or none."
    )
    delay: int | str | None = Field(None, description="Deliver later: seconds or '5 minutes'.")
    priority: int = Field(0, ge=0, le=9, description="Higher first (priority queues).")
    group_id: str | None = Field(None, description="FIFO group.")
    idempotency_key: Idem = None


class PublishedBatch(BaseModel):
    items: list[Published]


@queues.tool("Publish messages")
async def queue_publish(ctx: ToolContext, args: PublishIn) -> PublishedBatch:
    """Put one message (payload) or several (messages) on a queue; ids in input order."""
    if args.messages is not None:
        if args.payload is not None or args.delay is not None:
            raise InvalidInput("give payload (one message) or messages (several), not both", field="messages")
        items = await ctx.backend.queue_publish_batch(args.queue, args.messages, idempotency_key=args.idempotency_key)
        return PublishedBatch(items=items)
    if args.payload is None:
        raise InvalidInput('give payload (one message, e.g. {"order": 42}) or messages (several)', field="payload")
    delay = resolve_delay(args.delay, field="delay") if args.delay is not None else None
    fields = pick(args, "priority", "group_id", "idempotency_key")
    msg = build(MessageIn, payload=args.payload, delay_seconds=delay, **fields)
    return PublishedBatch(items=[await ctx.backend.queue_publish(args.queue, msg)])


class ConsumeIn(ToolInput):
    queue: QueueName
    max_messages: int = Field(1, ge=1, le=100)
    visibility_timeout: int | None = Field(None, ge=1, le=43200, description="Lease seconds; default the queue's.")
    wait_seconds: float = Field(0, ge=0, le=20, description="Wait up to this long for a message.")


class Consumed(BaseModel):
    messages: list[Message]


@queues.tool("Consume messages")
async def queue_consume(ctx: ToolContext, args: ConsumeIn) -> Consumed:
    """Lease messages for visibility_timeout seconds; queue_ack the handled ones, or queue_nack one."""
    messages = await ctx.backend.queue_consume(
        args.queue,
        max_messages=args.max_messages,
        visibility_timeout=args.visibility_timeout,
        wait_seconds=args.wait_seconds,
    )
    return Consumed(messages=messages)


class AckIn(ToolInput):
    queue: QueueName
    receipts: list[str] | None = Field(None, min_length=1, max_length=100, description="From queue_consume.")
    message_ids: list[str] | None = Field(None, min_length=1, max_length=100, description="Instead of receipts.")


class Acked(BaseModel):
    items: list[AckResult]


@queues.tool("Acknowledge messages", destructive=True, idempotent=True)
async def queue_ack(ctx: ToolContext, args: AckIn) -> Acked:
    """Delete handled messages: one result each (again: acked=false, reason)."""
    handles = [(None, r) for r in args.receipts or []] + [(m, None) for m in args.message_ids or []]
    if not handles:
        raise InvalidInput("give receipts (from queue_consume) or message_ids", field="receipts")
    return Acked(items=[await ctx.backend.queue_ack(args.queue, m, r) for m, r in handles])


class NackIn(ToolInput):
    queue: QueueName
    message_id: str | None = Field(None, description="From queue_consume.")
    receipt: str | None = Field(None, description="From queue_consume; proves the lease is yours.")
    requeue: bool = Field(True, description="true: deliver again; false: straight to the DLQ.")
    error: str | None = Field(None, max_length=2000, description="Why it failed (kept with the message).")


@queues.tool("Reject message", destructive=True)
async def queue_nack(ctx: ToolContext, args: NackIn) -> NackResult:
    """Give a consumed message back: requeue it, or dead-letter it (requeue=false)."""
    return await ctx.backend.queue_nack(
        args.queue, args.message_id, args.receipt, requeue=args.requeue, error=args.error
    )


class DlqListIn(ToolInput):
    queue: QueueName
    cursor: Cursor = None
    limit: Limit = 50


@queues.tool("List dead letters", read_only=True)
async def queue_dlq_list(ctx: ToolContext, args: DlqListIn) -> Page[DeadLetter]:
    """Messages dead-lettered after max_receives deliveries (or a nack), with their last error."""
    return await ctx.backend.queue_dlq_list(args.queue, cursor=args.cursor, limit=args.limit)


class RedriveIn(ToolInput):
    queue: QueueName
    message_id: str | None = Field(None, description="One message; omit for all.")
    since: datetime | None = Field(
        None, strict=False, description="Only messages dead-lettered at/after this ISO 8601 time."
    )
    max_messages: int = Field(1000, ge=1, le=100000)


@queues.tool("Redrive dead letters")
async def queue_dlq_redrive(ctx: ToolContext, args: RedriveIn) -> Redriven:
    """Move dead-lettered messages back to their queue for another try."""
    return await ctx.backend.queue_dlq_redrive(
        args.queue, build(RedriveRequest, **pick(args, "message_id", "since", "max_messages"))
    )


class SubscribeIn(ToolInput):
    queue: QueueName
    url: str = Field(description="http(s) URL each message is POSTed to (signed).")
    secret: Secret = None
    max_retries: int = Field(5, ge=0, le=20)
    visibility_timeout: int = Field(30, ge=1, le=43200)
    dead_letter_queue: str | None = None
    idempotency_key: Idem = None


@queues.tool("Push-subscribe URL", open_world=True)
async def queue_push_subscribe(ctx: ToolContext, args: SubscribeIn) -> Subscription:
    """POST a queue's messages to a URL as they arrive (signed, retried; 2xx acks)."""
    fields = pick(args, "url", "secret", "max_retries", "visibility_timeout", "dead_letter_queue", "idempotency_key")
    return await ctx.backend.queue_push_subscribe(args.queue, build(SubscriptionCreate, **fields))
