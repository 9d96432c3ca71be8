"""``infrai-mcp serve|worker`` (run the engine) and the operator CLI ``cron ...`` / ``task ...``.

The operator commands open the store with ``dispatch=False``: they never fire anything
themselves. A running ``serve``/``worker`` notices their changes within its 1 s poll.
``run_serve`` is the seam the REST/MCP-over-HTTP layer extends (pass ``api``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from infrai_mcp.config import Settings
from infrai_mcp.core.errors import InfraiError
from infrai_mcp.core.hints import render
from infrai_mcp.models.common import MAX_JSON_DEPTH, invalid_from_validation
from infrai_mcp.models.jobs import CronCreate, CronJob, Run, Task, TaskCreate, target_text
from infrai_mcp.runtime.engine import DEFAULT_PROJECT, Engine

# The time-phrase helpers of the operator commands (cron add, task add) are imported where
# used: they load the MCP SDK, which `serve`/`worker` never need at start (about half of the
# CLI's import time; restart-to-first-fire waits for it).

log = logging.getLogger("infrai.serve")
ApiRunner = Callable[[Engine], Awaitable[None]]


# -- serve / worker ------------------------------------------------------------------------
# Loggers of the HTTP stack that print message bodies at DEBUG (sse_starlette writes every
# MCP response chunk, tool results included): kept at INFO even under -v, so no response
# body reaches a log at any level.
BODY_LOGGERS = ("sse_starlette",)


def setup_logging(verbose: bool = False, default: int = logging.INFO) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else default,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for name in BODY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, default))


def tune_gc() -> None:
    """Fewer, cheaper garbage collections for a long-running engine process.

    A burst of thousands of due runs allocates many short-lived objects; with the default
    thresholds the cyclic GC ran often enough to cost ~15% of fires/s in
    bench/fire_lateness.py. Freezing what start-up allocated takes it out of every
    later full collection. Process-wide, so only ``serve``/``worker`` call it.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


async def serve_engine(settings: Settings, *, api: ApiRunner | None = None, server_mode: bool = True) -> None:
    """Run the engine until SIGINT/SIGTERM (or until ``api`` returns: uvicorn owns signals then).

    On stop, in-flight runs get the scheduler's grace period to finish; the rest are
    released so the next start retries them (same webhook-id).
    """
    async with Engine(settings, server_mode=server_mode) as engine:
        log.info("engine running: store %s, lease %.0f s, owner %s", settings.sqlite_path,
                 engine.scheduler.lease_seconds, engine.scheduler.owner)
        if server_mode:
            allowed = ",".join(settings.allow_private_targets) or "none"
            log.info("server mode: loopback/private/link-local/metadata targets are refused "
                     "(INFRAI_ALLOW_PRIVATE_TARGETS allows: %s)", allowed)
        if api is not None:
            await api(engine)
        else:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):  # e.g. Windows
                    loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        log.info("stopping: finishing or releasing in-flight runs")
    log.info("stopped")


def run_serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8787,
    *,
    api: Callable[[Engine, str, int], Awaitable[None]] | None = None,
    server_mode: bool = True,
    verbose: bool = False,
) -> int:
    """``infrai-mcp serve``: the engine in the foreground; ``api(engine, host, port)`` adds HTTP."""
    setup_logging(verbose)
    tune_gc()
    runner: ApiRunner | None = None
    if api is not None:
        api_fn = api

        async def runner(engine: Engine) -> None:
            await api_fn(engine, host, port)

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_engine(settings, api=runner, server_mode=server_mode))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from infrai_mcp.surfaces.rest.server import serve_api  # REST + MCP over Streamable HTTP beside the engine

    return run_serve(Settings.from_env(), args.host, args.port, api=serve_api, verbose=args.verbose)


def _worker(args: argparse.Namespace) -> int:
    return run_serve(Settings.from_env(), verbose=args.verbose)


