"""Async tests here run on anyio's pytest plugin (asyncio backend); no extra plugin needed."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
