"""schemathesis against /openapi.json: a real uvicorn server on 127.0.0.1, a bounded number
of generated examples per operation (INFRAI_SCHEMATHESIS_EXAMPLES, default 8). Checks: no
5xx, status codes and content types declared, bodies matching their schemas."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.app import all_ops
from infrai_mcp.surfaces.rest.keys import create_key
from infrai_mcp.surfaces.rest.openapi import build_openapi
from infrai_mcp.surfaces.rest.server import server_for

EXAMPLES = int(os.environ.get("INFRAI_SCHEMATHESIS_EXAMPLES", "8"))
schema = schemathesis.openapi.from_dict(build_openapi(all_ops()))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """Engine + app + uvicorn on their own thread and loop; yields (base URL, API key)."""
    home: Path = tmp_path_factory.mktemp("schemathesis")
    ready = threading.Event()
    found: dict[str, object] = {}
    stop = threading.Event()

    async def main() -> None:
        settings_ = Settings(home=home)
        async with Engine(settings_, dispatch=False) as engine:
            _, found["key"] = await create_key(engine.store, "fuzz")
            server = server_for(create_app(engine, settings_), "127.0.0.1", 0, log_level="warning")
            task = asyncio.create_task(server.serve())
            while not server.started:
                await asyncio.sleep(0.01)
            found["url"] = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            server.should_exit = True
            await task

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    assert ready.wait(20), "the API server did not start"
    yield str(found["url"]), str(found["key"])
    stop.set()
    thread.join(20)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_openapi_contract(case: schemathesis.Case, live: tuple[str, str]) -> None:
    url, key = live
    case.call_and_validate(
        base_url=url,
        headers={"Authorization": f"Bearer {key}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
