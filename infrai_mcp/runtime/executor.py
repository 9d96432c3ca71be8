"""Executor: runs one claimed run (one attempt) and records its outcome.

Targets: an HTTP request (cron jobs, tasks, url callbacks), a queue publish (cron jobs and
tasks with a queue target, schedule callback_type 'queue') or a signed POST to the workflow
URL (callback_type 'workflow').
Outcomes are written in batches: every run finishing while a write is in progress joins
the next transaction, so a burst of a thousand finishing runs costs a handful of commits.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, urlsplit, urlunsplit

from infrai_mcp.core import dynamic
from infrai_mcp.core.errors import InfraiError
from infrai_mcp.outbound.dispatcher import AttemptResult, OutboundRequest
from infrai_mcp.services.deps import Deps
from infrai_mcp.store.jobs import Claimed, Outcome, Row

if TYPE_CHECKING:
    from infrai_mcp.services.jobs import JobService
    from infrai_mcp.services.queues import QueueService

log = logging.getLogger("infrai.runs")


class EngineParts(Deps, Protocol):
    """What the scheduler and executor use of the engine: the services' deps and two services
    (run records for workflow callbacks, queue publishes for queue callbacks)."""

    @property
    def jobs(self) -> JobService: ...

    @property
    def queues(self) -> QueueService: ...


class RunOwner(Protocol):
    """The scheduler side of an executor: whose leases its outcomes finish, whom it wakes."""

    @property
    def owner(self) -> str: ...

    def wake(self) -> None: ...

FAILURE_NOTICE_ATTEMPTS = 3
FLUSH_LINGER = 0.02


def iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts is not None else None


def _local_result(ok: bool, error: str | None, started: datetime, t0: float, retryable: bool) -> AttemptResult:
    """An attempt made without HTTP; ``started`` is the engine clock's, the duration measured."""
    elapsed = time.perf_counter() - t0
    return AttemptResult(
        ok=ok, status=None, error=error, duration_ms=int(elapsed * 1000),
        response_excerpt=None, retryable=retryable, retry_after=None,
        started_at=started, finished_at=started + timedelta(seconds=elapsed),
    )


