"""Teams, cases with their timeline, and the outbox every customer email goes through."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="support_teams", blank=True)
    is_default = models.BooleanField(default=False, help_text=_("New cases go here unless a rule says otherwise."))

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_team")
        ]

    def __str__(self):
        return self.name


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WONT_FIX = "wont_fix", _("Won't fix")
    SPAM = "spam", _("Spam")


OPEN_STATUSES = [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING]


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, user):
        """Managers and admins see every case; an agent sees their teams' cases."""
        if user.has_perm("followup.view_all_cases"):
            return self
        if not user.has_perm("followup.view_case"):
            return self.none()
        return self.filter(team__members=user)

    def in_queue_order(self):
        return self.order_by("-priority", "first_response_due", "pk")


class Case(models.Model):
    feedback = models.OneToOneField("reviews.Feedback", on_delete=models.CASCADE, related_name="case")
    contact = models.ForeignKey("surveys.Contact", on_delete=models.SET_NULL, null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="owned_cases"
    )
    status = models.CharField(max_length=12, choices=CaseStatus.choices, default=CaseStatus.NEW)
    priority = models.PositiveSmallIntegerField(default=0)
    priority_factors = models.JSONField(default=list, blank=True)
    opened_at = models.DateTimeField(default=timezone.now)
    first_response_due = models.DateTimeField()
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        permissions = [("view_all_cases", "Can see every team's cases")]
        indexes = [models.Index(fields=["status", "-priority", "first_response_due"], name="case_queue_idx")]

    def __str__(self):
        return f"Case #{self.pk}"

    @property
    def is_overdue(self) -> bool:
        return self.first_responded_at is None and self.first_response_due <= timezone.now()


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    ASSIGNED = "assigned", _("Assigned")
    NOTE = "note", _("Internal note")
    EMAIL_SENT = "email_sent", _("Email sent")
    CUSTOMER_REPLY = "customer_reply", _("Customer reply")
    CALL = "call", _("Call logged")
    COMPENSATION = "compensation", _("Compensation given")
    STATUS = "status", _("Status change")
    ESCALATED = "escalated", _("Escalated")


class CaseEvent(models.Model):
    """One line of a case's append-only timeline."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    body = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.case}: {self.kind}"


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
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    language = models.CharField(max_length=10, default="en")
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=300, blank=True)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="emails")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_pending_idx")]

    def __str__(self):
        return self.idempotency_key
