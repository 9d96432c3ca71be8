"""Agent schedules (seed 004): once / delayed / cron, with a url, queue or workflow callback."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field, model_validator

from infrai_mcp.models.common import AwareDatetime, Headers, HttpUrl, Method, Model, Name, Payload, Record

ScheduleType = Literal["once", "delayed", "cron"]
ScheduleStatus = Literal["active", "paused", "completed"]
CallbackType = Literal["url", "queue", "workflow"]
ExecutionStatus = Literal["pending", "running", "success", "failed"]
AgentId = str


class CallbackFields(Model):
    callback_type: CallbackType = "url"
    callback_id: str | None = Field(
        None, max_length=200, description="Queue name (callback_type=queue) or workflow id (callback_type=workflow)."
    )
    callback_url: HttpUrl | None = Field(None, description="Target URL (callback_type=url).")
    callback_method: Method = "POST"
    callback_headers: Headers = None
    payload: Payload = None

    def check_callback(self) -> None:
        if self.callback_type == "url" and not self.callback_url:
            raise ValueError("callback_type 'url' needs callback_url")
        if self.callback_type in ("queue", "workflow") and not self.callback_id:
            raise ValueError(f"callback_type '{self.callback_type}' needs callback_id")


class ScheduleCreate(CallbackFields):
    name: Name
    type: ScheduleType
    cron_expression: str | None = None
    next_run: AwareDatetime | None = None
    delay_seconds: int | None = Field(None, ge=0, le=366 * 86400)
    timezone: str = "UTC"
    status: Literal["active", "paused"] = "active"

    @model_validator(mode="after")
    def _consistent(self) -> ScheduleCreate:
        need = {"cron": "cron_expression", "once": "next_run", "delayed": "delay_seconds"}[self.type]
        if getattr(self, need) is None:
            raise ValueError(f"type '{self.type}' needs {need}")
        self.check_callback()
        return self


class ScheduleUpdate(Model):
    name: Name | None = None
    cron_expression: str | None = None
    next_run: AwareDatetime | None = None
    delay_seconds: int | None = Field(None, ge=0, le=366 * 86400)
    timezone: str | None = None
    status: Literal["active", "paused"] | None = None
    callback_type: CallbackType | None = None
    callback_id: str | None = Field(None, max_length=200)
    callback_url: HttpUrl | None = None
    callback_method: Method | None = None
    callback_headers: Headers = None
    payload: Payload = None


class Execution(Record):
    id: str
    executed_at: datetime
    status: ExecutionStatus
    run_id: str | None = None
    error: str | None = None


class Schedule(Record):
    id: str
    agent_id: str
    name: str
    type: ScheduleType
    cron_expression: str | None = None
    timezone: str = "UTC"
    delay_seconds: int | None = None
    description: str | None = None
    next_run: datetime | None = None
    last_run: datetime | None = None
    callback_type: CallbackType
    callback_id: str | None = None
    callback_url: str | None = None
    callback_method: str = "POST"
    payload: Any = None
    status: ScheduleStatus
    created_at: datetime
    updated_at: datetime | None = None
    executions: list[Execution] | None = None
