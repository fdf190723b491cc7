import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What the product remembers about a staff user: the language emails to them use, and how emails they
    write to customers are signed (never with the username)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    display_name = models.CharField(
        _("display name"), max_length=100, blank=True, help_text=_("How customers see you, e.g. Anna Schmidt.")
    )
    # {language code: the lines under the name}; a language without one falls back to the user's own language's.
    signatures = models.JSONField(_("signatures"), default=dict, blank=True)

    def __str__(self):
        return f"{self.user}: {self.language}"

    def signature(self, language: str) -> str:
        """The signature lines for an email in `language`: that language's, else the user's own language's."""
        signatures = self.signatures or {}
        return (signatures.get(language) or signatures.get(self.language) or "").strip()

    def sign_off(self, language: str) -> str:
        """How an email this user writes in `language` ends: the display name, then the signature lines."""
        return "\n".join(part for part in (self.display_name.strip(), self.signature(language)) if part)


def profile_of(user) -> Profile:
    """The user's profile; an unsaved empty one for a user who never set anything."""
    return Profile.objects.filter(user=user).first() or Profile(user=user)


def display_name_of(user) -> str:
    """The name customers see for this staff user; empty until they set one (never the username)."""
    return profile_of(user).display_name.strip() if user is not None else ""


def language_of(user) -> str:
    profile = Profile.objects.filter(user=user).first()
    return profile.language if profile else settings.LANGUAGE_CODE


class ActorKind(models.TextChoices):
    USER = "user", _("User")
    TOKEN = "token", _("API token")
    SYSTEM = "system", _("System")
    CUSTOMER = "customer", _("Customer")


class ActivityIsAppendOnly(Exception):
    """An activity entry is never changed or deleted; `redact_activity` is the one way to blank personal data."""


class ActivityQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ActivityIsAppendOnly("activity entries are append-only; use redact_activity")

    def delete(self):
        raise ActivityIsAppendOnly("activity entries are append-only; use redact_activity")

    def for_target(self, obj: models.Model) -> "ActivityQuerySet":
        return self.filter(target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk))

    def action_prefix(self, prefix: str) -> "ActivityQuerySet":
        """`surveys.` or `surveys.survey` or `surveys.survey.archived`: whole name parts, never half a word."""
        prefix = prefix.strip().strip(".")
        return self.filter(models.Q(action=prefix) | models.Q(action__startswith=f"{prefix}."))


class ActivityEntry(models.Model):
    """One thing a person, an API token or the system did, written once and never changed (the audit log).

    Written only by `feedback_platform.activity.record_activity`; `redact_activity` blanks personal data in
    the payload and the label and keeps the entry.
    """

    created_at = models.DateTimeField(default=timezone.now)
    actor_kind = models.CharField(max_length=8, choices=ActorKind.choices)
    # The user who acted, or whose API token did; the label keeps the name if the user is deleted later.
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=100, help_text=_("Namespaced: app.object.verb, e.g. surveys.survey.archived"))
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    redacted_at = models.DateTimeField(null=True, blank=True)

    objects = ActivityQuerySet.as_manager()

    class Meta:
        verbose_name = _("activity entry")
        verbose_name_plural = _("activity entries")
        ordering = ["-created_at", "-pk"]
        # The foreign keys get no index of their own: the composite indexes below start with them, and every
        # index is one more write on this hot insert.
        indexes = [
            # What the activity page filters on, each newest first (the page's order).
            models.Index(fields=["-created_at"], name="activity_created_idx"),
            models.Index(fields=["actor_user", "-created_at"], name="activity_actor_idx"),
            models.Index(fields=["actor_kind", "-created_at"], name="activity_actor_kind_idx"),
            models.Index(fields=["target_type", "target_id", "-created_at"], name="activity_target_idx"),
            # Prefix search: LIKE 'surveys.%' needs the pattern operator class unless the collation is C.
            models.Index(fields=["action"], name="activity_action_idx", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label or self.actor_kind} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ActivityIsAppendOnly("activity entries are append-only; use redact_activity")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ActivityIsAppendOnly("activity entries are append-only; use redact_activity")

    @property
    def payload_pairs(self) -> list[tuple[str, str]]:
        """The payload as (key, text) pairs for display; a template's `.items` would look up a key "items"."""
        return [(key, value_text(value)) for key, value in (self.payload or {}).items()]


def value_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, cls=DjangoJSONEncoder)


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Not expired: no expiry, or one still ahead (the twin of ApiToken.is_expired)."""
        now = now or timezone.now()
        return self.filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A named API key of a staff user: many per user, each revocable, optionally expiring.

    Only the SHA-256 of the key is kept (the key is shown once, when made); `prefix` lets its owner
    recognise it in the list. A password change deletes them all (feedback_platform/api_tokens.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
