"""The parse result (``When``) and the error type (``WhenError``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

WhenType = Literal["once", "delayed", "cron"]

EXAMPLES_ONCE = '"tomorrow at 9am", "in 20 minutes", "2026-12-01T08:00:00Z"'
EXAMPLES_CRON = '"every weekday at 9am", "every 15 minutes", "0 9 * * 1-5"'
EXAMPLES_ALL = '"in 20 minutes", "tomorrow at 9am", "every weekday at 9am" (or a cron such as "0 9 * * 1-5")'


class WhenError(ValueError):
    """A phrase that cannot be turned into a schedule. The message says what was
    understood and gives accepted examples, so an agent can correct itself."""


def fail(what: str, examples: str = EXAMPLES_ALL) -> WhenError:
    """Build a WhenError with examples appended."""
    return WhenError(f"{what}. Accepted examples: {examples}.")


@dataclass(frozen=True)
class When:
    """One of: a single instant (``once``), a delay from now (``delayed``), or a cron in a zone."""

    type: WhenType
    timezone: str
    run_at: datetime | None = None
    delay_seconds: int | None = None
    cron: str | None = None

    def __post_init__(self) -> None:
        if self.type == "once":
            if self.run_at is None or self.run_at.utcoffset() is None:
                raise ValueError("a 'once' When needs an aware run_at")
            if self.run_at.utcoffset():
                raise ValueError("run_at must be in UTC")
        elif self.type == "delayed":
            if self.delay_seconds is None or self.delay_seconds < 0:
                raise ValueError("a 'delayed' When needs delay_seconds >= 0")
        elif self.type == "cron":
            if not self.cron:
                raise ValueError("a 'cron' When needs a cron expression")
        else:
            raise ValueError(f"unknown When type {self.type!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "run_at": self.run_at.isoformat().replace("+00:00", "Z") if self.run_at else None,
            "delay_seconds": self.delay_seconds,
            "cron": self.cron,
            "timezone": self.timezone,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> When:
        run_at = data.get("run_at")
        parsed = datetime.fromisoformat(run_at.replace("Z", "+00:00")) if isinstance(run_at, str) else run_at
        return cls(
            type=data["type"],
            timezone=data["timezone"],
            run_at=parsed,
            delay_seconds=data.get("delay_seconds"),
            cron=data.get("cron"),
        )
