from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def one_line(value: str) -> None:
    """A header value: no line breaks or control characters, no address brackets."""
    if any(not ch.isprintable() for ch in value) or any(ch in value for ch in '<>"@'):
        raise ValidationError(_("Use a plain name: no line breaks, quotes, @ or angle brackets."))


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="support_teams", blank=True
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="led_teams",
        help_text=_("Hears about escalations first."),
    )
    topics = models.JSONField(
        default=list, blank=True, help_text=_("Topic slugs routed to this team, e.g. billing, refunds.")
    )
    is_default = models.BooleanField(default=False, help_text=_("New cases go here unless a rule says otherwise."))
    auto_assign = models.BooleanField(default=True, help_text=_("Give new cases round-robin to available members."))
    # The team's own sender for its cases' emails; empty: the site's DEFAULT_FROM_EMAIL.
    sender_name = models.CharField(
        max_length=100, blank=True, validators=[one_line], help_text=_("Shown as the sender, e.g. Northwind Billing.")
    )
    sender_email = models.EmailField(blank=True, help_text=_("From address of this team's case emails."))
    # Staff notifications that go to the team as a whole (a Slack channel) speak this; empty: LANGUAGE_CODE.
    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Language of the messages to the team's channel; empty: the site's default."),
    )
    reply_to_email = models.EmailField(
        blank=True,
        help_text=_(
            "Reply-To of this team's case emails; empty: the case's own reply address (replies reach the case)."
        ),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_team")
        ]

    def __str__(self):
        return self.name

    @property
    def channel_language(self) -> str:
        """The language of what is written to the team as a whole (not to one member, who has their own)."""
        return self.language or settings.LANGUAGE_CODE


class TeamMembership(models.Model):
    """An agent in a team; round-robin assignment picks the available member assigned longest ago."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    is_available = models.BooleanField(default=True)
    last_assigned_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")]

    def __str__(self):
        return f"{self.user} in {self.team}"
