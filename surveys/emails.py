"""The survey invitation email: the question and one button per score."""

from dataclasses import replace

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from feedback_platform.emails import RenderedEmail, render_email

from .models import Invitation

UNSUBSCRIBE_SALT = "surveys.unsubscribe"


def answer_url(token: str, score: int | None = None) -> str:
    url = settings.SITE_URL + reverse("surveys:answer", args=[token])
    return url if score is None else f"{url}?score={score}"


def logo_url(survey) -> str:
    if not survey.logo_version or survey.pk is None:
        return ""
    return settings.SITE_URL + reverse("surveys:logo", args=[survey.pk, survey.logo_version])


def unsubscribe_url(contact) -> str:
    """A link that unsubscribes this contact: signed, so it cannot be guessed or changed, and needs no login."""
    token = signing.dumps(contact.pk, salt=UNSUBSCRIBE_SALT)
    return settings.SITE_URL + reverse("surveys:unsubscribe", args=[token])


def unsubscribe_headers(url: str) -> dict:
    """RFC 8058 one-click unsubscribe: mail clients POST to the link without cookies."""
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def render_invitation(invitation: Invitation, token: str, *, reminder: bool = False) -> RenderedEmail:
    """The invitation in the contact's language, with its List-Unsubscribe headers (the same link as the body's)."""
    survey, contact = invitation.survey, invitation.contact
    language = contact.language or survey.default_language
    unsubscribe = unsubscribe_url(contact)
    with translation.override(language):  # the standard wording of a blank question is translated here
        question = survey.text("question", language)
    context = {
        "survey": survey,
        "question": question,
        "contact": contact,
        "buttons": [(score, answer_url(token, score)) for score in survey.scores],
        "answer_url": answer_url(token),
        "low_label": survey.scale_min,
        "unsubscribe_url": unsubscribe,
        "high_label": survey.scale_max,
        "reminder": reminder,
        "logo_url": logo_url(survey),
    }
    rendered = render_email("survey_invitation", context, language=language)
    return replace(rendered, headers={**rendered.headers, **unsubscribe_headers(unsubscribe)})
