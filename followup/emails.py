"""Customer emails from admin-edited templates with {placeholders}.

Values are inserted as plain text: escaped in the HTML part, flattened to one
line in the subject, and never formatted again (a name containing "{score}"
stays literally that).
"""

import re
import string
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from feedback_platform.emails import RenderedEmail, _inliner, header_safe
from feedback_platform.models import profile_of

from .models import EmailTemplate, Team

#: A part of a template the agent must write, marked [[what to write]]; no email leaves while one is left.
AGENT_PART = re.compile(r"\[\[(.+?)\]\]", re.DOTALL)
#: Any other bracketed prompt ("[describe the fix]", "［対応内容］"): refused the same way, so a prompt an
#: admin wrote without the marker cannot reach a customer either. 【】 are left alone: they mark subjects' tags.
BRACKET_PROMPT = re.compile(r"[\[［]([^\[\]［］\n]{1,200})[\]］]")


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


def unwritten_parts(text: str) -> list[str]:
    """The prompts still in a text: the marked parts an agent must write, then any other bracketed prompt."""
    marked = [match.strip() for match in AGENT_PART.findall(text)]
    return marked + [match.strip() for match in BRACKET_PROMPT.findall(AGENT_PART.sub("", text))]


def unwritten_problems(fields: dict[str, str]) -> dict[str, str]:
    """{field: message} for each field that still holds a template's prompt."""
    problems = {}
    for field, text in fields.items():
        parts = unwritten_parts(text)
        if parts:
            problems[field] = _("Replace “%(part)s” with your own words before sending.") % {"part": parts[0]}
    return problems


def agent_sign_off(agent, language: str) -> str:
    """How an agent's email ends: their display name and signature ("" until they set a display name)."""
    profile = profile_of(agent)
    return profile.sign_off(language) if profile.display_name.strip() else ""


def missing_display_name() -> str:
    return _("Set your display name on your profile page before emailing customers: emails are signed with it.")


def team_sign_off(team: Team | None, language: str) -> str:
    """How an automatic email ends: signed by the team that sends it (the sender's name)."""
    with translation.override(language):
        return _("The %(sender)s team") % {"sender": sender_name(team)}


def sender_name(team: Team | None) -> str:
    if team is not None and team.sender_name:
        return team.sender_name
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[0] or settings.DEFAULT_FROM_EMAIL


def from_address(team: Team | None) -> str:
    """From: the team's own sender when it has one, else the site's."""
    if team is not None and team.sender_email:
        return formataddr((sender_name(team), team.sender_email))
    return settings.DEFAULT_FROM_EMAIL


def signed(body: str, sign_off: str) -> str:
    """The body with its sign-off, one blank line between them."""
    return f"{body.rstrip()}\n\n{sign_off}" if sign_off else body.rstrip()


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


class TemplateNeedsAnAgent(Exception):
    """The template has parts an agent must write ([[…]] or a bracketed prompt): never sent automatically."""


def render_template_email(key: str, *, language: str, values: dict, sign_off: str = "") -> RenderedEmail:
    """An automatic email from a template, signed with `sign_off`; TemplateNeedsAnAgent if it holds a prompt."""
    return render_follow_up([key], language=language, values=values, sign_off=sign_off)


def render_follow_up(keys: list[str], *, language: str, values: dict, sign_off: str = "") -> RenderedEmail:
    """One automatic email from one or more templates (a promoter's thanks, then the review invitation's
    paragraph): the first one's subject, their bodies in order, one sign-off. MissingTemplate when none exists;
    TemplateNeedsAnAgent when one holds a prompt."""
    templates = []
    for key in keys:
        try:
            templates.append(find_template(key, language))
        except MissingTemplate:
            continue
    if not templates:
        raise MissingTemplate(", ".join(keys))
    for template in templates:
        if unwritten_parts(f"{template.subject}\n{template.body}"):  # the template's text, not the customer's name
            raise TemplateNeedsAnAgent(template.key)
    body = "\n\n".join(fill(template.body, values).strip() for template in templates)
    return render_text_email(
        subject=fill(templates[0].subject, values), body=signed(body, sign_off), language=templates[0].language
    )


def reply_address(case) -> str:
    """Replies to this address land on the case's timeline (followup/inbound.py), unless the case's team
    asked for its own Reply-To (its mailbox then reads them)."""
    team = getattr(case, "team", None)
    if team is not None and team.reply_to_email:
        return team.reply_to_email
    return f"reply+{case.reply_token}@{settings.INBOUND_EMAIL_DOMAIN}"
