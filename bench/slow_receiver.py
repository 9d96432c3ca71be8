"""Slow HTTP targets in a separate process, for overload runs.

``SlowTargets(hosts, delay)`` starts one process serving ``hosts`` ports on 127.0.0.1 (so the
dispatcher sees ``hosts`` distinct targets). Every request is held ``delay`` s, then answered
200 with keep-alive. The process counts requests answered and the most held at once; a
``GET /stats`` on any port returns ``{"done": n, "max_in_flight": m}``.

The targets live in their own process because in a real deployment they are other machines:
targets served by threads inside the engine's process would compete with it for the GIL
and the figures would measure the targets.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import urllib.request
from typing import Any

from dispatch_clients import split_requests

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


def _serve(hosts: int, delay: float, ports_out: Any) -> None:
    counts = {"done": 0, "in_flight": 0, "max_in_flight": 0}

    class Proto(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.t = transport
            self.buf = b""

        def data_received(self, data: bytes) -> None:
            requests, self.buf = split_requests(self.buf + data)
            for path, _ in requests:
                if path.startswith("/stats"):
                    out = json.dumps({"done": counts["done"], "max_in_flight": counts["max_in_flight"]}).encode()
                    self.t.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                                 + str(len(out)).encode() + b"\r\n\r\n" + out)
                    continue
                counts["in_flight"] += 1
                counts["max_in_flight"] = max(counts["max_in_flight"], counts["in_flight"])
                asyncio.get_running_loop().call_later(delay, self._answer)

        def _answer(self) -> None:
            counts["in_flight"] -= 1
            counts["done"] += 1
            if not self.t.is_closing():
                self.t.write(OK)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        ports = []
        for _ in range(hosts):
            server = await loop.create_server(Proto, "127.0.0.1", 0, backlog=4096)
            ports.append(server.sockets[0].getsockname()[1])
        ports_out.put(ports)
        await asyncio.Event().wait()

    asyncio.run(main())


class SlowTargets:
    def __init__(self, hosts: int, delay: float) -> None:
        ctx = mp.get_context("spawn")
        q: Any = ctx.Queue()
        self.proc = ctx.Process(target=_serve, args=(hosts, delay, q), daemon=True)
        self.proc.start()
        self.ports: list[int] = q.get(timeout=30)

    def url(self, i: int, path: str) -> str:
        return f"http://127.0.0.1:{self.ports[i % len(self.ports)]}{path}"

    def stats(self) -> dict[str, int]:
        with urllib.request.urlopen(self.url(0, "/stats"), timeout=30) as r:
            return dict(json.loads(r.read()))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.join(10)
