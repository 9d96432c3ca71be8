"""KeyStore: API keys that map a bearer token to a project. Contract below.

Keys are high-entropy random strings (``ifr_`` + 256 random bits), so a plain SHA-256 of
the key is a safe verifier: there is nothing to brute-force, and a stolen database gives
no usable key. The plaintext is shown once by ``infrai-mcp keys create`` and never stored.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ApiKeyInfo:
    """What is known about a key without the key itself (safe to print and list)."""

    key_id: str
    project: str
    name: str | None
    prefix: str  # the first characters of the key, so a person can tell keys apart
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class KeyStore(ABC):
    """API keys. Every method is one transaction."""

    @abstractmethod
    async def key_insert(
        self, *, key_id: str, project: str, name: str | None, prefix: str, key_hash: str, created_at: datetime
    ) -> ApiKeyInfo:
        """Store a new key by its hash. ``key_hash`` is unique; a duplicate raises Conflict."""

    @abstractmethod
    async def key_find(self, key_hash: str) -> tuple[ApiKeyInfo, str] | None:
        """The ACTIVE key with this hash and its stored hash (for a constant-time recheck);
        None for unknown or revoked keys."""

    @abstractmethod
    async def key_list(self, project: str | None = None) -> list[ApiKeyInfo]:
        """Every key (revoked ones too), of one project or of all, oldest first."""

    @abstractmethod
    async def key_revoke(self, key_id: str, revoked_at: datetime) -> ApiKeyInfo:
        """Revoke by id (idempotent: an already-revoked key keeps its first revoked_at).
        Unknown id raises NotFound."""

    @abstractmethod
    async def key_projects(self) -> list[str]:
        """Projects that have at least one active key, sorted."""
