from django.dispatch import receiver

from reviews.signals import feedback_classified

from . import rules


@receiver(feedback_classified, dispatch_uid="followup.act_on_feedback")
def act_on_classified_feedback(sender, feedback, **kwargs):
    rules.act_on_feedback(feedback=feedback)
