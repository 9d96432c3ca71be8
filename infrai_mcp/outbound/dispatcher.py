"""The dispatcher: the ONE path for every outbound HTTP request the engine makes.

Cron runs, tasks, agent-schedule callbacks, webhook sends and push subscriptions all call
``Dispatcher.attempt``: one SSRF-checked, optionally signed HTTP attempt that never raises
for HTTP or network failures. The caller owns the retry loop (its state is durable in the
store), using ``backoff`` for the delay.

Client choice (measured with ``bench/dispatch_clients.py`` on this machine, see
bench/README.md): aiohttp with one shared session sustains several thousand POST/s at
concurrency 16-64 against a local receiver, where one shared httpx 0.28 AsyncClient drops
below a hundred and httpx2 stays near one thousand. aiohttp also lets the SSRF guard sit
in the resolver, so every resolved address is checked at connect time.

Own thread (``io_thread=True``, ``INFRAI_HTTP_THREAD=1``; off by default): the HTTP work
(aiohttp's session, connections, semaphores) runs on an event loop in a thread of its own, and
``attempt`` costs the caller one hand-off each way. Under a backlog on a busy machine the
protocol work of hundreds of requests in flight keeps the caller's loop, which also answers
the API, from ever idling; on its own loop it shares the CPU with the API through the
interpreter's thread switching. The price is burst throughput: two busy threads hand the
interpreter lock back and forth on every socket call (bench/README.md has both figures).

Rules: per-attempt timeout; redirects are not followed (a 3xx is a non-retryable
failure: the target moved and the job must be fixed); retryable = connection errors,
timeouts, 408, 429 and 5xx; ``Retry-After`` (seconds or HTTP date) is honoured.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import email.utils
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from infrai_mcp.core.ids import new_id
from infrai_mcp.outbound.signing import signature_headers
from infrai_mcp.outbound.ssrf import BlockedTarget, GuardedResolver, Policy

EXCERPT_CHARS = 1024  # stored response excerpt (documented in docs/ENGINE.md)
_READ_BYTES = 4096
RETRYABLE_STATUS = frozenset({408, 429})
# Response headers kept for result callbacks (seed 003 callback_url): descriptive ones only.
RESULT_HEADERS = ("content-type", "content-length", "content-encoding", "content-language", "location",
                  "retry-after", "etag", "last-modified", "cache-control", "date", "x-request-id")
USER_AGENT = "infrai-mcp/0.1 (+https://github.com/infrai/infrai-mcp)"


@dataclass
class OutboundRequest:
    url: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    timeout: float = 30.0
    webhook_id: str = ""  # stable across retries of one run/delivery; generated when empty
    secret: str | None = None  # when set, Standard Webhooks signature headers are added


@dataclass
class AttemptResult:
    ok: bool
    status: int | None
    error: str | None
    duration_ms: int
    response_excerpt: str | None
    retryable: bool
    retry_after: float | None
    started_at: datetime
    finished_at: datetime
    headers: dict[str, str] | None = None  # the RESULT_HEADERS subset of the response, when there was one


@dataclass(eq=False)
class _Handoff:
    """One attempt handed from the caller's loop to the HTTP thread's loop."""

    req: OutboundRequest
    attempt: int
    extra: dict[str, str] | None
    result: asyncio.Future[AttemptResult]  # on the caller's loop
    loop: asyncio.AbstractEventLoop  # the caller's
    task: asyncio.Task[None] | None = None  # on the HTTP loop
    cancelled: bool = False


def _settle(job: _Handoff, res: AttemptResult | BaseException) -> None:
    if job.result.done():
        return
    if isinstance(res, asyncio.CancelledError):
        job.result.cancel()  # the HTTP loop shut down under it
    elif isinstance(res, BaseException):
        job.result.set_exception(res)
    else:
        job.result.set_result(res)


def response_headers(raw: Any) -> dict[str, str]:
    """The subset of response headers reported to seed 003 callbacks (never cookies or auth)."""
    return {name: str(raw[name]) for name in RESULT_HEADERS if name in raw}


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class Dispatcher:
    """Shared HTTP client with bounded concurrency. ``engine.dispatcher`` is the instance."""

    def __init__(
        self,
        *,
        server_mode: bool = False,
        allow_private_targets: tuple[str, ...] | list[str] = (),
        max_concurrency: int = 256,
        per_host: int = 32,
        backoff_base: float = 1.0,
        backoff_cap: float = 300.0,
        io_thread: bool = False,
    ) -> None:
        self.policy = Policy(enabled=server_mode, allow=allow_private_targets)
        self.max_concurrency = max_concurrency
        self.per_host = per_host
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._session: aiohttp.ClientSession | None = None
        self._sem: asyncio.Semaphore | None = None
        self._host_sems: dict[str, asyncio.Semaphore] = {}
        # Per URL: its host's semaphore key, or the error refusing it (SSRF literal, bad URL).
        # Parsing and checking once per URL, not per fire; bounded (cleared when full).
        self._targets: dict[str, str | BaseException] = {}
        self._timeouts: dict[float, aiohttp.ClientTimeout] = {}
        self.io_thread = io_thread
        self._inbox: collections.deque[_Handoff] = collections.deque()
        self._inbox_signalled = False
        self._outbox: collections.deque[tuple[_Handoff, AttemptResult | BaseException]] = collections.deque()
        self._outbox_signalled = False
        self._io_loop: asyncio.AbstractEventLoop | None = None
        self._io: threading.Thread | None = None
        self._io_lock = threading.Lock()

    def _io_start(self) -> asyncio.AbstractEventLoop:
        """The HTTP thread's loop, started on first use (and again after ``close``)."""
        with self._io_lock:
            if self._io_loop is None or self._io is None or not self._io.is_alive():
                loop = asyncio.new_event_loop()
                ready = threading.Event()

                def run() -> None:
                    asyncio.set_event_loop(loop)
                    loop.call_soon(ready.set)
                    loop.run_forever()
                    loop.close()

                self._io = threading.Thread(target=run, name="infrai-http", daemon=True)
                self._io.start()
                ready.wait(10)
                self._io_loop = loop
            return self._io_loop

    def _ensure(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        # Created lazily inside the running loop: aiohttp sessions bind to the loop.
        if self._session is None or self._session.closed or self._sem is None:
            connector = aiohttp.TCPConnector(
                limit=self.max_concurrency,
                # Per host: polite to receivers, and aiohttp's per-request cost grows with the
                # number of open connections (bench/README.md), so one busy host does not
                # fan out to 256 sockets.
                limit_per_host=self.per_host,
                resolver=GuardedResolver(self.policy),
                ttl_dns_cache=10,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=True, headers={"User-Agent": USER_AGENT}
            )
            self._sem = asyncio.Semaphore(self.max_concurrency)
        return self._session, self._sem

    async def close(self) -> None:
        """Close the HTTP session (and stop the HTTP thread)."""
        loop, thread = self._io_loop, self._io
        if loop is None or thread is None or not thread.is_alive():
            await self._close_session()
            return
        with contextlib.suppress(Exception):
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self._shutdown(), loop))
        loop.call_soon_threadsafe(loop.stop)
        await asyncio.to_thread(thread.join, 10)
        with self._io_lock:
            self._io_loop = self._io = None

    async def _shutdown(self) -> None:
        """On the HTTP loop: cancel what is still in flight (its callers get CancelledError),
        then close the session."""
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        await self._close_session()

    async def _close_session(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None
        self._sem = None
        self._host_sems = {}

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Delay before attempt ``attempt + 1``: full jitter over an exponential ceiling.

        ``attempt`` is the number of the attempt that just failed (1-based). Retry-After,
        when given, is a floor (the receiver asked us to wait at least that long). Both are
        capped by ``backoff_cap``.
        """
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempt - 1)))
        delay = random.uniform(0, ceiling)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.backoff_cap)

    def _target(self, url: str) -> str | BaseException:
        """``scheme://netloc`` of ``url`` after the SSRF check of an IP-literal host, or the error."""
        try:
            parts = urlsplit(url)
            self.policy.check_host(parts.hostname or "")
            target: str | BaseException = f"{parts.scheme}://{parts.netloc}"
        except (BlockedTarget, ValueError) as exc:
            target = exc
        if len(self._targets) >= 10_000:
            self._targets.clear()
        self._targets[url] = target
        return target

    async def attempt(
        self, req: OutboundRequest, attempt: int, extra_headers: dict[str, str] | None = None
    ) -> AttemptResult:
        """One HTTP attempt. Never raises for HTTP, network, timeout or SSRF failures.

        With ``io_thread`` it runs on the HTTP thread (see the module docstring); cancelling
        the caller cancels it there.
        """
        if not self.io_thread:
            return await self._attempt(req, attempt, extra_headers)
        io_loop = self._io_start()
        loop = asyncio.get_running_loop()
        job = _Handoff(req, attempt, extra_headers, loop.create_future(), loop)
        # Hand-offs are batched both ways: one wake-up of the other loop per batch, not per
        # request (a wake-up per request cost more CPU than the request itself).
        self._inbox.append(job)
        if not self._inbox_signalled:
            self._inbox_signalled = True
            io_loop.call_soon_threadsafe(self._take_inbox)
        try:
            return await job.result
        except asyncio.CancelledError:
            job.cancelled = True
            task = job.task
            if task is not None:
                io_loop.call_soon_threadsafe(task.cancel)
            raise

    def _take_inbox(self) -> None:
        """On the HTTP loop: start every handed-off attempt."""
        self._inbox_signalled = False
        while self._inbox:
            job = self._inbox.popleft()
            if not job.cancelled:
                job.task = asyncio.get_running_loop().create_task(self._run_handoff(job))

    async def _run_handoff(self, job: _Handoff) -> None:
        try:
            res: AttemptResult | BaseException = await self._attempt(job.req, job.attempt, job.extra)
        except BaseException as exc:  # cancelled (the caller went away) or a bug: report, never lose
            res = exc
        self._outbox.append((job, res))
        if not self._outbox_signalled:
            self._outbox_signalled = True
            with contextlib.suppress(RuntimeError):  # the caller's loop closed: nobody waits
                job.loop.call_soon_threadsafe(self._take_outbox)

    def _take_outbox(self) -> None:
        """On the caller's loop: settle every finished attempt."""
        self._outbox_signalled = False
        here = asyncio.get_running_loop()
        while self._outbox:
            job, res = self._outbox.popleft()
            if job.loop is here:
                _settle(job, res)
            else:  # a caller on another loop (one dispatcher used from two loops)
                with contextlib.suppress(RuntimeError):
                    job.loop.call_soon_threadsafe(_settle, job, res)

    async def _attempt(
        self, req: OutboundRequest, attempt: int, extra_headers: dict[str, str] | None = None
    ) -> AttemptResult:
        started = datetime.now(UTC)
        t0 = time.perf_counter()

        def result(
            ok: bool, status: int | None, error: str | None, excerpt: str | None, retryable: bool,
            retry_after: float | None = None, resp_headers: dict[str, str] | None = None,
        ) -> AttemptResult:
            return AttemptResult(
                ok=ok, status=status, error=error, duration_ms=int((time.perf_counter() - t0) * 1000),
                response_excerpt=excerpt, retryable=retryable, retry_after=retry_after,
                started_at=started, finished_at=datetime.now(UTC), headers=resp_headers,
            )

        target = self._targets.get(req.url)
        if target is None:
            target = self._target(req.url)
        if isinstance(target, BlockedTarget):
            return result(False, None, str(target), None, False)
        if isinstance(target, BaseException):
            return result(False, None, f"invalid URL: {target}", None, False)
        host_key = target

        headers: dict[str, Any] = dict(req.headers)
        if extra_headers:
            headers.update(extra_headers)
        headers["X-Infrai-Attempt"] = str(attempt)
        body = req.body
        if body is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        if req.secret:
            msg_id = req.webhook_id or new_id("msg")
            headers.update(signature_headers(req.secret, msg_id, int(time.time()), body or b""))
        elif req.webhook_id:
            headers["webhook-id"] = req.webhook_id

        session, sem = self._ensure()
        host_sem = self._host_sems.get(host_key)
        if host_sem is None:
            host_sem = self._host_sems[host_key] = asyncio.Semaphore(self.per_host)
        try:
            # Wait in our own per-host queue, not in aiohttp's connector: measured 2x the
            # fires/s for one busy host (bench/README.md), and fair across hosts.
            timeout = self._timeouts.get(req.timeout)
            if timeout is None:
                timeout = self._timeouts[req.timeout] = aiohttp.ClientTimeout(total=req.timeout)
            async with host_sem, sem, session.request(
                req.method, req.url, data=body, headers=headers, allow_redirects=False, timeout=timeout,
            ) as resp:
                raw = await resp.content.read(_READ_BYTES)
                # NUL as U+FFFD like any undecodable byte: PostgreSQL text cannot hold it.
                excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_CHARS].replace("\x00", "\ufffd") \
                    if raw else None
                status = resp.status
                kept = response_headers(resp.headers)
                if 200 <= status < 300:
                    return result(True, status, None, excerpt, False, resp_headers=kept)
                retry_after = parse_retry_after(resp.headers.get("Retry-After"))
                retryable = status in RETRYABLE_STATUS or status >= 500
                if 300 <= status < 400:
                    where = resp.headers.get("Location", "?")
                    error = f"HTTP {status} redirect to {where} (redirects are not followed; update the URL)"
                else:
                    error = f"HTTP {status}"
                return result(False, status, error, excerpt, retryable, retry_after, kept)
        except BlockedTarget as exc:
            return result(False, None, str(exc), None, False)
        except TimeoutError:
            return result(False, None, f"timed out after {req.timeout:g} s", None, True)
        except aiohttp.InvalidURL as exc:
            return result(False, None, f"invalid URL: {exc}", None, False)
        except (aiohttp.ClientError, OSError) as exc:
            text = str(exc) or type(exc).__name__
            return result(False, None, f"connection error: {text}", None, True)
