"""Password hashing with argon2id (argon2-cffi's defaults, RFC 9106 low-memory profile).

Hashes are self-describing strings (``$argon2id$v=19$m=...``), so parameters can be raised later and
:func:`needs_rehash` tells when a stored hash should be replaced at the next sign-in.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cix.errors import UsageError

MIN_LENGTH = 8
MAX_LENGTH = 1024


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def check_password(password: str) -> str:
    """The password when it is acceptable; a clear error otherwise (never echoing it)."""
    if len(password) < MIN_LENGTH:
        raise UsageError(f"the password must have at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise UsageError(f"the password must have at most {MAX_LENGTH} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher().hash(check_password(password))


def verify_password(stored_hash: str, password: str) -> bool:
    """True when ``password`` matches ``stored_hash`` (constant time inside argon2)."""
    try:
        return _hasher().verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher().check_needs_rehash(stored_hash)


# A hash verified against when the user does not exist, so that sign-in takes as long either way.
def dummy_hash() -> str:
    return _dummy()


@cache
def _dummy() -> str:
    return _hasher().hash("not-a-real-password")
