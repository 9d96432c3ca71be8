"""Outbound webhook deliveries (seed 000/001 scheduling.webhook.send)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from infrai_mcp.models.common import Headers, HttpUrl, IdempotencyKey, Method, Model, Payload, Record, Secret
from infrai_mcp.models.jobs import Attempt

DeliveryState = Literal["pending", "delivering", "succeeded", "failed"]


class WebhookSend(Model):
    url: HttpUrl
    payload: Payload = None
    method: Method = "POST"
    headers: Headers = None
    secret: Secret | None = None
    retries: int = Field(3, ge=0, le=10)
    timeout_seconds: int = Field(30, ge=1, le=900)
    idempotency_key: IdempotencyKey | None = None


class Delivery(Record):
    delivery_id: str
    url: str
    state: DeliveryState
    attempts: list[Attempt] = []
    response_status: int | None = None
    error: str | None = None
    webhook_id: str
    created_at: datetime
    finished_at: datetime | None = None
