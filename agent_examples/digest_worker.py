"""Example 4: seed 000's story with the Python SDK: a cron job feeds a task queue, a worker drains it.

`infra.cron.create("0 9 * * *", "send-daily-digest", ...)` names a queue, not a URL: every fire
publishes the job's payload (with its job id, run id and scheduled time) to `send-daily-digest`.
Here the job is triggered once instead of waiting for 09:00, a manual message is published next
to it, and a worker loop handles both: `infra.queue.listen` acks each message the loop body
finishes and gives back (nacks) one whose handling raised.

    python agent_examples/digest_worker.py
"""

from __future__ import annotations

import os
import tempfile

# A throw-away store for the example; without INFRAI_HOME the SDK uses the per-user data dir.
os.environ["INFRAI_HOME"] = tempfile.mkdtemp(prefix="infrai-example-")
for name in ("INFRAI_BASE_URL", "INFRAI_API_KEY", "INFRAI_DATABASE_URL"):
    os.environ.pop(name, None)

from infrai_mcp.sdk import infra  # noqa: E402  (after the environment is set)


def send_digest(segment: str) -> str:
    return f"digest sent to {segment}"


def main() -> None:
    job = infra.cron.create("0 9 * * *", "send-daily-digest", name="daily-digest", timezone="UTC",
                            payload={"segment": "active-users"})
    print(f"cron job {job['cron_id']} publishes to '{job['task']}'; next fire {job['next_run_at']}")
    run = infra.cron.trigger(job["cron_id"])  # fire once now
    infra.queue.publish("send-daily-digest", {"segment": "beta-testers", "kind": "manual-trigger"})

    handled = []
    for msg in infra.queue.listen("send-daily-digest", wait_seconds=5, until_empty=True):
        body = msg["payload"]
        # A fire's message carries the job's payload under "payload" next to where it came from.
        work = body["payload"] if "run_id" in body else body
        print(f"{msg['message_id']}: {send_digest(work['segment'])}"
              + (f" (run {body['run_id']} of {body['cron_id']})" if "run_id" in body else " (published by hand)"))
        handled.append(work["segment"])
    assert sorted(handled) == ["active-users", "beta-testers"], handled
    assert infra.cron.run(job["cron_id"], run["run_id"])["state"] == "succeeded"
    stats = infra.queue.stats("send-daily-digest")
    assert (stats["available"], stats["in_flight"]) == (0, 0), stats  # every message acked
    print("queue drained: every message acked")


if __name__ == "__main__":
    main()
