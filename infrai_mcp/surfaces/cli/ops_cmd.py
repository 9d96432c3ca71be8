"""``infrai-mcp queue ...`` and ``infrai-mcp schedule ...``: what agents created through the tools
(queues and their messages, agent schedules), seen and managed from a terminal.

Like ``cron``/``task`` these open the local store without dispatching; changes wake the
background engine of the data dir.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import Any

from infrai_mcp.core.errors import NotFound
from infrai_mcp.models.queues import DeadLetter, Queue, QueueStats
from infrai_mcp.models.schedules import Schedule, ScheduleUpdate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.cli.engine_cmd import _call, _common, _emit, _guarded, _when, table


def _fields(value: Any) -> str:
    d = value.model_dump(mode="json")
    return "\n".join(f"{k:>26}: {'-' if v is None else v}" for k, v in d.items() if k != "executions")


# -- queues ---------------------------------------------------------------------------------
async def _all_queues(e: Engine, project: str) -> list[Queue]:
    out: list[Queue] = []
    cursor = None
    while True:
        page = await e.queues.queue_list(project, cursor=cursor, limit=200)
        out += page.items
        if not page.next_cursor:
            return out
        cursor = page.next_cursor


def _queue_ls(args: argparse.Namespace) -> int:
    async def go(e: Engine) -> list[tuple[Queue, QueueStats]]:
        return [(q, await e.queues.queue_stats(args.project, q.queue)) for q in await _all_queues(e, args.project)]

    found = _call(go)
    rows = [[q.queue, q.type, str(s.available), str(s.in_flight), str(s.delayed), str(s.dlq),
             q.dead_letter_queue or "-"] for q, s in found]
    header = ["QUEUE", "TYPE", "AVAILABLE", "IN FLIGHT", "DELAYED", "DEAD", "DLQ"]
    data = [q.model_dump(mode="json") | {"stats": s.model_dump(mode="json")} for q, s in found]
    return _emit(args, data if args.json else rows, lambda r: table(r, header) if r else "no queues")


def _queue_show(args: argparse.Namespace) -> int:
    async def go(e: Engine) -> tuple[Queue, QueueStats]:
        return await e.queues.queue_get(args.project, args.name), await e.queues.queue_stats(args.project, args.name)

    q, s = _call(go)
    if args.json:
        return _emit(args, q.model_dump(mode="json") | {"stats": s.model_dump(mode="json")}, str)
    print(_fields(q))
    print(_fields(s))
    return 0


def _queue_dlq(args: argparse.Namespace) -> int:
    page = _call(lambda e: e.queues.queue_dlq_list(args.project, args.name, limit=args.limit))

    def rows(items: list[DeadLetter]) -> str:
        out = [[m.message_id, m.source_queue, str(m.receive_count), _when(m.dead_lettered_at),
                (m.last_error or "")[:60]] for m in items]
        header = ["MESSAGE", "FROM", "RECEIVES", "DEAD SINCE (UTC)", "LAST ERROR"]
        return table(out, header) if out else "no dead letters"

    return _emit(args, page, lambda p: rows(p.items))


def _queue_purge(args: argparse.Namespace) -> int:
    done = _call(lambda e: e.queues.queue_purge(args.project, args.name))
    return _emit(args, done, lambda d: f"purged {args.name}: {d.model_dump(mode='json')}")


def _queue_rm(args: argparse.Namespace) -> int:
    done = _call(lambda e: e.queues.queue_delete(args.project, args.name))
    return _emit(args, done, lambda d: f"deleted queue {d.id}")


# -- agent schedules ------------------------------------------------------------------------
def _schedule_rows(items: list[Schedule]) -> str:
    rows = [[s.id, s.agent_id, s.name[:30], s.type, s.cron_expression or (f"{s.delay_seconds} s" if s.delay_seconds
             else "-"), s.timezone, s.status, _when(s.next_run), f"{s.callback_type}:{s.callback_id or s.callback_url}"]
            for s in items]
    header = ["ID", "AGENT", "NAME", "TYPE", "WHEN", "TZ", "STATUS", "NEXT RUN (UTC)", "CALLBACK"]
    return table(rows, header) if rows else "no agent schedules"


def _schedule_ls(args: argparse.Namespace) -> int:
    async def go(e: Engine) -> list[Schedule]:
        out: list[Schedule] = []
        cursor = None
        while True:
            page = await e.jobs.schedule_list(args.project, args.agent, status=args.status, cursor=cursor, limit=200)
            out += page.items
            if not page.next_cursor:
                return out
            cursor = page.next_cursor

    found = _call(go)
    return _emit(args, [s.model_dump(mode="json") for s in found] if args.json else found, _schedule_rows)


async def _agent_of(e: Engine, project: str, schedule_id: str, agent: str | None) -> str:
    """The schedule's agent: given, or found by id among every agent's schedules."""
    if agent:
        return agent
    cursor = None
    while True:
        page = await e.jobs.schedule_list(project, None, cursor=cursor, limit=200)
        for s in page.items:
            if s.id == schedule_id:
                return s.agent_id
        if not page.next_cursor:
            raise NotFound(f"No agent schedule {schedule_id!r}.", hint="schedule")
        cursor = page.next_cursor


def _schedule_op(op: Callable[[Engine, str, str, str], Awaitable[Any]],
                 render: Callable[[Any], str]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        async def go(e: Engine) -> Any:
            return await op(e, args.project, await _agent_of(e, args.project, args.id, args.agent), args.id)

        return _emit(args, _call(go), render)

    return run


def _show_schedule(s: Schedule) -> str:
    runs = [[x.id, x.status, _when(x.executed_at), x.run_id or "-", (x.error or "")[:60]] for x in s.executions or []]
    header = ["EXECUTION", "STATUS", "EXECUTED (UTC)", "RUN", "ERROR"]
    return _fields(s) + ("\n\n" + table(runs, header) if runs else "")


def _pause(status: str) -> Callable[[Engine, str, str, str], Awaitable[Any]]:
    async def op(e: Engine, project: str, agent: str, sid: str) -> Any:
        return await e.jobs.schedule_update(project, agent, sid, ScheduleUpdate.model_validate({"status": status}))

    return op


def register(sub: Any) -> None:
    queue = sub.add_parser("queue", help="See and manage message queues in the local store.")
    qs = queue.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    p = qs.add_parser("ls", help="List queues with their message counts.")
    _common(p)
    p.set_defaults(func=_guarded(_queue_ls))
    for name, fn, text in (("show", _queue_show, "Show one queue and its counts."),
                           ("dlq", _queue_dlq, "List a queue's dead letters."),
                           ("purge", _queue_purge, "Delete every message of a queue (the queue stays)."),
                           ("rm", _queue_rm, "Delete a queue and its messages.")):
        p = qs.add_parser(name, help=text)
        p.add_argument("name")
        if name == "dlq":
            p.add_argument("--limit", type=int, default=50)
        _common(p)
        p.set_defaults(func=_guarded(fn))

    sched = sub.add_parser("schedule", help="See and manage agent schedules in the local store.")
    ss = sched.add_subparsers(dest="schedule_command", metavar="ACTION", required=True)
    p = ss.add_parser("ls", help="List agent schedules (every agent's unless --agent).")
    p.add_argument("--agent", help="Only this agent's schedules.")
    p.add_argument("--status", choices=["active", "paused", "completed"])
    _common(p)
    p.set_defaults(func=_guarded(_schedule_ls))
    ops: list[tuple[str, Callable[[Engine, str, str, str], Awaitable[Any]], Callable[[Any], str], str]] = [
        ("show", lambda e, p_, a, i: e.jobs.schedule_get(p_, a, i), _show_schedule,
         "Show one schedule with its recent executions."),
        ("pause", _pause("paused"), lambda s: _schedule_rows([s]), "Pause a schedule."),
        ("resume", _pause("active"), lambda s: _schedule_rows([s]), "Resume a paused schedule."),
        ("rm", lambda e, p_, a, i: e.jobs.schedule_delete(p_, a, i), lambda d: f"deleted {d.id}",
         "Delete a schedule."),
    ]
    for name, op, render, text in ops:
        p = ss.add_parser(name, help=text)
        p.add_argument("id")
        p.add_argument("--agent", help="The schedule's agent (default: found by id).")
        _common(p)
        p.set_defaults(func=_guarded(_schedule_op(op, render)))
