"""Example: "pause everything of the ops-bot agent, then resume it".

One `pause` call by agent_id stops all of that agent's schedules: the first attempt is refused
with the list of what would change (the agent shows it to the user), the second carries
confirm=true. `upcoming` then shows none of them; `pause` with resume=true and the same
agent_id brings them back together. Another agent's schedule is never touched.

    python agent_examples/pause_an_agent.py
"""

from __future__ import annotations

import asyncio

from _common import server
from mcp import Client

URL = "https://example.com/hook"  # nothing here fires within the example


async def tool(client: Client, tool_name: str, /, **args: object) -> tuple[bool, dict[str, object] | str]:
    res = await client.call_tool(tool_name, args)
    if res.is_error:
        return False, res.content[0].text  # type: ignore[union-attr]
    assert res.structured_content is not None
    return True, res.structured_content


async def main() -> None:
    async with Client(server(), read_timeout_seconds=30) as client:
        mine = []
        for name, when in (("standup notes", "every weekday at 9am"), ("backup check", "every day at 2am"),
                           ("weekly summary", "every friday at 5pm")):
            ok, s = await tool(client, "schedule_create", name=name, when=when, callback_url=URL, agent_id="ops-bot")
            assert ok and isinstance(s, dict), s
            mine.append(s["id"])
        ok, other = await tool(client, "schedule_create", name="other agent", when="every hour", callback_url=URL,
                               agent_id="sales-bot")
        assert ok and isinstance(other, dict)

        ok, refusal = await tool(client, "pause", agent_id="ops-bot")
        assert not ok and isinstance(refusal, str) and "confirm" in refusal
        print(f"asked first: {refusal}")
        ok, paused = await tool(client, "pause", agent_id="ops-bot", confirm=True)
        assert ok and isinstance(paused, dict)
        items = paused["items"]
        assert isinstance(items, list) and {i["id"] for i in items} == set(mine)
        print("paused:", ", ".join(f"{i['name']} ({i['status']})" for i in items))

        ok, ahead = await tool(client, "upcoming", hours=48)
        assert ok and isinstance(ahead, dict) and isinstance(ahead["fires"], list)
        assert not {f["id"] for f in ahead["fires"]} & set(mine) and other["id"] in {f["id"] for f in ahead["fires"]}

        ok, resumed = await tool(client, "pause", agent_id="ops-bot", resume=True, confirm=True)
        assert ok and isinstance(resumed, dict) and isinstance(resumed["items"], list)
        assert {i["status"] for i in resumed["items"]} == {"active"}
        print("resumed:", ", ".join(f"{i['name']} (next {i['next_run']})" for i in resumed["items"]))


if __name__ == "__main__":
    asyncio.run(main())