def redact_url(url: str) -> str:
    """The URL for a log line: a password in its userinfo (https://user:pw@host/) becomes ***."""
    if "@" not in url:
        return url  # no userinfo: nothing to hide (and no parse per fire)
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid URL>"
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class Executor:
    def __init__(self, engine: EngineParts, scheduler: RunOwner) -> None:
        self.engine = engine
        self.scheduler = scheduler
        self._pending: list[tuple[Outcome, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._side_tasks: set[asyncio.Task[None]] = set()
        self._chains: dict[str, asyncio.Task[None]] = {}  # newest seed-003 event task per run

    # -- one run ------------------------------------------------------------------------
    async def execute(self, claimed: Claimed) -> None:
        run, job = claimed.run, claimed.job
        attempt = int(run["attempts"])
        clock = self.engine.clock
        wait = claimed.due - clock.now().timestamp()
        if wait > 0:
            await asyncio.sleep(wait)  # not normally: plans are confirmed at their time
        events = job.get("events_url")
        if events:
            if attempt == 1:
                self._event(events, job, run, attempt, "job.started", {"scheduled_for": iso(run["scheduled_for"])})
            self._event(events, job, run, attempt, "job.request", self._request_view(job))
        # Run and attempt times are the engine's clock (injectable), durations the dispatcher's.
        started = clock.now().timestamp()
        try:
            result = await self._deliver(job, run, attempt)
        except Exception as exc:  # a bug in a callback path must not kill the scheduler
            log.exception("run %s: delivery raised", run["id"])
            now = self.engine.clock.now()
            result = AttemptResult(False, None, f"internal error: {exc}", 0, None, False, None, now, now)
        finished = clock.now().timestamp()
        retries = int(job["retries"])
        if result.ok:
            state, next_at = "succeeded", None
        elif result.retryable and attempt <= retries:
            state = "retrying"
            next_at = finished + self.engine.dispatcher.backoff(attempt, result.retry_after)
        else:
            state, next_at = "failed", None
        outcome = Outcome(
            run_id=run["id"], project=run["project"], attempt=attempt, started_at=started, finished_at=finished,
            state=state, response_status=result.status, response_excerpt=result.response_excerpt,
            error=result.error, duration_ms=result.duration_ms, next_attempt_at=next_at,
        )
        try:
            applied = await self.record(outcome)
        except Exception:
            # Not recorded (store unavailable): the lease expires and the run is retried.
            log.exception("run %s: outcome could not be recorded; it will be retried", run["id"])
            return
        if log.isEnabledFor(logging.INFO):
            target = redact_url(job["url"]) if job["url"] else f"{job['callback_type']}:{job['callback_id']}"
            log.info(
                "fired %s %s run=%s attempt=%d %s %s -> %s %s in %d ms%s",
                job["kind"], job["id"], run["id"], attempt, job["method"], target,
                result.status if result.status is not None else "-", state,
                result.duration_ms, f" ({result.error})" if result.error else "",
            )
        if not applied:
            return
        if state == "retrying" or job["overlap_policy"] == "queue":
            self.scheduler.wake()
        if events or job.get("result_url"):
            self._report(job, run, attempt, result, state, next_at)
        if state == "failed" and job["on_failure_webhook"]:
            task = asyncio.create_task(self._notify_failure(job, run["id"]))
            self._side_tasks.add(task)
            task.add_done_callback(self._side_tasks.discard)

    # -- seed 003 reports: events (webhook_url) and the result (callback_url) ---------------
    def _report(
        self, job: Row, run: Row, attempt: int, result: AttemptResult, state: str, next_at: float | None
    ) -> None:
        events, final = job.get("events_url"), state in ("succeeded", "failed")
        if events:
            if result.status is not None:
                self._event(events, job, run, attempt, "job.response", {
                    "status": result.status, "headers": result.headers or {}, "body": result.response_excerpt,
                    "duration_ms": result.duration_ms,
                })
            if not result.ok:
                self._event(events, job, run, attempt, "job.error", {
                    "error": result.error, "status": result.status, "will_retry": state == "retrying",
                    "next_attempt_at": iso(next_at),
                })
            if final:
                self._event(events, job, run, attempt, "job.finished", {
                    "state": state, "status": result.status, "attempts": attempt, "error": result.error,
                })
        if final and job.get("result_url"):
            body = {
                "type": "job.result", "timestamp": self._stamp(), "job_id": job["id"], "run_id": run["id"],
                "state": state, "status": result.status, "headers": result.headers or {},
                "body": result.response_excerpt, "error": result.error, "attempts": attempt,
                "duration_ms": result.duration_ms,
            }
            self._notice(job["result_url"], job, run, body, f"{run['webhook_id']}_result", None)

    @staticmethod
    def _request_view(job: Row) -> dict[str, Any]:
        from infrai_mcp.models.common import mask_headers

        return {
            "method": job["method"], "url": job["url"],
            "headers": mask_headers(json.loads(job["headers"] or "{}")) or {},
            "body": json.loads(job["payload"]) if job["payload"] is not None else None,
        }

    def _stamp(self) -> str | None:
        return iso(self.engine.clock.now().timestamp())

    def _event(self, url: str, job: Row, run: Row, attempt: int, kind: str, data: dict[str, Any]) -> None:
        body = {"type": kind, "timestamp": self._stamp(), "job_id": job["id"], "run_id": run["id"],
                "attempt": attempt, "data": data}
        # webhook-id: stable across retries of this one event, distinct per event and attempt.
        self._notice(url, job, run, body, f"{run['webhook_id']}_{kind.removeprefix('job.')}_{attempt}", run["id"])

    def _notice(self, url: str, job: Row, run: Row, body: dict[str, Any], webhook_id: str,
                chain: str | None) -> None:
        """Send ``body`` in the background; events of one run (``chain``) go out in order."""
        req = OutboundRequest(url=url, method="POST", body=json.dumps(body).encode(), timeout=30.0,
                              webhook_id=webhook_id, secret=job["secret"])
        prev = self._chains.get(chain) if chain else None
        task = asyncio.create_task(self._post_notice(req, job["id"], run["id"], str(body["type"]), prev))
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)
        if chain:
            self._chains[chain] = task

            def forget(t: asyncio.Task[None], key: str = chain) -> None:
                if self._chains.get(key) is t:
                    del self._chains[key]

            task.add_done_callback(forget)

    async def _post_notice(
        self, req: OutboundRequest, job_id: str, run_id: str, what: str, after: asyncio.Task[None] | None = None
    ) -> None:
        """Best effort: up to FAILURE_NOTICE_ATTEMPTS attempts through the dispatcher, never raises."""
        if after is not None:
            await asyncio.wait([after])
        dispatcher = self.engine.dispatcher
        try:
            for attempt in range(1, FAILURE_NOTICE_ATTEMPTS + 1):
                res = await dispatcher.attempt(req, attempt, {"X-Infrai-Job-Id": job_id, "X-Infrai-Run-Id": run_id})
                if res.ok or not res.retryable:
                    log.info("%s for run %s -> %s", what, run_id, res.status or res.error)
                    return
                if attempt < FAILURE_NOTICE_ATTEMPTS:
                    await asyncio.sleep(dispatcher.backoff(attempt, res.retry_after))
            log.warning("%s for run %s could not be delivered", what, run_id)
        except Exception:  # a notice must never take anything else down
            log.exception("%s for run %s: sending raised", what, run_id)

    async def _dynamic_body(self, job: Row, run: Row) -> str:
        """The body with its dynamic fields filled in for this fire (the previous run read now)."""
        recent = await self.engine.store.list_runs(job["project"], cursor=None, limit=3, filters={"job_id": job["id"]})
        previous = next((r for r in recent if r["id"] != run["id"] and r["id"] < run["id"]), None)
        body = dynamic.substitute(json.loads(job["payload"]), dynamic.values(job, run, previous))
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    def _target_headers(self, job: Row, run: Row) -> dict[str, str]:
        return {"X-Infrai-Job-Id": job["id"], "X-Infrai-Run-Id": run["id"]}

    async def _deliver(self, job: Row, run: Row, attempt: int) -> AttemptResult:
        kind = job["callback_type"] or "url"
        if kind == "url":
            # The stored payload is already JSON text (compact, UTF-8): sent as it is, unless a
            # recurring job's body names dynamic fields ("$job", "$state", "$previous").
            payload = job["payload"]
            if job.get("schedule") and dynamic.has_fields(payload):
                payload = await self._dynamic_body(job, run)
            body = None if payload is None or job["method"] == "GET" else payload.encode()
            req = OutboundRequest(
                url=job["url"], method=job["method"], headers=json.loads(job["headers"] or "{}"), body=body,
                timeout=float(job["timeout_seconds"]), webhook_id=run["webhook_id"], secret=job["secret"],
            )
            return await self.engine.dispatcher.attempt(req, attempt, self._target_headers(job, run))
        envelope = self._envelope(job, run)
        if kind == "queue":
            return await self._publish(job, run, envelope)
        if kind == "workflow":
            template = self.engine.settings.workflow_url
            started, t0 = self.engine.clock.now(), time.perf_counter()
            if not template:
                return _local_result(False, "callback_type 'workflow' needs INFRAI_WORKFLOW_URL (a URL template "
                                     "with {callback_id}); none is configured", started, t0, False)
            req = OutboundRequest(
                url=template.replace("{callback_id}", quote(str(job["callback_id"]), safe="")),
                method="POST", headers=json.loads(job["headers"] or "{}"), body=json.dumps(envelope).encode(),
                timeout=float(job["timeout_seconds"]), webhook_id=run["webhook_id"],
                secret=self.engine.settings.workflow_secret,
            )
            return await self.engine.dispatcher.attempt(req, attempt, self._target_headers(job, run))
        started, t0 = self.engine.clock.now(), time.perf_counter()
        return _local_result(False, f"unknown callback_type {kind!r}", started, t0, False)

    def _envelope(self, job: Row, run: Row) -> dict[str, Any]:
        """What a fire hands to a queue or workflow: the job's payload and where it came from
        (docs/QUEUES.md, "Jobs that publish")."""
        origin: dict[str, Any] = (
            {"schedule_id": job["id"], "agent_id": job["agent_id"], "execution_id": run["id"]}
            if job["kind"] == "schedule" else {"job_id": job["id"], f"{job['kind']}_id": job["id"]}
        )
        return {
            **origin, "name": job["name"], "run_id": run["id"], "fired_at": self._stamp(),
            "scheduled_for": iso(run["scheduled_for"]),
            "payload": json.loads(job["payload"]) if job["payload"] is not None else None,
        }

    async def _publish(self, job: Row, run: Row, envelope: dict[str, Any]) -> AttemptResult:
        from infrai_mcp.models.queues import MessageIn

        started, t0 = self.engine.clock.now(), time.perf_counter()
        publish = getattr(self.engine.queues, "queue_publish", None)
        if publish is None:
            return _local_result(False, "queue callbacks are unavailable: this engine has no queue service",
                                 started, t0, False)
        # The run's webhook id is the idempotency key: a fire retried after a publish whose
        # outcome was not recorded (a lost lease, a crash) finds its message and adds none.
        msg = MessageIn.model_validate({"payload": envelope, "idempotency_key": run["webhook_id"]})
        try:
            await publish(job["project"], job["callback_id"], msg, create=False)
        except InfraiError as exc:
            # A missing queue or bad payload will not fix itself by retrying.
            return _local_result(False, f"queue callback to {job['callback_id']!r} failed: {exc.message}",
                                 started, t0, exc.http_status >= 500)
        except Exception as exc:
            return _local_result(False, f"queue callback to {job['callback_id']!r} failed: {exc}", started, t0, True)
        return _local_result(True, None, started, t0, False)

    async def _notify_failure(self, job: Row, run_id: str) -> None:
        """POST the failed run record to ``on_failure_webhook`` (signed with the job's secret)."""
        run_rec = await self.engine.jobs.run_get(job["project"], run_id)
        body = json.dumps({"type": "run.failed", "job_id": job["id"], "job_name": job["name"],
                           "run": run_rec.model_dump(mode="json")}).encode()
        req = OutboundRequest(
            url=job["on_failure_webhook"], method="POST", body=body, timeout=30.0,
            webhook_id=f"{run_rec.webhook_id}_failed", secret=job["secret"],
        )
        await self._post_notice(req, job["id"], run_id, "failure notice")

    # -- batched outcome writes -----------------------------------------------------------
    async def record(self, outcome: Outcome) -> bool:
        """Persist ``outcome`` (joined with others into one transaction); True if applied."""
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((outcome, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await fut

    async def _flush(self) -> None:
        # Linger briefly so outcomes finishing close together share one transaction; a
        # run's outcome is durable ~20 ms later, while the run itself already finished.
        await asyncio.sleep(FLUSH_LINGER)
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                applied = set(await self.engine.store.finish_runs(self.scheduler.owner, [o for o, _ in batch]))
            except Exception as exc:
                log.exception("recording %d outcome(s) failed", len(batch))
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for o, fut in batch:
                if not fut.done():
                    fut.set_result(o.run_id in applied)

    async def drain(self) -> None:
        """Wait for queued outcome writes and failure notices (bounded by the caller)."""
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher
        if self._side_tasks:
            await asyncio.wait(list(self._side_tasks), timeout=5)
