"""Table-driven: every phrase in corpus_data gives exactly the expected When (or refusal)."""

from __future__ import annotations

from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from corpus_data import NOWS, cases

from infrai_mcp.when import WhenError, parse_when

CASES = cases()


def test_corpus_is_big_enough() -> None:
    assert len({c[0] for c in CASES}) >= 250
    assert len(CASES) >= 600


@pytest.mark.parametrize(("phrase", "zone", "now_key", "expected"), CASES,
                         ids=[f"{c[0]!r}@{c[1]}/{c[2]}" for c in CASES])
def test_phrase(phrase: str, zone: str, now_key: str, expected: tuple[Any, ...]) -> None:
    now = NOWS[now_key].replace(tzinfo=ZoneInfo(zone))
    kind = expected[0]
    if kind == "error":
        with pytest.raises(WhenError) as info:
            parse_when(phrase, now=now, timezone=zone)
        message = str(info.value)
        assert expected[1].lower() in message.lower()
        assert "example" in message.lower()
        return
    when = parse_when(phrase, now=now, timezone=zone)
    if kind == "cron":
        assert (when.type, when.cron) == ("cron", expected[1])
        assert when.timezone == (expected[2] if len(expected) > 2 else zone)
    elif kind == "delayed":
        assert (when.type, when.delay_seconds) == ("delayed", expected[1])
    elif kind == "once":
        assert when.type == "once" and when.run_at is not None
        assert when.timezone == (expected[2] if len(expected) > 2 else zone)
        assert when.run_at.tzinfo == UTC
        local = when.run_at.astimezone(ZoneInfo(when.timezone))
        assert local.strftime("%Y-%m-%d %H:%M") == expected[1]
        assert when.run_at > now
    elif kind == "utc":
        assert when.type == "once" and when.run_at is not None
        assert when.run_at.strftime("%Y-%m-%dT%H:%M") == expected[1]
    else:  # pragma: no cover
        raise AssertionError(kind)
