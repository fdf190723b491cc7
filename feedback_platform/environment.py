"""The reader of settings from the environment: django-environ, made loud.

Two rules on top of django-environ (as healthchecks' ``envbool`` does):
a variable set to an empty string is unset, so the embedded default applies
(``DATABASE_URL=`` in a compose file means "no database URL", not a crash),
and a value that does not read as its type stops start-up with a message
naming the variable (``SECURE_SSL_REDIRECT=ture`` must not quietly mean false).
"""

import os
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
FALSE_WORDS = frozenset({"false", "no", "off", "0"})


class LoudEnv(environ.Env):
    """``environ.Env`` that reads empty as unset and refuses malformed values."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        super().__init__()
        variables = os.environ if source is None else source
        self.ENVIRON = {name: value for name, value in variables.items() if value.strip()}

    def get_value(self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET, parse_default: bool = False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except (ValueError, TypeError) as exc:
            expected = getattr(cast, "__name__", "value")
            raise ImproperlyConfigured(f"{var}={self.ENVIRON.get(var)!r} is not a valid {expected}") from exc

    def bool(self, var: str, default: Any = environ.Env.NOTSET) -> bool:
        if var not in self.ENVIRON:
            return super().bool(var, default=default)
        raw = self.ENVIRON[var]
        word = raw.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ImproperlyConfigured(f"{var}={raw!r} is not a boolean: write true or false")

    def db(self, var: str = "DATABASE_URL", default: Any = environ.Env.NOTSET, engine: str | None = None) -> dict:
        url = self.str(var, default=default)
        if engine is None and url.split("://", 1)[0] not in self.DB_SCHEMES:
            raise ImproperlyConfigured(f"{var}={url!r} is not a database URL (postgres://…, sqlite:///…)")
        return self.db_url_config(url, engine=engine)

    def imap_url(self, var: str) -> str:
        """An IMAP mailbox URL (imap:// or imaps://user:password@host[:port][/MAILBOX]) or "" when unset."""
        url = self.str(var, default="")
        if not url:
            return ""
        parts = urlsplit(url)
        try:
            parts.port  # noqa: B018 (reading it validates it)
        except ValueError:
            raise ImproperlyConfigured(f"{var}: the port is not a number") from None
        if parts.scheme not in ("imap", "imaps") or not parts.hostname or not parts.username:
            raise ImproperlyConfigured(f"{var} is not an IMAP URL: write imaps://user:password@host:993/INBOX")
        return url
