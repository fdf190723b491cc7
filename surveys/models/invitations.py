"""Invitations (an emailed link and its delivery), their reminders, and the answers they collect."""

from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_platform.delivery import Delivery

from .. import tokens
from .contacts import Contact, Suppression
from .surveys import Survey

#: The longest comment an answer keeps (the answer page counts towards it; a longer one is refused, never cut).
COMMENT_MAX_LENGTH = 5000


class InvitationStatus(models.TextChoices):
    """The delivery machine's statuses (feedback_platform/delivery.py), and skipped: never to be sent."""

    QUEUED = "queued", _("Queued")
    INFLIGHT = "inflight", _("Sending")
    AWAITING_RETRY = "awaiting_retry", _("Awaiting retry")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    WITHHELD = "withheld", _("Withheld")
    SKIPPED = "skipped", _("Skipped")


#: An invitation in one of these has asked its contact, or is about to: it counts for the throttle. A failed,
#: withheld or skipped one never reached them.
ASKING = (InvitationStatus.QUEUED, InvitationStatus.INFLIGHT, InvitationStatus.AWAITING_RETRY, InvitationStatus.SENT)


class InvitationQuerySet(models.QuerySet):
    def asking(self):
        """Invitations that count as having asked their contact (the throttle)."""
        return self.filter(status__in=ASKING)

    def unexpired(self):
        """Links that still open: the twin of `Invitation.is_expired`."""
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()))

    def remindable(self):
        """Invitations that may get their reminder now: the twin of `Invitation.may_be_reminded`."""
        return (
            self.unexpired()
            .filter(
                status=InvitationStatus.SENT,
                reminded_at__isnull=True,
                bounced_at__isnull=True,
                answer__isnull=True,
                contact__isnull=False,  # an erased person's invitation is kept, detached, for the counts
                contact__archived_at__isnull=True,
                survey__in=Survey.objects.active(),
            )
            .exclude(Exists(Suppression.objects.covering_ref(OuterRef("contact__email"))))
        )


def _provider_message_id(message: EmailMessage) -> dict:
    status = getattr(message, "anymail_status", None)  # set by anymail's backends, not by plain SMTP
    return {"provider_message_id": str(status.message_id)[:200]} if status is not None and status.message_id else {}


def send_time_holds(rows) -> dict[int, str]:
    """{pk: why} for (pk, survey, contact) rows that must not be sent now, whatever was true when they were
    queued: the survey paused or archived, the contact archived, the address suppressed since."""
    suppressed = Suppression.objects.covering_any(contact.email for _pk, _survey, contact in rows if contact)
    holds = {}
    for pk, survey, contact in rows:
        if not survey.is_active:
            holds[pk] = "survey not active"
        elif contact is None:
            holds[pk] = "contact erased"
        elif contact.archived_at:
            holds[pk] = "contact archived"
        elif contact.email in suppressed:
            holds[pk] = f"suppressed: {suppressed[contact.email]}"
    return holds


