"""The SDK's namespaces (``infra.cron``, ``infra.task``, ``infra.run``, ``infra.queue``,
``infra.webhook``), each method written once for the sync and the async client.

A method checks and normalises its arguments at once (the REST routes' own body rules, so
``task`` means the same thing here as in ``POST /v1/scheduling/cron``: a URL, or a queue name),
then hands an operation on a ``Backend`` to the client's ``call``. The sync client runs it
and returns the dict; the async client returns an awaitable of it. Results are shaped by the
REST views: the dicts a ``/v1/scheduling`` response carries in ``data``, seed aliases included
(``job["id"]`` and ``job["cron_id"]``, ``msg["id"]`` and ``msg["message_id"]``).
"""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from infrai_mcp.backends.base import DEFAULT_LIMIT, Backend
from infrai_mcp.models import (
    CronCreate,
    CronUpdate,
    MessageIn,
    QueueCreate,
    QueueUpdate,
    RedriveRequest,
    SubscriptionCreate,
    TaskCreate,
    WebhookSend,
)
from infrai_mcp.surfaces.rest.common import JSON, dump, parse
from infrai_mcp.surfaces.rest.routes_cron import cron_body, target_body
from infrai_mcp.surfaces.rest.views import deleted_view, page_view, view, views

R = TypeVar("R", covariant=True)
T = TypeVar("T")
Op = Callable[[Backend], Awaitable[JSON]]


class Call(Protocol[R]):
    """Runs an operation on the client's backend: returns its dict (sync) or an awaitable (async)."""

    def __call__(self, op: Op) -> R: ...


async def _shaped(shape: Callable[[T], JSON], result: Awaitable[T]) -> JSON:
    return shape(await result)


def _given(**fields: Any) -> JSON:
    """The arguments a caller gave (None means "not given", so the model's default applies)."""
    return {k: v for k, v in fields.items() if v is not None}


def _record(record: BaseModel) -> JSON:
    return view(record)  # type: ignore[arg-type]  # every record the SDK returns has a view


class Part(Generic[R]):
    def __init__(self, call: Call[R]) -> None:
        self._call = call


