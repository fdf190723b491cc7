from django.dispatch import receiver

from surveys.signals import answer_recorded

from . import ingest


@receiver(answer_recorded, dispatch_uid="reviews.ingest_answer")
def ingest_recorded_answer(sender, answer, **kwargs):
    ingest.ingest_answer(answer=answer)
