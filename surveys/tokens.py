"""Survey link tokens: 256 random bits from `secrets`, stored only as a SHA-256 hash.

A leaked database therefore holds no working link; a link is found by hashing
the token it carries.
"""

import hashlib
import secrets

TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """Return a fresh (token, hash) pair: the token goes in the email, the hash in the database."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
