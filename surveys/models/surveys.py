"""Surveys: their kinds, scales and segment thresholds, their texts, and their logos."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from feedback_platform.cleantext import is_storable


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


# The texts a survey may translate, with the longest each may be (the length of the survey's own field).
TRANSLATABLE_TEXTS = {
    "email_subject": 200,
    "question": 300,
    "comment_question": 300,
    "detractor_question": 300,
    "promoter_question": 300,
    "thanks_detractor": 500,
    "thanks_passive": 500,
    "thanks_promoter": 500,
}


def validate_translations(value) -> None:
    """The shape of `Survey.translations`: {"<language>": {"<text>": "…"}}, known languages and texts only.

    The one check of the web form and the API (through surveys.editing.survey_problems): a wrong shape is
    refused before it is saved, so no preview, page or invitation ever meets it.
    """
    if not isinstance(value, dict):
        raise ValidationError(_('Give the translations as {"ja": {"question": "…"}}, one entry per language.'))
    languages = dict(settings.LANGUAGES)
    problems = []
    for language, texts in value.items():
        if language not in languages:
            problems.append(
                _("%(language)s is not a language of this site; use %(languages)s.")
                % {"language": language, "languages": ", ".join(languages)}
            )
        elif not isinstance(texts, dict):
            problems.append(_('%(language)s: give its texts as {"question": "…"}.') % {"language": language})
        else:
            problems += _text_problems(language, texts)
    if problems:
        raise ValidationError(problems)


def _text_problems(language: str, texts: dict) -> list[str]:
    problems = []
    for name, text in texts.items():
        where = {"language": language, "name": name}
        if name not in TRANSLATABLE_TEXTS:
            problems.append(
                _("%(language)s: %(name)s is not a text of a survey; use %(names)s.")
                % {**where, "names": ", ".join(TRANSLATABLE_TEXTS)}
            )
        elif not isinstance(text, str) or not is_storable(text):
            problems.append(_("%(language)s: %(name)s must be text.") % where)
        elif len(text) > TRANSLATABLE_TEXTS[name]:
            problems.append(
                _("%(language)s: %(name)s has %(length)s characters; at most %(limit)s.")
                % {**where, "length": len(text), "limit": TRANSLATABLE_TEXTS[name]}
            )
    return problems


_ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def validate_origins(value: str) -> None:
    """One origin per line: scheme, host and optional port, nothing else (no path, no wildcard)."""
    for line in value.split():
        if not _ORIGIN.match(line):
            raise ValidationError(_("%(origin)s is not an origin like https://app.example.com.") % {"origin": line})


#: Host names that are examples or placeholders, never a real review site (RFC 2606, RFC 6761).
PLACEHOLDER_HOSTS = ("example.com", "example.net", "example.org", "localhost")
PLACEHOLDER_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local")


def validate_review_site(url: str) -> None:
    """A review site customers can open: https, and not an example or placeholder address."""
    if not url:
        return
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        raise ValidationError(_("Use the review site's https:// address."))
    bare = host.removeprefix("www.")
    if not host or bare in PLACEHOLDER_HOSTS or host.endswith(PLACEHOLDER_SUFFIXES) or "." not in host:
        raise ValidationError(
            _("%(host)s is an example address, not a review site: use your page on the review site.") % {"host": host}
        )


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
    review_url = models.URLField(
        blank=True,
        validators=[validate_review_site],
        help_text=_("Promoters are invited to review you here (https). Empty: no review invitation is sent."),
    )
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
    email_subject = models.CharField(
        _("Email subject"),
        max_length=200,
        blank=True,
        help_text=_("The invitation's subject line. Empty: the standard subject in the customer's language."),
    )
    translations = models.JSONField(
        default=dict,
        blank=True,
        help_text=_('Texts per language: {"ja": {"question": "…", "email_subject": "…"}}'),
    )
    status = models.CharField(max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT)
    default_language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    link_lifetime_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1, _("A link must stay valid for at least one day."))],
        help_text=_("Days an emailed link stays valid."),
    )
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
        translated = self.translation(name, language)
        if translated or getattr(self, name):
            return translated or getattr(self, name)
        if name == "question":
            return str(STANDARD_QUESTIONS.get(self.kind, STANDARD_QUESTIONS[SurveyKind.NPS]))
        return str(STANDARD_TEXTS.get(name, ""))

    def translation(self, name: str, language: str) -> str:
        """The text's translation into `language`, "" when there is none."""
        texts = self.translations.get(language) if isinstance(self.translations, dict) else None
        # A row stored before validate_translations may hold any shape: it reads as no translation, never a crash.
        return texts.get(name) if isinstance(texts, dict) and isinstance(texts.get(name), str) else ""

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
