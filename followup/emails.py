"""Emails `followup` sends to customers."""

from feedback_platform.emails import RenderedEmail, render_email
from reviews.models import Feedback


def render_apology(feedback: Feedback) -> RenderedEmail:
    """Personal, acknowledges the experience, asks for detail, thanks (domain.md)."""
    contact = feedback.contact
    context = {"name": contact.name, "score": feedback.score, "survey": feedback.survey, "comment": feedback.comment}
    return render_email("apology", context, language=apology_language(feedback))


def apology_language(feedback: Feedback) -> str:
    return feedback.contact.language or (feedback.survey.default_language if feedback.survey else "en")
