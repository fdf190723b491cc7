from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InboundOutcome(models.TextChoices):
    CASE = "case", _("On a case's timeline")
    ANSWER = "answer", _("Added to the customer's answer")
    UNMATCHED = "unmatched", _("Matched nothing; sent to the managers")
    AUTO_REPLY = "auto_reply", _("An automatic reply (out of office); kept here only")


class InboundEmail(models.Model):
    """Every email a customer sent us, once per Message-ID: the ledger that makes the provider webhook and the
    mailbox reader idempotent (a message delivered twice is recorded once), and where a reply that matched
    nothing is kept rather than dropped."""

    message_id = models.CharField(max_length=300, unique=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True, help_text=_("The new text, without the quoted thread."))
    outcome = models.CharField(max_length=10, choices=InboundOutcome.choices)
    case = models.ForeignKey("followup.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answer = models.ForeignKey("surveys.Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    contact = models.ForeignKey("surveys.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.message_id} → {self.outcome}"
