"""SSRF in server mode: every outbound kind (cron runs, tasks, webhook sends, push
subscriptions, schedule url and workflow callbacks, on_failure_webhook, seed 003's result
and events URLs) refuses loopback, private, link-local/metadata, CGNAT, unspecified and
IPv4-mapped targets in every spelling, and names that resolve to them. The receiver on
127.0.0.1 proves nothing got through; an allow-list opens exactly what it names.

Server mode refuses such targets at create too (tests/hardening/test_hostile_input.py), so
to prove the fire-time check (what still guards a name whose DNS changes after create, or a
row stored before) the targets here are stored by an embedded engine on the same file, and
a server-mode engine then fires them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.models import (
    CronCreate,
    MessageIn,
    QueueCreate,
    ScheduleCreate,
    SubscriptionCreate,
    TaskCreate,
    WebhookSend,
)
from infrai_mcp.outbound.dispatcher import Dispatcher, OutboundRequest
from infrai_mcp.runtime.engine import Engine
from tests.engines import make_engine
from tests.hardening.conftest import P
from tests.receiver import Receiver, Reply
from tests.waiting import until

pytestmark = pytest.mark.anyio

# Spellings that all mean "this machine" (they would reach the receiver if let through).
LOCAL_FORMS = [
    "127.0.0.1", "localhost", "[::1]", "0.0.0.0", "[::]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]",
    "[0:0:0:0:0:ffff:127.0.0.1]", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "127.1", "017700000001",
    "127.0.0.2", "①②⑦.0.0.1", "127。0。0。1", "１２７.０.０.１", "ＬＯＣＡＬＨＯＳＴ", "[::ffff:127.0.0.1%25lo]",
]
# Other non-public ranges (unreachable here, so a refusal must be a policy refusal, not a timeout).
PRIVATE_HOSTS = ["10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1", "169.254.169.254",
                 "100.64.0.1", "100.127.255.254", "[fd00::1]", "[fe80::1]", "224.0.0.1", "240.0.0.1"]


def _refused(error: str | None) -> bool:
    return bool(error) and ("server mode refuses" in error or "invalid URL" in error)


@pytest.mark.parametrize("host", LOCAL_FORMS + PRIVATE_HOSTS)
async def test_dispatcher_refuses_every_spelling(receiver: Receiver, host: str) -> None:
    d = Dispatcher(server_mode=True)
    try:
        res = await d.attempt(OutboundRequest(url=f"http://{host}:{receiver.port}/x", timeout=5), 1)
    finally:
        await d.close()
    assert not res.ok and not res.retryable and _refused(res.error), res.error
    assert receiver.requests == []


async def _all_kinds_blocked(home: Path, target: str, **server: Any) -> None:
    """Store one of every outbound kind at ``target`` (an embedded engine allows it), then let a
    server-mode engine (``make_engine(home, server_mode=True, **server)``) fire them and wait
    until each has failed."""
    async with make_engine(home, dispatch=False, workflow_url=server.get("workflow_url")) as creator:
        made = await _one_of_every_kind(creator, target)
    async with make_engine(home, server_mode=True, **server) as eng:
        await _all_failed(eng, *made)


async def _one_of_every_kind(eng: Engine, target: str) -> tuple[str, str, str, str, str, str]:
    task = await eng.jobs.task_schedule(P, TaskCreate(url=target + "/task", delay_seconds=0, retries=2,
                                                      on_failure_webhook=target + "/failed",
                                                      result_url=target + "/result", events_url=target + "/events"))
    cron = await eng.jobs.cron_create(P, CronCreate(url=target + "/cron", schedule="0 0 1 1 *", retries=1))
    manual = await eng.jobs.cron_trigger(P, cron.cron_id)
    sent = await eng.webhooks.webhook_send(P, WebhookSend(url=target + "/webhook", retries=2))
    await eng.queues.queue_create(P, QueueCreate(name="q"))
    await eng.queues.queue_push_subscribe(P, "q", SubscriptionCreate(url=target + "/push", max_retries=0))
    await eng.queues.queue_publish(P, "q", MessageIn(payload={"n": 1}))
    sched = await eng.jobs.schedule_create(P, "agent", ScheduleCreate(
        name="s", type="delayed", delay_seconds=0, callback_url=target + "/schedule"))
    wf = await eng.jobs.schedule_create(P, "agent", ScheduleCreate(
        name="w", type="delayed", delay_seconds=0, callback_type="workflow", callback_id="wf1"))
    return task.task_id, cron.cron_id, manual.run_id, sent.delivery_id, sched.id, wf.id


async def _all_failed(eng: Engine, task_id: str, cron_id: str, manual_run: str, delivery_id: str, sched_id: str,
                      wf_id: str) -> None:
    async def all_failed() -> bool:
        t = await eng.jobs.task_get(P, task_id)
        runs = (await eng.jobs.run_list(P, job_id=cron_id)).items
        d = await eng.webhooks.webhook_get(P, delivery_id)
        stats = await eng.queues.queue_stats(P, "q")
        s1 = await eng.jobs.schedule_get(P, "agent", sched_id)
        s2 = await eng.jobs.schedule_get(P, "agent", wf_id)
        return (t.state == "failed" and any(r.run_id == manual_run and r.state == "failed" for r in runs)
                and d.state == "failed" and stats.dlq == 1
                and all(e.status == "failed" for s in (s1, s2) for e in (s.executions or []))
                and bool(s1.executions) and bool(s2.executions))

    await until(all_failed, what="every outbound kind failed")
    runs = (await eng.jobs.run_list(P)).items
    for r in runs:
        assert _refused(r.error), r.error
        assert r.attempts == 1  # an SSRF refusal is never retried
    d = await eng.webhooks.webhook_get(P, delivery_id)
    assert len(d.attempts) == 1 and _refused(d.error), d.error
    dead = (await eng.queues.queue_dlq_list(P, "q")).items
    assert len(dead) == 1 and _refused(dead[0].last_error), dead[0].last_error


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "2130706433", "[::ffff:127.0.0.1]", "①②⑦.0.0.1"])
async def test_every_outbound_kind_is_refused(tmp_path: Path, receiver: Receiver, host: str) -> None:
    target = f"http://{host}:{receiver.port}"
    await _all_kinds_blocked(tmp_path, target, workflow_url=target + "/wf/{callback_id}")
    assert receiver.requests == []  # nothing, not even the on_failure_webhook notice


async def test_allow_list_cidr_opens_exactly_that_network(tmp_path: Path, receiver: Receiver) -> None:
    # 127.0.0.2/32 is allowed; the receiver listens on 127.0.0.1, which stays refused.
    target = f"http://127.0.0.1:{receiver.port}"
    await _all_kinds_blocked(tmp_path, target, allow=("127.0.0.2/32",), workflow_url=target + "/wf/{callback_id}")
    assert receiver.requests == []


async def test_allow_list_host_opens_that_name_only(tmp_path: Path, receiver: Receiver) -> None:
    # "localhost" is allowed by name; the literal 127.0.0.1 is not opened by it (refused at
    # create, and at fire time for a row stored by an embedded engine).
    async with make_engine(tmp_path, dispatch=False) as creator:
        no = await creator.jobs.task_schedule(P, TaskCreate(url=f"http://127.0.0.1:{receiver.port}/no",
                                                            delay_seconds=0))
    async with make_engine(tmp_path, server_mode=True, allow=("localhost",)) as eng:
        ok = await eng.jobs.task_schedule(P, TaskCreate(url=f"http://localhost:{receiver.port}/ok",
                                                        delay_seconds=0))
        with pytest.raises(InvalidInput, match="INFRAI_ALLOW_PRIVATE_TARGETS") as refused:
            await eng.jobs.task_schedule(P, TaskCreate(url=f"http://127.0.0.1:{receiver.port}/no", delay_seconds=0))
        assert refused.value.field == "url"

        async def done() -> bool:
            a = await eng.jobs.task_get(P, ok.task_id)
            b = await eng.jobs.task_get(P, no.task_id)
            return a.state == "succeeded" and b.state == "failed"

        await until(done, what="allowed task succeeded, other refused")
    assert [r.path for r in receiver.requests] == ["/ok"]


async def test_allow_listed_cidr_reaches_every_kind(tmp_path: Path, receiver: Receiver) -> None:
    target = f"http://127.0.0.1:{receiver.port}"
    async with make_engine(tmp_path, server_mode=True, allow=("127.0.0.0/8",),
                           workflow_url=target + "/wf/{callback_id}") as eng:
        await eng.jobs.task_schedule(P, TaskCreate(url=target + "/task", delay_seconds=0,
                                                   result_url=target + "/result", events_url=target + "/events"))
        sent = await eng.webhooks.webhook_send(P, WebhookSend(url=target + "/webhook"))
        await eng.queues.queue_create(P, QueueCreate(name="q"))
        await eng.queues.queue_push_subscribe(P, "q", SubscriptionCreate(url=target + "/push"))
        await eng.queues.queue_publish(P, "q", MessageIn(payload={"n": 1}))
        await eng.jobs.schedule_create(P, "agent", ScheduleCreate(
            name="s", type="delayed", delay_seconds=0, callback_url=target + "/schedule"))
        await eng.jobs.schedule_create(P, "agent", ScheduleCreate(
            name="w", type="delayed", delay_seconds=0, callback_type="workflow", callback_id="wf1"))
        for path in ("/task", "/result", "/events", "/webhook", "/push", "/schedule", "/wf/wf1"):
            await receiver.wait_for(1, path=path)
        await until(lambda: _delivered(eng, sent.delivery_id), what="webhook recorded")


async def _delivered(eng: Engine, delivery_id: str) -> bool:
    return (await eng.webhooks.webhook_get(P, delivery_id)).state == "succeeded"


async def test_redirect_to_a_private_target_is_not_followed(tmp_path: Path, receiver: Receiver) -> None:
    # The allow-listed receiver answers 302 to another local address: not followed, recorded.
    receiver.program("/moved", [Reply(302, headers={"Location": f"http://localhost:{receiver.port}/inner"})])
    async with make_engine(tmp_path, server_mode=True, allow=("127.0.0.1/32",)) as eng:
        task = await eng.jobs.task_schedule(P, TaskCreate(url=f"http://127.0.0.1:{receiver.port}/moved",
                                                          delay_seconds=0, retries=3))
        sent = await eng.webhooks.webhook_send(P, WebhookSend(url=f"http://127.0.0.1:{receiver.port}/moved"))

        async def failed() -> bool:
            t = await eng.jobs.task_get(P, task.task_id)
            d = await eng.webhooks.webhook_get(P, sent.delivery_id)
            return t.state == "failed" and d.state == "failed"

        await until(failed, what="redirected requests failed")
        (run,) = (await eng.jobs.run_list(P, job_id=task.task_id)).items
        assert run.attempts == 1 and run.response_status == 302
        assert run.error is not None and "/inner" in run.error and "not followed" in run.error
    assert receiver.received("/inner") == []
    assert len(receiver.received("/moved")) == 2
