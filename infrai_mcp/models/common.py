"""Shared field types, limits and the pagination envelope."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

import yarl
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from infrai_mcp.core.errors import NUL_REFUSED, InvalidInput, PayloadTooLarge
from infrai_mcp.models.wording import in_words

T = TypeVar("T")

# Documented limits (README, "Limits"). Every surface enforces them through these models.
MAX_PAYLOAD_BYTES = 1024 * 1024
MAX_HEADERS = 50
MAX_HEADER_VALUE = 8 * 1024
MAX_NAME = 200
MAX_URL = 2048
MAX_KEY = 200
MAX_PAGE = 500
# Containers (objects, arrays) inside one another in any JSON value a caller sends: deeper
# values are refused at input, and a stored one deeper than this is shown as a placeholder
# (``stored_json``), so no read can fail on it.
MAX_JSON_DEPTH = 64
URL_CREDENTIALS_REFUSED = (
    "URL must not contain credentials (user:password@); send them in a header such as Authorization "
    "\u2014 credential headers are stored write-only and masked"
)
# A header whose name holds one of these is a credential: its value is write-only, shown as
# "***" in every read (records, dashboard, event reports, logs). A rule, not a list of names,
# so X-Auth-Token, Private-Token, X-Vault-Token, X-Amz-Security-Token and their like are
# covered; INFRAI_MASK_HEADERS adds exact names (``set_masked_headers``).
SENSITIVE_PARTS = ("auth", "token", "secret", "key", "session", "cookie", "signature", "password", "passwd",
                   "credential")
_masked_names: frozenset[str] = frozenset()

_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$")
_RESERVED_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "webhook-id", "webhook-timestamp",
     "webhook-signature"}
)


def json_depth(value: Any) -> int:
    """How many containers (dicts, lists) are nested in ``value``: ``1`` is 0, ``[1]`` is 1,
    ``{"a": [1]}`` is 2. Iterative, so no depth can overflow the stack."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        depth += 1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_JSON_DEPTH:
                return deepest  # deep enough to refuse; no need to walk the rest
        stack.extend((child, depth) for child in children)
    return deepest


def check_depth(value: Any) -> Any:
    if json_depth(value) > MAX_JSON_DEPTH:
        raise ValueError(
            f"is nested more than {MAX_JSON_DEPTH} levels deep (objects and arrays inside one another); "
            f"the limit is {MAX_JSON_DEPTH}: flatten it, or send the deep part as a JSON string"
        )
    return value


# Shown instead of a stored JSON value no read may carry: one nested deeper than the input
# bound (stored before the bound existed, or written into the store by hand) or not JSON at
# all. The record is still listed, with this in that field; the stored value is kept.
UNSHOWABLE_JSON = f"(stored value not shown: it is not JSON nested at most {MAX_JSON_DEPTH} levels deep)"


def stored_json(text: str | None) -> Any:
    """A stored JSON text as a value every read can serialise (``UNSHOWABLE_JSON`` otherwise)."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return UNSHOWABLE_JSON
    # Deeper than the bound needs that many opening brackets: count them (fast) before walking.
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth(value) > MAX_JSON_DEPTH:
        return UNSHOWABLE_JSON
    return value


def has_nul(value: Any) -> bool:
    """A NUL character in a string, or in any key or string inside lists and dicts (iterative)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def refuse_nul(model: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    """Every text field of every request refuses NUL, on every store: PostgreSQL cannot store it
    in text, and SQLite would. JSON payloads (fields typed ``Any``) may carry it: they are
    stored as JSON text, where it is the escape ``\\u0000``."""
    if isinstance(value, str):  # the common case first: one C-level scan
        if "\x00" in value:
            raise ValueError(NUL_REFUSED)
        return value
    if not isinstance(value, dict | list | tuple):
        return value  # numbers, booleans, None, times, nested models (they check themselves)
    key = (model, info.field_name or "")
    skip = _JSON_FIELDS.get(key)
    if skip is None:
        skip = _JSON_FIELDS[key] = model.model_fields[key[1]].annotation is Any if key[1] else False
    if not skip and has_nul(value):
        raise ValueError(NUL_REFUSED)
    return value


_JSON_FIELDS: dict[tuple[type[BaseModel], str], bool] = {}  # (model, field) -> typed Any (a JSON payload)


class Model(BaseModel):
    """Base for every request: unknown fields are errors, not silently dropped; text refuses NUL."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_nul(cls, value, info)


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
    # Parsed as the HTTP client will parse it when the job fires, so a URL that could never be
    # sent (an unclosed "[::1", a port out of range) is refused now rather than failing each fire.
    try:
        url = yarl.URL(value)
        host, port = url.raw_host, url.port
    except (ValueError, UnicodeError) as exc:
        raise ValueError(f"is not a valid URL ({exc}); write it like https://example.com:8443/hook") from None
    if not host:
        raise ValueError("has no host; write it like https://example.com/hook")
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"port {port} is out of range (1-65535); write it like https://example.com:8443/hook")
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
    check_depth(value)
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


def set_masked_headers(names: tuple[str, ...]) -> None:
    """Exact header names to mask besides the rule (Settings.mask_headers, INFRAI_MASK_HEADERS)."""
    global _masked_names
    _masked_names = frozenset(n.strip().lower() for n in names if n.strip())


def is_sensitive_header(name: str) -> bool:
    low = name.lower()
    return low in _masked_names or any(part in low for part in SENSITIVE_PARTS)


def mask_headers(headers: dict[str, str] | None) -> dict[str, str] | None:
    """Headers as shown to callers: values of credential-bearing headers are masked."""
    if headers is None:
        return None
    return {k: ("***" if is_sensitive_header(k) else v) for k, v in headers.items()}


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
        kind = str(err.get("type", ""))
        if kind == "extra_forbidden":
            msg = "unknown field" + (f" (accepted: {', '.join(accepted)})" if accepted else "")
        elif kind == "missing":
            msg = "is required"
        else:
            msg = in_words(err)
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
    "is_sensitive_header",
    "mask_headers",
    "set_masked_headers",
    "utcnow",
]
