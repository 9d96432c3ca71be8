"""The parse result (``When``) and the error type (``WhenError``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from infrai_mcp.when.kinds import Recurrence

WhenType = Literal["once", "delayed", "cron", "recurring"]

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
    """One of: a single instant (``once``), a delay from now (``delayed``), a plain cron in a zone
    (``cron``), or any other recurring schedule (``recurring``: an interval, a calendar rule, or a
    cron with exclusions or jitter; see ``when/kinds.py``).

    Every repeating When (``repeats``) carries its ``recurrence``; a ``cron`` When gets one built
    from ``cron``, and a ``recurring`` one whose rule is a cron also has ``cron`` set. Build a
    repeating When with ``When.recurring(recurrence)``, which picks the type."""

    type: WhenType
    timezone: str
    run_at: datetime | None = None
    delay_seconds: int | None = None
    cron: str | None = None
    recurrence: Recurrence | None = None

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
            from infrai_mcp.when.kinds import CronRule, Recurrence

            if self.recurrence is None:
                object.__setattr__(self, "recurrence", Recurrence(CronRule(self.cron), self.timezone))
            elif not (self.recurrence.is_plain_cron and self.recurrence.rule == CronRule(self.cron)):
                raise ValueError("a 'cron' When's recurrence is its plain cron; use When.recurring()")
        elif self.type == "recurring":
            from infrai_mcp.when.kinds import CronRule

            if self.recurrence is None:
                raise ValueError("a 'recurring' When needs a recurrence")
            rule = self.recurrence.rule
            object.__setattr__(self, "cron", rule.expr if isinstance(rule, CronRule) else None)
        else:
            raise ValueError(f"unknown When type {self.type!r}")

        if self.recurrence is not None and self.recurrence.timezone != self.timezone:
            raise ValueError("a When's recurrence is in the When's timezone")

    @classmethod
    def recurring(cls, recurrence: Recurrence) -> When:
        """The When of a recurrence: type "cron" for a plain cron, else "recurring"."""
        from infrai_mcp.when.kinds import CronRule

        if recurrence.is_plain_cron:
            assert isinstance(recurrence.rule, CronRule)
            return cls(type="cron", cron=recurrence.rule.expr, timezone=recurrence.timezone)
        return cls(type="recurring", timezone=recurrence.timezone, recurrence=recurrence)

    @property
    def repeats(self) -> bool:
        return self.type in ("cron", "recurring")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.type,
            "run_at": self.run_at.isoformat().replace("+00:00", "Z") if self.run_at else None,
            "delay_seconds": self.delay_seconds,
            "cron": self.cron,
            "timezone": self.timezone,
        }
        if self.type == "recurring":
            assert self.recurrence is not None
            out["recurrence"] = self.recurrence.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> When:
        if data.get("type") == "recurring":
            from infrai_mcp.when.kinds import Recurrence

            return cls.recurring(Recurrence.from_dict(data["recurrence"]))
        run_at = data.get("run_at")
        parsed = datetime.fromisoformat(run_at.replace("Z", "+00:00")) if isinstance(run_at, str) else run_at
        return cls(
            type=data["type"],
            timezone=data["timezone"],
            run_at=parsed,
            delay_seconds=data.get("delay_seconds"),
            cron=data.get("cron"),
        )
