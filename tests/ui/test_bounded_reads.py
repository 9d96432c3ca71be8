"""The dashboard must not slow the engine: every page reads a bounded number of Backend
pages, each ≤ 500 items, however much data the project has. Counted on the real Backend."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.models import MAX_PAGE, CronCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.services.upcoming import WINDOW_MAX_PAGES
from infrai_mcp.surfaces.ui import create_ui_app
from infrai_mcp.surfaces.ui.data import CHART_MAX_PAGES
from tests.ui.conftest import CSRF, client_for

pytestmark = pytest.mark.anyio
JOBS = 120


class CountingBackend(EmbeddedBackend):
    """The real EmbeddedBackend; it only counts the list calls and the largest limit asked."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, "default")
        self.calls: Counter[str] = Counter()
        self.max_limit = 0

    def __getattribute__(self, name: str) -> Any:
        attr = super().__getattribute__(name)
        if name.endswith(("_list", "_stats")) and callable(attr):
            calls, backend = super().__getattribute__("calls"), self

            async def counted(*args: Any, **kwargs: Any) -> Any:
                calls[name] += 1
                backend.max_limit = max(backend.max_limit, int(kwargs.get("limit", 0) or 0))
                return await attr(*args, **kwargs)

            return counted
        return attr


async def test_pages_read_a_bounded_number_of_pages(engine: Engine) -> None:
    backend = CountingBackend(engine)
    for i in range(JOBS):
        await backend.cron_create(CronCreate(name=f"job {i}", schedule="*/5 * * * *", url="https://example.com/x"))
    app = create_ui_app(lambda request: backend, local=True, csrf_token=CSRF)
    async with client_for(app) as c:
        await read(c, backend, "/jobs")
        # One page of each source, and one indexed last-run lookup per shown row (default 50).
        assert backend.calls["cron_list"] == 1 and backend.calls["task_list"] == 1
        assert backend.calls["run_list"] == 50

        await read(c, backend, "/")
        assert backend.calls["cron_list"] <= WINDOW_MAX_PAGES
        assert backend.calls["run_list"] <= CHART_MAX_PAGES

        await read(c, backend, "/jobs?limit=100000")  # clamped to 500: all 120 on one page
        assert backend.calls["cron_list"] == 1 and backend.calls["run_list"] == JOBS
    assert backend.max_limit <= MAX_PAGE


async def read(c: httpx.AsyncClient, backend: CountingBackend, path: str) -> None:
    backend.calls.clear()
    r = await c.get(path)
    assert r.status_code == 200, r.text[:500]
