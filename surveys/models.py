"""Surveys, the contacts they go to, the invitations that carry a link, and answers."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from feedback_platform.delivery import Delivery

from . import tokens


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS"
    CSAT = "csat", "CSAT"
    CES = "ces", "CES"
    STAR = "star", _("Star rating")


# The default answer scale of each kind (domain.md).
DEFAULT_SCALES = {
    SurveyKind.NPS: (0, 10),
    SurveyKind.CSAT: (1, 5),
    SurveyKind.CES: (1, 7),
    SurveyKind.STAR: (1, 5),
}


class Segment(models.TextChoices):
    DETRACTOR = "detractor", _("Detractor")
    PASSIVE = "passive", _("Passive")
    PROMOTER = "promoter", _("Promoter")


# The default segment thresholds of each kind and scale (domain.md): (highest detractor, highest passive).
# Admins override them with SegmentThreshold rows; surveys.segments is the one rule that reads both.
DEFAULT_THRESHOLDS = {
    (SurveyKind.NPS, 10): (6, 8),
    (SurveyKind.CSAT, 5): (2, 3),
    (SurveyKind.CSAT, 10): (4, 6),
    (SurveyKind.CSAT, 3): (1, 2),
    (SurveyKind.STAR, 5): (2, 3),
    (SurveyKind.CES, 7): (3, 4),
    (SurveyKind.CES, 5): (2, 3),
}


class SegmentThreshold(models.Model):
    """Admins' thresholds for one kind and scale; without a row, DEFAULT_THRESHOLDS apply.

    Here rather than in `reviews` so the answer page (which picks the follow-up question and the thanks by
    segment) and every Feedback read the same thresholds through surveys.segments.
    """

    kind = models.CharField(max_length=8, choices=SurveyKind.choices)
    scale_max = models.PositiveSmallIntegerField()
    detractor_max = models.PositiveSmallIntegerField(help_text=_("Highest score that is a detractor."))
    passive_max = models.PositiveSmallIntegerField(help_text=_("Highest score that is a passive."))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "scale_max"], name="segment_threshold_one_per_scale"),
            models.CheckConstraint(
                condition=models.Q(detractor_max__lt=models.F("passive_max"), passive_max__lt=models.F("scale_max")),
                name="segment_threshold_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} /{self.scale_max}: ≤{self.detractor_max} ≤{self.passive_max}"


STANDARD_QUESTIONS = {
    SurveyKind.NPS: _("How likely are you to recommend us to a friend or colleague?"),
    SurveyKind.CSAT: _("How satisfied are you with our service?"),
    SurveyKind.CES: _("It was easy to get my problem solved."),
    SurveyKind.STAR: _("How would you rate us?"),
}
STANDARD_TEXTS = {
    "comment_question": _("What is the main reason for your score?"),
    "detractor_question": _("What went wrong?"),
    "promoter_question": _("What did you like most?"),
    "thanks_detractor": _("Thank you. We are sorry, and someone from our team will get back to you."),
    "thanks_passive": _("Thank you for your feedback!"),
    "thanks_promoter": _("Thank you, that means a lot to us!"),
}


_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def validate_origins(value: str) -> None:
    """One origin per line: scheme, host and optional port, nothing else (no path, no wildcard)."""
    for line in value.split():
        if not _ORIGIN.match(line):
            raise ValidationError(_("%(origin)s is not an origin like https://app.example.com.") % {"origin": line})


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ARCHIVED = "archived", _("Archived")


class SurveyQuerySet(models.QuerySet):
    def active(self):
        """Surveys that take answers and may be sent: the twin of `Survey.is_active`."""
        return self.filter(status=SurveyStatus.ACTIVE)


class Survey(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=SurveyKind.choices, default=SurveyKind.NPS)
    scale_min = models.PositiveSmallIntegerField(default=0)
    scale_max = models.PositiveSmallIntegerField(default=10)
    # Every text may stay empty: the customer then reads the kind's standard wording in their language.
    question = models.CharField(max_length=300, blank=True)
    comment_question = models.CharField(max_length=300, blank=True)
    # The follow-up question and the thanks may differ by segment.
    detractor_question = models.CharField(max_length=300, blank=True)
    promoter_question = models.CharField(max_length=300, blank=True)
    thanks_detractor = models.CharField(max_length=500, blank=True)
    thanks_passive = models.CharField(max_length=500, blank=True)
    thanks_promoter = models.CharField(max_length=500, blank=True)
    review_url = models.URLField(blank=True, help_text=_("Promoters' thank-you may invite them to review you here."))
    brand_color = models.CharField(
        max_length=7,
        default="#212529",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1e8449."))],
    )
    logo_version = models.CharField(max_length=12, blank=True, editable=False)  # names the SurveyLogo in URLs
    widget_origins = models.TextField(
        blank=True,
        validators=[validate_origins],
        help_text=_("Sites that may show the in-app widget, one origin per line, such as https://app.example.com."),
    )
    translations = models.JSONField(
        default=dict, blank=True, help_text=_('Texts per language: {"ja": {"question": "…", "thanks_promoter": "…"}}')
    )
    status = models.CharField(max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    default_language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    link_lifetime_days = models.PositiveSmallIntegerField(default=30, help_text=_("Days an emailed link stays valid."))
    public_slug = models.SlugField(
        max_length=60, unique=True, null=True, blank=True, help_text=_("Opens the anonymous web link /s/w/<slug>/.")
    )
    reminder_after_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Remind those who have not answered once, this many days after the invitation. Empty: never."),
    )
    throttle_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("Ask a contact at most once in this many days; empty: the default (30).")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SurveyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scale_min__lt=models.F("scale_max")), name="survey_scale_ordered"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        """Takes answers and may be sent: the twin of `Survey.objects.active()`."""
        return self.status == SurveyStatus.ACTIVE

    @property
    def scores(self) -> range:
        return range(self.scale_min, self.scale_max + 1)

    def text(self, name: str, language: str) -> str:
        """A survey text in `language`: its translation, else the survey's own text, else the standard wording
        (translated by the active language)."""
        translated = (self.translations or {}).get(language, {}).get(name)
        if translated or getattr(self, name):
            return translated or getattr(self, name)
        if name == "question":
            return str(STANDARD_QUESTIONS.get(self.kind, STANDARD_QUESTIONS[SurveyKind.NPS]))
        return str(STANDARD_TEXTS.get(name, ""))

    def allows_widget_on(self, origin: str) -> bool:
        return bool(origin) and origin.lower() in self.widget_origins.lower().split()

    def follow_up(self, segment: str | None, language: str) -> str:
        name = {"detractor": "detractor_question", "promoter": "promoter_question"}.get(segment or "")
        return (self.text(name, language) if name else "") or self.text("comment_question", language)

    def thanks(self, segment: str, language: str) -> str:
        return self.text(f"thanks_{segment}", language) or self.text("thanks_passive", language)


class SurveyLogo(models.Model):
    """A survey's logo, small and kept in the database so every deployment serves it without media storage;
    a row of its own so loading a survey never drags the image along."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="logo")
    image = models.BinaryField()
    content_type = models.CharField(max_length=20)

    def __str__(self):
        return f"{self.survey} logo"


