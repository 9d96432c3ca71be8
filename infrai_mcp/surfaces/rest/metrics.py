"""``/metrics``: Prometheus text for the caller's project.

Two kinds of numbers:
- HTTP counters and a latency histogram of this process's REST requests (monotonic, kept
  in memory by ``HttpMetrics``, labelled by route template, never by id);
- gauges read through the caller's Backend when scraped: cron jobs by status, tasks and
  retained runs by state, queue depths, and a histogram of dispatch latency (seconds from a
  run's scheduled time to its start) over the runs still in retention.
Scoped to the key's project like every other route, so one tenant never sees another's.
Reads are bounded (``MAX_SCAN`` records per kind) so a scrape stays cheap.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from infrai_mcp.backends.base import Backend
from infrai_mcp.models import MAX_PAGE, Page
from infrai_mcp.surfaces.rest.common import backend

T = TypeVar("T")

MAX_SCAN = 5000
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
HTTP_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class Histogram:
    def __init__(self, buckets: tuple[float, ...]) -> None:
        self.buckets = buckets
        self.counts = [0] * len(buckets)
        self.total = 0
        self.sum = 0.0

    def observe(self, value: float) -> None:
        self.total += 1
        self.sum += value
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1

    def lines(self, name: str, labels: str = "") -> Iterable[str]:
        sep = "," if labels else ""
        for bound, count in zip(self.buckets, self.counts, strict=True):
            yield f'{name}_bucket{{{labels}{sep}le="{bound}"}} {count}'
        yield f'{name}_bucket{{{labels}{sep}le="+Inf"}} {self.total}'
        yield f"{name}_sum{{{labels}}} {self.sum:.6f}" if labels else f"{name}_sum {self.sum:.6f}"
        yield f"{name}_count{{{labels}}} {self.total}" if labels else f"{name}_count {self.total}"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class HttpMetrics:
    """Counts requests per (method, route template, status) as a pure ASGI middleware."""

    def __init__(self, app: ASGIApp, *, routes: list[Route], sink: HttpCounters) -> None:
        self.app = app
        self.routes = routes
        self.sink = sink

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def wrapped(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            self.sink.record(scope["method"], self._template(scope), status, time.perf_counter() - start)

    def _template(self, scope: Scope) -> str:
        for route in self.routes:
            match, _ = route.matches(scope)
            if match is not Match.NONE:
                return route.path
        return "other"


class HttpCounters:
    def __init__(self) -> None:
        self.requests: dict[tuple[str, str, int], int] = defaultdict(int)
        self.latency = Histogram(HTTP_BUCKETS)

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, status)] += 1
        self.latency.observe(seconds)

    def lines(self) -> Iterable[str]:
        yield "# HELP infrai_http_requests_total REST requests served by this process."
        yield "# TYPE infrai_http_requests_total counter"
        for (method, route, status), n in sorted(self.requests.items()):
            yield f'infrai_http_requests_total{{method="{method}",route="{_label(route)}",status="{status}"}} {n}'
        yield "# HELP infrai_http_request_duration_seconds REST request latency in this process."
        yield "# TYPE infrai_http_request_duration_seconds histogram"
        yield from self.latency.lines("infrai_http_request_duration_seconds")


async def _scan(fetch: Callable[..., Awaitable[Page[T]]], limit: int = MAX_SCAN) -> list[T]:
    """Every record of a cursor-paged list call, up to ``limit``."""
    out: list[T] = []
    cursor: str | None = None
    while len(out) < limit:
        page = await fetch(cursor=cursor, limit=MAX_PAGE)
        out.extend(page.items)
        cursor = page.next_cursor
        if not cursor:
            break
    return out[:limit]


async def project_lines(b: Backend, project: str) -> list[str]:
    p = f'project="{_label(project)}"'
    lines: list[str] = []

    crons = await _scan(b.cron_list)
    by_status: dict[str, int] = defaultdict(int)
    for job in crons:
        by_status[job.status] += 1
    lines += ["# HELP infrai_cron_jobs Cron jobs by status.", "# TYPE infrai_cron_jobs gauge"]
    lines += [f'infrai_cron_jobs{{{p},status="{s}"}} {by_status.get(s, 0)}' for s in ("active", "paused", "completed")]

    tasks = await _scan(b.task_list)
    by_state: dict[str, int] = defaultdict(int)
    for task in tasks:
        by_state[task.state] += 1
    lines += ["# HELP infrai_tasks One-shot tasks by state.", "# TYPE infrai_tasks gauge"]
    lines += [f'infrai_tasks{{{p},state="{s}"}} {n}' for s, n in sorted(by_state.items())]

    runs = await _scan(b.run_list)
    run_states: dict[str, int] = defaultdict(int)
    latency = Histogram(LATENCY_BUCKETS)
    for run in runs:
        run_states[run.state] += 1
        if run.started_at is not None:
            latency.observe(max(0.0, (run.started_at - run.scheduled_for).total_seconds()))
    lines += ["# HELP infrai_runs Runs in retention by state.", "# TYPE infrai_runs gauge"]
    lines += [f'infrai_runs{{{p},state="{s}"}} {n}' for s, n in sorted(run_states.items())]
    lines += ["# HELP infrai_dispatch_latency_seconds Scheduled time to start, over runs in retention.",
              "# TYPE infrai_dispatch_latency_seconds histogram"]
    lines += list(latency.lines("infrai_dispatch_latency_seconds", p))

    queues = await _scan(b.queue_list)
    lines += ["# HELP infrai_queue_messages Messages per queue by state.", "# TYPE infrai_queue_messages gauge"]
    for q in queues:
        stats = await b.queue_stats(q.queue)
        for state in ("available", "in_flight", "delayed", "dlq"):
            lines.append(f'infrai_queue_messages{{{p},queue="{_label(q.queue)}",state="{state}"}} '
                         f"{getattr(stats, state)}")
    return lines


async def metrics_endpoint(request: Request) -> PlainTextResponse:
    project: str = request.scope["state"]["infrai_project"]
    counters: HttpCounters = request.app.state.http_counters
    lines = [*counters.lines(), *await project_lines(backend(request), project)]
    return PlainTextResponse("\n".join(lines) + "\n", media_type="text/plain; version=0.0.4")
