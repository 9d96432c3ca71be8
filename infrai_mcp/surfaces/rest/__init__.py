"""The REST API: the seeds' routes over a project-scoped Backend (see docs/REST.md)."""

from __future__ import annotations

from infrai_mcp.surfaces.rest.app import create_app
from infrai_mcp.surfaces.rest.server import serve_http

__all__ = ["create_app", "serve_http"]
