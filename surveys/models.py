"""Surveys, the contacts they go to, the invitations that carry a link, and answers."""

import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class Invitation(models.Model):
    """One emailed link. Only the SHA-256 of its token is stored (surveys/tokens.py)."""

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
    status = models.CharField(max_length=10, choices=InvitationStatus.choices, default=InvitationStatus.QUEUED)
    skip_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
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

    def __str__(self):
        return f"{self.survey} → {self.contact}"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def start_clock(self, now=None):
        """Set sent and expiry times for a link that is about to go out."""
        self.sent_at = now or timezone.now()
        self.expires_at = self.sent_at + timedelta(days=self.survey.link_lifetime_days)


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


class Suppression(models.Model):
    """An address no email may go to: every send checks this list first."""

    email = models.EmailField(max_length=254)
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="suppression_email_unique_ci")]

    def __str__(self):
        return f"{self.email} ({self.reason})"


def is_suppressed(email: str) -> bool:
    return Suppression.objects.filter(email__iexact=email.strip()).exists()


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
