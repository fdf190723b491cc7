"""The survey invitation email: the question and one button per score."""

from dataclasses import replace

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from feedback_platform.emails import RenderedEmail, render_email

from .models import Invitation


def answer_url(token: str, score: int | None = None) -> str:
    url = settings.SITE_URL + reverse("surveys:answer", args=[token])
    return url if score is None else f"{url}?score={score}"


def logo_url(survey) -> str:
    if not survey.logo_version or survey.pk is None:
        return ""
    return settings.SITE_URL + reverse("surveys:logo", args=[survey.pk, survey.logo_version])


def unsubscribe_url(token: str) -> str:
    """The email's unsubscribe link: it carries the email's own link token (256 bits, stored only hashed), so
    it names no contact, cannot be guessed, needs no login, and ages with the email it came in."""
    return settings.SITE_URL + reverse("surveys:unsubscribe", args=[token])


def unsubscribe_headers(url: str) -> dict:
    """RFC 8058 one-click unsubscribe: mail clients POST to the link without cookies."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def render_invitation(
    invitation: Invitation, token: str, *, reminder: bool = False, cache: dict | None = None
) -> RenderedEmail:
    """The invitation in the contact's language, with its List-Unsubscribe headers (the same link as the body's).

    With a `cache` (one per sending batch), the templates are rendered once per survey, language and kind of
    greeting, with stand-ins for the contact's name, link token and unsubscribe link, which each email then
    gets by substitution: the same email, without rendering three templates for each of 10,000 contacts.
    """
    survey, contact = invitation.survey, invitation.contact
    language = contact.language or survey.default_language
    unsubscribe = unsubscribe_url(token)
    if cache is None:
        rendered = _render(survey, contact.name, token, unsubscribe, language=language, reminder=reminder)
    else:
        key = (survey.pk, language, reminder, bool(contact.name))
        if key not in cache:
            cache[key] = _stand_in(survey, bool(contact.name), language=language, reminder=reminder)
        stand_in = cache[key]
        if stand_in is not None:
            rendered = _fill(stand_in, contact.name, token, unsubscribe)
        else:
            rendered = _render(survey, contact.name, token, unsubscribe, language=language, reminder=reminder)
    return replace(rendered, headers={**rendered.headers, **unsubscribe_headers(unsubscribe)})


def _render(survey, name: str, token: str, unsubscribe: str, *, language: str, reminder: bool) -> RenderedEmail:
    with translation.override(language):  # the standard wording of a blank question is translated here
        question = survey.text("question", language)
        subject = survey.text("email_subject", language)  # never the internal name: empty → the standard subject
    buttons = [(score, answer_url(token, score)) for score in survey.scores]
    context = {
        "survey": survey,
        "question": question,
        "subject": subject,
        "contact": {"name": name},
        "buttons": buttons,
        # Equal cells across the card; at most 56 px each, so five stars do not stretch across a desktop card.
        "cell_percent": f"{100 / len(buttons):.2f}",
        "row_max_width": 56 * len(buttons),
        "answer_url": answer_url(token),
        "low_label": survey.scale_min,
        "unsubscribe_url": unsubscribe,
        "high_label": survey.scale_max,
        "reminder": reminder,
        "logo_url": logo_url(survey),
    }
    return render_email("survey_invitation", context, language=language)


# Stand-ins: letters and digits only, so escaping, CSS inlining and URLs carry them through unchanged.
_NAME, _TOKEN, _UNSUBSCRIBE = "Zq7NAMExK2", "Zq7TOKENxK2", "Zq7UNSUBSCRIBExK2"


def _stand_in(survey, has_name: bool, *, language: str, reminder: bool) -> RenderedEmail | None:
    """The email rendered with stand-ins; None if a template does not show each of them as expected."""
    rendered = _render(
        survey, _NAME if has_name else "", _TOKEN, f"https://{_UNSUBSCRIBE}", language=language, reminder=reminder
    )
    body = rendered.text + rendered.html
    if (has_name and _NAME not in body) or _TOKEN not in body or _UNSUBSCRIBE not in body:
        return None
    if any(stand_in in rendered.subject for stand_in in (_NAME, _TOKEN, _UNSUBSCRIBE)):
        return None
    return rendered


def _fill(template: RenderedEmail, name: str, token: str, unsubscribe: str) -> RenderedEmail:
    def fill(text: str, name_as: str) -> str:
        text = text.replace(f"https://{_UNSUBSCRIBE}", unsubscribe).replace(_TOKEN, token)
        return text.replace(_NAME, name_as)

    # The name sits in a text node, serialised by the CSS inliner: &, < and > escaped, quotes left as they are.
    as_html = escape(name).replace("&quot;", '"').replace("&#x27;", "'")
    return replace(template, text=fill(template.text, name), html=fill(template.html, as_html))
