"""Contacts, and the suppression list of addresses never to be asked."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Trim
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

#: The contact attributes the reports group by, each with the longest value they keep (the columns of
#: reviews.FeedbackRollup). Longer values are refused where contacts arrive (surveys.contact_rows).
REPORTED_ATTRIBUTES = {"plan": 50, "region": 50, "product": 100}


class Tag(models.Model):
    """A label on contacts ("vip", "beta"), for sending to them: kept lower-case and trimmed (`tag_name`)."""

    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


def tag_name(text: str) -> str:
    """The one spelling of a tag: trimmed, lower-case, inner spaces kept single."""
    return " ".join(str(text).split()).lower()[:50]


class Contact(models.Model):
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=200, blank=True)
    external_id = models.CharField(max_length=100, null=True, blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    customer_since = models.DateField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True, help_text=_("plan, product, lifetime value, region…"))
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True, help_text=_("Archived contacts are kept, never asked."))
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")

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

    def clean(self):
        from surveys.contact_rows import attribute_problems  # the rows' rule, for the admin's form

        problems = attribute_problems(self.attributes)
        if problems:
            raise ValidationError({"attributes": [f"{name}: {reason}" for name, reason in problems.items()]})


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
    BOUNCED = "bounced", _("Bounced")
    COMPLAINED = "complained", _("Complained")
    ERASED = "erased", _("Erased")


def email_hash(email: str) -> str:
    """The keyed hash an erased person's address is kept as (HMAC-SHA256 with SUPPRESSION_HASH_KEY, by default
    SECRET_KEY): it tells a re-imported address from others without keeping the address itself."""
    key = getattr(settings, "SUPPRESSION_HASH_KEY", "") or settings.SECRET_KEY
    return salted_hmac("surveys.suppression", normalized_email(email), secret=key, algorithm="sha256").hexdigest()


def normalized_email(email: str) -> str:
    return email.strip().lower()


class SuppressionQuerySet(models.QuerySet):
    """The suppression rule, once: an address is covered by a listed one that matches it ignoring case and
    surrounding spaces, or by the keyed hash an erased person's address is kept as. Every sending path asks
    through these three."""

    def covering(self, email: str):
        address = normalized_email(email)
        return self.alias(address=Lower("email")).filter(
            models.Q(address=address) | models.Q(email_hash=email_hash(address))
        )

    def covering_ref(self, ref):
        """For Exists() in a query over other rows: `ref` is an OuterRef to their address. SQL cannot compute
        the keyed hash, so this sees listed addresses only: its one user (reminders) only reminds invitations
        that were sent, and the send-time check (`covering_any`) sees the hashes."""
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
            hashes = {email_hash(key): key for key in keys[start : start + 500]}
            for hashed, reason in self.filter(email_hash__in=hashes).values_list("email_hash", "reason"):
                found.setdefault(hashes[hashed], reason)
        return {email: reason for key, reason in found.items() for email in given[key]}


class Suppression(models.Model):
    """An address no email may go to: every send checks this list first."""

    email = models.EmailField(max_length=254, blank=True, help_text=_("Empty once the person is erased."))
    # An erased person's address, kept only as `email_hash(address)`, so they are never emailed again.
    email_hash = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=12, choices=SuppressionReason.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SuppressionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), condition=~models.Q(email=""), name="suppression_email_unique_ci"),
            models.UniqueConstraint(
                fields=["email_hash"], condition=~models.Q(email_hash=""), name="suppression_email_hash_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(email="", email_hash=""), name="suppression_has_address_or_hash"
            ),
        ]

    def __str__(self):
        return f"{self.email or _('erased address')} ({self.reason})"


def is_suppressed(email: str) -> bool:
    return Suppression.objects.covering(email).exists()
