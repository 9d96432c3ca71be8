"""Record ids: a type prefix and a ULID-style body, so ids sort by creation time.

Cursor pagination relies on that order: ``id > cursor`` walks forward without offsets.
"""

from __future__ import annotations

import os
import re
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_lock = threading.Lock()
_last_ms = 0
_last_rand = 0

PREFIXES = {
    "cron": "cj",
    "task": "tk",
    "schedule": "sch",
    "run": "run",
    "queue_message": "msg",
    "delivery": "dlv",
    "subscription": "sub",
    "attempt": "att",
    "key": "key",
    "execution": "exe",
}


_BODY = "[0-9a-hjkmnp-tv-z]{26}"
# Message ids made in batches carry a two-character sequence suffix (store_queues.message_ids).
_SUFFIXED = {"msg"}


def is_id(value: str, prefix: str) -> bool:
    """Whether ``value`` is shaped like an id ``new_id(prefix)`` makes (it may no longer exist)."""
    tail = "(?:[0-9a-hjkmnp-tv-z]{2})?" if prefix in _SUFFIXED else ""
    return re.fullmatch(f"{re.escape(prefix)}_{_BODY}{tail}", value) is not None


def _encode(value: int, length: int) -> str:
    out = []
    for _ in range(length):
        out.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(out))


# Two characters per 10 bits from one table: half the Python steps of ``_encode`` for the
# random part (ids are made by the thousand in batch creates).
_PAIRS = [x + y for x in _ALPHABET for y in _ALPHABET]
_SHIFTS = (70, 60, 50, 40, 30, 20, 10, 0)
_ms_text = (-1, "")


def _encode_rand(value: int) -> str:
    """``_encode(value, 16)`` for the 80-bit random part."""
    pairs = _PAIRS
    return "".join([pairs[(value >> s) & 1023] for s in _SHIFTS])


def new_id(prefix: str) -> str:
    """A monotonic (within this process) time-ordered id such as ``cj_01jd...``."""
    global _last_ms, _last_rand, _ms_text
    with _lock:
        ms = int(time.time() * 1000)
        if ms <= _last_ms:
            # Same millisecond (or the clock stepped back): keep order by bumping the
            # random part instead of trusting the clock.
            ms = _last_ms
            rand = _last_rand + 1
        else:
            rand = int.from_bytes(os.urandom(10), "big") >> 1
        _last_ms, _last_rand = ms, rand
        if _ms_text[0] != ms:
            _ms_text = (ms, _encode(ms, 10))
        ms_text = _ms_text[1]
    return f"{prefix}_{ms_text}{_encode_rand(rand)}"
