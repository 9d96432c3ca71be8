"""Per-project request rate limit (token bucket) answering 429 with ``Retry-After``.

One bucket per project, not per key, so a tenant cannot multiply its share by minting keys.
In memory, per process: with several ``serve`` processes each enforces its own share.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from infrai_mcp.core.errors import RateLimited
from infrai_mcp.surfaces.rest.auth import reply


class RateLimit:
    def __init__(
        self,
        app: ASGIApp,
        *,
        per_second: float,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.rate = per_second
        self.burst = burst if burst is not None else max(1.0, per_second * 2)
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # project -> (tokens, at)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        project = scope.get("state", {}).get("infrai_project") if scope["type"] == "http" else None
        if project is None or self.rate <= 0:  # lifespan, /healthz
            await self.app(scope, receive, send)
            return
        now = self.clock()
        tokens, at = self.buckets.get(project, (self.burst, now))
        tokens = min(self.burst, tokens + (now - at) * self.rate)
        if tokens < 1:
            wait = math.ceil((1 - tokens) / self.rate)
            err = RateLimited(f"more than {self.rate:g} requests per second for this project; retry in {wait} s")
            self.buckets[project] = (tokens, now)
            await reply(send, 429, {"error": err.to_dict()}, [(b"retry-after", str(wait).encode())])
            return
        self.buckets[project] = (tokens - 1, now)
        await self.app(scope, receive, send)
