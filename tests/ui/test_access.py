"""Access: server mode answers 401 without a key and shows one project only; local mode
refuses foreign Host headers (DNS rebinding)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.models import CronCreate, MessageIn, QueueCreate, TaskCreate
from infrai_mcp.runtime.engine import Engine
from infrai_mcp.surfaces.rest import create_app
from infrai_mcp.surfaces.rest.keys import create_key
from infrai_mcp.surfaces.ui import create_ui_app
from tests.ui.conftest import client_for, csrf_of

pytestmark = pytest.mark.anyio

PAGES = ("/", "/jobs", "/queues", "/webhooks", "/cron/cj_x", "/queues/q", "/runs/run_x", "/tasks/tk_x")


@pytest.fixture
async def server_client(engine: Engine) -> AsyncIterator[httpx.AsyncClient]:
    """Server mode: the REST app of ``infrai-mcp serve``, which mounts the UI at /ui."""
    async with client_for(create_app(engine, engine.settings), "http://127.0.0.1/ui") as c:
        yield c


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def seed(engine: Engine, project: str) -> tuple[str, str]:
    b = EmbeddedBackend(engine, project)
    job = await b.cron_create(CronCreate(name=f"{project} job", schedule="0 9 * * *", url="https://e.com/x"))
    await b.task_schedule(TaskCreate(name=f"{project} task", delay_seconds=600, url="https://e.com/t"))
    await b.queue_create(QueueCreate(name=f"{project}-queue"))
    await b.queue_publish(f"{project}-queue", MessageIn(payload={"p": project}))
    _, key = await create_key(engine.store, project)
    return job.cron_id, key


async def test_without_a_key_every_page_answers_401_and_shows_no_data(
    engine: Engine, server_client: httpx.AsyncClient
) -> None:
    cron_id, _ = await seed(engine, "alpha")
    for path in (*PAGES, f"/cron/{cron_id}"):
        r = await server_client.get(path)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert "alpha" not in r.text and cron_id not in r.text
        assert 'id="login-form"' in r.text
        assert csrf_of(r.text) == ""  # the action token is only in authorised pages
    r = await server_client.get("/jobs", headers=bearer("ifr_not-a-real-key"))
    assert r.status_code == 401
    # The assets hold no data and load without a key (the key form needs them).
    assert (await server_client.get("/static/ui.js")).status_code == 200
    # The REST API beside it keeps its own JSON 401.
    r = await server_client.get("http://127.0.0.1/openapi.json")
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
    assert (await server_client.get("http://127.0.0.1/healthz")).status_code == 200


async def test_actions_without_a_key_answer_401_and_change_nothing(
    engine: Engine, server_client: httpx.AsyncClient
) -> None:
    cron_id, key = await seed(engine, "alpha")
    token = csrf_of((await server_client.get("/jobs", headers=bearer(key))).text)
    r = await server_client.post(f"/cron/{cron_id}/pause", headers={"X-CSRF-Token": token})
    assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
    assert (await EmbeddedBackend(engine, "alpha").cron_get(cron_id)).status == "active"
    # With the key but without the page's token: refused as CSRF.
    r = await server_client.post(f"/cron/{cron_id}/pause", headers=bearer(key))
    assert r.status_code == 403
    r = await server_client.post(f"/cron/{cron_id}/pause", headers={**bearer(key), "X-CSRF-Token": token})
    assert r.status_code == 200 and r.json()["ok"]
    assert (await EmbeddedBackend(engine, "alpha").cron_get(cron_id)).status == "paused"


async def test_one_projects_key_never_shows_another_projects_data(
    engine: Engine, server_client: httpx.AsyncClient
) -> None:
    a_job, a_key = await seed(engine, "alpha")
    b_job, b_key = await seed(engine, "beta")

    jobs = (await server_client.get("/jobs", headers=bearer(a_key))).text
    assert a_job in jobs and "alpha task" in jobs
    assert b_job not in jobs and "beta" not in jobs
    queues = (await server_client.get("/queues", headers=bearer(a_key))).text
    assert "alpha-queue" in queues and "beta-queue" not in queues
    overview = (await server_client.get("/", headers=bearer(a_key))).text
    assert "alpha job" in overview and "beta" not in overview

    # Another project's ids answer 404, for pages and for actions.
    assert (await server_client.get(f"/cron/{b_job}", headers=bearer(a_key))).status_code == 404
    assert (await server_client.get("/queues/beta-queue", headers=bearer(a_key))).status_code == 404
    token = csrf_of(jobs)
    for verb in ("pause", "trigger", "delete"):
        r = await server_client.post(f"/cron/{b_job}/{verb}", headers={**bearer(a_key), "X-CSRF-Token": token})
        assert r.status_code == 404, verb
    r = await server_client.post("/queues/beta-queue/redrive", headers={**bearer(a_key), "X-CSRF-Token": token})
    assert r.status_code == 404
    b = EmbeddedBackend(engine, "beta")
    assert (await b.cron_get(b_job)).status == "active"
    assert (await b.run_list()).items == []

    # And the other way round.
    jobs_b = (await server_client.get("/jobs", headers=bearer(b_key))).text
    assert b_job in jobs_b and a_job not in jobs_b


async def test_local_mode_refuses_foreign_host_headers(backend: EmbeddedBackend) -> None:
    app = create_ui_app(lambda request: backend, local=True, allowed_hosts=["127.0.0.1", "localhost"])
    async with client_for(app, "http://127.0.0.1:8123") as c:
        assert (await c.get("/jobs")).status_code == 200
        assert (await c.get("/jobs", headers={"Host": "localhost:8123"})).status_code == 200
        r = await c.get("/jobs", headers={"Host": "attacker.example:8123"})
        assert r.status_code == 400
        r = await c.post("/cron/cj_x/pause", headers={"Host": "attacker.example"})
        assert r.status_code == 400


async def test_serve_without_auth_shows_the_default_project_keyless(engine: Engine) -> None:
    """``create_app(require_auth=False)`` (local use): the UI needs no key, like `infrai-mcp ui`."""
    cron_id, _ = await seed(engine, "default")
    async with client_for(create_app(engine, engine.settings, require_auth=False), "http://127.0.0.1/ui") as c:
        page = await c.get("/jobs")
        assert page.status_code == 200 and cron_id in page.text and 'id="login-form"' not in page.text
        token = csrf_of(page.text)
        r = await c.post(f"/cron/{cron_id}/pause", headers={"X-CSRF-Token": token})
        assert r.status_code == 200
        assert (await c.post(f"/cron/{cron_id}/resume")).status_code == 403  # still needs the token
