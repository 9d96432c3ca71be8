"""A raw TCP HTTP server on 127.0.0.1 for failures the aiohttp receiver cannot produce:
a connection reset in the middle of the body, a body that drips forever, a body of
unbounded size. Counts what it sent so tests can prove the client stopped reading."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time


class Tracker:
    """Requests held at once, across every server that shares this tracker."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


class RawServer:
    def __init__(self, tracker: Tracker | None = None) -> None:
        self.tracker = tracker or Tracker()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.hits: dict[str, int] = {}
        self.sent: dict[str, int] = {}
        self._lock = threading.Lock()
        self.slow_done = 0  # /slow requests answered
        self.in_flight = 0  # /slow requests being held now
        self.max_in_flight = 0
        self.slow_seconds = 0.2
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="raw-server")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        self.sock.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode()
            with self._lock:
                self.hits[path] = self.hits.get(path, 0) + 1
            if path.startswith("/reset"):
                status = b"503 Service Unavailable" if path.startswith("/reset503") else b"200 OK"
                conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 100000\r\n\r\n" + b"partial" * 10)
                # SO_LINGER 0: close() sends RST instead of FIN.
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            elif path.startswith("/drip"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                while not self._stop.is_set():
                    conn.sendall(b".")
                    time.sleep(0.1)
            elif path.startswith("/slow"):
                with self._lock:
                    self.in_flight += 1
                    self.max_in_flight = max(self.max_in_flight, self.in_flight)
                self.tracker.enter()
                try:
                    time.sleep(self.slow_seconds)
                finally:
                    self.tracker.leave()
                    with self._lock:
                        self.in_flight -= 1
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                with self._lock:
                    self.slow_done += 1
            elif path.startswith("/stall"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
                self._stop.wait()
            elif path.startswith("/huge"):
                conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 1073741824\r\n\r\n")
                block = b"H" * 65536
                for _ in range(16384):  # 1 GiB if the client kept reading
                    conn.sendall(block)
                    with self._lock:
                        self.sent[path] = self.sent.get(path, 0) + len(block)
        except OSError:
            pass  # the client went away (what /huge expects)
        finally:
            conn.close()
