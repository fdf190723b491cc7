import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .teams import Team

#: What a template may say about the customer and the case.
PLACEHOLDERS = {"name", "score", "survey", "case_number", "agent_name", "review_url"}


def template_placeholders(text: str) -> set[str]:
    """The {placeholders} in a template text; ValidationError for broken braces."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as error:
        raise ValidationError(_("Broken placeholder braces: %(error)s") % {"error": error}) from None


class EmailTemplate(models.Model):
    """A customer email per purpose and language, with {name}-style placeholders."""

    key = models.SlugField(max_length=50, help_text=_("apology, thank_you, review_invitation, resolution…"))
    language = models.CharField(max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="one_template_per_key_language")]

    def __str__(self):
        return f"{self.key} ({self.language})"

    def clean(self):
        errors = {}
        for field in ("subject", "body"):
            try:
                unknown = template_placeholders(getattr(self, field)) - PLACEHOLDERS
            except ValidationError as error:
                errors[field] = error.messages
                continue
            if unknown:
                errors[field] = _("Unknown placeholder %(names)s; use one of %(known)s.") % {
                    "names": ", ".join(f"{{{name}}}" for name in sorted(unknown)),
                    "known": ", ".join(f"{{{name}}}" for name in sorted(PLACEHOLDERS)),
                }
        if errors:
            raise ValidationError(errors)


class Suspicion(models.TextChoices):
    ANY = "any", _("Any")
    SUSPICIOUS = "suspicious", _("Only suspicious")
    NOT_SUSPICIOUS = "not_suspicious", _("Only not suspicious")


ATTRIBUTE_OPERATORS = {"eq", "in", "gte", "lte"}


class Rule(models.Model):
    """An ordered rule: when every condition holds, its actions run. Empty conditions match anything."""

    name = models.CharField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=100, help_text=_("Rules run from the lowest position."))
    is_active = models.BooleanField(default=True)
    # Conditions
    segments = models.JSONField(default=list, blank=True)
    kinds = models.JSONField(default=list, blank=True)
    sources = models.JSONField(default=list, blank=True)
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, null=True, blank=True)
    score_min = models.PositiveSmallIntegerField(null=True, blank=True)
    score_max = models.PositiveSmallIntegerField(null=True, blank=True)
    topics = models.JSONField(default=list, blank=True, help_text=_("Any of these topic slugs."))
    sentiment_max = models.FloatField(null=True, blank=True, help_text=_("Sentiment at most this (−1..1)."))
    churn_intents = models.JSONField(default=list, blank=True)
    suspicion = models.CharField(max_length=14, choices=Suspicion.choices, default=Suspicion.NOT_SUSPICIOUS)
    attribute_conditions = models.JSONField(
        default=list, blank=True, help_text=_('e.g. [{"attribute": "plan", "op": "in", "value": ["pro"]}]')
    )
    # Actions
    email_template = models.SlugField(max_length=50, blank=True, help_text=_("Key of the email template to send."))
    email_delay_minutes = models.PositiveIntegerField(default=0)
    open_case = models.BooleanField(default=False)
    case_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    priority_floor = models.PositiveSmallIntegerField(default=0)
    sla_minutes = models.PositiveIntegerField(null=True, blank=True, help_text=_("First-response target."))
    notify_team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    invite_review = models.BooleanField(default=False)
    # Actions other apps provide (followup.rule_actions registry), by key, e.g. ["open_ticket"].
    extra_actions = models.JSONField(default=list, blank=True)
    no_auto_reply = models.BooleanField(default=False, help_text=_("Stops every automatic email to the customer."))
    stop_processing = models.BooleanField(default=False, help_text=_("Later rules do not run after this one."))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        from followup.rules import contradictions  # the rule engine knows what can never match

        errors = contradictions(self)
        if errors:
            raise ValidationError(errors)


class RuleFiring(models.Model):
    """A rule that fired for a feedback, with the conditions that matched and what it did."""

    feedback = models.ForeignKey("reviews.Feedback", on_delete=models.CASCADE, related_name="rule_firings")
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    reasons = models.JSONField(default=list)
    actions = models.JSONField(default=list)
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["fired_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["feedback", "rule"], name="rule_fires_once_per_feedback")]

    def __str__(self):
        return f"{self.rule} → feedback {self.feedback_id}"
