from anymail.signals import inbound
from django.dispatch import receiver

from reviews.signals import feedback_classified, label_corrected

from . import cases, recovery, relabel, rules
from . import inbound as inbound_email


@receiver(feedback_classified, dispatch_uid="followup.act_on_feedback")
def act_on_classified_feedback(sender, feedback, created=True, **kwargs):
    if not created:
        cases.refresh_labels(feedback=feedback)
    case = recovery.recovery_case_of(feedback)
    if case is not None:
        recovery.record_recovery_outcome(case=case, feedback=feedback)
    rules.act_on_feedback(feedback=feedback)


@receiver(label_corrected, dispatch_uid="followup.follow_corrected_labels")
def follow_corrected_labels(sender, feedback, **kwargs):
    relabel.follow_corrected_labels(feedback=feedback)


@receiver(inbound, dispatch_uid="followup.customer_reply")
def record_inbound_reply(sender, event, esp_name, **kwargs):
    inbound_email.receive_email(message=event.message)