class Invitation(Delivery):
    """One emailed link, and the delivery of its email. Only the SHA-256 of its token is stored: the token is
    rendered again from the server's secret and the row's salt on each attempt (surveys/tokens.py)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    # Kept, detached, when the contact is erased: the sends' and reports' response rates stay right.
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, related_name="invitations")
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    # The reminder carries a token of its own (the first exists only in the first email); both open this link.
    reminder_token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    send = models.ForeignKey("Send", on_delete=models.SET_NULL, null=True, blank=True, related_name="invitations")
    exempt_reason = models.CharField(
        max_length=50, blank=True, help_text=_("Why the 30-day throttle does not apply (recovery, transactional).")
    )
    status = models.CharField(max_length=16, choices=InvitationStatus.choices, default=InvitationStatus.QUEUED)
    skip_reason = models.CharField(max_length=200, blank=True)
    token_salt = models.CharField(max_length=32, default=tokens.new_salt, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # What the email provider reported (django-anymail tracking webhooks); plain SMTP reports nothing.
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    provider_event = models.CharField(max_length=200, blank=True, help_text=_("The provider's last word on it."))
    # The Message-ID of the conversation this email continues (a case's re-survey): mail clients thread it there.
    thread_root = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="invitation_idempotency_key_unique",
            ),
        ]

    objects = InvitationQuerySet.as_manager()

    def __str__(self):
        return f"{self.survey} → {self.contact}"

    @property
    def is_expired(self) -> bool:
        """The twin of `Invitation.objects.unexpired()`."""
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def may_be_reminded(self) -> bool:
        """The twin of `Invitation.objects.remindable()`."""
        return (
            self.status == InvitationStatus.SENT
            and self.reminded_at is None
            and self.bounced_at is None
            and not self.is_expired
            and self.survey.is_active
            and self.contact is not None
            and self.contact.archived_at is None
            and not Answer.objects.filter(invitation=self).exists()
            and not Suppression.objects.covering(self.contact.email).exists()
        )

    def start_clock(self, now=None):
        """Set sent and expiry times for a link that is about to go out."""
        self.sent_at = now or timezone.now()
        self.expires_at = self.sent_at + timedelta(days=self.survey.link_lifetime_days)

    # The delivery machine's hooks (feedback_platform/delivery.py).

    @classmethod
    def delivery_queryset(cls):
        return cls.objects.select_related("survey", "contact")

    @classmethod
    def withhold_reasons(cls, rows) -> dict[int, str]:
        return send_time_holds([(row.pk, row.survey, row.contact) for row in rows])

    @classmethod
    def before_send(cls, rows, now) -> None:
        """The link must open the moment the email leaves: its hash is committed first. Every attempt renders
        the same token, so whichever copy of a retried email reaches the customer, its link works."""
        for row in rows:
            row.token_hash = tokens.hash_token(tokens.link_token(row))
            row.expires_at = now + timedelta(days=row.survey.link_lifetime_days)
        cls.objects.bulk_update(rows, ["token_hash", "expires_at"])

    def delivery_message(self, cache: dict) -> EmailMessage:
        from feedback_platform.emails import build_message, signed_message_id, thread_headers

        from ..emails import render_invitation

        message = build_message(
            render_invitation(self, tokens.link_token(self), cache=cache),
            to=self.contact.email,
            headers={"Message-ID": signed_message_id("invitation", self.pk), **thread_headers(self.thread_root)},
        )
        message.metadata = {"invitation": str(self.pk)}  # type: ignore[attr-defined]  # django-anymail reads it
        return message

    def sent_fields(self, message: EmailMessage) -> dict:
        return _provider_message_id(message)


class Reminder(Delivery):
    """The one reminder of an invitation not answered: a delivery of its own, carrying a second token to the
    same link (the first exists only in the first email)."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="reminder")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"reminder of {self.invitation}"

    @classmethod
    def delivery_queryset(cls):
        return cls.objects.select_related("invitation__survey", "invitation__contact")

    @classmethod
    def withhold_reasons(cls, rows) -> dict[int, str]:
        ids = [row.invitation_id for row in rows]
        still = set(Invitation.objects.remindable().filter(pk__in=ids).values_list("pk", flat=True))
        reason = "no longer to be reminded: answered, bounced, expired, unsubscribed, archived or survey not active"
        # remindable()'s SQL cannot see an erased person's hashed address: the one rule checks it here too.
        contacts = [row.invitation.contact for row in rows if row.invitation.contact]
        suppressed = Suppression.objects.covering_any(contact.email for contact in contacts)
        return {
            row.pk: reason
            for row in rows
            if row.invitation_id not in still or (row.invitation.contact and row.invitation.contact.email in suppressed)
        }

    @classmethod
    def before_send(cls, rows, now) -> None:
        invitations = [row.invitation for row in rows]
        for invitation in invitations:
            invitation.reminder_token_hash = tokens.hash_token(tokens.link_token(invitation, purpose="reminder"))
        Invitation.objects.bulk_update(invitations, ["reminder_token_hash"])

    def delivery_message(self, cache: dict) -> EmailMessage:
        from feedback_platform.emails import build_message, signed_message_id

        from ..emails import render_invitation

        invitation = self.invitation
        token = tokens.link_token(invitation, purpose="reminder")
        message = build_message(
            render_invitation(invitation, token, reminder=True, cache=cache),
            to=invitation.contact.email,
            headers={"Message-ID": signed_message_id("reminder", self.pk)},
        )
        message.metadata = {"invitation": str(invitation.pk)}  # type: ignore[attr-defined]
        return message

    def after_sent(self, message: EmailMessage, now) -> None:
        Invitation.objects.filter(pk=self.invitation_id).update(reminded_at=now, **_provider_message_id(message))


class AnswerChannel(models.TextChoices):
    EMAIL = "email", _("Email link")
    LINK = "link", _("Web link")
    WIDGET = "widget", _("In-app widget")


class Answer(models.Model):
    """A customer's answer. An emailed invitation gets at most one, enforced by the
    OneToOne's unique index; web-link and widget answers have no invitation and
    may have no contact."""

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="answer", null=True, blank=True
    )
    channel = models.CharField(max_length=8, choices=AnswerChannel.choices, default=AnswerChannel.EMAIL)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    # Kept, detached, when the contact is erased: NPS, rollups and response counts stay right.
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, related_name="answers", null=True, blank=True)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    language = models.CharField(max_length=10, default="en")
    answered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["survey", "answered_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(score__lte=10), name="answer_score_at_most_10")]

    def __str__(self):
        return f"{self.contact or self.get_channel_display()}: {self.score}"