# -- operator CLI ----------------------------------------------------------------------------
def _call(fn: Callable[[Engine], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        async with Engine(Settings.from_env(), dispatch=False) as engine:
            return await fn(engine)

    return asyncio.run(go())


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") + "Z" if value is not None else "-"


def table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    return "\n".join(lines)


def _emit(args: argparse.Namespace, value: Any, render: Callable[[Any], str]) -> int:
    if args.json:
        data = value.model_dump(mode="json") if isinstance(value, BaseModel) else value
        print(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    else:
        print(render(value))
    return 0


def _cron_rows(jobs: list[CronJob]) -> str:
    rows = [[j.cron_id, j.name[:30], (j.description if (j.schedule_kind or "cron") != "cron" else j.schedule)
             or f"at {_when(j.run_at)}", j.timezone, j.status,
             _when(j.next_run_at), target_text(j.url, j.queue)[:50]] for j in jobs]
    header = ["ID", "NAME", "SCHEDULE", "TZ", "STATUS", "NEXT RUN (UTC)", "TARGET"]
    return table(rows, header) if rows else "no cron jobs"


def _run_rows(runs: list[Run]) -> str:
    rows = [[r.run_id, r.state, r.trigger, _when(r.scheduled_for), str(r.attempts),
             str(r.response_status or "-"), f"{r.duration_ms} ms" if r.duration_ms is not None else "-",
             (r.error or "")[:60]] for r in runs]
    header = ["RUN", "STATE", "TRIGGER", "SCHEDULED (UTC)", "ATTEMPTS", "STATUS", "DURATION", "ERROR"]
    return table(rows, header) if rows else "no runs"


def _task_rows(tasks: list[Task]) -> str:
    rows = [[t.task_id, (t.name or "")[:30], t.state, _when(t.run_at), target_text(t.url, t.queue)[:50]] for t in tasks]
    return table(rows, ["ID", "NAME", "STATE", "RUN AT (UTC)", "TARGET"]) if rows else "no tasks"


def _show(job: CronJob) -> str:
    d = job.model_dump(mode="json")
    return "\n".join(f"{k:>18}: {'-' if v is None else v}" for k, v in d.items())


def _headers(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition(":")
        if not sep:
            raise InfraiError(f"--header {item!r}: use NAME:VALUE, e.g. 'X-Team: ops'")
        out[name.strip()] = value.strip()
    return out


def _payload(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InfraiError(f"--payload is not JSON ({exc.msg}); e.g. '{{\"report\": \"daily\"}}'") from None
    except RecursionError:  # json's decoder recurses per level; the model states the bound
        raise InfraiError(f"--payload is nested more than {MAX_JSON_DEPTH} levels deep; flatten it") from None


def _target(args: argparse.Namespace) -> dict[str, Any]:
    fields = {"url": args.url, "queue": args.queue, "method": args.method, "headers": _headers(args.header),
              "payload": _payload(args.payload), "retries": args.retries, "timeout_seconds": args.timeout,
              "secret": args.secret, "on_failure_webhook": args.on_failure, "name": args.name,
              "idempotency_key": args.idempotency_key}
    return {k: v for k, v in fields.items() if v is not None}


def _cron_add(args: argparse.Namespace) -> int:
    # The same time fields as the MCP tools: a phrase or the exact form, read in --timezone
    # (a zone named in the phrase wins, e.g. "each day at 06:00 UTC").
    from infrai_mcp.surfaces.mcp.timefields import resolve_instant, resolve_recurrence, schedule_fields

    now = datetime.now(UTC)
    tz = _zone(args)
    data = _target(args) | {"timezone": tz, "overlap_policy": args.overlap,
                            "misfire_policy": args.misfire, "enabled": not args.disabled}
    if args.schedule and args.kind:
        data |= {"schedule": args.schedule.replace(" + ", "\n"), "schedule_kind": args.kind,
                 "schedule_start": args.start}
    elif args.schedule:
        when = resolve_recurrence(args.schedule, field="schedule", tz=tz, now=now,
                                  one_shot_hint="For a job that fires once use --run-at (or `infrai-mcp task add`).")
        data |= {k: v for k, v in schedule_fields(when).items() if v is not None}
        data["timezone"] = when.timezone
    if args.holidays or args.except_dates:
        ex = dict(data.get("exclusions") or {})
        ex["holidays"] = [*ex.get("holidays", []), *(args.holidays or "").split(",")] if args.holidays else \
            ex.get("holidays", [])
        ex["dates"] = [*ex.get("dates", []), *(args.except_dates or "").split(",")] if args.except_dates else \
            ex.get("dates", [])
        data["exclusions"] = ex
    if args.jitter is not None:
        data["jitter_seconds"] = args.jitter
    if args.run_at:
        data["run_at"] = resolve_instant(args.run_at, field="run_at", tz=tz, now=now,
                                         recurring_hint="For a repeating job use --schedule.")
    if args.max_runs:
        data["max_runs"] = args.max_runs
    req = CronCreate.model_validate(data)
    return _emit(args, _call(lambda e: e.jobs.cron_create(args.project, req)), lambda j: _cron_rows([j]))


def _cron_ls(args: argparse.Namespace) -> int:
    async def all_jobs(e: Engine) -> list[CronJob]:
        out: list[CronJob] = []
        cursor = None
        while True:
            page = await e.jobs.cron_list(args.project, cursor=cursor, limit=500)
            out += page.items
            if not page.next_cursor:
                return out
            cursor = page.next_cursor

    jobs = _call(all_jobs)
    return _emit(args, [j.model_dump(mode="json") for j in jobs] if args.json else jobs, _cron_rows)


def _cron_runs(args: argparse.Namespace) -> int:
    # By job id, whether or not the job still exists: the history of a deleted job stays readable.
    page = _call(lambda e: e.jobs.run_list(args.project, job_id=args.id, limit=args.limit))
    return _emit(args, page, lambda p: _run_rows(p.items))


def _cron_simple(op: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        value = _call(lambda e: getattr(e.jobs, op)(args.project, args.id))
        if op == "cron_trigger":
            return _emit(args, value, lambda r: f"triggered {r.run_id} (a running serve fires it within 1 s)")
        if op == "cron_delete":
            return _emit(args, value, lambda d: f"deleted {d.id}")
        return _emit(args, value, _show if op == "cron_get" else lambda j: _cron_rows([j]))

    return run


def _zone(args: argparse.Namespace) -> str:
    """--timezone, else INFRAI_TIMEZONE / the machine's zone: the default the MCP tools use, so a
    phrase previewed with `infrai-mcp when` and scheduled here means the same instant."""
    from infrai_mcp.surfaces.mcp.timefields import server_timezone, zone

    return zone(args.timezone, server_timezone(Settings.from_env().timezone))


def timezone_arg(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--timezone", "--tz", dest="timezone",
                   help=f"IANA zone {what} is read in (default: INFRAI_TIMEZONE, else the machine's zone).")


def _task_add(args: argparse.Namespace) -> int:
    from infrai_mcp.surfaces.mcp.timefields import resolve_delay, resolve_instant

    data = _target(args)
    if args.run_at:
        data["run_at"] = resolve_instant(args.run_at, field="run_at", tz=_zone(args),
                                         now=datetime.now(UTC),
                                         recurring_hint="For a repeating job use `infrai-mcp cron add --schedule`.")
    if args.delay is not None:
        data["delay_seconds"] = resolve_delay(args.delay, field="--in")
    req = TaskCreate.model_validate(data)
    return _emit(args, _call(lambda e: e.jobs.task_schedule(args.project, req)), lambda t: _task_rows([t]))


def _task_ls(args: argparse.Namespace) -> int:
    page = _call(lambda e: e.jobs.task_list(args.project, state=args.state, limit=args.limit))
    return _emit(args, page, lambda p: _task_rows(p.items))


def _task_cancel(args: argparse.Namespace) -> int:
    task = _call(lambda e: e.jobs.task_cancel(args.project, args.id))
    return _emit(args, task, lambda t: _task_rows([t]))


def _guarded(fn: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            return fn(args)
        except ValidationError as exc:
            print(f"error: {invalid_from_validation(exc).message}", file=sys.stderr)
        except InfraiError as exc:
            print(f"error: {render(exc, 'cli')}", file=sys.stderr)
        return 2

    return run


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--project", default=DEFAULT_PROJECT, help="Project to act in (default: %(default)s).")
    p.add_argument("--json", action="store_true", help="Print JSON instead of a table.")


def _target_args(p: argparse.ArgumentParser) -> None:
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="http(s) URL that receives the request.")
    target.add_argument("--queue", help="Instead of --url: queue each fire publishes to (payload, job id, run id, "
                        "scheduled time); created on first use.")
    p.add_argument("--name", help="A readable name.")
    p.add_argument("--method", help="HTTP method (default POST).")
    p.add_argument("--header", action="append", metavar="NAME:VALUE", help="Request header; repeatable.")
    p.add_argument("--payload", help="JSON body, e.g. '{\"report\": \"daily\"}'.")
    p.add_argument("--retries", type=int, help="Retries after a failed attempt, 0-10 (default 3).")
    p.add_argument("--timeout", type=int, help="Per-attempt timeout, 1-900 s (default 300).")
    p.add_argument("--secret", help="Signing secret (whsec_... or any 8+ chars); never shown again.")
    p.add_argument("--on-failure", help="URL that receives the run record after the last failed attempt.")
    p.add_argument("--idempotency-key", help="Same key returns the first job instead of a duplicate.")


def register(sub: Any) -> None:
    serve_text = ("Run the engine with the REST API, MCP over Streamable HTTP (/mcp) and the dashboard (/ui) "
                  "on one port, behind API keys (infrai-mcp keys create). Ctrl-C stops.")
    for name, fn, text in (("serve", _serve, serve_text),
                           ("worker", _worker, "Run the engine without any API (fires jobs only; for scale-out).")):
        p = sub.add_parser(name, help=text, description=text)
        if name == "serve":
            p.add_argument("--host", default="127.0.0.1", help="Address to listen on (default: %(default)s).")
            p.add_argument("--port", type=int, default=8787, help="Port to listen on (default: %(default)s).")
        # serve and worker always run in server mode (private targets refused unless
        # INFRAI_ALLOW_PRIVATE_TARGETS allows them); the old flag is accepted and ignored.
        p.add_argument("--server-mode", action="store_true", help=argparse.SUPPRESS)
        p.add_argument("-v", "--verbose", action="store_true")
        p.set_defaults(func=fn)

    cron = sub.add_parser("cron", help="See and manage cron jobs in the local store.")
    cs = cron.add_subparsers(dest="cron_command", metavar="ACTION", required=True)
    add = cs.add_parser("add", help="Create a cron job (or a one-shot with --run-at).")
    add.add_argument("--schedule", help="'every weekday at 9am', '每天早上9点', or cron: 5 fields, 6 with "
                     "seconds first, or @daily-style macro (try `infrai-mcp when`).")
    add.add_argument("--run-at", help="One-shot: 'tomorrow at 3pm', 'in 2 hours' or ISO 8601, e.g. "
                     "2026-12-01T09:00:00Z.")
    timezone_arg(add, "the schedule")
    add.add_argument("--overlap", default="allow", choices=["allow", "skip", "queue"])
    add.add_argument("--misfire", default="run_once", choices=["run_once", "skip", "run_all"])
    add.add_argument("--max-runs", type=int)
    add.add_argument("--disabled", action="store_true", help="Create paused.")
    add.add_argument("--kind", choices=("cron", "interval", "rrule"),
                     help="Read --schedule exactly as this kind: cron, interval (seconds) or rrule (RFC 5545 "
                          "RRULE; ';'-separated parts, rules joined with ' + ') instead of as a phrase.")
    add.add_argument("--start", help="interval: first fire (ISO 8601); rrule: DTSTART (wall time).")
    add.add_argument("--holidays", help="Skip public holidays: ISO countries, e.g. 'US' or 'DE/BY,FR'.")
    add.add_argument("--except", dest="except_dates",
                     help="Skip dates: --except=2026-12-24,--12-25 (--MM-DD: every year).")
    add.add_argument("--jitter", type=int, help="Fire a fixed 0..N s after each time (per job).")
    _target_args(add)
    _common(add)
    add.set_defaults(func=_guarded(_cron_add))
    ls = cs.add_parser("ls", help="List cron jobs.")
    _common(ls)
    ls.set_defaults(func=_guarded(_cron_ls))
    runs = cs.add_parser("runs", help="Recent runs of a cron job (also a deleted one), newest first.")
    runs.add_argument("id")
    runs.add_argument("--limit", type=int, default=20)
    _common(runs)
    runs.set_defaults(func=_guarded(_cron_runs))
    for action, op, text in (("show", "cron_get", "Show one cron job."), ("pause", "cron_pause", "Pause a job."),
                             ("resume", "cron_resume", "Resume from now (no burst of missed runs)."),
                             ("trigger", "cron_trigger", "Run a job now (a running serve fires it)."),
                             ("rm", "cron_delete", "Delete a job (stops future runs).")):
        p = cs.add_parser(action, help=text)
        p.add_argument("id")
        _common(p)
        p.set_defaults(func=_guarded(_cron_simple(op)))

    task = sub.add_parser("task", help="See and manage one-shot tasks in the local store.")
    ts = task.add_subparsers(dest="task_command", metavar="ACTION", required=True)
    tadd = ts.add_parser("add", help="Schedule a one-shot HTTP request.")
    when = tadd.add_mutually_exclusive_group(required=True)
    when.add_argument("--run-at", help="'tomorrow at 3pm', 'in 20 minutes' or ISO 8601, e.g. 2026-12-01T09:00:00Z.")
    when.add_argument("--in", dest="delay", metavar="DELAY", help="Delay from now: '20 minutes', '1h30m' or seconds.")
    timezone_arg(tadd, "--run-at")
    _target_args(tadd)
    _common(tadd)
    tadd.set_defaults(func=_guarded(_task_add))
    tls = ts.add_parser("ls", help="List tasks.")
    tls.add_argument("--state", choices=["scheduled", "running", "succeeded", "failed", "cancelled"])
    tls.add_argument("--limit", type=int, default=50)
    _common(tls)
    tls.set_defaults(func=_guarded(_task_ls))
    tc = ts.add_parser("cancel", help="Cancel a scheduled task.")
    tc.add_argument("id")
    _common(tc)
    tc.set_defaults(func=_guarded(_task_cancel))
