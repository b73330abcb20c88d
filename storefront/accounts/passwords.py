"""Password hashing with argon2id (RFC 9106's second recommended parameters, argon2-cffi's defaults)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash used weaker parameters than today's: rehash it at the next login."""
    return _hasher.check_needs_rehash(password_hash)


# Verifying against this when an e-mail is unknown keeps login timing the same for both cases.
DUMMY_HASH = _hasher.hash("not a real password, only here to spend the same time")
