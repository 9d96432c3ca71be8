"""PgJobStore: the JobStore contract on PostgreSQL, and claims by many workers at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest

from infrai_mcp.core.ids import new_id
from infrai_mcp.core.planning import FirePlan, plan_fire
from infrai_mcp.store.jobs import Claimed, Due, Outcome
from infrai_mcp.store.postgres.db import PgDB
from infrai_mcp.store.postgres.jobs import DUE_CHANNEL, PgJobStore

pytestmark = pytest.mark.anyio
T0 = 1_800_000_000.0


class JobsOnly(PgJobStore):
    def __init__(self, url: str, pool_size: int = 2) -> None:
        self.db = PgDB(url, pool_size=pool_size)


@pytest.fixture
async def store(pg_url: str) -> AsyncIterator[JobsOnly]:
    s = JobsOnly(pg_url)
    await s.db.start()
    yield s
    await s.db.close()


def job(kind: str = "task", *, at: float = T0, project: str = "p", **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": new_id({"task": "tk", "cron": "cj"}.get(kind, "sch")), "project": project, "kind": kind,
        "url": "http://127.0.0.1:9/x", "method": "POST", "status": "scheduled" if kind == "task" else "active",
        "retries": 3, "timeout_seconds": 30, "retention_days": 30, "overlap_policy": "allow",
        "misfire_policy": "run_once", "callback_type": "url", "timezone": "UTC",
        "schedule": "* * * * * *" if kind == "cron" else None, "run_at": at if kind == "task" else None,
        "next_run_at": at, "created_at": T0 - 10, "updated_at": T0 - 10,
    }
    row.update(extra)
    return row


def planner(row: dict[str, Any], now: float, horizon: float) -> FirePlan:
    """The scheduler's planner with its default misfire grace."""
    return plan_fire(row, now, horizon, misfire_grace=60.0)


async def claim_runs(store: JobsOnly, now: float, owner: str, until: float, limit: int = 10) -> list[Claimed]:
    """What the scheduler does at ``now``: plan ahead nothing, confirm what is due, take due runs."""
    claim = await store.claim_due(now, now, owner, until, limit, planner)
    confirmed = await store.confirm_plans(owner, [p.id for p in claim.plans], now, until, 60.0) if claim.plans else []
    return confirmed + claim.runs


def outcome(run: dict[str, Any], state: str = "succeeded", **kw: Any) -> Outcome:
    return Outcome(run_id=run["id"], project=run["project"], attempt=run["attempts"], started_at=T0,
                   finished_at=T0 + 0.1, state=state, response_status=200, duration_ms=5, **kw)


async def test_jobs_crud_idempotency_and_projects(store: JobsOnly) -> None:
    a, created = await store.insert_job(job(idempotency_key="k1"))
    assert created and a["run_count"] == 0 and a["next_run_at"] == T0
    again, created = await store.insert_job(job(idempotency_key="k1"))
    assert not created and again["id"] == a["id"]
    assert await store.get_job("other", "task", a["id"]) is None
    b, _ = await store.insert_job(job())
    assert [j["id"] for j in await store.list_jobs("p", "task", cursor=None, limit=10)] == [a["id"], b["id"]]
    assert [j["id"] for j in await store.list_jobs("p", "task", cursor=a["id"], limit=10)] == [b["id"]]
    assert await store.list_jobs("p", "task", cursor=None, limit=10, filters={"status": "running"}) == []
    updated = await store.update_job("p", "task", a["id"], {"name": "n", "updated_at": T0})
    assert updated is not None and updated["name"] == "n"
    assert await store.update_job("other", "task", a["id"], {"name": "x"}) is None
    with pytest.raises(ValueError):
        await store.update_job("p", "task", a["id"], {"project": "x"})
    cancelled = await store.cancel_task("p", b["id"], T0)
    assert cancelled is not None and cancelled["status"] == "cancelled" and cancelled["next_run_at"] is None
    assert await store.delete_job("p", "task", a["id"], T0) is True
    assert await store.delete_job("p", "task", a["id"], T0) is True  # idempotent
    assert await store.delete_job("p", "task", "tk_nope", T0) is False
    assert await store.get_job("p", "task", a["id"]) is None


