"""``Deps``: what a service is given, and all it may use of the engine that wires it.

``runtime/engine.py`` builds the services and passes itself; the services see only these
parts (never the scheduler, another service or the Engine class), so they import nothing
from ``runtime/``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol

from pydantic import BaseModel

from infrai_mcp.config import Settings
from infrai_mcp.core.clock import Clock
from infrai_mcp.outbound.dispatcher import Dispatcher
from infrai_mcp.store.base import Store

BackgroundFactory = Callable[[], Awaitable[None]]


class QueueTargets(Protocol):
    """What job services need of the queue service: jobs may target a queue."""

    async def queue_missing(self, project: str, queue: str, field: str) -> bool: ...

    async def auto_create(self, project: str, queue: str) -> str: ...


class Deps(Protocol):
    @property
    def store(self) -> Store: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def settings(self) -> Settings: ...

    @property
    def dispatcher(self) -> Dispatcher:
        """The one outbound HTTP path (SSRF guard, signing, retries)."""
        ...

    @property
    def queues(self) -> QueueTargets:
        """The queue service: jobs whose target is a queue check and create it there."""
        ...

    async def check_targets(self, request: BaseModel) -> None:
        """Refuse, at create, URL fields the dispatcher would refuse at fire time (server mode)."""

    def wake(self) -> None:
        """Re-evaluate the next due time now: call after writing work that may be due sooner."""

    def tell_peer(self, kind: str, detail: str = "") -> None:
        """Wake the background engine of this data dir ("queue", "<project>/<queue>"; "delivery")."""

    def add_background(self, factory: BackgroundFactory, *, name: str = "background") -> None:
        """Start the loop ``factory()`` with the engine where it dispatches; cancelled at stop."""
