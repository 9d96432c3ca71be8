"""Shared field types, limits and the pagination envelope."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from infrai_mcp.core.errors import InvalidInput, PayloadTooLarge

T = TypeVar("T")

# Documented limits (README, "Limits"). Every surface enforces them through these models.
MAX_PAYLOAD_BYTES = 1024 * 1024
MAX_HEADERS = 50
MAX_HEADER_VALUE = 8 * 1024
MAX_NAME = 200
MAX_URL = 2048
MAX_KEY = 200
MAX_PAGE = 500
URL_CREDENTIALS_REFUSED = (
    "URL must not contain credentials (user:password@); send them in a header such as Authorization "
    "\u2014 credential headers are stored write-only and masked"
)
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key", "api-key"})

_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$")
_RESERVED_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "webhook-id", "webhook-timestamp",
     "webhook-signature"}
)


class Model(BaseModel):
    """Base for every record and request: unknown fields are errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Record(BaseModel):
    """Base for records returned to callers (extra fields tolerated for forward compatibility)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _check_url(value: str) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string URL")
    value = value.strip()
    if len(value) > MAX_URL:
        raise ValueError(f"URL is longer than {MAX_URL} characters")
    if not re.match(r"^https?://[^\s/?#]+[^\s]*$", value, re.IGNORECASE):
        raise ValueError("must be an absolute http:// or https:// URL, e.g. https://example.com/hook")
    # URLs are shown everywhere (records, dashboard, logs) and secrets are write-only, so a URL
    # may not carry credentials: the authority (up to the first / ? #) must not hold an "@".
    authority = re.split(r"[/?#]", value.split("://", 1)[1], maxsplit=1)[0]
    if "@" in authority:
        raise ValueError(URL_CREDENTIALS_REFUSED)
    return value


def _check_aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a UTC offset or Z, e.g. 2026-12-01T09:00:00Z")
    return value.astimezone(UTC)


def _check_headers(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    if len(value) > MAX_HEADERS:
        raise ValueError(f"at most {MAX_HEADERS} headers are allowed")
    for name, val in value.items():
        if not _HEADER_NAME.fullmatch(name):  # match() lets "$" accept a trailing newline
            raise ValueError(f"header name {name!r} is not a valid HTTP token")
        if name.lower() in _RESERVED_HEADERS:
            raise ValueError(f"header {name!r} is set by the engine and cannot be overridden")
        if not isinstance(val, str) or "\r" in val or "\n" in val or "\x00" in val:
            raise ValueError(f"header {name!r} must be a single-line string")
        if len(val) > MAX_HEADER_VALUE:
            raise ValueError(f"header {name!r} is longer than {MAX_HEADER_VALUE} characters")
    return value


def _check_payload(value: Any) -> Any:
    if value is None:
        return None
    try:
        # allow_nan=False: NaN and Infinity are not JSON; accepted, they were silently stored as null.
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode())
    except (TypeError, ValueError, RecursionError):
        raise ValueError("must be JSON (objects, arrays, strings, finite numbers, booleans, null)") from None
    if size > MAX_PAYLOAD_BYTES:
        raise ValueError(f"is {size} bytes of JSON; the limit is {MAX_PAYLOAD_BYTES} bytes (1 MiB)")
    return value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


HttpUrl = Annotated[str, AfterValidator(_check_url)]
AwareDatetime = Annotated[datetime, AfterValidator(_check_aware)]
Headers = Annotated[dict[str, str] | None, AfterValidator(_check_headers)]
Payload = Annotated[Any, AfterValidator(_check_payload)]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
IdempotencyKey = Annotated[str, Field(min_length=1, max_length=MAX_KEY)]
Method = Annotated[Literal["GET", "POST", "PUT", "PATCH", "DELETE"], BeforeValidator(_upper)]
Secret = Annotated[str, Field(min_length=8, max_length=512)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def mask_headers(headers: dict[str, str] | None) -> dict[str, str] | None:
    """Headers as shown to callers: values of credential-bearing headers are masked."""
    if headers is None:
        return None
    return {k: ("***" if k.lower() in SENSITIVE_HEADERS else v) for k, v in headers.items()}


def invalid_from_validation(
    exc: ValidationError, prefix: str = "", accepted: list[str] | None = None
) -> InvalidInput:
    """One readable InvalidInput from a pydantic ValidationError, naming each bad field.

    ``accepted``: the fields the model takes, listed when an unknown field is sent.
    """
    parts = []
    first_field: str | None = None
    too_large = False
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
        field = f"{prefix}{loc}" if loc else prefix.rstrip(".") or None
        first_field = first_field or field
        msg = str(err.get("msg", "is invalid"))
        msg = msg.removeprefix("Value error, ")
        kind = str(err.get("type", ""))
        if kind == "extra_forbidden":
            msg = "unknown field" + (f" (accepted: {', '.join(accepted)})" if accepted else "")
        elif kind.startswith(("datetime_", "date_")):
            msg += "; give an ISO 8601 time with an offset, e.g. 2026-12-01T09:00:00Z"
        if "bytes of JSON" in msg:
            too_large = True
        parts.append(f"{field}: {msg}" if field else msg)
    text = "; ".join(parts) or "invalid input"
    cls = PayloadTooLarge if too_large else InvalidInput
    return cls(text, field=first_field)


__all__ = [
    "MAX_PAGE",
    "MAX_PAYLOAD_BYTES",
    "AwareDatetime",
    "Headers",
    "HttpUrl",
    "IdempotencyKey",
    "Method",
    "Model",
    "Name",
    "Page",
    "Payload",
    "Record",
    "Secret",
    "invalid_from_validation",
    "mask_headers",
    "utcnow",
]
