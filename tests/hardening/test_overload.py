"""Overload: a backlog of due runs against slow targets. Dispatch concurrency stays at its
bounds (global and per host), nothing is dropped, and API reads keep answering while the
backlog is worked through. (How fast reads answer is measured in bench/overload_reads.py,
not asserted here.)"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import httpx
import pytest

from infrai_mcp.models import TaskCreate
from infrai_mcp.surfaces.rest import create_app
from tests.engines import make_engine
from tests.hardening.conftest import P
from tests.hardening.rawserver import RawServer, Tracker
from tests.waiting import until

pytestmark = pytest.mark.anyio

GLOBAL, PER_HOST, HOSTS, RUNS = 40, 8, 6, 1200


async def test_backlog_keeps_bounds_drops_nothing_and_reads_answer(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        everyone = Tracker()
        servers = [stack.enter_context(RawServer(everyone)) for _ in range(HOSTS)]
        # Created by an engine that does not dispatch, so the whole backlog is due when the
        # dispatching engine starts, however long creating it took on a busy machine.
        ids = []
        async with make_engine(tmp_path, dispatch=False) as cli:
            for i in range(RUNS):
                t = await cli.jobs.task_schedule(P, TaskCreate(url=servers[i % HOSTS].url(f"/slow/{i}"),
                                                               delay_seconds=0, retries=0))
                ids.append(t.task_id)
        eng = make_engine(tmp_path)
        eng.dispatcher.max_concurrency = GLOBAL  # before the first request builds the session
        eng.dispatcher.per_host = PER_HOST
        async with eng:
            app = create_app(eng, eng.settings, require_auth=False)
            reads_during_backlog = 0
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api.test") as c:
                async def backlog_left() -> int:
                    return sum(s.hits.get(f"/slow/{i}", 0) == 0 for i, s in
                               ((i, servers[i % HOSTS]) for i in range(RUNS)))

                while await backlog_left() > RUNS // 10:
                    for url in ("/v1/scheduling/task/list?limit=50", f"/v1/scheduling/task/get/{ids[-1]}",
                                "/v1/scheduling/run/list?limit=20", "/healthz"):
                        r = await c.get(url)
                        assert r.status_code == 200, r.text
                    if await backlog_left() > 0:
                        reads_during_backlog += 1
                    await asyncio.sleep(0.05)
                assert reads_during_backlog >= 3  # the API answered while the backlog was worked through

                async def all_succeeded() -> bool:
                    for state in ("scheduled", "running", "failed"):
                        if (await eng.jobs.task_list(P, state=state, limit=1)).items:
                            return False
                    return True

                await until(all_succeeded, timeout=120, what="backlog finished")
        hits = [n for s in servers for p, n in s.hits.items() if p.startswith("/slow/")]
        assert len(hits) == RUNS and all(n == 1 for n in hits)  # nothing dropped, nothing doubled
        per_host_max = [s.max_in_flight for s in servers]
        assert max(per_host_max) <= PER_HOST, per_host_max
        # HOSTS * PER_HOST > GLOBAL: the global bound is what limited, and it held.
        assert everyone.max_in_flight == GLOBAL, (everyone.max_in_flight, per_host_max)
