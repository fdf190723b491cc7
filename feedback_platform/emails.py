"""One helper builds every email from a subject / text / html template triplet.

Templates live under ``templates/emails/<name>_subject.txt``, ``_body.txt`` and
``_body.html``. The HTML has its CSS inlined (mail clients drop <style>), and
the subject is flattened to one line so customer text cannot inject headers.
"""

from dataclasses import dataclass, field

import css_inline
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

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
        subject = render_to_string(f"emails/{name}_subject.txt", context)
        text = render_to_string(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    return RenderedEmail(subject=header_safe(subject), text=text, html=_inliner.inline(html))


def build_message(email: RenderedEmail, *, to: str, headers: dict | None = None) -> EmailMultiAlternatives:
    """A multipart message (plain text first, HTML alternative) ready for a connection."""
    safe_headers = {name: header_safe(value) for name, value in {**email.headers, **(headers or {})}.items()}
    message = EmailMultiAlternatives(subject=email.subject, body=email.text, to=[to], headers=safe_headers)
    message.attach_alternative(email.html, "text/html")
    return message
