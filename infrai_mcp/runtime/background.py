"""The background engine: one detached engine process per data dir that outlives MCP clients.

``ensure_engine`` (called by the stdio MCP server on the embedded store) attaches to the data
dir's running engine or starts one: a new session without a controlling terminal, stdin from
the null device, stdout/stderr into ``engine.log`` in the data dir (rotated at 1 MB, three old
files kept). An engine of an older version is stopped first and replaced; one that died (a
crash, SIGKILL) left its state file behind but no lock holder, and is simply started again:
the runs it held come back through their leases with the same ``webhook-id``.

``run_engine`` is that process (``infrai-mcp engine run``, also what the login service starts):
the engine with dispatch on, the control socket (``runtime/control.py``), and a stop on
SIGTERM/SIGINT, on ``engine stop``, or when its data dir disappears.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any, cast

from infrai_mcp import __version__
from infrai_mcp.config import Settings
from infrai_mcp.runtime.control import (
    HOST,
    LOG_FILE,
    STATE_FILE,
    EngineInfo,
    InstanceLock,
    alive,
    read_info,
    remove_info,
    request,
    running,
    write_info,
)

log = logging.getLogger("infrai.background")
LOG_BYTES = 1_000_000
LOG_BACKUPS = 3
START_TIMEOUT = 20.0
STOP_TIMEOUT = 25.0  # the scheduler's 10 s grace for in-flight runs, then store close
WATCH_SECONDS = 5.0  # how often the engine checks that its data dir still exists


class BackgroundError(RuntimeError):
    """The background engine could not be started or stopped; the message says why."""


def engine_command(home: Path) -> list[str]:
    """The command line of the engine process for ``home`` (also used by the login service)."""
    return [sys.executable, "-m", "infrai_mcp", "engine", "run", "--home", str(home)]


def _version_key(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split("."):
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def newer(ours: str, theirs: str) -> bool:
    return _version_key(ours) > _version_key(theirs)


# -- the client side: start, attach, stop --------------------------------------------------
def spawn(settings: Settings) -> None:
    """Start the engine process for ``settings.home``, detached from this one."""
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "INFRAI_HOME": str(home)}
    if settings.timezone:
        env["INFRAI_TIMEZONE"] = settings.timezone
    env.pop("INFRAI_BACKGROUND", None)
    options: dict[str, Any] = {}
    if sys.platform == "win32":
        options["creationflags"] = (subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP
                                    | subprocess.CREATE_NO_WINDOW)
    else:
        options["start_new_session"] = True  # own session: no controlling terminal, no SIGHUP
    with (home / LOG_FILE).open("ab") as out:
        subprocess.Popen(engine_command(home), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                         close_fds=True, cwd=str(home), env=env, **options)


def _wait_running(home: Path, timeout: float) -> EngineInfo | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = running(home, timeout=0.5)
        if found is not None:
            return found[0]
        time.sleep(0.05)
    return None


def ensure_engine(settings: Settings, timeout: float = START_TIMEOUT) -> EngineInfo:
    """The running engine of the data dir, started (or replaced by this newer version) if needed."""
    home = settings.home
    found = running(home, timeout=1.0)
    if found is not None:
        info, _ = found
        if not newer(__version__, info.version):
            return info
        log.info("replacing the background engine %s (pid %d) with %s", info.version, info.pid, __version__)
        stop_engine(home)
    elif alive(home):
        # Alive but silent (a busy loop, or still starting): give it the start timeout.
        info_alive = _wait_running(home, timeout)
        if info_alive is not None:
            return info_alive
        raise BackgroundError(f"the background engine of {home} holds its lock but does not answer; "
                              f"see {home / LOG_FILE}")
    spawn(settings)
    info_new = _wait_running(home, timeout)
    if info_new is None:
        raise BackgroundError(f"the background engine did not start within {timeout:.0f} s; see {home / LOG_FILE}")
    return info_new


def stop_engine(home: Path, timeout: float = STOP_TIMEOUT) -> EngineInfo | None:
    """Stop the data dir's engine (in-flight runs finish or are released). Returns what was stopped."""
    info = read_info(home)
    if info is None or not alive(home):
        return None
    request(info, "stop", timeout=2.0)
    deadline = time.monotonic() + timeout
    while alive(home):
        if time.monotonic() > deadline:
            # It did not stop in time: end it; its runs come back through their leases.
            with contextlib.suppress(OSError):
                os.kill(info.pid, signal.SIGKILL if hasattr(signal, "SIGKILL") else signal.SIGTERM)
            time.sleep(0.2)
            if alive(home):
                raise BackgroundError(f"the background engine (pid {info.pid}) did not stop")
            break
        time.sleep(0.05)
    return info


