"""A real IMAP server for the inbound tests: a private Dovecot on loopback, its own config in a temp dir.

Never the system's Dovecot: its own base_dir, log, passwd-file and maildir, a free port on 127.0.0.1, no TLS,
stopped by its own pid file. Needs Debian's dovecot-imapd (scripts/ensure-dovecot, run by `make test`).
"""

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from email.utils import make_msgid
from pathlib import Path

import pytest

USER, PASSWORD = "care@example.com", "imap-secret"

CONFIG = """\
base_dir = {dir}/run
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{dir}/mail/%u
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 100
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {dir}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={dir}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dovecot:
    port: int
    url: str

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        return imap

    def append(self, raw: bytes) -> None:
        """Deliver a message into INBOX, unseen, as the mail server would."""
        with self.connect() as imap:
            imap.append("INBOX", "", imaplib.Time2Internaldate(time.time()), raw)

    def flags(self) -> list[bytes]:
        with self.connect() as imap:
            imap.select("INBOX")
            _status, found = imap.uid("SEARCH", "ALL")
            return [imap.uid("FETCH", uid, "(FLAGS)")[1][0] for uid in found[0].split()]


@pytest.fixture
def dovecot():
    binary = shutil.which("dovecot") or "/usr/sbin/dovecot"
    if not Path(binary).exists():
        pytest.fail("The IMAP tests need Dovecot: run scripts/ensure-dovecot (what `make test` runs first).")
    # Not under pytest's temp dir: that one is 0700 to root, and Dovecot's processes run as its own users.
    folder = Path(tempfile.mkdtemp(prefix="dovecot-"))
    account = pwd.getpwnam("dovecot")
    port = free_port()
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (folder / "mail").mkdir()
    shutil.chown(folder / "mail", account.pw_uid, account.pw_gid)
    folder.chmod(0o755)
    config = folder / "dovecot.conf"
    config.write_text(CONFIG.format(dir=folder, port=port, uid=account.pw_uid, gid=account.pw_gid))
    # The master forks into the background: its output goes to a file, or a pipe would never close.
    with (folder / "start.log").open("wb") as output:
        subprocess.run([binary, "-c", str(config)], check=True, stdout=output, stderr=output, timeout=30)  # noqa: S603
    _wait_until_listening(port, folder)
    yield Dovecot(port=port, url=f"imap://{USER.replace('@', '%40')}:{PASSWORD}@127.0.0.1:{port}/INBOX")
    pid = (folder / "run" / "master.pid").read_text().strip()
    os.kill(int(pid), signal.SIGTERM)  # this instance's master only, by its own pid file
    _wait_until_stopped(port)
    shutil.rmtree(folder, ignore_errors=True)


def _wait_until_stopped(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.1)


def _wait_until_listening(port: int, folder: Path, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            imaplib.IMAP4("127.0.0.1", port, timeout=2).logout()
            return
        except OSError:
            time.sleep(0.1)
    log = folder / "dovecot.log"
    pytest.fail(f"Dovecot did not start: {log.read_text() if log.exists() else 'no log'}")


def raw_email(*, body: str, in_reply_to: str = "", to: str = USER, message_id: str = "") -> bytes:
    message_id = message_id or make_msgid(domain="customer.example")
    headers = [
        "From: Ada <ada@customer.example>",
        f"To: {to}",
        "Subject: Re: We are sorry",
        f"Message-ID: {message_id}",
        "Date: Tue, 01 Dec 2026 10:00:00 +0000",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if in_reply_to:
        headers += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    return ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode("utf-8")
