from django.dispatch import receiver

from feedback_platform.publishing import publish_on_commit
from surveys.signals import answer_recorded


@receiver(answer_recorded, dispatch_uid="reviews.ingest_answer")
def ingest_recorded_answer(sender, answer, **kwargs):
    """After the answer commits, in the worker: a fault downstream delays the loop, never loses the answer."""
    from .tasks import ingest_answer_task

    publish_on_commit(ingest_answer_task, answer.pk)
