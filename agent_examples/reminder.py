"""Example 2: an agent asks to be woken up later.

The agent schedules "in 3 seconds" with a queue callback: when the schedule fires, the
payload is published to the agent's inbox queue. The agent (or any other) wakes up by
consuming that queue, handles the reminder and acknowledges it. No HTTP endpoint needed.

    python agent_examples/reminder.py
"""

from __future__ import annotations

import asyncio
import time

from _common import call, server
from mcp import Client


async def main() -> None:
    async with Client(server(), read_timeout_seconds=30) as client:
        await call(client, "queue_create", name="agent-inbox")
        sched = await call(
            client, "schedule_create", name="check the deploy", when="in 3 seconds", callback_type="queue",
            callback_id="agent-inbox", payload={"task": "check the deploy", "ticket": "OPS-42"}, agent_id="ops-bot",
        )
        print(f"scheduled {sched['id']}: {sched['description']} → inbox 'agent-inbox' (next {sched['next_fires'][0]})")
        started = time.monotonic()

        # The agent sleeps; here we poll the inbox (wait_seconds long-polls on the server).
        while True:
            got = await call(client, "queue_consume", queue="agent-inbox", wait_seconds=2)
            if got["messages"]:
                break
            if time.monotonic() - started > 20:
                raise SystemExit("the reminder did not arrive within 20 s")
        message = got["messages"][0]
        envelope = message["payload"]
        waited = time.monotonic() - started
        print(f"woken after {waited:.1f} s: {envelope['payload']} (schedule {envelope['schedule_id']})")
        assert envelope["payload"]["ticket"] == "OPS-42" and envelope["schedule_id"] == sched["id"]
        await call(client, "queue_ack", queue="agent-inbox", receipts=[message["receipt"]])

        for _ in range(50):
            done = await call(client, "schedule_get", schedule_id=sched["id"], agent_id="ops-bot")
            # the execution's outcome is recorded a moment after the schedule completes
            if done["status"] == "completed" and done["executions"][0]["status"] == "success":
                break
            await asyncio.sleep(0.1)
        assert done["status"] == "completed", done
        print(f"schedule {done['status']}; executions: {[e['status'] for e in done['executions']]}")


if __name__ == "__main__":
    asyncio.run(main())