async def test_claim_finish_retry_and_expired_lease_keeps_webhook_id(store: JobsOnly) -> None:
    t, _ = await store.insert_job(job())
    assert await store.next_due_at("w1") == Due(plan=T0, run=None)
    assert await claim_runs(store, T0 - 1, "w1", T0 + 30) == []
    [c] = await claim_runs(store, T0, "w1", T0 + 30)
    assert c.run["attempts"] == 1 and c.run["lease_owner"] == "w1" and c.job["id"] == t["id"]
    task = await store.get_job("p", "task", t["id"])
    assert task is not None and task["status"] == "running"
    # Nobody else can claim it while the lease holds...
    assert await claim_runs(store, T0 + 1, "w2", T0 + 31) == []
    # ...and after it expires another worker gets the same run (same webhook id).
    [again] = await claim_runs(store, T0 + 31, "w2", T0 + 61)
    assert again.run["id"] == c.run["id"] and again.run["webhook_id"] == c.run["webhook_id"]
    assert again.run["attempts"] == 2
    # The first worker's late finish is refused: the run is no longer leased to it.
    assert await store.finish_runs("w1", [outcome(c.run)]) == []
    assert await store.finish_runs("w2", [outcome(again.run, "retrying", next_attempt_at=T0 + 40)]) == [c.run["id"]]
    [third] = await claim_runs(store, T0 + 40, "w1", T0 + 70)
    assert third.run["state"] == "running" and third.run["attempts"] == 3
    assert await store.finish_runs("w1", [outcome(third.run)]) == [c.run["id"]]
    task = await store.get_job("p", "task", t["id"])
    assert task is not None and task["status"] == "succeeded"
    attempts = await store.list_attempts("p", c.run["id"])
    assert [a["attempt"] for a in attempts] == [2, 3]
    run = await store.get_run("p", c.run["id"])
    assert run is not None and run["state"] == "succeeded" and run["lease_owner"] is None
    assert await store.next_due_at("w1") == Due(None, None)
    assert [r["id"] for r in await store.list_runs("p", cursor=None, limit=5, filters={"job_id": t["id"]})] == [
        c.run["id"]]


async def test_release_runs_returns_work_at_once_without_counting(store: JobsOnly) -> None:
    await store.insert_job(job())
    [c] = await claim_runs(store, T0, "w1", T0 + 30)
    await store.renew_run_leases("w1", T0 + 300)
    assert await claim_runs(store, T0 + 31, "w2", T0 + 60) == []  # renewed: still leased
    await store.release_runs("w1", [c.run["id"]], T0 + 1)
    [back] = await claim_runs(store, T0 + 1, "w2", T0 + 31)
    assert back.run["id"] == c.run["id"] and back.run["attempts"] == 1


async def test_overlap_queue_claims_only_the_oldest_unfinished_run(store: JobsOnly) -> None:
    await store.insert_job(job("cron", overlap_policy="queue"))
    first = await claim_runs(store, T0 + 2, "w1", T0 + 30)
    assert len(first) == 1  # one fire materialised; its successor is not due yet
    more = await claim_runs(store, T0 + 2, "w2", T0 + 30)
    assert more == []  # the next fire waits for the first run to finish
    await store.finish_runs("w1", [outcome(first[0].run)])
    [nxt] = await claim_runs(store, T0 + 2, "w2", T0 + 30)
    assert nxt.run["scheduled_for"] == T0 + 1


async def test_leases_dispatch_per_worker_others_exclusive(store: JobsOnly) -> None:
    # Every worker dispatches (SKIP LOCKED claims make a single leader unnecessary).
    assert await store.take_lease("dispatch", "w1", T0, T0 + 30)
    assert await store.take_lease("dispatch", "w2", T0, T0 + 30)
    assert await store.take_lease("retention", "w1", T0, T0 + 30)
    assert not await store.take_lease("retention", "w2", T0 + 1, T0 + 31)
    assert await store.take_lease("retention", "w1", T0 + 1, T0 + 31)  # renew
    await store.release_lease("retention", "w1")
    assert await store.take_lease("retention", "w2", T0 + 2, T0 + 32)
    await store.release_lease("dispatch", "w1")
    # A worker that died holding its per-worker lease leaves a row, forgotten a day later.
    assert await store.take_lease("dispatch", "w3", T0 + 2 * 86400, T0 + 2 * 86400 + 30)

    async def names(conn: Any) -> list[str]:
        return [r["name"] for r in await (await conn.execute("SELECT name FROM leases ORDER BY 1")).fetchall()]

    assert await store.db.read(names) == ["dispatch:w3", "retention"]


async def test_prune_runs_deletes_old_finished_runs_and_attempts(store: JobsOnly) -> None:
    await store.insert_job(job(retention_days=1))
    [c] = await claim_runs(store, T0, "w1", T0 + 30)
    await store.finish_runs("w1", [outcome(c.run)])
    assert await store.prune_runs(T0 + 3600) == 0
    assert await store.prune_runs(T0 + 2 * 86400) == 1
    assert await store.list_attempts("p", c.run["id"]) == []


async def test_creating_due_work_notifies_other_processes(store: JobsOnly, pg_url: str) -> None:
    other = JobsOnly(pg_url, pool_size=1)
    await other.db.start()
    try:
        assert other.db.listener is not None
        await other.db.listener.listen(DUE_CHANNEL)
        await store.insert_job(job())
        assert await other.db.wait(DUE_CHANNEL, 5.0) is True
    finally:
        await other.db.close()


