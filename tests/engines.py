"""Engines for tests: a real engine on a SQLite file in a temp dir, quick to retry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infrai_mcp.config import Settings
from infrai_mcp.runtime.engine import Engine


def make_engine(home: Path, *, workflow_url: str | None = None, allow: tuple[str, ...] = (),
                backoff_base: float = 0.05, **kwargs: Any) -> Engine:
    """An engine on ``home`` (not started): ``async with make_engine(tmp_path) as engine``."""
    settings = Settings(home=home, workflow_url=workflow_url, allow_private_targets=allow)
    kwargs.setdefault("lease_seconds", 3.0)
    engine = Engine(settings, **kwargs)
    engine.dispatcher.backoff_base = backoff_base  # retries within tests take milliseconds
    return engine
