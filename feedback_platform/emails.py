"""One helper builds every email from a subject / text / html template triplet.

Templates live under ``templates/emails/<name>_subject.txt``, ``_body.txt`` and
``_body.html``. The HTML has its CSS inlined (mail clients drop <style>), and
the subject is flattened to one line so customer text cannot inject headers.
"""

import re
from dataclasses import dataclass, field

import css_inline
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation
from django.utils.crypto import constant_time_compare, salted_hmac

_inliner = css_inline.CSSInliner(load_remote_stylesheets=False)


@dataclass
class RenderedEmail:
    subject: str
    text: str
    html: str
    headers: dict = field(default_factory=dict)


def header_safe(value: str) -> str:
    """Collapse every line break and control character: a header value is one line."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in str(value)).split())


def render_email(name: str, context: dict, *, language: str) -> RenderedEmail:
    """Render the triplet for `name` in `language`."""
    with translation.override(language):
        subject = _render_plain(f"emails/{name}_subject.txt", context)
        text = _render_plain(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    return RenderedEmail(subject=header_safe(subject), text=text, html=_inliner.inline(html))


def _render_plain(template_name: str, context: dict) -> str:
    """A plain-text part, not HTML-escaped: `A & B's survey` stays as typed in the subject and the text body
    (only the HTML part escapes; header_safe keeps the subject to one line)."""
    template = get_template(template_name).template  # type: ignore[attr-defined]
    return template.render(Context(context, autoescape=False))


def build_message(email: RenderedEmail, *, to: str, headers: dict | None = None) -> EmailMultiAlternatives:
    """A multipart message (plain text first, HTML alternative) ready for a connection."""
    safe_headers = {name: header_safe(value) for name, value in {**email.headers, **(headers or {})}.items()}
    message = EmailMultiAlternatives(subject=email.subject, body=email.text, to=[to], headers=safe_headers)
    message.attach_alternative(email.html, "text/html")
    return message


def sender_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")


def _message_id_signature(kind: str, pk: int) -> str:
    return salted_hmac("feedback_platform.emails.message_id", f"{kind}-{pk}").hexdigest()[:16]


def signed_message_id(kind: str, pk: int) -> str:
    """The Message-ID of one email we send (`kind` names its table): the same on every attempt, and signed so
    that a reply's In-Reply-To names it beyond doubt; a made-up `<outbox-7@…>` matches nothing."""
    return f"<{kind}-{pk}.{_message_id_signature(kind, pk)}@{sender_domain()}>"


def thread_headers(root_message_id: str) -> dict:
    """In-Reply-To and References naming a conversation's first email, so mail clients show one thread."""
    return {"In-Reply-To": root_message_id, "References": root_message_id} if root_message_id else {}


_SIGNED_MESSAGE_ID = re.compile(r"<([a-z]+)-(\d+)\.([0-9a-f]{16})@[^<>\s]+>")


def our_message_ids(*headers: str) -> list[tuple[str, int]]:
    """(kind, pk) of each of our signed Message-IDs in these header values (In-Reply-To, References), in the
    order given; the last of References is the most recent, so callers pass them newest first."""
    found = []
    for header in headers:
        for kind, pk, signature in _SIGNED_MESSAGE_ID.findall(header or ""):
            if constant_time_compare(signature, _message_id_signature(kind, int(pk))):
                found.append((kind, int(pk)))
    return found
