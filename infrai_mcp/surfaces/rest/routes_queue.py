"""Queues under ``/v1/scheduling/queue/...`` (seed 001), plus push_list/push_unsubscribe (ours).

Bodies of routes whose path names the queue may repeat ``queue`` (the seed examples do);
the path wins and the body's copy is ignored.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import MessageIn, QueueCreate, QueueUpdate, RedriveRequest, SubscriptionCreate
from infrai_mcp.surfaces.rest.bodies import AckBody, ConsumeBody, NackBody, PublishBatchBody, PublishBody
from infrai_mcp.surfaces.rest.common import (
    JSON,
    action_body,
    backend,
    drop,
    dump,
    ok,
    page_args,
    parse,
    read_json,
    take_alias,
)
from infrai_mcp.surfaces.rest.spec import BOOL, PAGE_QUERY, STR, Registry, obj, page_of, ref
from infrai_mcp.surfaces.rest.views import deleted_view, page_view, view, views

registry = Registry("queues")
Q = "/v1/scheduling/queue"
QUEUE_EXTRA: dict[str, JSON] = {"queue": STR, "idempotency_key": STR}


async def _body_for(request: Request) -> JSON:
    data = await read_json(request)
    drop(data, "queue")
    return data


def _queue(request: Request) -> str:
    return str(request.path_params["queue"])


@registry.op("POST", f"{Q}/create", summary="Create a queue (standard or FIFO, optional DLQ)", body=QueueCreate,
             body_extra={"queue": {"type": "string", "description": "Alias of name."}}, body_required=True,
             response=ref("Queue"))
async def queue_create(request: Request) -> JSONResponse:
    data = await read_json(request)
    take_alias(data, "name", "queue")
    return ok(view(await backend(request).queue_create(parse(QueueCreate, data))))


@registry.op("GET", f"{Q}/get/{{queue}}", summary="Get a queue's configuration", response=ref("Queue"))
async def queue_get(request: Request) -> JSONResponse:
    return ok(view(await backend(request).queue_get(_queue(request))))


@registry.op("GET", f"{Q}/list", summary="List queues", query=PAGE_QUERY, response=page_of("Queue"))
async def queue_list(request: Request) -> JSONResponse:
    cursor, limit = page_args(request)
    return ok(page_view(await backend(request).queue_list(cursor=cursor, limit=limit)))


@registry.op("PATCH", f"{Q}/update/{{queue}}", summary="Update a queue's DLQ, retries, retention, lease",
             body=QueueUpdate, body_extra=QUEUE_EXTRA, response=ref("Queue"))
async def queue_update(request: Request) -> JSONResponse:
    data = await _body_for(request)
    drop(data, "idempotency_key")
    return ok(view(await backend(request).queue_update(_queue(request), parse(QueueUpdate, data))))


@registry.op("DELETE", f"{Q}/delete/{{queue}}", summary="Delete a queue (409 while it is another queue's DLQ)",
             body_extra=QUEUE_EXTRA, response=obj({"queue": STR, "id": STR, "deleted": BOOL}))
async def queue_delete(request: Request) -> JSONResponse:
    await action_body(request, QUEUE_EXTRA)
    return ok(deleted_view(await backend(request).queue_delete(_queue(request)), "queue"))


@registry.op("POST", f"{Q}/purge/{{queue}}", summary="Delete every message of a queue", body_extra=QUEUE_EXTRA,
             response=ref("Purged"))
async def queue_purge(request: Request) -> JSONResponse:
    await action_body(request, QUEUE_EXTRA)
    return ok(dump(await backend(request).queue_purge(_queue(request))))


@registry.op("GET", f"{Q}/stats/{{queue}}", summary="Available, in-flight, delayed and dead-lettered counts",
             response=ref("QueueStats"))
async def queue_stats(request: Request) -> JSONResponse:
    return ok(dump(await backend(request).queue_stats(_queue(request))))


@registry.op("POST", f"{Q}/publish", summary="Publish one message (idempotent with idempotency_key)",
             body=PublishBody, body_required=True, response=ref("Published"))
async def queue_publish(request: Request) -> JSONResponse:
    body = parse(PublishBody, await read_json(request))
    msg = MessageIn.model_validate(body.model_dump(exclude={"queue"}))
    return ok(view(await backend(request).queue_publish(body.queue, msg)))


@registry.op("POST", f"{Q}/publish_batch", summary="Publish up to 100 messages, all or nothing",
             body=PublishBatchBody, body_required=True,
             response=obj({"message_ids": {"type": "array", "items": STR},
                           "items": {"type": "array", "items": ref("Published")}}))
async def queue_publish_batch(request: Request) -> JSONResponse:
    body = parse(PublishBatchBody, await read_json(request))
    published = await backend(request).queue_publish_batch(
        body.queue, body.messages, idempotency_key=body.idempotency_key
    )
    return ok({"message_ids": [p.message_id for p in published], "items": views(published)})


@registry.op("POST", f"{Q}/consume", summary="Lease up to max_messages messages for visibility_timeout seconds",
             body=ConsumeBody, body_required=True,
             response=obj({"messages": {"type": "array", "items": ref("Message")}}))
async def queue_consume(request: Request) -> JSONResponse:
    body = parse(ConsumeBody, await read_json(request))
    messages = await backend(request).queue_consume(
        body.queue, max_messages=body.max_messages, visibility_timeout=body.visibility_timeout,
        wait_seconds=body.wait_seconds,
    )
    return ok({"messages": views(messages)})


def _one_of_ids(body: AckBody) -> None:
    if not body.message_id and not body.receipt:
        raise InvalidInput("give message_id or receipt (both come with each consumed message)", field="message_id")


@registry.op("POST", f"{Q}/ack", summary="Acknowledge (delete) a consumed message", body=AckBody,
             body_required=True, response=ref("AckResult"))
async def queue_ack(request: Request) -> JSONResponse:
    body = parse(AckBody, await read_json(request))
    _one_of_ids(body)
    return ok(dump(await backend(request).queue_ack(body.queue, body.message_id, body.receipt)))


@registry.op("POST", f"{Q}/nack", summary="Requeue a consumed message, or dead-letter it with requeue=false",
             body=NackBody, body_required=True, response=ref("NackResult"))
async def queue_nack(request: Request) -> JSONResponse:
    body = parse(NackBody, await read_json(request))
    _one_of_ids(body)
    result = await backend(request).queue_nack(
        body.queue, body.message_id, body.receipt, requeue=body.requeue, error=body.error
    )
    return ok(dump(result))


@registry.op("GET", f"{Q}/dlq/list/{{queue}}", summary="List a queue's dead letters", query=PAGE_QUERY,
             response=page_of("DeadLetter"))
async def queue_dlq_list(request: Request) -> JSONResponse:
    cursor, limit = page_args(request)
    return ok(page_view(await backend(request).queue_dlq_list(_queue(request), cursor=cursor, limit=limit)))


@registry.op("POST", f"{Q}/dlq/redrive/{{queue}}", summary="Move dead letters back to the queue",
             body=RedriveRequest, body_extra=QUEUE_EXTRA, response=ref("Redriven"))
async def queue_dlq_redrive(request: Request) -> JSONResponse:
    data = await _body_for(request)
    drop(data, "idempotency_key")
    return ok(dump(await backend(request).queue_dlq_redrive(_queue(request), parse(RedriveRequest, data))))


@registry.op("POST", f"{Q}/push_subscribe/{{queue}}", summary="Push the queue's messages to a URL",
             body=SubscriptionCreate, body_extra={"queue": STR, "forward_to": {"type": "string",
                                                                               "description": "Alias of url."}},
             body_required=True, response=ref("Subscription"))
async def queue_push_subscribe(request: Request) -> JSONResponse:
    data = await _body_for(request)
    take_alias(data, "url", "forward_to")
    req = parse(SubscriptionCreate, data)
    return ok(view(await backend(request).queue_push_subscribe(_queue(request), req)))


@registry.op("GET", f"{Q}/push_list/{{queue}}", summary="List a queue's push subscriptions (extension)",
             response=obj({"items": {"type": "array", "items": ref("Subscription")}}))
async def queue_push_list(request: Request) -> JSONResponse:
    return ok({"items": views(await backend(request).queue_push_list(_queue(request)))})


@registry.op("DELETE", f"{Q}/push_unsubscribe/{{queue}}/{{subscription_id}}",
             summary="Remove a push subscription (extension)",
             response=obj({"subscription_id": STR, "id": STR, "deleted": BOOL}))
async def queue_push_unsubscribe(request: Request) -> JSONResponse:
    result = await backend(request).queue_push_unsubscribe(_queue(request), request.path_params["subscription_id"])
    return ok(deleted_view(result, "subscription_id"))
