"""Re-collect a colleague suite's tests in a tests/pg module, against that module's fixtures.

Only tests that take one of ``needs`` (the fixture the pg module rebuilds on PostgreSQL)
and none of ``skip`` (e.g. ``tmp_path``, used by tests that build their own SQLite set-up)
are taken, so new tests of those suites join without an edit here and tests that never
touch a store are not run twice.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from types import ModuleType
from typing import Any


def collect(namespace: dict[str, Any], modules: Iterable[ModuleType], needs: set[str],
            skip: frozenset[str] = frozenset({"tmp_path"})) -> list[str]:
    taken = []
    for module in modules:
        for name, fn in vars(module).items():
            if not name.startswith("test_") or not inspect.isfunction(fn):
                continue
            params = set(inspect.signature(fn).parameters)
            if params & needs and not params & skip:
                namespace[name] = fn
                taken.append(name)
    return taken
