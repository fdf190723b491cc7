"""Ingestion: every source becomes a classified Feedback through one path."""

from django.db import transaction

from surveys.models import Answer

from .language import detect_language
from .models import Feedback, Source
from .segments import segment_for
from .signals import feedback_classified

SOURCE_OF_CHANNEL = {"email": Source.SURVEY, "link": Source.LINK, "widget": Source.WIDGET}


def classify(feedback: Feedback) -> Feedback:
    """Set the labels that come from the score and text (in place)."""
    feedback.segment, feedback.segment_reason = segment_for(feedback.kind, feedback.score, feedback.scale_max)
    fallback = feedback.contact.language if feedback.contact else ""
    feedback.language = detect_language(feedback.comment, fallback=fallback)
    return feedback


@transaction.atomic
def ingest_answer(*, answer: Answer, announce: bool = True) -> Feedback:
    """Create or update the Feedback of a survey answer and announce it to `followup`."""
    survey = answer.survey
    feedback = Feedback.objects.filter(answer=answer).first()
    created = feedback is None
    if created:
        source = SOURCE_OF_CHANNEL[answer.channel]
        feedback = Feedback(answer=answer, source=source, survey=survey, contact=answer.contact)
    feedback.kind, feedback.scale_min, feedback.scale_max = survey.kind, survey.scale_min, survey.scale_max
    feedback.score, feedback.comment, feedback.received_at = answer.score, answer.comment, answer.answered_at
    classify(feedback)
    feedback.save()
    if announce:
        feedback_classified.send(sender=Feedback, feedback=feedback, created=created)
    return feedback
