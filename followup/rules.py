"""What happens when feedback arrives. The default rule: a detractor gets an
apology within minutes and a case for an agent (domain.md)."""

from django.db import transaction

from reviews.models import Feedback, Segment

from . import cases, outbox
from .emails import apology_language, render_apology


@transaction.atomic
def act_on_feedback(*, feedback: Feedback) -> None:
    """Apply the rules to a classified feedback; safe to call again for the same one."""
    if feedback.segment != Segment.DETRACTOR:
        return
    case, _ = cases.open_case(feedback=feedback)
    if feedback.contact and feedback.contact.email:
        outbox.queue_email(
            key=f"apology:{feedback.pk}",
            to=feedback.contact.email,
            email=render_apology(feedback),
            language=apology_language(feedback),
            case=case,
        )
