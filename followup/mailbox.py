"""Customer replies from a plain support mailbox (no provider webhooks): the beat reads it over IMAP.

Each unseen message goes through the same inbound path as a webhook's (followup.inbound.receive_email), which
commits it once per Message-ID, and only then is it flagged \\Seen. A crash between the two leaves it unseen: the
next run reads it again and the ledger says it is already in, so it is flagged and nothing doubles. A message
the inbound path fails on stays unseen (retried next run) and does not hold up the others.
"""

import imaplib
import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from anymail.inbound import AnymailInboundMessage
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError

from .inbound import receive_email

log = logging.getLogger(__name__)

#: Messages one run reads; the rest wait for the next run (a minute later).
BATCH = 200
#: Seconds for one IMAP command, so a hung server cannot hold the beat's worker.
TIMEOUT = 30
#: One reader at a time: a run that outlasts the beat's interval is not joined by a second.
LOCK = "followup.mailbox.reading"


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str
    ssl: bool


def mailbox_of(url: str) -> Mailbox:
    """imaps://user:password@host:993/INBOX (the user and password percent-encoded, such as %40 for @)."""
    parts = urlsplit(url)
    ssl = parts.scheme == "imaps"
    return Mailbox(
        host=parts.hostname or "",
        port=parts.port or (993 if ssl else 143),
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        folder=unquote(parts.path.lstrip("/")) or "INBOX",
        ssl=ssl,
    )


@dataclass
class Outcome:
    received: int = 0
    already_in: int = 0
    failed: int = 0


def read_mailbox(*, url: str = "", batch: int = BATCH) -> Outcome | None:
    """Feed the mailbox's unseen messages through the inbound path and flag each seen; None when no mailbox
    is configured or another run is reading it."""
    url = url or settings.INBOUND_IMAP_URL
    if not url or not cache.add(LOCK, 1, timeout=TIMEOUT * (batch + 2)):
        return None
    try:
        with _connected(mailbox_of(url)) as imap:
            return _read_unseen(imap, batch)
    finally:
        cache.delete(LOCK)


def _connected(box: Mailbox) -> imaplib.IMAP4:
    imap_class = imaplib.IMAP4_SSL if box.ssl else imaplib.IMAP4
    imap = imap_class(box.host, box.port, timeout=TIMEOUT)
    imap.login(box.user, box.password)
    imap.select(_quoted(box.folder))
    return imap


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _read_unseen(imap: imaplib.IMAP4, batch: int) -> Outcome:
    outcome = Outcome()
    _status, found = imap.uid("SEARCH", "UNSEEN")
    for uid in found[0].split()[:batch]:
        _status, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")  # PEEK: reading alone must not flag it
        raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
        if raw is None:
            continue
        try:
            _row, created = receive_email(message=AnymailInboundMessage.parse_raw_mime_bytes(raw), raw=raw)
        except IntegrityError:  # the same message committed by a webhook at this very moment
            created = False
        except Exception:
            log.exception("inbound message %s of the mailbox could not be recorded; left unseen", uid)
            outcome.failed += 1
            continue
        imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
        if created:
            outcome.received += 1
        else:
            outcome.already_in += 1
    return outcome
