"""JobStore: persistence of jobs (cron, task, schedule), runs and attempts. Contract below.

(Filled in by the engine layer; see docs/ARCHITECTURE.md.)
"""

from __future__ import annotations

from abc import ABC


class JobStore(ABC):  # noqa: B024 - methods are added by the engine layer
    """Jobs, runs, attempts and the dispatch lease."""
