"""The MCP server: one tool per scheduling capability, over a ``Backend``.

Public entry points:

- ``build_server(backend, settings, *, lifespan=None) -> MCPServer``: the server with the
  tools chosen by ``settings.toolsets`` / ``settings.read_only``. ``lifespan`` is an optional
  async context manager factory run while the server is up (the CLI passes the embedded
  engine). Serve it with ``server.run_stdio_async()``, or over HTTP with ``http_app``.
- ``http_app(server, *, host) -> Starlette``: Streamable HTTP at ``/mcp``. To mount it in
  another Starlette app (``infrai-mcp serve``), mount the returned app and enter
  ``server.session_manager.run()`` in the parent app's lifespan: a mounted app's own
  lifespan does not run.
- ``select_tools(settings)``: the ToolDefs a server would expose (docs, size reports).

Layout: ``registry`` (declaring tools, schemas, errors), ``timefields`` (the only caller of
``infrai_mcp.when``), ``fields`` (shared argument types), one ``tools_<toolset>.py`` each.
"""

from __future__ import annotations

from .server import build_server, http_app, instructions, select_tools

__all__ = ["build_server", "http_app", "instructions", "select_tools"]
