"""Request models reject bad input with messages that name the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infrai_mcp.core.errors import InvalidInput, PayloadTooLarge
from infrai_mcp.models import CronCreate, TaskCreate, invalid_from_validation, mask_headers


def _invalid(cls: type, **kwargs: object) -> InvalidInput:
    with pytest.raises(ValidationError) as info:
        cls(**kwargs)
    return invalid_from_validation(info.value)


def test_cron_create_needs_schedule_or_run_at() -> None:
    err = _invalid(CronCreate, url="https://example.com/x")
    assert "exactly one of schedule" in err.message


@pytest.mark.parametrize(
    ("field", "value", "expect"),
    [
        ("url", "ftp://example.com", "http:// or https://"),
        ("retries", 11, "must be at most 10"),
        ("timeout_seconds", 0, "must be at least 1"),
        ("method", "TRACE", "GET"),
        ("headers", {"Bad Header": "x"}, "not a valid HTTP token"),
        ("headers", {"X-A": "a\r\nInjected: 1"}, "single-line"),
        ("headers", {"webhook-id": "x"}, "set by the engine"),
    ],
)
def test_field_errors_name_the_field(field: str, value: object, expect: str) -> None:
    kwargs: dict[str, object] = {"url": "https://example.com/x", "schedule": "* * * * *", field: value}
    err = _invalid(CronCreate, **kwargs)
    assert err.field == field
    assert expect in err.message


def test_payload_over_limit_is_payload_too_large() -> None:
    err = _invalid(TaskCreate, url="https://e.com", delay_seconds=1, payload={"x": "a" * (1024 * 1024)})
    assert isinstance(err, PayloadTooLarge)
    assert err.field == "payload"


def test_naive_run_at_is_refused() -> None:
    err = _invalid(TaskCreate, url="https://e.com", run_at="2030-01-01T09:00:00")
    assert err.field == "run_at"
    assert "UTC offset" in err.message


def test_method_is_case_insensitive() -> None:
    assert TaskCreate(url="https://e.com", delay_seconds=5, method="put").method == "PUT"


def test_credential_headers_are_masked() -> None:
    shown = mask_headers({"Authorization": "Bearer s3cret", "X-Trace": "1"})
    assert shown == {"Authorization": "***", "X-Trace": "1"}
