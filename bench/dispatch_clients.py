"""Local POST ceiling of the async HTTP clients the dispatcher could use.

    .venv/bin/python bench/dispatch_clients.py [--seconds 3] [--concurrency 1 16 64]

Starts a receiver in a separate process (a minimal asyncio HTTP/1.1 responder on 127.0.0.1) so client and server do not
share a GIL, then for each client (httpx, httpx2, aiohttp; one shared client/session each)
and concurrency level sends JSON POSTs for a fixed time and prints requests/s. The
receiver also records, per request, ``arrival - body["due"]`` so fire_lateness.py reuses it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import time
from collections.abc import Awaitable, Callable
from typing import Any

BODY = json.dumps({"event": "bench", "n": 1}).encode()


# -- receiver process ------------------------------------------------------------------------
def split_requests(buf: bytes) -> tuple[list[tuple[str, bytes]], bytes]:
    """The complete HTTP/1.1 requests at the start of ``buf`` as (path, body), and the rest.

    Just enough parsing for a local benchmark receiver (Content-Length bodies only)."""
    out: list[tuple[str, bytes]] = []
    while True:
        head_end = buf.find(b"\r\n\r\n")
        if head_end < 0:
            return out, buf
        head = buf[:head_end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        total = head_end + 4 + length
        if len(buf) < total:
            return out, buf
        out.append((head.split(" ", 2)[1], buf[head_end + 4 : total]))
        buf = buf[total:]


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
Handler = Callable[[str, bytes, float], "bytes | None"]


def json_response(doc: object) -> bytes:
    out = json.dumps(doc).encode()
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            + str(len(out)).encode() + b"\r\n\r\n" + out)


def serve_forever(port_out: Any, handle: Handler, backlog: int = 8192) -> None:
    """A minimal HTTP/1.1 keep-alive responder (asyncio.Protocol), so the receiver is never
    the bottleneck: it parses just enough (Content-Length), calls ``handle(path, body,
    arrival)`` per request and answers what it returns, or 200 "ok" for None. Puts its port
    on ``port_out`` and serves until the process ends."""

    class Proto(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.t = transport
            self.buf = b""

        def data_received(self, data: bytes) -> None:
            now = time.time()
            requests, self.buf = split_requests(self.buf + data)
            for path, body in requests:
                self.t.write(handle(path, body, now) or OK)

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Proto, "127.0.0.1", 0, backlog=backlog)
        port_out.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def _serve(port_out: Any) -> None:
    """Records, per request whose body starts with a ``due`` time, its lateness and arrival;
    ``/stats`` (``/stats/full``) answers them, ``/reset`` clears them."""
    lateness: list[float] = []
    arrivals: list[float] = []

    def handle(path: str, body: bytes, now: float) -> bytes | None:
        if path.startswith("/stats"):
            doc: dict[str, object] = {"count": len(lateness)}
            if "full" in path:
                doc.update(lateness=lateness, arrivals=arrivals)
            return json_response(doc)
        if path.startswith("/reset"):
            lateness.clear()
            arrivals.clear()
        elif body[:7] == b'{"due":':
            lateness.append(now - json.loads(body)["due"])
            arrivals.append(now)
        return None

    serve_forever(port_out, handle)


class ReceiverProcess:
    def __init__(self) -> None:
        ctx = mp.get_context("spawn")
        q: Any = ctx.Queue()
        self.proc = ctx.Process(target=_serve, args=(q,), daemon=True)
        self.proc.start()
        self.port: int = q.get(timeout=30)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join(10)


# -- clients -----------------------------------------------------------------------------------
Sender = Callable[[], Awaitable[None]]


async def _run(send: Sender, concurrency: int, seconds: float) -> float:
    count = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal count
        while time.perf_counter() < stop_at:
            await send()
            count += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - t0)


async def measure(client: str, url: str, concurrency: int, seconds: float) -> float:
    headers = {"Content-Type": "application/json"}
    if client == "aiohttp":
        import aiohttp

        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
            async def send() -> None:
                async with s.post(url, data=BODY, headers=headers) as r:
                    await r.read()

            return await _run(send, concurrency, seconds)
    module: Any
    if client == "httpx":
        import httpx as module
    else:
        import httpx2 as module
    limits = module.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with module.AsyncClient(limits=limits) as c:
        async def send() -> None:
            r = await c.post(url, content=BODY, headers=headers)
            r.read()

        return await _run(send, concurrency, seconds)


CLIENTS = ("httpx", "httpx2", "aiohttp")


async def ceiling(url: str, concurrency: tuple[int, ...] = (16, 64), seconds: float = 2.0) -> tuple[str, int, float]:
    """(client, concurrency, req/s) of the fastest combination."""
    best = ("", 0, 0.0)
    for client in CLIENTS:
        for c in concurrency:
            rate = await measure(client, url, c, seconds)
            if rate > best[2]:
                best = (client, c, rate)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    args = ap.parse_args()
    rx = ReceiverProcess()
    try:
        print(f"{'client':<8} " + " ".join(f"{'c=' + str(c):>9}" for c in args.concurrency) + "   (requests/s)")
        for client in CLIENTS:
            rates = [asyncio.run(measure(client, rx.url + "/hook", c, args.seconds)) for c in args.concurrency]
            print(f"{client:<8} " + " ".join(f"{r:>9.0f}" for r in rates))
    finally:
        rx.stop()


if __name__ == "__main__":
    main()