# -- the engine process ---------------------------------------------------------------------
class _Log(RotatingFileHandler):
    """The engine's log; stdout and stderr point at the current file, across rotations, so a
    crash's traceback lands in the same place as the log lines before it."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8")
        self._redirect()

    def _redirect(self) -> None:
        if self.stream is not None:
            self.stream.flush()
            fd = self.stream.fileno()
            for std in (1, 2):
                with contextlib.suppress(OSError):
                    os.dup2(fd, std)

    def doRollover(self) -> None:
        super().doRollover()
        self._redirect()


def _setup_logging(home: Path, verbose: bool) -> None:
    handler = _Log(home / LOG_FILE)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)


class _Control(asyncio.DatagramProtocol):
    def __init__(self, engine: Any, token: str, stop: asyncio.Event, started: float) -> None:
        self.engine = engine
        self.token = token
        self.stop = stop
        self.started = started
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        try:
            msg = json.loads(data)
            op = msg["op"]
        except (ValueError, KeyError, TypeError):
            return
        if op == "wake":
            self.engine._on_store_wake(str(msg.get("kind", "due")), str(msg.get("detail", "")))
            return
        if msg.get("token") != self.token:
            return  # status and stop are for the data dir's owner only
        if op == "stop":
            log.info("stop requested")
            self.stop.set()
            self._reply({"ok": True, "stopping": True}, addr)
        elif op == "status":
            asyncio.get_running_loop().create_task(self._status(addr))

    def _reply(self, answer: dict[str, Any], addr: tuple[str | Any, int]) -> None:
        if self.transport is not None:
            self.transport.sendto(json.dumps(answer).encode(), addr)

    async def _status(self, addr: tuple[str | Any, int]) -> None:
        sched = self.engine.scheduler
        next_due: float | None = None
        with contextlib.suppress(Exception):
            due = await self.engine.store.next_due_at(sched.owner)
            held = sched._waiting[0][0] if sched._waiting else None
            times = [t for t in (due.plan, due.run, held) if t is not None]
            next_due = min(times) if times else None
        last = sched.last_started
        self._reply({
            "ok": True, "pid": os.getpid(), "version": __version__, "home": str(self.engine.settings.home),
            "started_at": self.started, "dispatching": bool(sched.holding), "runs_started": sched.started_runs,
            "next_due": next_due, "last_fire": {"at": last[0], "job_id": last[1], "run_id": last[2]} if last else None,
        }, addr)


async def _serve(settings: Settings, token: str) -> None:
    from infrai_mcp.runtime.engine import Engine  # the runtime wires the engine; imported when it runs

    home = settings.home
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows: stop comes over the socket
            loop.add_signal_handler(sig, stop.set)
    started = time.time()
    async with Engine(settings, dispatch=True, server_mode=False) as engine:
        transport, _ = await loop.create_datagram_endpoint(lambda: _Control(engine, token, stop, started),
                                                           local_addr=(HOST, 0))
        port = int(transport.get_extra_info("sockname")[1])
        write_info(home, EngineInfo(pid=os.getpid(), version=__version__, home=str(home), port=port, token=token,
                                    started_at=started, command=engine_command(home)))
        log.info("background engine %s running: pid %d, store %s, control port %d", __version__, os.getpid(),
                 settings.sqlite_path, port)
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), WATCH_SECONDS)
                if not (home / STATE_FILE).exists():
                    log.info("the data dir %s (or its engine.json) is gone: stopping", home)
                    stop.set()
            log.info("stopping: finishing or releasing in-flight runs")
        finally:
            transport.close()
    remove_info(home, os.getpid())
    log.info("stopped")


def run_engine(settings: Settings, *, verbose: bool = False) -> int:
    """``infrai-mcp engine run``: the engine process of ``settings.home`` (foreground)."""
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    _setup_logging(home, verbose)
    lock = InstanceLock(home)
    # A few seconds: a client probing whether an engine is alive holds the lock for an instant.
    if not lock.acquire(wait=3.0):
        info = read_info(home)
        log.info("an engine already runs for %s (pid %s); this one exits", home, info.pid if info else "?")
        return 0
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_serve(settings, os.urandom(16).hex()))
    finally:
        lock.release()
    return 0


def fires_from(home: Path) -> str:
    """One line for the agent: where its jobs fire from, now (checked on every call)."""
    from infrai_mcp.runtime.service import installed_unit

    if not alive(home):
        return ("The background engine of this data dir is NOT running: nothing fires until it starts again "
                "(the next client start, or `infrai-mcp engine start`).")
    login = ("it starts at login (service installed)" if installed_unit(home) is not None
             else "after a reboot it starts with the next client (`infrai-mcp service install`: at login)")
    return f"Jobs fire from the background engine, also while this client is closed; {login}."
