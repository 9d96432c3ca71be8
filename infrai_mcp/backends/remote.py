"""RemoteBackend: the Backend contract over HTTP, against any server speaking docs/REST.md.

Used by the MCP server when ``INFRAI_BASE_URL`` (and ``INFRAI_API_KEY``) are set. Requests
go to the seed routes (001 ``/v1/scheduling/...``, 004 ``/api/agents/...``) and to our few
extensions in the same style. An error envelope becomes the same ``infrai_mcp.core.errors``
exception the embedded backend raises (by ``code``, else by HTTP status), so tools report
both alike; a server that cannot be reached is ``StoreUnavailable`` naming the URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from infrai_mcp import __version__
from infrai_mcp.backends.base import DEFAULT_LIMIT, Backend
from infrai_mcp.core.errors import (
    Conflict,
    InfraiError,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    StoreUnavailable,
    Unauthorized,
)
from infrai_mcp.core.hints import strip_rest
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

S = "/v1/scheduling"
_BY_CODE: dict[str, type[InfraiError]] = {
    "INVALID_ARGUMENT": InvalidInput,
    "BAD_REQUEST": InvalidInput,
    "PAYLOAD_TOO_LARGE": PayloadTooLarge,
    "NOT_FOUND": NotFound,
    "CONFLICT": Conflict,
    "UNAUTHORIZED": Unauthorized,
    "RATE_LIMITED": RateLimited,
    "STORE_UNAVAILABLE": StoreUnavailable,
}
_BY_STATUS: dict[int, type[InfraiError]] = {
    400: InvalidInput, 401: Unauthorized, 403: Unauthorized, 404: NotFound, 409: Conflict, 413: PayloadTooLarge,
    422: InvalidInput, 429: RateLimited, 503: StoreUnavailable,
}


def _q(value: str) -> str:
    """A path segment: ids and names never change the route, whatever they contain."""
    return quote(value, safe="")


def _body(model: BaseModel) -> dict[str, Any]:
    # Only what the caller set: the server applies the same defaults, and an explicit null
    # in an update (clear the headers) stays distinguishable from "leave as is".
    out: dict[str, Any] = model.model_dump(mode="json", exclude_unset=True)
    return out


def error_from_response(response: httpx.Response) -> InfraiError:
    """The ``infrai_mcp.core.errors`` exception an error response stands for."""
    code, message, field = "", "", None
    try:
        err = response.json().get("error", {})
        code, message, field = str(err.get("code", "")), str(err.get("message", "")), err.get("field")
    except (ValueError, AttributeError):
        pass
    cls = _BY_CODE.get(code) or _BY_STATUS.get(response.status_code, InfraiError)
    text = message or f"HTTP {response.status_code} from {response.request.url.copy_with(query=None)}"
    # The server named its route for listing ids; keep the kind so each surface names its own.
    text, kind = strip_rest(text)
    if issubclass(cls, InvalidInput):
        return cls(text, field=field if isinstance(field, str) else None)
    exc = cls(text, hint=kind)
    if cls is InfraiError:
        exc.code, exc.http_status = code or "REMOTE_ERROR", response.status_code
    return exc


class RemoteBackend(Backend):
    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"User-Agent": f"infrai-mcp/{__version__}", "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout
        # No redirects: a redirect could carry the bearer key to another host.
        self._client = httpx.AsyncClient(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport, follow_redirects=False
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        envelope: bool = True,
        timeout: float | None = None,
    ) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = await self._client.request(
                method, path, json=json, params=clean or None, timeout=timeout or self._timeout
            )
        except httpx.HTTPError as exc:
            raise StoreUnavailable(f"cannot reach the infrai server at {self.base_url}: {exc!r}; "
                                   "check INFRAI_BASE_URL and that the server is running") from None
        if response.status_code >= 400:
            raise error_from_response(response)
        try:
            data = response.json()
        except ValueError:
            raise InfraiError(f"{self.base_url}{path} answered {response.status_code} without JSON") from None
        return data["data"] if envelope else data

    # -- cron jobs ----------------------------------------------------------------------
    async def cron_create(self, req: CronCreate) -> CronJob:
        return CronJob.model_validate(await self._call("POST", f"{S}/cron/create", json=_body(req)))

    async def cron_create_batch(self, reqs: list[CronCreate]) -> list[CronJob]:
        data = await self._call("POST", f"{S}/cron/create_batch", json={"jobs": [_body(r) for r in reqs]})
        return [CronJob.model_validate(j) for j in data["jobs"]]

    async def cron_list(
        self, *, name: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[CronJob]:
        data = await self._call("GET", f"{S}/cron/list", params={"name": name, "cursor": cursor, "limit": limit})
        return Page[CronJob].model_validate(data)

    async def cron_get(self, cron_id: str) -> CronJob:
        return CronJob.model_validate(await self._call("GET", f"{S}/cron/get/{_q(cron_id)}"))

    async def cron_update(self, cron_id: str, req: CronUpdate) -> CronJob:
        data = await self._call("PATCH", f"{S}/cron/update/{_q(cron_id)}", json=_body(req))
        return CronJob.model_validate(data)

    async def cron_delete(self, cron_id: str) -> Deleted:
        return Deleted.model_validate(await self._call("DELETE", f"{S}/cron/delete/{_q(cron_id)}"))

    async def cron_pause(self, cron_id: str) -> CronJob:
        return CronJob.model_validate(await self._call("POST", f"{S}/cron/pause/{_q(cron_id)}"))

    async def cron_resume(self, cron_id: str) -> CronJob:
        return CronJob.model_validate(await self._call("POST", f"{S}/cron/resume/{_q(cron_id)}"))

    async def cron_trigger(self, cron_id: str) -> Run:
        return Run.model_validate(await self._call("POST", f"{S}/cron/trigger/{_q(cron_id)}"))

    async def cron_runs_list(
        self, cron_id: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Run]:
        data = await self._call("GET", f"{S}/cron/runs/list/{_q(cron_id)}", params={"cursor": cursor, "limit": limit})
        return Page[Run].model_validate(data)

    async def cron_run_get(self, cron_id: str, run_id: str) -> Run:
        return Run.model_validate(await self._call("GET", f"{S}/cron/runs/get/{_q(cron_id)}/{_q(run_id)}"))

    async def cron_retention_get(self, cron_id: str) -> Retention:
        return Retention.model_validate(await self._call("GET", f"{S}/cron/retention/get/{_q(cron_id)}"))

    async def cron_retention_set(self, cron_id: str, retention_days: int) -> Retention:
        data = await self._call("PUT", f"{S}/cron/retention/set/{_q(cron_id)}", json={"retention_days": retention_days})
        return Retention.model_validate(data)

    # -- one-shot tasks and runs --------------------------------------------------------
    async def task_schedule(self, req: TaskCreate) -> Task:
        return Task.model_validate(await self._call("POST", f"{S}/task/schedule", json=_body(req)))

    async def task_schedule_batch(self, reqs: list[TaskCreate]) -> list[Task]:
        data = await self._call("POST", f"{S}/task/schedule_batch", json={"tasks": [_body(r) for r in reqs]})
        return [Task.model_validate(t) for t in data["tasks"]]

    async def task_get(self, task_id: str) -> Task:
        return Task.model_validate(await self._call("GET", f"{S}/task/get/{_q(task_id)}"))

    async def task_list(
        self, *, state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Task]:
        data = await self._call("GET", f"{S}/task/list", params={"state": state, "cursor": cursor, "limit": limit})
        return Page[Task].model_validate(data)

    async def task_cancel(self, task_id: str) -> Task:
        return Task.model_validate(await self._call("POST", f"{S}/task/cancel/{_q(task_id)}"))

    async def run_list(
        self,
        *,
        job_id: str | None = None,
        state: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[Run]:
        params = {"job_id": job_id, "state": state, "cursor": cursor, "limit": limit}
        return Page[Run].model_validate(await self._call("GET", f"{S}/run/list", params=params))

    async def run_get(self, run_id: str) -> Run:
        return Run.model_validate(await self._call("GET", f"{S}/run/get/{_q(run_id)}"))

    # -- agent schedules (seed 004: bare objects, no envelope) ---------------------------
    def _schedules(self, agent_id: str) -> str:
        return f"/api/agents/{_q(agent_id)}/schedules"

    async def schedule_create(self, agent_id: str, req: ScheduleCreate) -> Schedule:
        data = await self._call("POST", self._schedules(agent_id), json=_body(req), envelope=False)
        return Schedule.model_validate(data)

    async def schedule_list(
        self,
        agent_id: str | None = None,
        *,
        status: str | None = None,
        type: str | None = None,
        cursor: str | None = None,
        limit: int = DEFAULT_LIMIT,
    ) -> Page[Schedule]:
        params = {"status": status, "type": type, "cursor": cursor, "limit": limit}
        if agent_id is None:  # every agent's (extension route, enveloped like /v1/scheduling)
            return Page[Schedule].model_validate(await self._call("GET", f"{S}/schedules", params=params))
        data = await self._call("GET", self._schedules(agent_id), params=params, envelope=False)
        return Page[Schedule](items=[Schedule.model_validate(s) for s in data["schedules"]],
                              next_cursor=data.get("next_cursor"))

    async def schedule_get(self, agent_id: str, schedule_id: str) -> Schedule:
        data = await self._call("GET", f"{self._schedules(agent_id)}/{_q(schedule_id)}", envelope=False)
        return Schedule.model_validate(data)

    async def schedule_update(self, agent_id: str, schedule_id: str, req: ScheduleUpdate) -> Schedule:
        path = f"{self._schedules(agent_id)}/{_q(schedule_id)}"
        return Schedule.model_validate(await self._call("PUT", path, json=_body(req), envelope=False))

    async def schedule_delete(self, agent_id: str, schedule_id: str) -> Deleted:
        data = await self._call("DELETE", f"{self._schedules(agent_id)}/{_q(schedule_id)}", envelope=False)
        return Deleted.model_validate(data)

    # -- queues --------------------------------------------------------------------------
    async def queue_create(self, req: QueueCreate) -> Queue:
        return Queue.model_validate(await self._call("POST", f"{S}/queue/create", json=_body(req)))

    async def queue_get(self, queue: str) -> Queue:
        return Queue.model_validate(await self._call("GET", f"{S}/queue/get/{_q(queue)}"))

    async def queue_list(self, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Page[Queue]:
        data = await self._call("GET", f"{S}/queue/list", params={"cursor": cursor, "limit": limit})
        return Page[Queue].model_validate(data)

    async def queue_update(self, queue: str, req: QueueUpdate) -> Queue:
        return Queue.model_validate(await self._call("PATCH", f"{S}/queue/update/{_q(queue)}", json=_body(req)))

    async def queue_delete(self, queue: str) -> Deleted:
        return Deleted.model_validate(await self._call("DELETE", f"{S}/queue/delete/{_q(queue)}"))

    async def queue_purge(self, queue: str) -> Purged:
        return Purged.model_validate(await self._call("POST", f"{S}/queue/purge/{_q(queue)}"))

    async def queue_stats(self, queue: str) -> QueueStats:
        return QueueStats.model_validate(await self._call("GET", f"{S}/queue/stats/{_q(queue)}"))

    async def queue_publish(self, queue: str, msg: MessageIn) -> Published:
        data = await self._call("POST", f"{S}/queue/publish", json={**_body(msg), "queue": queue})
        return Published.model_validate(data)

    async def queue_publish_batch(
        self, queue: str, messages: list[MessageIn], *, idempotency_key: str | None = None
    ) -> list[Published]:
        body: dict[str, Any] = {"queue": queue, "messages": [_body(m) for m in messages]}
        if idempotency_key is not None:
            body["idempotency_key"] = idempotency_key
        data = await self._call("POST", f"{S}/queue/publish_batch", json=body)
        return [Published.model_validate(p) for p in data["items"]]

    async def queue_consume(
        self,
        queue: str,
        *,
        max_messages: int = 1,
        visibility_timeout: int | None = None,
        wait_seconds: float = 0,
    ) -> list[Message]:
        body: dict[str, Any] = {"queue": queue, "max_messages": max_messages, "wait_seconds": wait_seconds}
        if visibility_timeout is not None:
            body["visibility_timeout"] = visibility_timeout
        # A long poll holds the request open; give it that long plus the usual allowance.
        data = await self._call("POST", f"{S}/queue/consume", json=body, timeout=self._timeout + wait_seconds)
        return [Message.model_validate(m) for m in data["messages"]]

    async def queue_ack(self, queue: str, message_id: str | None = None, receipt: str | None = None) -> AckResult:
        body = {k: v for k, v in {"queue": queue, "message_id": message_id, "receipt": receipt}.items() if v}
        return AckResult.model_validate(await self._call("POST", f"{S}/queue/ack", json=body))

    async def queue_nack(
        self,
        queue: str,
        message_id: str | None = None,
        receipt: str | None = None,
        *,
        requeue: bool = True,
        error: str | None = None,
    ) -> NackResult:
        body: dict[str, Any] = {"queue": queue, "requeue": requeue}
        body.update({k: v for k, v in {"message_id": message_id, "receipt": receipt, "error": error}.items() if v})
        return NackResult.model_validate(await self._call("POST", f"{S}/queue/nack", json=body))

    async def queue_dlq_list(
        self, queue: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[DeadLetter]:
        data = await self._call("GET", f"{S}/queue/dlq/list/{_q(queue)}", params={"cursor": cursor, "limit": limit})
        return Page[DeadLetter].model_validate(data)

    async def queue_dlq_redrive(self, queue: str, req: RedriveRequest) -> Redriven:
        data = await self._call("POST", f"{S}/queue/dlq/redrive/{_q(queue)}", json=_body(req))
        return Redriven.model_validate(data)

    async def queue_push_subscribe(self, queue: str, req: SubscriptionCreate) -> Subscription:
        data = await self._call("POST", f"{S}/queue/push_subscribe/{_q(queue)}", json=_body(req))
        return Subscription.model_validate(data)

    async def queue_push_list(self, queue: str) -> list[Subscription]:
        data = await self._call("GET", f"{S}/queue/push_list/{_q(queue)}")
        return [Subscription.model_validate(s) for s in data["items"]]

    async def queue_push_unsubscribe(self, queue: str, subscription_id: str) -> Deleted:
        path = f"{S}/queue/push_unsubscribe/{_q(queue)}/{_q(subscription_id)}"
        return Deleted.model_validate(await self._call("DELETE", path))

    # -- webhooks -----------------------------------------------------------------------
    async def webhook_send(self, req: WebhookSend) -> Delivery:
        return Delivery.model_validate(await self._call("POST", f"{S}/webhook/send", json=_body(req)))

    async def webhook_get(self, delivery_id: str) -> Delivery:
        return Delivery.model_validate(await self._call("GET", f"{S}/webhook/get/{_q(delivery_id)}"))

    async def webhook_list(
        self, *, state: str | None = None, cursor: str | None = None, limit: int = DEFAULT_LIMIT
    ) -> Page[Delivery]:
        params = {"state": state, "cursor": cursor, "limit": limit}
        return Page[Delivery].model_validate(await self._call("GET", f"{S}/webhook/list", params=params))
