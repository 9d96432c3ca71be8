"""The exception tree every layer raises and every surface translates.

    InfraiError                 base; ``code`` and ``http_status`` drive REST and MCP errors
    ├── InvalidInput            a field is wrong (400/422); ``field`` names it
    │   ├── PayloadTooLarge     a body or field is over a documented limit (413)
    │   └── LimitExceeded       a documented count limit is reached (422): jobs per project,
    │                           messages per queue
    ├── NotFound                unknown id, or another project's id (404)
    ├── Conflict                state forbids the operation (409): stale lease, DLQ in use
    ├── Unauthorized            missing or wrong API key (401)
    ├── RateLimited             too many requests (429)
    └── StoreUnavailable        the database cannot be written now (503): locked, disk full

Messages are written for the reader who must fix the call: they name the field, say what
is accepted, and never contain secrets. Which call lists valid ids depends on the surface
(an MCP tool, a REST route, a CLI command), so the message leaves it out and ``hint`` names
the kind of record instead; each surface adds its own sentence (``infrai_mcp.core.hints``).
"""

from __future__ import annotations

# Every text field, id and query value refuses NUL (PostgreSQL cannot store it in text; SQLite
# would): the one wording every check and the PostgreSQL store's net use.
NUL_REFUSED = (
    "must not contain the NUL character (\\u0000); remove it, e.g. send \"report\" rather than \"report\\u0000\""
)


class InfraiError(Exception):
    code = "INTERNAL"
    http_status = 500

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint  # a kind in infrai_mcp.core.hints: "cron", "queue", ...

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message}


class InvalidInput(InfraiError):
    code = "INVALID_ARGUMENT"
    http_status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def to_dict(self) -> dict[str, object]:
        d = super().to_dict()
        if self.field:
            d["field"] = self.field
        return d

    def within(self, where: str) -> InvalidInput:
        """The same error about an item of a batch: ``jobs[3].schedule: ...``."""
        text = str(self)
        if text.startswith(where):
            return self
        return type(self)(f"{where}.{text}" if self.field else f"{where}: {text}",
                          field=f"{where}.{self.field}" if self.field else where)


class PayloadTooLarge(InvalidInput):
    code = "PAYLOAD_TOO_LARGE"
    http_status = 413


class LimitExceeded(InvalidInput):
    """A documented count limit (README, "Limits") is reached; the message names the limit,
    the current count and the environment variable that sets it. Nothing was stored."""

    code = "LIMIT_EXCEEDED"
    http_status = 422


class NotFound(InfraiError):
    code = "NOT_FOUND"
    http_status = 404


class Conflict(InfraiError):
    code = "CONFLICT"
    http_status = 409


class Unauthorized(InfraiError):
    code = "UNAUTHORIZED"
    http_status = 401


class RateLimited(InfraiError):
    code = "RATE_LIMITED"
    http_status = 429


class StoreUnavailable(InfraiError):
    code = "STORE_UNAVAILABLE"
    http_status = 503
