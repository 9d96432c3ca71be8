"""Example: the user asks "what runs in the next 24 hours?".

The agent has set up a recurring report (cron job), a one-time call (task) and a reminder of
its own (agent schedule); one `upcoming` call answers across all three, each fire in UTC and in
the user's zone.

    python agent_examples/next_24_hours.py
"""

from __future__ import annotations

import asyncio

from _common import call, server
from mcp import Client

URL = "https://example.com/hook"  # nothing here fires within the example


async def main() -> None:
    async with Client(server(INFRAI_TIMEZONE="Europe/Berlin"), read_timeout_seconds=30) as client:
        report = await call(client, "cron_create", name="sales report", schedule="every 6 hours", url=URL)
        task = await call(client, "task_schedule", name="renew certificate", url=URL, run_at="in 3 hours")
        sched = await call(client, "schedule_create", name="check the deploy", when="in 5 hours", callback_url=URL,
                           agent_id="ops-bot")
        await call(client, "task_schedule", name="next week", url=URL, run_at="in 8 days")  # outside the window

        got = await call(client, "upcoming", hours=24)
        print(f"In the next 24 hours ({got['timezone']}):")
        for fire in got["fires"]:
            print(f"  {fire['local']}  ({fire['at']} UTC)  {fire['kind']:<8} {fire['name']}")
        seen = {f["id"] for f in got["fires"]}
        assert {report["cron_id"], task["task_id"], sched["id"]} <= seen, seen
        assert sum(f["id"] == report["cron_id"] for f in got["fires"]) in (4, 5)
        assert "next week" not in {f["name"] for f in got["fires"]} and not got["more"]
        assert all(f["local"].endswith(("+01:00", "+02:00")) for f in got["fires"])  # Berlin time


if __name__ == "__main__":
    asyncio.run(main())