async def test_many_workers_claim_every_run_exactly_once(pg_url: str) -> None:
    """Four stores (separate pools, as separate processes would have) race on one database."""
    workers = [JobsOnly(pg_url, pool_size=2) for _ in range(4)]
    for w in workers:
        await w.db.start(listen=False)
    try:
        seed = workers[0]
        for i in range(0, 1200, 200):
            await asyncio.gather(*(seed.insert_job(job(at=T0 + (i + k) % 3)) for k in range(200)))
        for _ in range(10):
            await seed.insert_job(job("cron", at=T0))
        seen: Counter[str] = Counter()
        fires: Counter[tuple[str, float]] = Counter()

        async def work(store: JobsOnly, name: str) -> None:
            for step in range(40):
                now = T0 + min(step * 0.25, 5.0)
                claimed = await claim_runs(store, now, name, now + 300, 100)
                for c in claimed:
                    seen[c.run["id"]] += 1
                    fires[(c.job["id"], c.run["scheduled_for"])] += 1
                await store.finish_runs(name, [outcome(c.run) for c in claimed])
                await asyncio.sleep(0)

        await asyncio.gather(*(work(w, f"w{i}") for i, w in enumerate(workers)))
        assert seen and max(seen.values()) == 1
        assert max(fires.values()) == 1  # no cron fire materialised twice
        tasks = [k for k in fires if k[0].startswith("tk_")]
        assert len(tasks) == 1200
        crons = Counter(k[0] for k in fires if not k[0].startswith("tk_"))
        assert len(crons) == 10 and set(crons.values()) == {6}  # fires at T0..T0+5, each once
    finally:
        for w in workers:
            await w.db.close()


async def test_plans_are_confirmed_at_their_time_and_withdrawn_by_changes(store: JobsOnly) -> None:
    t, _ = await store.insert_job(job(at=T0 + 0.4))
    empty = await store.claim_due(T0, T0 + 0.3, "w1", T0 + 30, 10, planner)
    assert empty.plans == [] and empty.runs == []
    claim = await store.claim_due(T0, T0 + 0.5, "w1", T0 + 30, 10, planner)
    [plan] = claim.plans
    assert plan.due == T0 + 0.4 and claim.runs == []
    assert await store.list_runs("p", cursor=None, limit=5) == []  # a plan is not a run
    row = await store.get_job("p", "task", t["id"])
    assert row is not None and row["status"] == "scheduled" and row["next_run_at"] == T0 + 0.4
    # Another worker sees nothing to plan while the plan's lease holds.
    assert (await store.claim_due(T0 + 1, T0 + 6, "w2", T0 + 31, 10, planner)).plans == []
    [c] = await store.confirm_plans("w1", [plan.id], T0 + 0.4, T0 + 30, 60.0)
    assert c.run["id"] == plan.id and c.run["state"] == "running" and c.run["started_at"] == T0 + 0.4
    assert await store.confirm_plans("w1", [plan.id], T0 + 0.4, T0 + 30, 60.0) == []  # once
    # A change withdraws the plan in its own transaction: confirming it later finds nothing.
    u, _ = await store.insert_job(job("cron", at=T0 + 2))
    [p2] = (await store.claim_due(T0 + 1, T0 + 2.5, "w1", T0 + 31, 10, planner)).plans
    await store.update_job("p", "cron", u["id"], {"url": "http://127.0.0.1:9/new", "updated_at": T0 + 1})
    assert await store.confirm_plans("w1", [p2.id], T0 + 2, T0 + 32, 60.0) == []
    [p3] = (await store.claim_due(T0 + 1, T0 + 2, "w2", T0 + 31, 10, planner)).plans  # planned again
    assert p3.due == T0 + 2 and p3.id != p2.id
    [c3] = await store.confirm_plans("w2", [p3.id], T0 + 2, T0 + 32, 60.0)
    assert c3.job["url"] == "http://127.0.0.1:9/new"


async def test_a_dead_workers_plans_are_taken_over_as_they_are(store: JobsOnly) -> None:
    t, _ = await store.insert_job(job(at=T0 + 2))
    [dead] = (await store.claim_due(T0, T0 + 3, "w1", T0 + 1, 10, planner)).plans
    assert (await store.next_due_at("w2")).plan == T0 + 1  # the dead owner's plan lease
    [again] = (await store.claim_due(T0 + 1.5, T0 + 2.5, "w2", T0 + 31, 10, planner)).plans
    assert (again.id, again.job_id, again.due) == (dead.id, t["id"], T0 + 2)  # the same plan, not a new one
    assert await store.confirm_plans("w1", [dead.id], T0 + 2, T0 + 32, 60.0) == []  # no longer its plan
    [run] = await store.confirm_plans("w2", [again.id], T0 + 2, T0 + 32, 60.0)
    assert run.run["id"] == dead.id


async def test_release_leaves_plans_for_the_next_claim(store: JobsOnly) -> None:
    t, _ = await store.insert_job(job(at=T0 + 2))
    [plan] = (await store.claim_due(T0, T0 + 3, "w1", T0 + 30, 10, planner)).plans
    await store.release_runs("w1", [], T0 + 1)
    [again] = (await store.claim_due(T0 + 1, T0 + 3, "w2", T0 + 31, 10, planner)).plans
    assert again.id == plan.id and again.job_id == t["id"] and again.due == T0 + 2
    assert await store.confirm_plans("w1", [plan.id], T0 + 2, T0 + 32, 60.0) == []
