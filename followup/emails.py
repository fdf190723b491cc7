"""Customer emails from admin-edited templates with {placeholders}.

Values are inserted as plain text: escaped in the HTML part, flattened to one
line in the subject, and never formatted again (a name containing "{score}"
stays literally that).
"""

import string

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from feedback_platform.emails import RenderedEmail, _inliner, header_safe

from .models import EmailTemplate


class MissingTemplate(Exception):
    """No template with this key in the language or in English."""


def fill(text: str, values: dict) -> str:
    """Replace each {placeholder} by its value; unknown ones become empty, format specs are ignored."""
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(text):
        parts.append(literal)
        if field is not None:
            parts.append(str(values.get(field, "")))
    return "".join(parts)


def find_template(key: str, language: str) -> EmailTemplate:
    templates = {t.language: t for t in EmailTemplate.objects.filter(key=key, language__in=[language, "en"])}
    template = templates.get(language) or templates.get("en")
    if template is None:
        raise MissingTemplate(key)
    return template


def render_text_email(*, subject: str, body: str, language: str) -> RenderedEmail:
    """An email from finished text: the HTML part is the same words, escaped, in the house layout."""
    paragraphs = [paragraph.strip() for paragraph in body.split("\n\n") if paragraph.strip()]
    with translation.override(language):
        html = render_to_string("emails/customer_message.html", {"paragraphs": paragraphs, "subject": subject})
    return RenderedEmail(subject=header_safe(subject), text=body, html=_inliner.inline(html))


def render_template_email(key: str, *, language: str, values: dict) -> RenderedEmail:
    template = find_template(key, language)
    return render_text_email(
        subject=fill(template.subject, values), body=fill(template.body, values), language=template.language
    )


def reply_address(case) -> str:
    """Replies to this address land on the case's timeline (followup/inbound.py)."""
    return f"reply+{case.reply_token}@{settings.INBOUND_EMAIL_DOMAIN}"
