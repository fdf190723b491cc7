"""The survey invitation email: the question and one button per score."""

from django.conf import settings
from django.urls import reverse

from feedback_platform.emails import RenderedEmail, render_email

from .models import Invitation


def answer_url(token: str, score: int | None = None) -> str:
    url = settings.SITE_URL + reverse("surveys:answer", args=[token])
    return url if score is None else f"{url}?score={score}"


def render_invitation(invitation: Invitation, token: str) -> RenderedEmail:
    survey, contact = invitation.survey, invitation.contact
    context = {
        "survey": survey,
        "contact": contact,
        "buttons": [(score, answer_url(token, score)) for score in survey.scores],
        "answer_url": answer_url(token),
        "low_label": survey.scale_min,
        "high_label": survey.scale_max,
    }
    return render_email("survey_invitation", context, language=contact.language or survey.default_language)
