"""API keys: make one, hash it, check a bearer token against the store.

A key is ``ifr_`` + 43 url-safe characters (256 random bits). Only its SHA-256 is stored;
a lookup by hash plus a constant-time recheck of the stored hash is enough, because the
key has far more entropy than anyone can search (no slow KDF needed).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

from infrai_mcp.core.errors import InvalidInput
from infrai_mcp.core.ids import new_id
from infrai_mcp.store.keys import ApiKeyInfo, KeyStore

KEY_PREFIX = "ifr_"
PROJECT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_SHOWN = 12  # characters of the key kept as its visible prefix ("ifr_" + 8)
_MAX_TOKEN = 256


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def check_project(project: str) -> str:
    if not PROJECT_PATTERN.fullmatch(project):  # match() lets "$" accept a trailing newline
        raise InvalidInput(
            "project must be 1-64 characters: letters, digits, '_', '.', '-' (starting with a letter or digit)",
            field="project",
        )
    return project


async def create_key(store: KeyStore, project: str, name: str | None = None) -> tuple[ApiKeyInfo, str]:
    """A new active key for ``project``; returns its info and the plaintext (shown once)."""
    check_project(project)
    key = new_key()
    info = await store.key_insert(
        key_id=new_id("key"),
        project=project,
        name=name,
        prefix=key[:_SHOWN],
        key_hash=hash_key(key),
        created_at=datetime.now(UTC),
    )
    return info, key


async def authenticate(store: KeyStore, token: str) -> ApiKeyInfo | None:
    """The active key behind a bearer token, or None (unknown, revoked or malformed)."""
    if not token.startswith(KEY_PREFIX) or len(token) > _MAX_TOKEN:
        return None
    digest = hash_key(token)
    found = await store.key_find(digest)
    if found is None:
        return None
    info, stored = found
    # The index lookup already matched; the recheck keeps the final comparison constant-time
    # in case a store ever matches loosely (e.g. a case-insensitive collation).
    return info if hmac.compare_digest(stored, digest) else None
