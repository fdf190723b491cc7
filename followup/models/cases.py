import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import Feedback

from .teams import Team


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")
    WONT_FIX = "wont_fix", _("Won't fix")
    SPAM = "spam", _("Spam")


OPEN_STATUSES = [CaseStatus.NEW, CaseStatus.IN_PROGRESS, CaseStatus.WAITING]


class RecoveryOutcome(models.TextChoices):
    PROMOTER = "promoter", _("Detractor → promoter")
    PASSIVE = "passive", _("Detractor → passive")
    DETRACTOR = "detractor", _("Still detractor")
    NO_ANSWER = "no_answer", _("No answer")


class RootCause(models.Model):
    """Why the customer was unhappy, from a list admins keep."""

    name = models.CharField(max_length=100, unique=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


def new_reply_token() -> str:
    return secrets.token_urlsafe(12)


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, user):
        """Managers and admins see every case; an agent sees their teams' cases."""
        if sees_every_case(user):
            return self
        if not user.has_perm("followup.view_case"):
            return self.none()
        return self.filter(team__members=user)

    def in_queue_order(self):
        return self.order_by("-priority", "first_response_due", "pk")

    def overdue(self, *, now: datetime | None = None) -> "CaseQuerySet":
        """Open cases whose first response is due and not given yet: the queue's filter, the escalation
        sweep and the KPIs. The twin of `Case.is_overdue`; tests/followup/test_cases.py holds them together."""
        return self.filter(overdue_condition(now or timezone.now()))

    def copy_feedback_segments(self) -> int:
        """Set each case's copy of the segment from its feedback in one UPDATE, after a set-based
        re-classification (reviews.thresholds.reclassify) changed many feedback segments at once."""
        segment = Feedback.objects.filter(pk=models.OuterRef("feedback_id")).values("segment")[:1]
        return self.update(segment=models.Subquery(segment))


def sees_every_case(user) -> bool:
    """Managers and admins: every team's cases, and so every customer and feedback (followup.visibility)."""
    return user.has_perm("followup.view_all_cases")


def overdue_condition(now: datetime) -> models.Q:
    """The overdue rule as a filter; `Case.is_overdue` says the same of one case in Python."""
    return models.Q(status__in=OPEN_STATUSES, first_responded_at__isnull=True, first_response_due__lte=now)


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
    resolution_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    first_response_escalated_at = models.DateTimeField(null=True, blank=True)
    resolution_escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    root_cause = models.ForeignKey(RootCause, on_delete=models.PROTECT, null=True, blank=True)
    resolution_summary = models.TextField(blank=True)
    # Customer replies are matched to the case by this token in the Reply-To address.
    reply_token = models.CharField(max_length=32, unique=True, default=new_reply_token, editable=False)
    recovery_due_at = models.DateTimeField(null=True, blank=True)
    recovery_invitation = models.OneToOneField(
        "surveys.Invitation", on_delete=models.SET_NULL, null=True, blank=True, related_name="recovery_case"
    )
    recovery_outcome = models.CharField(max_length=10, choices=RecoveryOutcome.choices, blank=True)
    recovery_feedback = models.ForeignKey(
        "reviews.Feedback", on_delete=models.SET_NULL, null=True, blank=True, related_name="recovered_cases"
    )
    # Copies of the feedback labels the queue filters on, so filtering and counting
    # open cases never scans the (much larger) feedback table. Kept by followup.cases.
    segment = models.CharField(max_length=10, blank=True)
    kind = models.CharField(max_length=8, blank=True)
    language = models.CharField(max_length=10, blank=True)
    churn_intent = models.CharField(max_length=20, blank=True)
    survey = models.ForeignKey("surveys.Survey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    search_text = models.TextField(blank=True, help_text=_("Customer name, email and comment, lower-cased."))
    # The helpdesk ticket this case is also worked in (followup.tickets.link_ticket): which helpdesk, its id
    # there and the agent's address of the ticket, shown on the case page.
    ticket_system = models.CharField(max_length=20, blank=True)
    ticket_id = models.CharField(max_length=64, blank=True)
    ticket_url = models.URLField(max_length=500, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        permissions = [("view_all_cases", "Can see every team's cases")]
        indexes = [
            # The queue's order over open cases: a page is read straight off this index.
            models.Index(
                fields=["-priority", "first_response_due", "id"],
                condition=models.Q(status__in=["new", "in_progress", "waiting"]),
                name="case_open_queue_idx",
            ),
            models.Index(fields=["first_response_due"], name="case_first_response_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | models.Q(resolved_at__isnull=False),
                name="resolved_case_has_resolved_at",
            ),
        ]

    def __str__(self):
        return f"Case #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_reopened_by_customer(self) -> bool:
        """Its priority counts the emailed reply that reopened it (followup.cases.add_customer_reply)."""
        return any(factor.get("factor") == "reopened_by_customer" for factor in self.priority_factors or [])

    @property
    def is_overdue(self) -> bool:
        """The twin of `Case.objects.overdue()` (overdue_condition), for one case already loaded."""
        return self.is_open and self.first_responded_at is None and self.first_response_due <= timezone.now()


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
    RECOVERY = "recovery", _("Recovery survey")
    TICKET = "ticket", _("Helpdesk ticket")


class CaseEvent(models.Model):
    """One line of a case's append-only timeline: rows are added, never changed."""

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

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("case events are append-only")
        super().save(*args, **kwargs)


class CompensationKind(models.TextChoices):
    COUPON = "coupon", _("Coupon")
    REFUND = "refund", _("Refund")
    GIFT = "gift", _("Gift")
    FREE_SHIPPING = "free_shipping", _("Free shipping")


class Compensation(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="compensations")
    kind = models.CharField(max_length=14, choices=CompensationKind.choices)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)
    note = models.CharField(max_length=300, blank=True)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="compensation_not_negative")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} {self.currency}"


class PriorityWeight(models.Model):
    """The weight of one priority factor; admins tune these (followup/priority.py has the defaults)."""

    factor = models.CharField(max_length=30, unique=True)
    weight = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["factor"]

    def __str__(self):
        return f"{self.factor}: {self.weight}"
