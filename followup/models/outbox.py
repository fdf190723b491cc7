from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHHELD = "withheld", _("Withheld")


class OutboxEmail(models.Model):
    """A customer email, written in the transaction that caused it and sent by a task.

    The unique idempotency key (such as ``apology:<feedback id>``) keeps an email
    from being created twice; the status, checked under a row lock, keeps it
    from being sent twice.
    """

    idempotency_key = models.CharField(max_length=200, unique=True)
    to_email = models.EmailField(max_length=254)
    reply_to = models.EmailField(max_length=254, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    send_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=300, blank=True)
    case = models.ForeignKey("followup.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="emails")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "send_after"], name="outbox_pending_idx")]

    def __str__(self):
        return self.idempotency_key
