from django.dispatch import receiver

from feedback_platform.publishing import publish_coalesced_on_commit
from surveys.signals import answer_recorded


@receiver(answer_recorded, dispatch_uid="reviews.ingest_answer")
def ingest_recorded_answer(sender, answer, **kwargs):
    """After the answer commits, in the worker: a fault downstream delays the loop, never loses the answer."""
    from .tasks import PENDING_ANSWERS, ingest_answer_task, ingest_pending_answers_task

    publish_coalesced_on_commit(
        item_task=ingest_answer_task, drain_task=ingest_pending_answers_task, item=answer.pk, pending=PENDING_ANSWERS
    )
