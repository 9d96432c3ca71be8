"""Outbound webhooks (seed 001 scheduling.webhook.send): one signed, retried request now."""

from __future__ import annotations

from pydantic import Field

from infrai_mcp.models import Delivery, WebhookSend

from .fields import Headers, Idem, Method, Payload, Retries, Secret, Url, build, pick
from .registry import ToolContext, ToolInput, Toolset
from .views import DeliveryRef, short

webhooks = Toolset("webhook")


class WebhookSendIn(ToolInput):
    url: Url
    payload: Payload = None
    method: Method = "POST"
    headers: Headers = None
    secret: Secret = None
    retries: Retries = 3
    timeout_seconds: int = Field(30, ge=1, le=900, description="Per attempt.")
    idempotency_key: Idem = None


@webhooks.tool("Send webhook", open_world=True)
async def webhook_send(ctx: ToolContext, args: WebhookSendIn) -> DeliveryRef:
    """Use for one HTTP request now: signed (Standard Webhooks), retried on network errors, 408, 429 and 5xx.
    Answers at once; then webhook_get."""
    fields = pick(args, "url", "payload", "method", "headers", "secret", "retries", "timeout_seconds",
                  "idempotency_key")
    return short(DeliveryRef, await ctx.backend.webhook_send(build(WebhookSend, **fields)))


class DeliveryIn(ToolInput):
    delivery_id: str = Field(description="dlv_... id")


@webhooks.tool("Get webhook delivery", read_only=True)
async def webhook_get(ctx: ToolContext, args: DeliveryIn) -> Delivery:
    """A delivery's state (pending, delivering, succeeded, failed) and every attempt."""
    return await ctx.backend.webhook_get(args.delivery_id)
