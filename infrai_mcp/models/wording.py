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


def in_words(err: Mapping[str, Any]) -> str:
    """The accepted form for one pydantic error (``ValidationError.errors()`` item)."""
    kind = str(err.get("type", ""))
    ctx: Mapping[str, Any] = err.get("ctx") or {}
    if kind in ("bool_type", "bool_parsing"):
        return "must be true or false (a JSON boolean, not a string or number)"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "must be a whole number, e.g. 5"
    if kind in ("float_type", "float_parsing"):
        return "must be a number, e.g. 2.5"
    if kind in ("string_type",):
        return "must be a string, e.g. \"abc\""
    if kind == "greater_than_equal":
        return f"must be at least {_n(ctx.get('ge'))}"
    if kind == "greater_than":
        return f"must be more than {_n(ctx.get('gt'))}"
    if kind == "less_than_equal":
        return f"must be at most {_n(ctx.get('le'))}"
    if kind == "less_than":
        return f"must be less than {_n(ctx.get('lt'))}"
    if kind == "literal_error" or kind == "enum":
        return f"must be one of {ctx.get('expected')}"
    if kind == "string_too_short":
        return f"must have at least {ctx.get('min_length')} character(s)"
    if kind == "string_too_long":
        return f"must have at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return "must be " + PATTERN_WORDS.get(pattern, "letters, digits and '_', '.' or '-' only")
    if kind.startswith(("datetime_", "date_", "timezone_")):
        return "must be an ISO 8601 time with an offset, e.g. 2026-12-01T09:00:00Z"
    if kind.startswith("url_"):
        return "must be an http(s) URL, e.g. https://example.com/hook"
    if kind == "dict_type":
        return 'must be a JSON object, e.g. {"X-Team": "ops"}'
    if kind == "list_type":
        return 'must be a JSON array, e.g. ["a", "b"]'
    if kind == "model_type" or kind == "model_attributes_type":
        return "must be a JSON object with the documented fields"
    msg = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
    return msg
