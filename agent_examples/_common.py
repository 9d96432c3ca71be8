"""Shared by the examples: start the MCP server the way a client does (stdio subprocess),
call tools, and receive requests on a small local HTTP endpoint. Standard library + the
`mcp` SDK only, so each example reads top to bottom."""

from __future__ import annotations

import atexit
import base64
import hashlib
import hmac
import json
import os
import queue
import shutil
import sys
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters


def server(**env: str) -> StdioServerParameters:
    """`infrai-mcp` from this Python's environment, with its own fresh data dir."""
    exe = shutil.which("infrai-mcp", path=str(Path(sys.executable).parent)) or shutil.which("infrai-mcp")
    if exe is None:
        raise SystemExit("infrai-mcp is not installed: pip install -e . first")
    home = tempfile.mkdtemp(prefix="infrai-example-")
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    # The SDK starts the server with a minimal environment: pass on the zone and PYTHONPATH.
    passed = {k: os.environ[k] for k in ("PYTHONPATH",) if k in os.environ}
    return StdioServerParameters(
        command=exe,
        # INFRAI_BACKGROUND=0: the engine runs inside the server, which ends with the example (a
        # background engine would outlive its throwaway data dir; for real use leave it on).
        env={"INFRAI_HOME": home, "INFRAI_TIMEZONE": os.environ.get("INFRAI_TIMEZONE", "UTC"),
             "INFRAI_BACKGROUND": "0", **passed, **env},
    )


async def call(client: Client, tool: str, **args: Any) -> dict[str, Any]:
    """Call a tool; stop with the tool's own error text if it fails."""
    result = await client.call_tool(tool, args)
    if result.is_error:
        text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
        raise SystemExit(f"{tool} failed: {text}")
    assert result.structured_content is not None
    return result.structured_content


def verify_signature(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">."""
    key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, s) for s in headers.get("webhook-signature", "").split())


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


class Endpoint:
    """A local HTTP endpoint on 127.0.0.1 that answers 200 and hands each request to the caller."""

    def __init__(self) -> None:
        self.received: queue.Queue[Request] = queue.Queue()
        inbox = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                inbox.put(Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:  # keep the example's output readable
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def wait(self, timeout: float = 20) -> Request:
        try:
            return self.received.get(timeout=timeout)
        except queue.Empty:
            raise SystemExit(f"nothing arrived within {timeout} s") from None

    def close(self) -> None:
        self.httpd.shutdown()