class Cron(Part[R]):
    """Cron jobs (seed 001 ``scheduling.cron.*``): each fire sends a request to a URL or
    publishes to a queue (docs/QUEUES.md, "Jobs that publish")."""

    def create(
        self, cron_expr: str, task: str, *, name: str | None = None, timezone: str = "UTC", retry: int = 3,
        timeout_seconds: int = 300, payload: Any = None, idempotency_key: str | None = None, **options: Any,
    ) -> R:
        """``task``: a URL (``https://...``) or a queue name. ``options``: any other field of
        ``POST /v1/scheduling/cron`` (method, headers, secret, overlap_policy, max_runs, ...)."""
        body = _given(cron_expr=cron_expr, task=task, name=name, timezone=timezone, retry=retry,
                      timeout_seconds=timeout_seconds, payload=payload, idempotency_key=idempotency_key)
        req = parse(CronCreate, cron_body({**options, **body}))
        return self._call(lambda b: _shaped(_record, b.cron_create(req)))

    def list(self, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> R:
        return self._call(lambda b: _shaped(page_view, b.cron_list(cursor=cursor, limit=limit)))

    def get(self, cron_id: str) -> R:
        return self._call(lambda b: _shaped(_record, b.cron_get(cron_id)))

    def update(self, cron_id: str, **fields: Any) -> R:
        """Any field of ``PATCH /v1/scheduling/cron/update/{id}`` (cron_expr, task, payload, ...)."""
        req = parse(CronUpdate, cron_body(dict(fields)))
        return self._call(lambda b: _shaped(_record, b.cron_update(cron_id, req)))

    def delete(self, cron_id: str) -> R:
        return self._call(lambda b: _shaped(lambda d: deleted_view(d, "cron_id"), b.cron_delete(cron_id)))

    def pause(self, cron_id: str) -> R:
        return self._call(lambda b: _shaped(_record, b.cron_pause(cron_id)))

    def resume(self, cron_id: str) -> R:
        return self._call(lambda b: _shaped(_record, b.cron_resume(cron_id)))

    def trigger(self, cron_id: str) -> R:
        """Fire once now (also when paused); the run, whose outcome ``runs``/``run`` show."""
        return self._call(lambda b: _shaped(_record, b.cron_trigger(cron_id)))

    def runs(self, cron_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> R:
        return self._call(lambda b: _shaped(page_view, b.cron_runs_list(cron_id, cursor=cursor, limit=limit)))

    def run(self, cron_id: str, run_id: str) -> R:
        return self._call(lambda b: _shaped(_record, b.cron_run_get(cron_id, run_id)))

    def retention(self, cron_id: str, retention_days: int | None = None) -> R:
        """Days of run history kept; with ``retention_days``, set them."""
        if retention_days is None:
            return self._call(lambda b: _shaped(dump, b.cron_retention_get(cron_id)))
        return self._call(lambda b: _shaped(dump, b.cron_retention_set(cron_id, retention_days)))


class Task(Part[R]):
    """One-shot tasks (seed 001 ``scheduling.task.schedule``)."""

    def schedule(
        self, task: str, run_at: datetime | str | None = None, *, delay_seconds: int | None = None,
        name: str | None = None, payload: Any = None, retry: int | None = None, timeout_seconds: int | None = None,
        idempotency_key: str | None = None, **options: Any,
    ) -> R:
        """``task``: a URL or a queue name; ``run_at`` (ISO 8601 with offset, or an aware
        datetime) or ``delay_seconds``."""
        when = run_at.isoformat() if isinstance(run_at, datetime) else run_at
        body = _given(task=task, run_at=when, delay_seconds=delay_seconds, name=name, payload=payload, retry=retry,
                      timeout_seconds=timeout_seconds, idempotency_key=idempotency_key)
        req = parse(TaskCreate, target_body({**options, **body}))
        return self._call(lambda b: _shaped(_record, b.task_schedule(req)))

    def get(self, task_id: str) -> R:
        return self._call(lambda b: _shaped(_record, b.task_get(task_id)))

    def list(self, *, state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> R:
        return self._call(lambda b: _shaped(page_view, b.task_list(state=state, cursor=cursor, limit=limit)))

    def cancel(self, task_id: str) -> R:
        return self._call(lambda b: _shaped(_record, b.task_cancel(task_id)))


class Run(Part[R]):
    """Every run of the project (cron jobs, tasks, agent schedules), newest first."""

    def list(
        self, *, job_id: str | None = None, state: str | None = None, cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> R:
        return self._call(lambda b: _shaped(page_view, b.run_list(job_id=job_id, state=state, cursor=cursor,
                                                                  limit=limit)))

    def get(self, run_id: str) -> R:
        return self._call(lambda b: _shaped(_record, b.run_get(run_id)))


class Queue(Part[R]):
    """Queues (seed 001 ``scheduling.queue.*``). ``listen`` is on the clients (sync and async)."""

    def create(self, name: str, **settings: Any) -> R:
        """``settings``: type, dead_letter_queue, max_retries, visibility_timeout_default, ..."""
        req = parse(QueueCreate, {**settings, "name": name})
        return self._call(lambda b: _shaped(_record, b.queue_create(req)))

    def get(self, queue: str) -> R:
        return self._call(lambda b: _shaped(_record, b.queue_get(queue)))

    def list(self, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> R:
        return self._call(lambda b: _shaped(page_view, b.queue_list(cursor=cursor, limit=limit)))

    def update(self, queue: str, **settings: Any) -> R:
        req = parse(QueueUpdate, dict(settings))
        return self._call(lambda b: _shaped(_record, b.queue_update(queue, req)))

    def delete(self, queue: str) -> R:
        return self._call(lambda b: _shaped(lambda d: deleted_view(d, "queue"), b.queue_delete(queue)))

    def purge(self, queue: str) -> R:
        return self._call(lambda b: _shaped(dump, b.queue_purge(queue)))

    def stats(self, queue: str) -> R:
        return self._call(lambda b: _shaped(dump, b.queue_stats(queue)))

    def publish(
        self, queue: str, payload: Any, *, delay_seconds: int | None = None, idempotency_key: str | None = None,
        priority: int | None = None, group_id: str | None = None,
    ) -> R:
        """``{"message_id", ...}``; an unknown queue is created (``warnings`` says so)."""
        msg = parse(MessageIn, {"payload": payload, **_given(delay_seconds=delay_seconds, priority=priority,
                                                             group_id=group_id, idempotency_key=idempotency_key)})
        return self._call(lambda b: _shaped(_record, b.queue_publish(queue, msg)))

    def publish_batch(self, queue: str, messages: builtins.list[Any], *, idempotency_key: str | None = None) -> R:
        """``messages``: dicts as ``publish`` takes them (``{"payload": ..., "delay_seconds": ...}``)."""
        parsed = [parse(MessageIn, m) for m in messages]

        def shape(published: builtins.list[Any]) -> JSON:
            return {"message_ids": [p.message_id for p in published], "items": views(published)}

        return self._call(lambda b: _shaped(shape, b.queue_publish_batch(queue, parsed,
                                                                         idempotency_key=idempotency_key)))

    def consume(
        self, queue: str, *, max_messages: int = 1, visibility_timeout: int | None = None, wait_seconds: float = 0,
    ) -> R:
        """``{"messages": [...]}``, each leased for ``visibility_timeout`` seconds with a ``receipt``."""
        return self._call(lambda b: _shaped(lambda ms: {"messages": views(ms)}, b.queue_consume(
            queue, max_messages=max_messages, visibility_timeout=visibility_timeout, wait_seconds=wait_seconds)))

    def ack(self, queue: str, message_id: str | None = None, *, receipt: str | None = None) -> R:
        return self._call(lambda b: _shaped(dump, b.queue_ack(queue, message_id, receipt)))

    def nack(
        self, queue: str, message_id: str | None = None, *, receipt: str | None = None, requeue: bool = True,
        error: str | None = None,
    ) -> R:
        return self._call(lambda b: _shaped(dump, b.queue_nack(queue, message_id, receipt, requeue=requeue,
                                                               error=error)))

    def dlq_list(self, queue: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> R:
        return self._call(lambda b: _shaped(page_view, b.queue_dlq_list(queue, cursor=cursor, limit=limit)))

    def dlq_redrive(self, queue: str, *, message_id: str | None = None, since: datetime | str | None = None,
                    max_messages: int | None = None) -> R:
        req = parse(RedriveRequest, _given(message_id=message_id, since=since, max_messages=max_messages))
        return self._call(lambda b: _shaped(dump, b.queue_dlq_redrive(queue, req)))

    def push_subscribe(self, queue: str, url: str, **settings: Any) -> R:
        req = parse(SubscriptionCreate, {**settings, "url": url})
        return self._call(lambda b: _shaped(_record, b.queue_push_subscribe(queue, req)))


class Webhook(Part[R]):
    """Signed outbound webhooks with retries (seed 001 ``scheduling.webhook.send``)."""

    def send(self, url: str, payload: Any = None, **options: Any) -> R:
        """``{"delivery_id", "state", ...}`` at once; delivery goes on in the background.
        ``options``: method, headers, secret, retries, timeout_seconds, idempotency_key."""
        req = parse(WebhookSend, {**options, "url": url, "payload": payload})
        return self._call(lambda b: _shaped(dump, b.webhook_send(req)))

    def get(self, delivery_id: str) -> R:
        return self._call(lambda b: _shaped(dump, b.webhook_get(delivery_id)))

    def list(self, *, state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> R:
        def shape(page: Any) -> JSON:
            return {"items": [dump(d) for d in page.items], "next_cursor": page.next_cursor}

        return self._call(lambda b: _shaped(shape, b.webhook_list(state=state, cursor=cursor, limit=limit)))