class Contact(models.Model):
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    customer_since = models.DateField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text=_("plan, product, lifetime value, region…"))
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True, help_text=_("Archived contacts are kept, never asked."))

    class Meta:
        ordering = ["name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="contact_email_unique_ci"),
            models.UniqueConstraint(
                fields=["external_id"], condition=models.Q(external_id__isnull=False), name="contact_external_id_unique"
            ),
        ]

    def __str__(self):
        return self.name or self.email


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
                contact__archived_at__isnull=True,
                survey__in=Survey.objects.active(),
            )
            .exclude(Exists(Suppression.objects.covering_ref(OuterRef("contact__email"))))
        )


def _sender_domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ")


def _provider_message_id(message: EmailMessage) -> dict:
    status = getattr(message, "anymail_status", None)  # set by anymail's backends, not by plain SMTP
    return {"provider_message_id": str(status.message_id)[:200]} if status is not None and status.message_id else {}


def send_time_holds(rows) -> dict[int, str]:
    """{pk: why} for (pk, survey, contact) rows that must not be sent now, whatever was true when they were
    queued: the survey paused or archived, the contact archived, the address suppressed since."""
    suppressed = Suppression.objects.covering_any(contact.email for _pk, _survey, contact in rows)
    holds = {}
    for pk, survey, contact in rows:
        if not survey.is_active:
            holds[pk] = "survey not active"
        elif contact.archived_at:
            holds[pk] = "contact archived"
        elif contact.email in suppressed:
            holds[pk] = f"suppressed: {suppressed[contact.email]}"
    return holds


