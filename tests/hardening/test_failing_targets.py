"""Targets that fail, end to end through the engine (SQLite in tmp_path, real sockets on
127.0.0.1): every documented final state, retry count, webhook-id, on_failure_webhook and
DLQ outcome, plus failures a normal server does not produce (reset mid-body, a body that
drips forever, a gigabyte response)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infrai_mcp.models import MessageIn, QueueCreate, Run, SubscriptionCreate, TaskCreate, WebhookSend
from infrai_mcp.runtime.engine import Engine
from tests.engines import make_engine
from tests.hardening.conftest import P
from tests.hardening.rawserver import RawServer
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = pytest.mark.anyio


@pytest.fixture
def raw() -> Iterator[RawServer]:
    with RawServer() as srv:
        yield srv


@pytest.fixture
async def engine(tmp_path: Path) -> Iterator[Engine]:  # type: ignore[misc]
    async with make_engine(tmp_path) as eng:
        yield eng


async def final_run(eng: Engine, task_id: str, timeout: float = 20.0) -> Run:
    async def check() -> Run | None:
        t = await eng.jobs.task_get(P, task_id)
        if t.state not in ("succeeded", "failed"):
            return None
        (run,) = (await eng.jobs.run_list(P, job_id=task_id)).items
        return run

    return await until(check, timeout, f"task {task_id} finished")


async def test_reset_mid_body_after_a_2xx_counts_as_delivered(engine: Engine, raw: RawServer) -> None:
    # The status line decides: the receiver said 200; the body is only an excerpt.
    task = await engine.jobs.task_schedule(P, TaskCreate(url=raw.url("/reset"), delay_seconds=0, retries=2))
    run = await final_run(engine, task.task_id)
    assert (run.state, run.attempts, raw.hits["/reset"]) == ("succeeded", 1, 1)
    assert (run.response_excerpt or "").startswith("partial")


async def test_reset_mid_body_after_a_5xx_is_retried_then_fails(engine: Engine, raw: RawServer,
                                                               receiver: Receiver) -> None:
    task = await engine.jobs.task_schedule(P, TaskCreate(url=raw.url("/reset503"), delay_seconds=0, retries=2,
                                                         on_failure_webhook=receiver.url("/notice")))
    run = await final_run(engine, task.task_id)
    assert run.state == "failed" and run.attempts == 3 and raw.hits["/reset503"] == 3
    assert run.response_status == 503 and run.error == "HTTP 503"
    (notice,) = await receiver.wait_for(1, path="/notice")
    assert notice.json()["run"]["run_id"] == run.run_id
    assert notice.headers["webhook-id"] == f"{run.webhook_id}_failed"


async def test_a_dripping_body_does_not_hold_the_dispatcher(engine: Engine, raw: RawServer) -> None:
    # A 2xx whose body drips forever: the first bytes are the excerpt; no waiting for the rest.
    task = await engine.jobs.task_schedule(P, TaskCreate(url=raw.url("/drip"), delay_seconds=0, retries=1,
                                                         timeout_seconds=30))
    run = await final_run(engine, task.task_id)
    assert (run.state, run.attempts, raw.hits["/drip"]) == ("succeeded", 1, 1)


async def test_a_response_that_stalls_times_out_per_attempt(engine: Engine, raw: RawServer) -> None:
    task = await engine.jobs.task_schedule(P, TaskCreate(url=raw.url("/stall"), delay_seconds=0, retries=1,
                                                         timeout_seconds=1))
    run = await final_run(engine, task.task_id)
    assert run.state == "failed" and run.attempts == 2 and raw.hits["/stall"] == 2
    assert run.error == "timed out after 1 s"


async def test_a_huge_response_is_read_only_as_far_as_the_excerpt(engine: Engine, raw: RawServer) -> None:
    task = await engine.jobs.task_schedule(P, TaskCreate(url=raw.url("/huge"), delay_seconds=0, retries=0))
    run = await final_run(engine, task.task_id)
    assert run.state == "failed" and run.response_status == 500 and run.error == "HTTP 500"
    assert run.response_excerpt is not None and run.response_excerpt == "H" * 1024  # bounded excerpt
    # The dispatcher stopped reading: the server could not push the gigabyte (socket buffers
    # hold a few MiB at most).
    assert raw.sent.get("/huge", 0) < 64 * 1024 * 1024


async def test_connection_refused_is_retried_then_fails(engine: Engine) -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    task = await engine.jobs.task_schedule(P, TaskCreate(url=f"http://127.0.0.1:{port}/x", delay_seconds=0,
                                                         retries=2))
    run = await final_run(engine, task.task_id)
    assert run.state == "failed" and run.attempts == 3 and (run.error or "").startswith("connection error")


@pytest.mark.parametrize(("replies", "retries", "state", "attempts", "statuses"), [
    ([Reply(500)], 2, "failed", 3, [500, 500, 500]),
    ([Reply(503), Reply(502), Reply(200)], 3, "succeeded", 3, [503, 502, 200]),
    ([Reply(429, headers={"Retry-After": "1"}), Reply(200)], 1, "succeeded", 2, [429, 200]),
    ([Reply(408), Reply(204)], 1, "succeeded", 2, [408, 204]),
    ([Reply(400)], 5, "failed", 1, [400]),
    ([Reply(401)], 5, "failed", 1, [401]),
    ([Reply(404)], 5, "failed", 1, [404]),
    ([Reply(410)], 5, "failed", 1, [410]),
    ([Reply(301, headers={"Location": "/elsewhere"})], 5, "failed", 1, [301]),
    ([Reply(307, headers={"Location": "/elsewhere"})], 5, "failed", 1, [307]),
    ([Reply(500)], 0, "failed", 1, [500]),
])
async def test_documented_retry_table(engine: Engine, receiver: Receiver, replies: list[Reply], retries: int,
                                      state: str, attempts: int, statuses: list[int]) -> None:
    receiver.program("/t", replies)
    task = await engine.jobs.task_schedule(P, TaskCreate(url=receiver.url("/t"), delay_seconds=0, retries=retries,
                                                         on_failure_webhook=receiver.url("/notice")))
    run = await final_run(engine, task.task_id)
    assert (run.state, run.attempts) == (state, attempts)
    got = receiver.received("/t")
    assert len(got) == attempts and receiver.received("/elsewhere") == []
    assert {g.headers["webhook-id"] for g in got} == {run.webhook_id}
    assert [g.headers["x-infrai-attempt"] for g in got] == [str(i + 1) for i in range(attempts)]
    full = await engine.jobs.run_get(P, run.run_id)
    assert [a.response_status for a in full.attempt_log or []] == statuses
    if statuses[0] == 429:
        # Retry-After is a floor: the second attempt came at least 1 s after the first.
        assert got[1].received_at - got[0].received_at >= 0.9
    if state == "failed":
        (notice,) = await receiver.wait_for(1, path="/notice")
        assert notice.json()["run"]["state"] == "failed"
    else:
        assert receiver.received("/notice") == []


async def test_webhook_send_final_states(engine: Engine, receiver: Receiver, raw: RawServer) -> None:
    receiver.program("/500", [Reply(500)])
    receiver.program("/404", [Reply(404)])
    a = await engine.webhooks.webhook_send(P, WebhookSend(url=receiver.url("/500"), retries=2))
    b = await engine.webhooks.webhook_send(P, WebhookSend(url=receiver.url("/404"), retries=2))
    c = await engine.webhooks.webhook_send(P, WebhookSend(url=raw.url("/reset503"), retries=1))

    async def done() -> bool:
        states = [(await engine.webhooks.webhook_get(P, d.delivery_id)).state for d in (a, b, c)]
        return all(s in ("succeeded", "failed") for s in states)

    await until(done, what="deliveries finished")
    da, db, dc = [await engine.webhooks.webhook_get(P, d.delivery_id) for d in (a, b, c)]
    assert (da.state, len(da.attempts), da.response_status) == ("failed", 3, 500)
    assert (db.state, len(db.attempts), db.response_status) == ("failed", 1, 404)
    assert (dc.state, len(dc.attempts), dc.response_status) == ("failed", 2, 503)
    assert {r.headers["webhook-id"] for r in receiver.received("/500")} == {da.webhook_id}


async def test_push_failures_dead_letter_after_max_retries(engine: Engine, receiver: Receiver,
                                                           raw: RawServer) -> None:
    receiver.program("/push", [Reply(503)])
    qs = engine.queues
    await qs.queue_create(P, QueueCreate(name="dlq"))
    await qs.queue_create(P, QueueCreate(name="q", dead_letter_queue="dlq"))
    await qs.queue_push_subscribe(P, "q", SubscriptionCreate(url=receiver.url("/push"), max_retries=2))
    mid = (await qs.queue_publish(P, "q", MessageIn(payload={"n": 1}))).message_id

    async def dead() -> bool:
        return (await qs.queue_stats(P, "dlq")).available == 1

    await until(dead, what="message dead-lettered")
    got = receiver.received("/push")
    assert len(got) == 3 and {g.headers["webhook-id"] for g in got} == {mid}
    (letter,) = (await qs.queue_dlq_list(P, "q")).items
    assert letter.message_id == mid and letter.receive_count == 3 and "503" in (letter.last_error or "")
