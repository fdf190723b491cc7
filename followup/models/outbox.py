from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_platform.delivery import Delivery, DeliveryStatus
from feedback_platform.emails import header_safe, signed_message_id, thread_headers

#: The outbox's statuses are the delivery machine's (queued, inflight, awaiting_retry, sent, failed, withheld).
OutboxStatus = DeliveryStatus


class OutboxEmail(Delivery):
    """A customer email, written in the transaction that caused it and sent by a task.

    The unique idempotency key (such as ``apology:<feedback id>``) keeps an email
    from being created twice; the delivery machine's claim keeps it from being
    sent twice. `send_after` is when it was meant to go; the machine reads the
    same time from `next_attempt_at`.
    """

    idempotency_key = models.CharField(max_length=200, unique=True)
    to_email = models.EmailField(max_length=254)
    from_email = models.CharField(max_length=300, blank=True, help_text=_("Empty: DEFAULT_FROM_EMAIL."))
    reply_to = models.EmailField(max_length=254, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="en")
    send_after = models.DateTimeField(default=timezone.now)
    provider_message_id = models.CharField(max_length=300, blank=True)
    case = models.ForeignKey("followup.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="emails")
    # The answer it follows up when it has no case (a thank-you): a reply to it joins that answer's feedback.
    feedback = models.ForeignKey("reviews.Feedback", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The Message-ID of the case's first email when this one continues its conversation (followup/outbox.py).
    thread_root = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["status", "send_after"], name="outbox_pending_idx")]

    def __str__(self):
        return self.idempotency_key

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so a rare double delivery is recognisable as one message;
        signed, so a customer's reply naming it is matched to this email (followup/inbound.py)."""
        return signed_message_id("outbox", self.pk)

    @classmethod
    def withhold_reasons(cls, rows) -> dict[int, str]:
        from surveys.models import Suppression

        suppressed = Suppression.objects.covering_any(row.to_email for row in rows)
        return {row.pk: "address is on the suppression list" for row in rows if row.to_email in suppressed}

    def delivery_message(self, cache: dict) -> EmailMessage:
        message = EmailMultiAlternatives(
            subject=header_safe(self.subject),
            body=self.body_text,
            to=[self.to_email],
            from_email=self.from_email or None,
            reply_to=[self.reply_to] if self.reply_to else None,
            headers={
                "Message-ID": self.message_id,
                "X-Idempotency-Key": header_safe(self.idempotency_key),
                **thread_headers(self.thread_root),
            },
        )
        if self.body_html:
            message.attach_alternative(self.body_html, "text/html")
        return message

    def sent_fields(self, message: EmailMessage) -> dict:
        return {"provider_message_id": message.extra_headers["Message-ID"]}