class Invitation(Delivery):
    """One emailed link, and the delivery of its email. Only the SHA-256 of its token is stored: the token is
    rendered again from the server's secret and the row's salt on each attempt (surveys/tokens.py)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="invitations")
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
        from feedback_platform.emails import build_message

        from .emails import render_invitation

        message = build_message(
            render_invitation(self, tokens.link_token(self), cache=cache),
            to=self.contact.email,
            headers={"Message-ID": f"<invitation-{self.pk}@{_sender_domain()}>"},
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
        return {row.pk: reason for row in rows if row.invitation_id not in still}

    @classmethod
    def before_send(cls, rows, now) -> None:
        invitations = [row.invitation for row in rows]
        for invitation in invitations:
            invitation.reminder_token_hash = tokens.hash_token(tokens.link_token(invitation, purpose="reminder"))
        Invitation.objects.bulk_update(invitations, ["reminder_token_hash"])

    def delivery_message(self, cache: dict) -> EmailMessage:
        from feedback_platform.emails import build_message

        from .emails import render_invitation

        invitation = self.invitation
        token = tokens.link_token(invitation, purpose="reminder")
        message = build_message(
            render_invitation(invitation, token, reminder=True, cache=cache),
            to=invitation.contact.email,
            headers={"Message-ID": f"<reminder-{self.pk}@{_sender_domain()}>"},
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
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="answers", null=True, blank=True)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True, max_length=5000)
    language = models.CharField(max_length=10, default="en")
    answered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["survey", "answered_at"])]
        constraints = [models.CheckConstraint(condition=models.Q(score__lte=10), name="answer_score_at_most_10")]

    def __str__(self):
        return f"{self.contact or self.get_channel_display()}: {self.score}"


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complained")


def normalized_email(email: str) -> str:
    return email.strip().lower()


class SuppressionQuerySet(models.QuerySet):
    """The suppression rule, once: an address is covered by a listed one that matches it ignoring case and
    surrounding spaces. Every sending path asks through these three."""

    def covering(self, email: str):
        return self.alias(address=Lower("email")).filter(address=normalized_email(email))

    def covering_ref(self, ref):
        """For Exists() in a query over other rows: `ref` is an OuterRef to their address."""
        return self.alias(address=Lower("email")).filter(address=Lower(Trim(ref)))

    def covering_any(self, emails) -> dict[str, str]:
        """{address as given: reason} for each of `emails` that is covered (set-based, for a batch)."""
        given: dict[str, list[str]] = {}
        for email in emails:
            given.setdefault(normalized_email(email), []).append(email)
        found: dict[str, str] = {}
        keys = list(given)
        for start in range(0, len(keys), 500):
            rows = self.alias(address=Lower("email")).filter(address__in=keys[start : start + 500])
            found.update(rows.annotate(lowered=Lower("email")).values_list("lowered", "reason"))
        return {email: reason for key, reason in found.items() for email in given[key]}


class Suppression(models.Model):
    """An address no email may go to: every send checks this list first."""

    email = models.EmailField(max_length=254)
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="suppression_email_unique_ci")]

    def __str__(self):
        return f"{self.email} ({self.reason})"


def is_suppressed(email: str) -> bool:
    return Suppression.objects.covering(email).exists()


class SendStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")


class Send(models.Model):
    """A survey sent to a group of contacts: all of them, or those matching `audience`, maybe sampled."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="sends")
    audience = models.JSONField(
        default=dict, blank=True, help_text=_('Contact filters, e.g. {"language": "ja", "plan": "pro"}')
    )
    sample_percent = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    daily_cap = models.PositiveIntegerField(null=True, blank=True, help_text=_("At most this many invitations a day."))
    scheduled_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=SendStatus.choices, default=SendStatus.SCHEDULED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_at"]

    def __str__(self):
        return f"{self.survey} → {self.audience or 'everyone'} ({self.status})"
