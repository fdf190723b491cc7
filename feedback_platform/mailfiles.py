"""The embedded default's mail transport: every message becomes one ``.eml`` file.

Django's file backend appends every message of a connection to one ``.log``
file; a person checking what a customer received wants to open one message in
a mail client, so each is written alone, whole (written aside, then renamed).
"""

import uuid
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone


class EmlFileBackend(BaseEmailBackend):
    def __init__(self, *, file_path: str | None = None, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.folder = Path(file_path or settings.EMAIL_FILE_PATH)  # type: ignore[misc]  # from EMAIL_URL's dict

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        self.folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:12]}.eml"
            partial = self.folder / f".{name}.part"
            # Django's message classes take linesep; the stubs type message() as the stdlib's Message.
            partial.write_bytes(message.message().as_bytes(linesep="\r\n"))  # type: ignore[call-arg]
            partial.rename(self.folder / name)
        return len(email_messages)
