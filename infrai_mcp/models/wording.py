"""What a rejected value should have been, in words with an example, for every surface.

pydantic's own messages ("Input should be a valid datetime or date, input is too short",
"String should match pattern '^[A-Za-z0-9]...'") describe the validator, not the field: a
caller (often a model) cannot tell from them what to send instead. ``in_words`` turns one
pydantic error into a sentence saying what is accepted, with an example; it never quotes the
rejected value (it may be a secret).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Patterns the models use, in words (the pattern itself tells a caller little).
PATTERN_WORDS = {
    r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,79}$": (
        "a queue name: 1-80 letters, digits, '_', '.' or '-', starting with a letter or digit, e.g. 'orders-eu'"
    ),
}


def _n(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


# pydantic error type -> the accepted form; {name} takes the error's context value of that name.
_WORDS = {
    "bool_type": "must be true or false (a JSON boolean, not a string or number)",
    "int_type": "must be a whole number, e.g. 5",
    "float_type": "must be a number, e.g. 2.5",
    "string_type": 'must be a string, e.g. "abc"',
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be more than {gt}",
    "less_than_equal": "must be at most {le}",
    "less_than": "must be less than {lt}",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "string_too_short": "must have at least {min_length} character(s)",
    "string_too_long": "must have at most {max_length} characters",
    "too_short": "must have at least {min_length} item(s)",
    "too_long": "must have at most {max_length} items",
    "datetime": "must be an ISO 8601 time with an offset, e.g. 2026-12-01T09:00:00Z",
    "url": "must be an http(s) URL, e.g. https://example.com/hook",
    "dict_type": 'must be a JSON object, e.g. {"X-Team": "ops"}',
    "list_type": 'must be a JSON array, e.g. ["a", "b"]',
    "model_type": "must be a JSON object with the documented fields",
}
_SAME = {"bool_parsing": "bool_type", "int_parsing": "int_type", "int_from_float": "int_type",
         "float_parsing": "float_type", "model_attributes_type": "model_type"}


def in_words(err: Mapping[str, Any]) -> str:
    """The accepted form for one pydantic error (``ValidationError.errors()`` item)."""
    kind = str(err.get("type", ""))
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return "must be " + PATTERN_WORDS.get(pattern, "letters, digits and '_', '.' or '-' only")
    if kind.startswith(("datetime_", "date_", "timezone_")):
        kind = "datetime"
    elif kind.startswith("url_"):
        kind = "url"
    template = _WORDS.get(_SAME.get(kind, kind))
    try:
        if template is not None:
            return template.format(**{k: _n(v) for k, v in ctx.items()})
    except (KeyError, IndexError, ValueError):
        pass  # a context this pydantic version does not give: its own message below
    return str(err.get("msg", "is invalid")).removeprefix("Value error, ")
