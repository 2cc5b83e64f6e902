"""Message ids: UUID version 7 (RFC 9562), time-ordered and unique without coordination.

Layout (128 bits, most significant first): 48-bit Unix time in milliseconds, 4-bit version (7),
12 bits of counter, 2-bit variant (``10``), 30 more bits of counter, 32 random bits. The 42-bit
counter follows RFC 9562 §6.2 method 1: it starts at a random value (top bit clear, leaving room to
count) at each new millisecond and is incremented for every further id in the same millisecond, so
ids made by one process sort in the order they were made, even when the clock stands still or steps
back (the last timestamp is reused then). Ids from different processes or nodes are ordered only by
their millisecond; the random bits keep them apart. The state is reset in a forked child.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid

_COUNTER_MAX = (1 << 42) - 1
_VERSION_VARIANT = (0x7 << 76) | (0b10 << 62)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_lock = threading.Lock()
_last_ms = -1
_last_counter = 0


def _reset() -> None:
    global _last_ms, _last_counter, _lock
    _lock = threading.Lock()
    _last_ms = -1
    _last_counter = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset)


def _fresh() -> tuple[int, int]:
    """A new random counter (top bit clear) and 32-bit random tail."""
    rand = int.from_bytes(os.urandom(10), "big")
    return (rand >> 32) & ((1 << 41) - 1), rand & 0xFFFF_FFFF


def uuid7() -> uuid.UUID:
    """A new UUIDv7, greater than every UUIDv7 this process made before.

    >>> a, b = uuid7(), uuid7()
    >>> a.version, a.variant == uuid.RFC_4122, a < b
    (7, True, True)
    """
    global _last_ms, _last_counter
    now_ms = time.time_ns() // 1_000_000
    with _lock:
        if now_ms > _last_ms:
            counter, tail = _fresh()
        else:
            now_ms = _last_ms  # same millisecond, or the clock stepped back
            counter = _last_counter + 1
            if counter > _COUNTER_MAX:  # 2**41+ ids in one millisecond: borrow the next one
                now_ms += 1
                counter, tail = _fresh()
            else:
                tail = int.from_bytes(os.urandom(4), "big")
        _last_ms, _last_counter = now_ms, counter
    value = (
        ((now_ms & 0xFFFF_FFFF_FFFF) << 80)
        | ((counter >> 30) << 64)
        | ((counter & 0x3FFF_FFFF) << 32)
        | tail
        | _VERSION_VARIANT
    )
    return uuid.UUID(int=value)


def uuid7_time(u: uuid.UUID | str) -> dt.datetime:
    """The creation time (UTC, millisecond precision) written in a UUIDv7.

    >>> uuid7_time("01890a5d-ac96-774b-bcce-b302099a8057").isoformat()
    '2023-06-30T03:34:18.518000+00:00'
    """
    value = u if isinstance(u, uuid.UUID) else uuid.UUID(u)
    if value.version != 7:
        raise ValueError(f"not a UUID version 7: {value}")
    ms = value.int >> 80
    return _EPOCH + dt.timedelta(milliseconds=ms)


def is_uuid7(text: str) -> bool:
    """Whether ``text`` is a UUIDv7 in canonical form (lower-case, hyphenated).

    >>> is_uuid7(str(uuid7())), is_uuid7(str(uuid.uuid4())), is_uuid7("x")
    (True, False, False)
    """
    try:
        value = uuid.UUID(text)
    except (ValueError, TypeError, AttributeError):
        return False
    return value.version == 7 and value.variant == uuid.RFC_4122 and str(value) == text
