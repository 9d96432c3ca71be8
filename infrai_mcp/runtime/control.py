"""The control channel of a data dir's background engine: its state file and a local socket.

The engine process writes ``engine.json`` in the data dir (pid, version, UDP port on
127.0.0.1, a random token, start time; mode 0600) and listens on that port:

- ``{"op": "wake", "kind": "due" | "queue" | "delivery", "detail": ...}``: another process
  (a stdio MCP server, the CLI) wrote work; no token needed, a wake only makes the engine
  look at the store now instead of at its next poll. SQLite has no NOTIFY; this is its
  stand-in (bench/background_wake.py compares it with polling ``PRAGMA data_version``).
- ``{"op": "status" | "stop", "token": ...}``: answered with a JSON object; the token is in
  the state file, which only the data dir's owner can read.

A datagram socket on 127.0.0.1 works the same on Linux, macOS and Windows, needs no path
length limit (Unix sockets in deep temp dirs) and costs nothing while idle.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

STATE_FILE = "engine.json"
LOCK_FILE = "engine.lock"
LOG_FILE = "engine.log"
HOST = "127.0.0.1"


@dataclass(frozen=True)
class EngineInfo:
    """What ``engine.json`` holds about the running background engine."""

    pid: int
    version: str
    home: str
    port: int
    token: str
    started_at: float
    command: list[str]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EngineInfo:
        return cls(pid=int(data["pid"]), version=str(data["version"]), home=str(data["home"]),
                   port=int(data["port"]), token=str(data["token"]), started_at=float(data["started_at"]),
                   command=[str(c) for c in data.get("command", [])])


def read_info(home: Path) -> EngineInfo | None:
    """The state file's content, or None when there is none (or it is half written)."""
    try:
        return EngineInfo.from_json(json.loads((home / STATE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_info(home: Path, info: EngineInfo) -> None:
    """Atomically, readable by the owner only (it holds the control token)."""
    tmp = home / f".{STATE_FILE}.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(info), f)
    os.replace(tmp, home / STATE_FILE)


def remove_info(home: Path, pid: int) -> None:
    """Remove the state file if it is still this process's."""
    info = read_info(home)
    if info is not None and info.pid == pid:
        with contextlib.suppress(OSError):
            (home / STATE_FILE).unlink()


class Waker:
    """Tells the data dir's background engine that work was written (fire and forget).

    Used by every process that writes to a SQLite data dir without dispatching (a stdio MCP
    server beside the background engine, the CLI). The state file is re-read only when it
    changed, so a wake costs a ``stat`` and one datagram."""

    def __init__(self, home: Path) -> None:
        self.path = home / STATE_FILE
        self._seen: tuple[int, int] | None = None  # (mtime_ns, size) of the state file read last
        self._port: int | None = None
        self._sock: socket.socket | None = None

    def _target(self) -> int | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        if self._seen != (st.st_mtime_ns, st.st_size):
            info = read_info(self.path.parent)
            self._seen, self._port = (st.st_mtime_ns, st.st_size), info.port if info else None
        return self._port

    def __call__(self, kind: str = "due", detail: str = "") -> None:
        port = self._target()
        if port is None:
            return
        data = json.dumps({"op": "wake", "kind": kind, "detail": detail}).encode()
        with contextlib.suppress(OSError):
            if self._sock is None:
                self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                self._sock.setblocking(False)
            self._sock.sendto(data, (HOST, port))

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def request(info: EngineInfo, op: str, timeout: float = 2.0) -> dict[str, Any] | None:
    """Ask the engine (``status`` / ``stop``); None when it does not answer within ``timeout``."""
    data = json.dumps({"op": op, "token": info.token}).encode()
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((HOST, 0))
        # A datagram may be dropped (a loaded loop): ask again every 0.25 s until the bound.
        while (left := deadline - time.monotonic()) > 0:
            try:
                s.sendto(data, (HOST, info.port))
                s.settimeout(min(0.25, left))
                reply, _ = s.recvfrom(65536)
            except (TimeoutError, ConnectionError):  # Windows reports a closed port as a reset
                continue
            except OSError:
                return None
            with contextlib.suppress(ValueError):
                answer = json.loads(reply)
                if isinstance(answer, dict):
                    return answer
    return None


def running(home: Path, timeout: float = 2.0) -> tuple[EngineInfo, dict[str, Any]] | None:
    """The engine of ``home`` and its status, if one answers."""
    info = read_info(home)
    if info is None:
        return None
    status = request(info, "status", timeout)
    return (info, status) if status is not None and status.get("ok") else None


class InstanceLock:
    """An OS file lock on ``engine.lock``: held by the engine process for its whole life, so
    at most one background engine runs per data dir, and released by the OS when the process
    dies in any way (SIGKILL included), which makes "is one alive?" a reliable question."""

    def __init__(self, home: Path) -> None:
        self.path = home / LOCK_FILE
        self._fd: int | None = None

    def acquire(self, wait: float = 0.0) -> bool:
        """Take the lock, trying for up to ``wait`` seconds. True when held."""
        deadline = time.monotonic() + wait
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        while True:
            if _try_lock(self._fd):
                return True
            if time.monotonic() >= deadline:
                os.close(self._fd)
                self._fd = None
                return False
            time.sleep(0.05)

    def release(self) -> None:
        if self._fd is not None:
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None


def alive(home: Path) -> bool:
    """Whether a background engine process holds the data dir's lock right now."""
    if not (home / LOCK_FILE).exists():
        return False
    probe = InstanceLock(home)
    if probe.acquire():
        probe.release()
        return False
    return True


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
