"""Backends: the one interface every surface calls (see ``base.py`` for its contract)."""

from __future__ import annotations

from infrai_mcp.backends.base import DEFAULT_LIMIT, Backend

__all__ = ["DEFAULT_LIMIT", "Backend"]
