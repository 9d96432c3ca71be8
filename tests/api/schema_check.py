"""Check a response against the operation's schema in our own /openapi.json (JSON Schema 2020-12)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from jsonschema import Draft202012Validator


def _template_for(doc: dict[str, Any], method: str, path: str) -> str:
    for template, ops in doc["paths"].items():
        pattern = "^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$"
        if method.lower() in ops and re.match(pattern, path):
            return str(template)
    raise AssertionError(f"{method} {path} is not in /openapi.json")


def check_response(doc: dict[str, Any], resp: httpx.Response) -> None:
    method, path = resp.request.method, resp.request.url.path
    op = doc["paths"][_template_for(doc, method, path)][method.lower()]
    declared = op["responses"].get(str(resp.status_code))
    assert declared, f"{method} {path} answered {resp.status_code}, which /openapi.json does not declare"
    schema = dict(declared["content"]["application/json"]["schema"])
    schema["components"] = doc["components"]  # so "#/components/schemas/X" resolves
    errors = sorted(Draft202012Validator(schema).iter_errors(resp.json()), key=str)
    assert not errors, f"{method} {path}: {errors[0].message} at {list(errors[0].absolute_path)}"
