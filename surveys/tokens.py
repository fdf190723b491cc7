"""Survey link tokens: 256 bits, stored only as a SHA-256 hash.

A leaked database therefore holds no working link; a link is found by hashing
the token it carries.

An invitation's token is an HMAC of the row's random salt under the server's
secret (`link_token`), so every attempt to send one email renders the same link:
a retry after a timeout whose first copy did arrive leaves the customer two
copies of one working link, never a dead one. Working links need both the
database and SECRET_KEY.
"""

import base64
import hashlib
import secrets

from django.utils.crypto import salted_hmac

TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """Return a fresh (token, hash) pair: the token goes in the email, the hash in the database."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_salt() -> str:
    return secrets.token_hex(16)


def link_token(invitation, *, purpose: str = "invitation") -> str:
    """The token of an invitation's link (or of its reminder's): the same on every attempt, and only here
    and in the email; the database keeps its hash."""
    value = f"{purpose}:{invitation.pk}:{invitation.token_salt}"
    digest = salted_hmac("surveys.tokens.link_token", value, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
