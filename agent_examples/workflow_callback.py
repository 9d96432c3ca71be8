"""Example 3: a schedule that starts a workflow.

`callback_type="workflow"` POSTs to the workflow runner at INFRAI_WORKFLOW_URL (a URL
template with {callback_id}), signed with INFRAI_WORKFLOW_SECRET, carrying the schedule and
execution ids. Here the "workflow runner" is a small local endpoint that verifies the call.

    python agent_examples/workflow_callback.py
"""

from __future__ import annotations

import asyncio

from _common import Endpoint, call, server, verify_signature
from mcp import Client

WORKFLOW_SECRET = "whsec_d29ya2Zsb3ctcnVubmVyLXNpZ25pbmcta2V5"


async def main() -> None:
    runner = Endpoint()
    env = {
        "INFRAI_WORKFLOW_URL": runner.url("/workflows/{callback_id}/runs"),
        "INFRAI_WORKFLOW_SECRET": WORKFLOW_SECRET,
    }
    async with Client(server(**env), read_timeout_seconds=30) as client:
        sched = await call(
            client, "schedule_create", name="nightly report", when="in 2 seconds", callback_type="workflow",
            callback_id="report-wf", payload={"report": "sales"},
        )
        print(f"scheduled {sched['id']} ({sched['type']}): {sched['description']}, workflow 'report-wf'")

        call_in = await asyncio.to_thread(runner.wait)
        assert call_in.path == "/workflows/report-wf/runs", call_in.path
        assert verify_signature(WORKFLOW_SECRET, call_in.headers, call_in.body), "bad signature"
        body = call_in.json()
        assert body["schedule_id"] == sched["id"] and body["payload"] == {"report": "sales"}
        print(f"workflow runner got {call_in.path}: schedule {body['schedule_id']}, execution {body['execution_id']}")

        for _ in range(50):
            got = await call(client, "schedule_get", schedule_id=sched["id"])
            if got["executions"] and got["executions"][0]["status"] == "success":
                break
            await asyncio.sleep(0.1)
        assert got["executions"][0]["status"] == "success", got
        print(f"execution {got['executions'][0]['id']} recorded as {got['executions'][0]['status']}")
    runner.close()


if __name__ == "__main__":
    asyncio.run(main())
