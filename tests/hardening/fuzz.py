"""Hostile values for fuzzing, and a blocking portal that keeps one engine (and its MCP
client or ASGI app) alive on its own event loop while hypothesis drives sync tests."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

# Strings an agent or an attacker might send: huge, NUL bytes, control characters, unicode
# edge cases, path tricks, injection-looking text, cron and zone lookalikes.
ODD_STRINGS = [
    "", " ", "\x00", "a\x00b", "\r\n", "\u202e", "\ud7ff", "\U0001f600", "明天下午3点", "ﷺ" * 50,
    "../../etc/passwd", "%00", "'; DROP TABLE jobs; --", "<script>", "${jndi:x}", "null", "NaN",
    "* * * * * * *", "*/0 * * * *", "99 99 99 99 99", "0 0 31 2 *", "@reboot", "@every 1s", "-1 * * * *",
    "1-0 * * * *", "*/1000000000000000000000 * * * *", "0 0 * * 8", "Mars/Phobos", "UTC+99",
    "Etc/GMT+99", "America/New_York\x00", "../zoneinfo/UTC", "in -5 minutes", "every 0 minutes",
    "http://", "https://[::1", "http://a:99999/", "ftp://example.com", "javascript:alert(1)",
    "x" * 5000, "é" * 70000,
]
NUMBERS = [0, -1, 1, 2**31, -(2**31), 2**63, -(2**63), 2**64 + 1, 10**30, 0.5, -0.0, 1e308, math.inf,
           -math.inf, math.nan]


def json_leaf() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), st.sampled_from(NUMBERS), st.integers(), st.floats(allow_nan=True),
        st.sampled_from(ODD_STRINGS), st.text(max_size=40),
    )


def json_value() -> st.SearchStrategy[Any]:
    return st.recursive(
        json_leaf(),
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
        max_leaves=12,
    )


def deep(depth: int) -> Any:
    v: Any = 1
    for _ in range(depth):
        v = [v]
    return v


def hostile_value() -> st.SearchStrategy[Any]:
    return st.one_of(json_value(), st.sampled_from([deep(20), deep(100), {"a": "x" * 2_000_000}]))


def args_for(properties: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Arguments using the tool's or body's own field names (so validation runs deep), with
    hostile values, plus now and then an unknown field."""
    known = st.dictionaries(st.sampled_from(properties), hostile_value(), max_size=len(properties)) \
        if properties else st.just({})
    extra = st.dictionaries(st.text(min_size=1, max_size=10), json_leaf(), max_size=2)
    return st.one_of(known, st.builds(lambda a, b: {**b, **a}, known, extra))
