"""Recurring relationship surveys: each contact of a saved segment asked every N days, the work spread evenly
over the chosen weekdays and hours.

Each hour the beat runs every schedule. In an open hour (a chosen weekday, inside the hour window, in the
schedule's time zone) a schedule invites its hour's share: the segment's size × 7 / N contacts a week, divided
by the open hours of a week, rounded up; it takes them among the contacts whose last invitation to this
survey is N days old or older (never asked first, then the longest ago). The invitations go through
`services.invite_contacts`, so the throttle, the suppression list and archiving apply as for any send (a
throttled contact gets a skipped invitation with the reason, and is due again N days later). The schedule's
row lock and its `last_slot` make a second run in the same hour, or two at once, invite nobody twice.
"""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback_platform.activity import Actor, changed_fields, record_activity

from . import services
from .audiences import matching_contacts
from .models import Contact, Invitation, RecurringSend

EDITABLE = ["survey", "segment", "every_days", "weekdays", "hour_from", "hour_to", "timezone", "active"]


def slot_of(moment: datetime) -> int:
    """The hour a run belongs to: hours since the epoch (UTC)."""
    return int(moment.timestamp() // 3600)


def open_hours_a_week(schedule: RecurringSend) -> int:
    return len(set(schedule.weekdays)) * max(0, schedule.hour_to - schedule.hour_from)


def is_open(schedule: RecurringSend, moment: datetime) -> bool:
    local = moment.astimezone(ZoneInfo(schedule.timezone))
    return local.weekday() in schedule.weekdays and schedule.hour_from <= local.hour < schedule.hour_to


def hourly_share(schedule: RecurringSend, population: int) -> int:
    """Contacts to invite in one open hour so that `population` contacts are each asked every N days."""
    hours = open_hours_a_week(schedule)
    if not hours or not population:
        return 0
    return math.ceil(population * 7 / (schedule.every_days * hours))


def due_contacts(schedule: RecurringSend, now: datetime) -> QuerySet[Contact]:
    """The segment's contacts not invited to this survey in the last N days, never asked first, then the
    longest ago. Any invitation counts, a skipped one too: a throttled contact waits N days, not one hour."""
    invitations = Invitation.objects.filter(survey_id=schedule.survey_id, contact_id=OuterRef("pk"))
    recent = invitations.filter(created_at__gt=now - timedelta(days=schedule.every_days))
    last = invitations.order_by("-created_at").values("created_at")[:1]
    return (
        matching_contacts(schedule.segment.conditions)
        .exclude(Exists(recent))
        .annotate(last_asked=Subquery(last))
        .order_by(F("last_asked").asc(nulls_first=True), "pk")
    )


@transaction.atomic
def run_recurring_send(*, schedule_id: int, now: datetime | None = None) -> int:
    """Invite this hour's share of one schedule; returns invitations made (skipped ones included)."""
    now = now or timezone.now()
    # Two beats or a redelivered task: the second waits for nothing (skip_locked) or finds the hour done.
    schedule = (
        RecurringSend.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("survey", "segment")
        .filter(pk=schedule_id, active=True)
        .first()
    )
    slot = slot_of(now)
    if schedule is None or not schedule.survey.is_active or not is_open(schedule, now):
        return 0
    if schedule.last_slot is not None and schedule.last_slot >= slot:
        return 0
    share = hourly_share(schedule, matching_contacts(schedule.segment.conditions).count())
    picked = list(due_contacts(schedule, now).only("pk", "email", "name", "archived_at")[:share])
    services.invite_contacts(
        survey=schedule.survey,
        contacts=picked,
        idempotency_keys=[f"recurring:{schedule.pk}:{slot}:{contact.pk}" for contact in picked],
    )
    schedule.last_slot = slot
    schedule.save(update_fields=["last_slot"])
    return len(picked)


def run_recurring_sends(now: datetime | None = None) -> int:
    """Every active schedule's share for this hour (the beat, hourly)."""
    ids = RecurringSend.objects.filter(active=True).values_list("pk", flat=True)
    return sum(run_recurring_send(schedule_id=pk, now=now) for pk in list(ids))


def schedule_problems(schedule: RecurringSend) -> dict[str, str]:
    """Field → why the schedule cannot be saved so; the page's and the API's one check."""
    problems: dict[str, str] = {}
    try:
        schedule.full_clean(exclude=["survey", "segment"], validate_constraints=False)  # hours: named below
    except ValidationError as error:
        problems.update({name: " ".join(messages) for name, messages in error.message_dict.items()})
    days = schedule.weekdays
    if not isinstance(days, list) or not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
        problems["weekdays"] = _("One or more weekdays, 0 (Monday) to 6 (Sunday).")
    if "hour_to" not in problems and "hour_from" not in problems and schedule.hour_from >= schedule.hour_to:
        problems["hour_to"] = _("The window ends after it starts.")
    if not schedule.segment_id:
        problems["segment"] = _("Choose a saved segment.")
    if not schedule.survey_id:
        problems["survey"] = _("Choose a survey.")
    return problems


@transaction.atomic
def save_recurring_send(*, actor: Actor, schedule: RecurringSend) -> RecurringSend:
    """Create or change a recurring send (checked by `schedule_problems`); the entry names the changed fields."""
    problems = schedule_problems(schedule)
    if problems:
        raise ValidationError(problems)
    schedule.weekdays = sorted(set(schedule.weekdays))
    created = schedule._state.adding
    fields = changed_fields(schedule, EDITABLE)
    schedule.save()
    if created or fields:
        action = "surveys.recurring_send.created" if created else "surveys.recurring_send.changed"
        record_activity(actor=actor, action=action, target=schedule, payload={"fields": fields})
    return schedule
