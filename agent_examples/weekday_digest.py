"""Example 1: a weekday digest.

An agent creates a cron job from a phrase ("every weekday at 9am"), reads back the
normalised schedule to confirm it, fires it once now to test it, verifies the signed request
at a local endpoint and reads the run back.

    python agent_examples/weekday_digest.py
"""

from __future__ import annotations

import asyncio

from _common import Endpoint, call, server, verify_signature
from mcp import Client

SECRET = "whsec_ZGlnZXN0LWV4YW1wbGUtc2lnbmluZy1rZXk="


async def main() -> None:
    endpoint = Endpoint()
    async with Client(server(INFRAI_TIMEZONE="America/New_York"), read_timeout_seconds=30) as client:
        job = await call(
            client, "cron_create", name="weekday digest", schedule="every weekday at 9am",
            url=endpoint.url("/digest"), payload={"segment": "active-users"}, secret=SECRET,
        )
        print(f"created {job['cron_id']}: {job['schedule']} = {job['description']} ({job['timezone']})")
        print("next fires (UTC):", ", ".join(job["next_fires"][:3]), "...")
        assert job["schedule"] == "0 9 * * 1-5"

        run = await call(client, "cron_trigger", cron_id=job["cron_id"])
        request = await asyncio.to_thread(endpoint.wait)
        assert verify_signature(SECRET, request.headers, request.body), "bad signature"
        assert request.json() == {"segment": "active-users"}
        print(f"received {request.path}, webhook-id {request.headers['webhook-id']}, signature verified")

        for _ in range(100):
            got = await call(client, "run_get", run_id=run["run_id"])
            if got["state"] in ("succeeded", "failed"):
                break
            await asyncio.sleep(0.1)
        assert got["state"] == "succeeded", got
        print(f"run {got['run_id']}: {got['state']}, HTTP {got['response_status']}, {got['attempts']} attempt(s)")
    endpoint.close()


if __name__ == "__main__":
    asyncio.run(main())
