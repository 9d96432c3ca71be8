"""The install files say the same as the package: versions, the command, the variables; and
the MCP server tells the agent where jobs fire from (in-process here) without a schema change."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from mcp import Client

from infrai_mcp import __version__
from infrai_mcp.backends.embedded import EmbeddedBackend
from infrai_mcp.config import Settings
from infrai_mcp.surfaces.cli.mcp_cmd import make_backend
from infrai_mcp.surfaces.mcp import build_server

ROOT = Path(__file__).resolve().parents[2]


def test_manifest_and_server_json_match_the_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    manifest = json.loads((ROOT / "manifest.json").read_text())
    server = json.loads((ROOT / "server.json").read_text())
    assert project["version"] == __version__ == manifest["version"] == server["version"]
    (package,) = server["packages"]
    assert (package["registryType"], package["identifier"], package["version"]) == ("pypi", project["name"],
                                                                                 __version__)
    assert "infrai-mcp" in project["scripts"] and manifest["server"]["mcp_config"]["args"][-1] == "infrai-mcp"
    assert (ROOT / manifest["server"]["entry_point"]).is_file()
    # the registry's ownership marker for PyPI packages
    assert f"mcp-name: {server['name']}" in (ROOT / "README.md").read_text()
    documented = (ROOT / "README.md").read_text()
    for var in package["environmentVariables"]:
        assert f"`{var['name']}`" in documented, var["name"]
    for value in manifest["server"]["mcp_config"]["env"]:
        assert f"`{value}`" in documented


@pytest.mark.anyio
async def test_in_process_server_says_jobs_fire_only_while_it_runs(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, background=False)
    choice = make_backend(settings)
    assert isinstance(choice.backend, EmbeddedBackend) and choice.fires_from is not None
    server = build_server(choice.backend, settings, lifespan=choice.lifespan, fires_from=choice.fires_from)
    async with Client(server) as client:
        assert "Where jobs fire: Jobs fire from this server process, only while it runs" in (client.instructions or "")
        made = await client.call_tool("task_schedule", {"run_at": "in 1 hour", "url": "https://example.com/x"})
        assert not made.is_error and len(made.content) == 2
        assert "nothing fires while the client is closed" in made.content[1].text  # type: ignore[union-attr]
        listed = await client.call_tool("cron_list", {})
        assert not listed.is_error and len(listed.content) == 1  # reads carry no such line


def test_on_postgresql_the_workers_are_named(tmp_path: Path) -> None:
    # No connection is made to build the choice; the line names where else jobs fire.
    settings = Settings(home=tmp_path, database_url="postgresql://postgres@127.0.0.1:5432/none")
    choice = make_backend(settings, background=True)  # the background engine is for SQLite only
    assert choice.fires_from is not None
    assert "any infrai-mcp serve/worker on the same PostgreSQL database" in choice.fires_from()
    assert not (tmp_path / "engine.json").exists()
