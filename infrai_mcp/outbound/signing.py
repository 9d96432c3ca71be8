"""Standard Webhooks signing (https://www.standardwebhooks.com).

Every signed request carries three headers:

- ``webhook-id``: the message id. The engine uses the run id's webhook id, which stays the
  same across retries of one run (and across a crash and restart), so a receiver can
  dedupe on it.
- ``webhook-timestamp``: unix seconds at the time of this attempt.
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256 of f"{id}.{timestamp}.{body}">``.

Secrets: ``whsec_<base64>`` is decoded and the decoded bytes are the HMAC key (what every
Standard Webhooks library expects). Any other string is used as its UTF-8 bytes, so a
plain passphrase still works with receivers that take the raw key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

PREFIX = "whsec_"


def secret_key(secret: str) -> bytes:
    """The HMAC key for a secret (see the module docstring for the two accepted forms)."""
    if secret.startswith(PREFIX):
        try:
            return base64.b64decode(secret[len(PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            # Not valid base64 after the prefix: fall back to the raw bytes rather than
            # refusing to sign; the documented rule is "other strings are UTF-8 bytes".
            return secret.encode()
    return secret.encode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``webhook-signature`` header value: ``v1,<base64 HMAC-SHA256>``."""
    raw = body if isinstance(body, bytes) else body.encode()
    to_sign = f"{msg_id}.{int(timestamp)}.".encode() + raw
    digest = hmac.new(secret_key(secret), to_sign, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(secret: str, msg_id: str, timestamp: int, body: bytes | str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


def verify(secret: str, msg_id: str, timestamp: int, body: bytes | str, header: str) -> bool:
    """True when any ``v1,`` signature in ``header`` matches (space-separated list)."""
    expected = sign(secret, msg_id, timestamp, body)
    return any(hmac.compare_digest(expected, part) for part in header.split())
